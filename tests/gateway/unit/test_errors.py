"""gateway/errors.py: a gRPC status and its details in, the exact JSON-RPC error object out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from campaigns.v1 import campaign_service_pb2
from google.protobuf import any_pb2

from contract.limits import LIMITS_KEY, Limits, encode_limits
from gateway import translate
from gateway.errors import STATUS_DETAILS, answer_metadata, jsonrpc_error, status_details
from tests.gateway.unit.support import details, info, violation

LIMITS = Limits(
    day_limit=1000, day_remaining=997, day_reset=3600, minute_limit=30, minute_remaining=29, minute_reset=59
)
LIMITS_JSON = {
    "day_limit": 1000,
    "day_remaining": 997,
    "day_reset": 3600,
    "minute_limit": 30,
    "minute_remaining": 29,
    "minute_reset": 59,
}
INTERNAL = {"code": -32603, "message": "Internal error, contact the support service"}

PARAMS: dict[str, Any] = {
    "access_token": "tok",
    "name": "Spring sale",
    "site_id": "10",  # a fault the gateway finds itself: wrong type
    "site_blocks": [
        {"site_block_id": 101, "phone_number_id": 301},
        {"site_block_id": 102, "phone_number_id": 12345678901234567890123},
    ],
    "dynamic_call_tracking": {"count_visits": None},
    "ünknown": {"deep": [1, 2]},
}


@dataclass(frozen=True)
class Case:
    code: grpc.StatusCode
    trailing: tuple[tuple[str, str | bytes], ...]
    expected: dict[str, Any]  # code and message; data without metadata
    limits: bool = False
    warning: str | None = None
    params: dict[str, Any] = field(default_factory=lambda: PARAMS)


def error(code: int, message: str, mnemonic: str, **data: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "data": {"mnemonic": mnemonic, **data}}


WITH_LIMITS = ((LIMITS_KEY, encode_limits(LIMITS)),)

TABLE = [
    pytest.param(
        Case(
            grpc.StatusCode.INVALID_ARGUMENT,
            (
                (
                    STATUS_DETAILS,
                    details(
                        info("REQUIRED_PARAMETER_MISSED", field="site_blocks.redirection_phone_number_id"),
                        violation("site_blocks[1].redirection_phone_number_id"),
                    ),
                ),
            ),
            error(
                -32602,
                "The required parameter has been missed",
                "required_parameter_missed",
                field="site_blocks.redirection_phone_number_id",
                params={},
            ),
        ),
        id="parameter-not-sent: field without indices, no value",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.ALREADY_EXISTS,
            (
                (
                    STATUS_DETAILS,
                    details(
                        info("ALREADY_IN_USE", field="site_blocks.phone_number_id", value="301"),
                        violation("site_blocks[0].phone_number_id"),
                    ),
                ),
                *WITH_LIMITS,
            ),
            error(
                -32602,
                "This value is already used by another entity",
                "already_in_use",
                field="site_blocks.phone_number_id",
                value="301",
                params={},
            ),
            limits=True,
        ),
        id="value from the client's params at the indexed path, limits",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.INVALID_ARGUMENT,
            (
                (
                    STATUS_DETAILS,
                    details(
                        info("INVALID_PARAMETER_VALUE", field="site_blocks.phone_number_id", value="1234…"),
                        violation("site_blocks[1].phone_number_id"),
                    ),
                ),
            ),
            error(
                -32602,
                "Invalid parameter value",
                "invalid_parameter_value",
                field="site_blocks.phone_number_id",
                value="12345678901234567890123",
                params={},
            ),
        ),
        id="value echoed whole, not the service's cut copy",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.INVALID_ARGUMENT,
            (
                (
                    STATUS_DETAILS,
                    details(
                        info("INVALID_PARAMETER_VALUE", field="site_blocks.phone_number_id", value="1234…"),
                        violation("site_blocks[1].phone_number_id", "site_id", "ünknown"),
                    ),
                ),
            ),
            error(
                -32602,
                "Invalid parameter value",
                "invalid_parameter_value",
                field="site_blocks.phone_number_id",
                value="12345678901234567890123",
                params={},
            ),
        ),
        id="every violation listed: the first is answered, the rest ignored",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.INVALID_ARGUMENT,
            ((STATUS_DETAILS, details(info("DATA_TYPE_ERROR", field="site_id"), violation("site_id"))),),
            error(-32602, "Data supplied is of wrong type", "data_type_error", field="site_id", value="10", params={}),
        ),
        id="a fault the gateway found: its field and the value sent",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.INVALID_ARGUMENT,
            ((STATUS_DETAILS, details(info("UNEXPECTED_PARAMETERS", field="ünknown"), violation("ünknown"))),),
            error(
                -32602,
                "Unexpected method parameter(s)",
                "unexpected_parameters",
                field="ünknown",
                value='{"deep":[1,2]}',
                params={},
            ),
        ),
        id="unknown key: the value as compact JSON",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.INVALID_ARGUMENT,
            ((STATUS_DETAILS, details(info("INVALID_PARAMETER_VALUE", field="dynamic_call_tracking.count_visits"))),),
            error(
                -32602,
                "Invalid parameter value",
                "invalid_parameter_value",
                field="dynamic_call_tracking.count_visits",
                params={},
            ),
        ),
        id="path from ErrorInfo when there is no BadRequest; null counts as not sent",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            (
                (STATUS_DETAILS, details(info("LIMIT_EXCEEDED", limit_type="minute", limit_max_value="30"))),
                *WITH_LIMITS,
            ),
            error(
                -32029,
                "Limit per minute has been exceeded. Value of current limit per minute is 30",
                "limit_exceeded",
                params={"limit_type": "minute", "limit_max_value": 30},
            ),
            limits=True,
        ),
        id="message params, limit_max_value as a number",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            ((STATUS_DETAILS, details(info("LIMIT_EXCEEDED", limit_type="day", limit_max_value="lots"))),),
            error(
                -32029,
                "Limit per day has been exceeded. Value of current limit per day is lots",
                "limit_exceeded",
                params={"limit_type": "day", "limit_max_value": "lots"},
            ),
        ),
        id="a non-numeric integer param stays text",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.PERMISSION_DENIED,
            ((STATUS_DETAILS, details(info("IP_NOT_WHITELISTED", ip="198.51.100.9"))), *WITH_LIMITS),
            error(
                -32003, "Your IP 198.51.100.9 is not whitelisted", "ip_not_whitelisted", params={"ip": "198.51.100.9"}
            ),
            limits=True,
        ),
        id="params in the message",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.PERMISSION_DENIED,
            ((STATUS_DETAILS, details(info("PROTECTED_ENTITY", field="site_id", value="7"), violation("site_id"))),),
            error(-32602, "Permission denied", "forbidden", field="site_id", params={}),
            params={"site_id": None},
        ),
        id="the catalogue's own mnemonic (protected_entity is forbidden); a null is no value",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.UNAUTHENTICATED,
            ((STATUS_DETAILS, details(info("ACCESS_TOKEN_INVALID"))),),
            error(-32001, "Access token is invalid", "access_token_invalid", params={}),
        ),
        id="limits absent",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.INTERNAL,
            WITH_LIMITS,
            {**INTERNAL, "data": {"mnemonic": "internal_error", "params": {}}},
            limits=True,
            warning="gRPC INTERNAL without contract details",
        ),
        id="no details: internal_error with the limits, logged",
    ),
    pytest.param(
        Case(grpc.StatusCode.UNAVAILABLE, (), {**INTERNAL, "data": {"mnemonic": "internal_error", "params": {}}}),
        id="service unreachable: internal_error, not logged",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.DEADLINE_EXCEEDED,
            (("x-other", "1"),),
            {**INTERNAL, "data": {"mnemonic": "internal_error", "params": {}}},
        ),
        id="deadline passed: internal_error, not logged",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.INVALID_ARGUMENT,
            ((STATUS_DETAILS, b"\xff\xff not a status"),),
            {**INTERNAL, "data": {"mnemonic": "internal_error", "params": {}}},
            warning="gRPC INVALID_ARGUMENT without contract details",
        ),
        id="malformed status details",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.INVALID_ARGUMENT,
            (
                (
                    STATUS_DETAILS,
                    details(any_pb2.Any(type_url="type.googleapis.com/google.rpc.ErrorInfo", value=b"\xff\xff\xff")),
                ),
            ),
            {**INTERNAL, "data": {"mnemonic": "internal_error", "params": {}}},
            warning="gRPC INVALID_ARGUMENT without contract details",
        ),
        id="malformed ErrorInfo inside a good status",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.INVALID_ARGUMENT,
            ((STATUS_DETAILS, "text, not bytes"),),
            {**INTERNAL, "data": {"mnemonic": "internal_error", "params": {}}},
            warning="gRPC INVALID_ARGUMENT without contract details",
        ),
        id="status details that are not binary",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.FAILED_PRECONDITION,
            ((STATUS_DETAILS, details(info("NO_SUCH_REASON"))),),
            {**INTERNAL, "data": {"mnemonic": "internal_error", "params": {}}},
            warning="gRPC FAILED_PRECONDITION without contract details",
        ),
        id="a reason outside the catalogue",
    ),
    pytest.param(
        Case(
            grpc.StatusCode.INVALID_ARGUMENT,
            ((STATUS_DETAILS, details(violation("name"))),),
            {**INTERNAL, "data": {"mnemonic": "internal_error", "params": {}}},
            warning="gRPC INVALID_ARGUMENT without contract details",
        ),
        id="a violation without an ErrorInfo",
    ),
]


@pytest.mark.parametrize("case", TABLE)
def test_status_to_jsonrpc_error(case: Case) -> None:
    translation = translate.to_message(
        case.params, campaign_service_pb2.CreateCampaignRequest(), skip=frozenset({"access_token"})
    )
    mapped = jsonrpc_error(case.code, case.trailing, case.params, translation)
    expected_data = {**case.expected["data"], "metadata": {"limits": LIMITS_JSON} if case.limits else {}}
    assert mapped.error == {**case.expected, "data": expected_data}
    assert list(mapped.error["data"]) == list(expected_data)  # type: ignore[call-overload]
    assert mapped.warning == case.warning


def test_the_first_status_details_count_and_the_first_violation() -> None:
    trailing: list[tuple[str, str | bytes]] = [
        ("x-other", b"\x00"),
        (STATUS_DETAILS, details(info("DATA_TYPE_ERROR"), violation("name"), violation("site_id"))),
        (STATUS_DETAILS, details(info("ACCESS_TOKEN_INVALID"))),
    ]
    read = status_details(trailing)
    assert read.info is not None and read.info.reason == "DATA_TYPE_ERROR"
    assert read.path == "name"
    assert status_details(None).info is None


@pytest.mark.parametrize(
    ("trailing", "expected"),
    [
        (None, {}),
        ((), {}),
        (WITH_LIMITS, {"limits": LIMITS_JSON}),
        (((LIMITS_KEY, b"\xff"), *WITH_LIMITS), {}),  # the first one counts, and it does not decode
        (((LIMITS_KEY, "text"),), {}),
    ],
)
def test_answer_metadata(trailing: Any, expected: dict[str, object]) -> None:
    assert answer_metadata(trailing) == expected
