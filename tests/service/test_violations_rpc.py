"""Every parameter violation at once, over gRPC: one BadRequest lists each, in the contract's order.

The first listed is the error (status code, message, ErrorInfo), and the one the JSON-RPC gateway answers.
Step 7 runs before any query, so SQLite alone (docs/contract.md section 8, docs/decisions.md).
"""

from __future__ import annotations

from typing import Any, Final

import grpc
import pytest
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from google.protobuf.message import Message
from google.rpc import error_details_pb2  # type: ignore[import-untyped,unused-ignore]
from grpc_status import rpc_status

from contract.paths import strip_indices
from gateway import translate
from tests.conftest import Gateway, Service
from tests.service.helpers import MESSAGES, block, condition, conditions, dct, request
from tests.service.rpcs import auth, campaigns_stub

SQLITE_ONLY: Final = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
STATUS_DETAILS: Final = "grpc-status-details-bin"
REQUIRED: Final = "REQUIRED_PARAMETER_MISSED"
INVALID: Final = "INVALID_PARAMETER_VALUE"
C: Final = "campaign_conditions.group_conditions"

# (field, reason) of each listed violation; the description is the reason's catalogue message.
Listed = list[tuple[str, str]]


class Refusal:
    """A failed call as a gRPC caller reads it: the status, its ErrorInfo and BadRequest, the raw details."""

    def __init__(self, error: grpc.aio.AioRpcError) -> None:
        status = rpc_status.from_call(error)
        assert status is not None, error
        self.code, self.message = error.code(), error.details()
        self.raw = next(value for key, value in error.trailing_metadata() or () if key == STATUS_DETAILS)
        self.info = error_details_pb2.ErrorInfo()
        self.bad = error_details_pb2.BadRequest()
        assert [detail.TypeName() for detail in status.details] == ["google.rpc.ErrorInfo", "google.rpc.BadRequest"]
        assert status.details[0].Unpack(self.info) and status.details[1].Unpack(self.bad)

    @property
    def listed(self) -> Listed:
        for each in self.bad.field_violations:
            assert each.description == MESSAGES[each.reason], each
        return [(each.field, each.reason) for each in self.bad.field_violations]

    def assert_first_is_the_error(self) -> None:
        first = self.bad.field_violations[0]
        assert (self.code, self.message) == (grpc.StatusCode.INVALID_ARGUMENT, first.description)
        assert (self.info.reason, self.info.metadata["field"]) == (first.reason, strip_indices(first.field))


async def refused(service: Service, method: str, sent: Message, metadata: tuple[tuple[str, Any], ...] = ()) -> Refusal:
    call = getattr(campaigns_stub(service), method)
    try:
        await call(sent, metadata=(*auth(), *metadata), timeout=60)
    except grpc.aio.AioRpcError as error:
        return Refusal(error)
    raise AssertionError(f"{method} succeeded")


@SQLITE_ONLY
async def test_create_and_update_list_every_violation_with_indexed_paths(service: Service) -> None:
    bad_groups = [[condition()], [condition()], [condition() for _ in range(3)] + [condition("")]]
    create = await refused(
        service,
        "CreateCampaign",
        request(
            name=None,
            status=99,
            campaign_conditions=conditions(*bad_groups),
            site_blocks=[block(101, 302), block(102, None)],
            dynamic_call_tracking=dct(count_visits=0),
        ),
    )
    create.assert_first_is_the_error()
    assert create.info.metadata["field"] == "name"
    assert create.listed == [
        ("name", REQUIRED),
        ("status", INVALID),
        (f"{C}[2].conditions[3].value", INVALID),
        ("site_blocks[1].phone_number_id", REQUIRED),
        ("dynamic_call_tracking.count_visits", INVALID),
    ]

    update = await refused(
        service,
        "UpdateCampaign",
        spb.UpdateCampaignRequest(
            site_id=10,
            name=" ",
            campaign_conditions=conditions([condition(operator=pb.CONDITION_OPERATOR_REGEX, value="(")]),
            site_blocks=[block(101, 302), block(101, 303)],
            cost_ratio=0.5,
        ),
    )
    update.assert_first_is_the_error()
    assert update.listed == [
        ("id", REQUIRED),
        ("name", INVALID),
        (f"{C}[0].conditions[0].value", INVALID),
        ("site_blocks[1].site_block_id", INVALID),
        ("cost_ratio", INVALID),
    ]


@SQLITE_ONLY
async def test_1500_bad_conditions_are_listed_up_to_the_cap_well_under_8_kib(service: Service) -> None:
    # The longest condition paths, each refused by the condition rule.
    channel = condition("nope", parameter=pb.CAMPAIGN_PARAMETER_CHANNEL)
    refusal = await refused(
        service, "CreateCampaign", request(campaign_conditions=conditions(*([channel] * 50 for _ in range(30))))
    )
    refusal.assert_first_is_the_error()
    expected = [(f"{C}[{index // 50}].conditions[{index % 50}].value", INVALID) for index in range(33)]
    assert refusal.listed == expected
    # The status travels in trailing metadata, which gRPC clients cap at 8 KiB by default.
    assert len(refusal.raw) <= 4096


# A sample of bad requests, several violations each, some the gateway finds (unknown keys, wrong JSON
# types, enum spellings with no value): (method, params). The service walks the gateway's own
# translation of them, as it receives it from the gateway.
SAMPLE: Final[list[tuple[str, dict[str, Any]]]] = [
    (
        "create.campaigns",
        {"site_id": 10, "status": "paused", "site_blocks": [{"site_block_id": 101, "phone_number_id": 302}, {}]},
    ),
    ("create.campaigns", {"name": "", "description": "d" * 256, "site_id": 10, "site_blocks": [{"site_block_id": 1}]}),
    ("create.campaigns", {"name": "x", "site_id": "10", "colour": 1, "status": 3}),
    (
        "create.campaigns",
        {
            "name": "x",
            "site_id": 10,
            "campaign_conditions": {
                "group_conditions": [
                    {
                        "conditions": [
                            {"type": "include", "campaign_parameter": "channel", "operator": "sub", "value": "paid"}
                        ]
                    },
                    {
                        "conditions": [
                            {"type": "include", "campaign_parameter": "engine", "operator": "=", "value": "9"}
                        ]
                    },
                ]
            },
        },
    ),
    (
        "create.campaigns",
        {
            "name": "x",
            "site_id": 10,
            "site_blocks": [
                {"site_block_id": 101, "phone_number_id": 302, "size": 1},
                {"site_block_id": 101, "phone_number_id": "a"},
            ],
        },
    ),
    (
        "create.campaigns",
        {"name": "x", "site_id": 10, "dynamic_call_tracking": {"reservation_time": "2y", "count_visits": 0}},
    ),
    ("update.campaigns", {"id": 7, "site_id": 10, "name": " ", "cost_ratio": 0, "cost_ratio_operator": "pow"}),
    ("update.campaigns", {"site_id": "x", "name": "", "site_blocks": [{"site_block_id": 101}, {"phone_number_id": 1}]}),
]
_RPCS: Final = {
    "create.campaigns": ("CreateCampaign", spb.CreateCampaignRequest),
    "update.campaigns": ("UpdateCampaign", spb.UpdateCampaignRequest),
}


@SQLITE_ONLY
async def test_the_first_listed_is_what_the_jsonrpc_gateway_answers(gateway: Gateway) -> None:
    for method, params in SAMPLE:
        answer = await gateway.call(method, {"access_token": "tok_cust", **params})
        rpc, message_type = _RPCS[method]
        translation = translate.to_message(params, message_type())
        faults = translation.faults_metadata()
        metadata = (("x-param-faults-bin", faults),) if faults is not None else ()
        refusal = await refused(gateway.service, rpc, translation.message, metadata)
        refusal.assert_first_is_the_error()
        first = refusal.bad.field_violations[0]
        error = answer["error"]
        assert (error["data"]["mnemonic"], error["data"]["field"], error["message"]) == (
            first.reason.lower(),
            strip_indices(first.field),
            first.description,
        ), (method, params, refusal.listed)
        assert len(refusal.listed) >= 2, (method, params, refusal.listed)
