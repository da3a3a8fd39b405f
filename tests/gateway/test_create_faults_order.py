"""create.campaigns faults through the wire: several faults in one request (the first in the order of
contract section 5 wins), and faults whose message or value needs a closer look.

Contract sections 3 to 7, against the demo data set (docs/demo-data.md). Each row is one
request and the one error object it must produce.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Gateway
from tests.gateway.support_create import (
    assert_create_fault,
    case,
    with_,
)
from tests.gateway.wire import Absent, assert_error, call, message_for

# Several faults in one request: the first in the order of contract section 5 wins.
ORDER: list[Any] = [
    case("unknown-key-and-bad-token", with_(access_token="tok_nope", type="basic"), "access_token_invalid"),
    case(
        "unknown-key-and-no-token",
        with_(access_token=..., type="basic", site_id="10"),
        "required_parameter_missed",
        field="access_token",
    ),
    case("expired-token-and-bad-type", with_(access_token="tok_expired", site_id="10"), "access_token_expired"),
    case("disabled-and-foreign-user", with_(access_token="tok_disabled", user_id=5002), "account_inactive"),
    case(
        "ip-and-foreign-user",
        with_(access_token="tok_ipdeny", user_id=5002, name=5),
        "ip_not_whitelisted",
        out={"ip": "127.0.0.1"},
    ),
    case(
        "foreign-user-and-no-component",
        with_(access_token="tok_nocomp", user_id=5002),
        "entity_not_found",
        field="user_id",
        value="5002",
    ),
    case("no-permission-and-unknown-key", with_(access_token="tok_noperm", type="basic"), "forbidden"),
    case(
        "rate-limited-and-bad-type",
        with_(access_token="tok_ratelimited", site_id="17"),
        "limit_exceeded",
        out={"limit_type": "minute", "limit_max_value": 0},
    ),
    case(
        "rate-limited-and-unknown-key",
        with_(access_token="tok_ratelimited", site_id=17, type="basic"),
        "limit_exceeded",
        out={"limit_type": "minute", "limit_max_value": 0},
    ),
    case(
        "unexpected-beats-missing-at-top",
        with_(name=..., type="basic"),
        "unexpected_parameters",
        field="type",
        value="basic",
    ),
    case(
        "unexpected-beats-missing-in-block",
        with_(site_blocks=[{"zone": "top"}]),
        "unexpected_parameters",
        field="site_blocks.zone",
        value="top",
    ),
    case(
        "first-unknown-key-in-document-order",
        with_(zeta=1, alpha=2),
        "unexpected_parameters",
        field="zeta",
        value="1",
    ),
    case(
        "missing-beats-bad-type-at-same-level",
        with_(site_id=..., name=5),
        "required_parameter_missed",
        field="site_id",
    ),
    case(
        "missing-beats-bad-value-at-same-level",
        with_(name=..., status="paused"),
        "required_parameter_missed",
        field="name",
    ),
    case(
        "first-bad-type-in-document-order",
        {"access_token": "tok_cust", "name": 5, "site_id": "10"},
        "data_type_error",
        field="name",
        value="5",
    ),
    case(
        "field-order-not-json-key-order",
        {"access_token": "tok_cust", "site_id": "10", "name": 5},
        "data_type_error",
        field="name",
        value="5",
    ),
    case(
        "earlier-block-first",
        with_(
            site_blocks=[
                {"site_block_id": "first", "phone_number_id": 302},
                {"site_block_id": 102, "phone_number_id": 303, "x": 1},
            ]
        ),
        "data_type_error",
        field="site_blocks.site_block_id",
        value="first",
    ),
    case(
        "structure-beats-parameter-component",
        {
            "access_token": "tok_nova",
            "name": "N",
            "site_id": 11,
            "status": "paused",
            "site_blocks": [{"site_block_id": 111, "phone_number_id": 311, "redirection_phone_number_id": 411}],
        },
        "invalid_parameter_value",
        field="status",
        value="paused",
    ),
    case(
        "parameter-component-beats-combination",
        {
            "access_token": "tok_nova",
            "name": "N",
            "site_id": 11,
            "site_blocks": [{"site_block_id": 111, "phone_number_id": 312, "redirection_phone_number_id": 411}],
        },
        "parameter_component_disabled",
        field="site_blocks.redirection_phone_number_id",
        value="411",
        out={"components": "va"},
    ),
    case(
        "combination-beats-entity",
        with_(site_id=999, status="inactive", site_blocks=[{"site_block_id": 999, "phone_number_id": 999}]),
        "invalid_parameters_combination",
        field="site_blocks",
        value='[{"site_block_id":999,"phone_number_id":999}]',
    ),
    case(
        "site-beats-block",
        with_(site_id=999, site_blocks=[{"site_block_id": 999, "phone_number_id": 302}]),
        "entity_not_found",
        field="site_id",
        value="999",
    ),
    case(
        "entity-beats-quota",
        {"access_token": "tok_quota", "name": "One more", "site_id": 999},
        "entity_not_found",
        field="site_id",
        value="999",
    ),
    case(
        "number-beats-quota",
        {
            "access_token": "tok_quota",
            "name": "One more",
            "site_id": 16,
            "site_blocks": [{"site_block_id": 161, "phone_number_id": 999}],
        },
        "entity_not_found",
        field="site_blocks.phone_number_id",
        value="999",
    ),
]


@pytest.mark.parametrize(("params", "mnemonic", "field", "value", "out"), ORDER)
async def test_create_fault(
    gateway: Gateway,
    params: dict[str, Any],
    mnemonic: str,
    field: str | Absent,
    value: str | Absent,
    out: dict[str, Any],
) -> None:
    await assert_create_fault(gateway.url, params, mnemonic, field, value, out)


async def test_limit_max_value_is_an_integer(gateway: Gateway) -> None:
    answer = await gateway.call("create.campaigns", with_(access_token="tok_ratelimited", site_id=17))
    params = answer["error"]["data"]["params"]
    assert type(params["limit_max_value"]) is int
    assert params["limit_type"] == "minute"
    assert answer["error"]["message"] == "Limit per minute has been exceeded. Value of current limit per minute is 0"


async def test_ip_not_whitelisted_names_the_caller(gateway: Gateway) -> None:
    answer = await gateway.call("create.campaigns", with_(access_token="tok_ipdeny", site_id=14))
    assert answer["error"]["message"] == "Your IP 127.0.0.1 is not whitelisted"
    assert answer["error"]["data"]["params"] == {"ip": "127.0.0.1"}


async def test_method_component_disabled(gateway: Gateway) -> None:
    """The components list is the message's {components}; the contract does not fix its separator."""
    answer = await gateway.call("create.campaigns", with_(access_token="tok_nocomp", site_id=13), 4)
    error = answer["error"]
    assert error["code"] == -32008
    data = error["data"]
    assert data["mnemonic"] == "method_component_disabled"
    assert "field" not in data
    assert "value" not in data
    assert set(data["params"]) == {"components"}
    components = data["params"]["components"]
    assert isinstance(components, str)
    assert {part.strip() for part in components.split(",")} == {"call_tracking", "va"}
    assert error["message"] == message_for("method_component_disabled", {"components": components})


async def test_value_of_a_deep_object_is_compact_json(gateway: Gateway) -> None:
    deep: Any = 1
    for _ in range(300):
        deep = {"a": deep}
    answer = await call(gateway.url, with_(extra=deep))
    assert_error(
        answer,
        "unexpected_parameters",
        request_id=1,
        field="extra",
        value=json.dumps(deep, separators=(",", ":")),
    )


async def test_long_invalid_value_is_reported(gateway: Gateway) -> None:
    description = "d" * (100 * 1024)
    answer = await gateway.call("create.campaigns", with_(description=description))
    assert_error(answer, "invalid_parameter_value", request_id=1, field="description", value=description)
