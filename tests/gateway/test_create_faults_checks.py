"""create.campaigns faults through the wire, the checks before the values: token, account, agent,
component, points, unexpected and required parameters, JSON types.

Contract sections 3 to 7, against the demo data set (docs/demo-data.md). Each row is one
request and the one error object it must produce.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Gateway
from tests.gateway.support_create import (
    CONDITIONS,
    GROUPS,
    assert_create_fault,
    case,
    condition,
    conditions,
    with_,
)
from tests.gateway.wire import Absent

CASES: list[Any] = [
    # Step 2: the token.
    case("token-missing", with_(access_token=...), "required_parameter_missed", field="access_token"),
    case(
        "token-null",
        with_(access_token=None),
        "required_parameter_missed",
        field="access_token",
    ),
    case("token-unknown", with_(access_token="tok_nope"), "access_token_invalid"),
    case("token-empty", with_(access_token=""), "access_token_invalid"),
    case("token-non-ascii", with_(access_token="tök_cust"), "access_token_invalid"),
    case("token-number", with_(access_token=12345), "access_token_invalid"),
    case("token-case", with_(access_token="TOK_CUST"), "access_token_invalid"),
    case(
        "token-padded",
        with_(access_token=" tok_cust "),
        "access_token_invalid",
    ),
    case("token-expired", with_(access_token="tok_expired"), "access_token_expired"),
    case("token-blocked", with_(access_token="tok_blocked"), "access_token_blocked"),
    # Step 3: account state, IP whitelist.
    case("account-disabled", with_(access_token="tok_disabled", site_id=15), "account_inactive"),
    case(
        "ip-not-whitelisted",
        with_(access_token="tok_ipdeny", site_id=14),
        "ip_not_whitelisted",
        out={"ip": "127.0.0.1"},
    ),
    # Step 4: agent resolution.
    case("agent-without-user-id", with_(access_token="tok_agent"), "required_parameter_missed", field="user_id"),
    case(
        "agent-foreign-user",
        with_(access_token="tok_agent", user_id=5003),
        "entity_not_found",
        field="user_id",
        value="5003",
    ),
    case(
        "customer-foreign-user",
        with_(user_id=5002),
        "entity_not_found",
        field="user_id",
        value="5002",
    ),
    case(
        "customer-user-id-as-string",
        with_(user_id="5001"),
        "data_type_error",
        field="user_id",
        value="5001",
    ),
    # Step 5: component, permission.
    case("permission", with_(access_token="tok_noperm"), "forbidden"),
    # Step 6: point limits.
    case(
        "minute-limit",
        with_(access_token="tok_ratelimited", site_id=17),
        "limit_exceeded",
        out={"limit_type": "minute", "limit_max_value": 0},
    ),
    # Step 7: unexpected parameters.
    case("unexpected-type", with_(type="basic"), "unexpected_parameters", field="type", value="basic"),
    case(
        "unexpected-object-value",
        with_(extra={"a": [1, 2], "b": None}),
        "unexpected_parameters",
        field="extra",
        value='{"a":[1,2],"b":null}',
    ),
    case("unexpected-number-value", with_(page=2), "unexpected_parameters", field="page", value="2"),
    case("unexpected-bool-value", with_(dry_run=False), "unexpected_parameters", field="dry_run", value="false"),
    case(
        "unexpected-in-block",
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 302, "foo": 1}]),
        "unexpected_parameters",
        field="site_blocks.foo",
        value="1",
    ),
    case(
        "unexpected-in-second-block",
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 302}, {"site_block_id": 102, "x": "y"}]),
        "unexpected_parameters",
        field="site_blocks.x",
        value="y",
    ),
    case(
        "unexpected-in-condition",
        with_(campaign_conditions=conditions(condition(bar=[True]))),
        "unexpected_parameters",
        field=f"{CONDITIONS}.bar",
        value="[true]",
    ),
    case(
        "unexpected-in-dct",
        with_(dynamic_call_tracking={"count_virtual_numbers": 1, "count_visits": 1, "price": 1.5}),
        "unexpected_parameters",
        field="dynamic_call_tracking.price",
        value="1.5",
    ),
    case(
        "unexpected-key-non-ascii",
        with_(имя={"ключ": "значение"}),
        "unexpected_parameters",
        field="имя",
        value='{"ключ":"значение"}',
    ),
    case(
        "unexpected-key-with-brackets",
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 302, "x[0]": 1}]),
        "unexpected_parameters",
        field="site_blocks.x[0]",
        value="1",
    ),
    case(
        "unexpected-nested-access-token",
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 302, "access_token": "tok_cust"}]),
        "unexpected_parameters",
        field="site_blocks.access_token",
        value="tok_cust",
    ),
    # Step 7: required parameters.
    case("name-missing", with_(name=...), "required_parameter_missed", field="name"),
    case(
        "name-null",
        with_(name=None),
        "required_parameter_missed",
        field="name",
    ),
    case("site-id-missing", with_(site_id=...), "required_parameter_missed", field="site_id"),
    case(
        "block-phone-number-missing",
        with_(site_blocks=[{"site_block_id": 101}]),
        "required_parameter_missed",
        field="site_blocks.phone_number_id",
    ),
    case(
        "block-phone-number-null",
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": None}]),
        "required_parameter_missed",
        field="site_blocks.phone_number_id",
    ),
    case(
        "block-id-missing-in-second-block",
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 302}, {"phone_number_id": 303}]),
        "required_parameter_missed",
        field="site_blocks.site_block_id",
    ),
    case(
        "group-conditions-missing",
        with_(campaign_conditions={}),
        "required_parameter_missed",
        field=GROUPS,
    ),
    case(
        "conditions-missing",
        with_(campaign_conditions={"group_conditions": [{}]}),
        "required_parameter_missed",
        field=CONDITIONS,
    ),
    case(
        "condition-operator-missing",
        with_(campaign_conditions=conditions(condition(operator=...))),
        "required_parameter_missed",
        field=f"{CONDITIONS}.operator",
    ),
    case(
        "condition-value-missing",
        with_(campaign_conditions=conditions(condition(value=...))),
        "required_parameter_missed",
        field=f"{CONDITIONS}.value",
    ),
    case(
        "dct-count-virtual-numbers-missing",
        with_(dynamic_call_tracking={"count_visits": 1}),
        "required_parameter_missed",
        field="dynamic_call_tracking.count_virtual_numbers",
    ),
    # Step 7: JSON types.
    case("site-id-string", with_(site_id="10"), "data_type_error", field="site_id", value="10"),
    case("site-id-float", with_(site_id=10.5), "data_type_error", field="site_id", value="10.5"),
    case("site-id-true", with_(site_id=True), "data_type_error", field="site_id", value="true"),
    case("site-id-false", with_(site_id=False), "data_type_error", field="site_id", value="false"),
    case("site-id-list", with_(site_id=[10]), "data_type_error", field="site_id", value="[10]"),
    case("name-object", with_(name={"en": "Spring"}), "data_type_error", field="name", value='{"en":"Spring"}'),
    case("name-number", with_(name=5), "data_type_error", field="name", value="5"),
    case("status-number", with_(status=1), "data_type_error", field="status", value="1"),
    case("description-bool", with_(description=True), "data_type_error", field="description", value="true"),
    case(
        "site-blocks-object",
        with_(site_blocks={"site_block_id": 101, "phone_number_id": 302}),
        "data_type_error",
        field="site_blocks",
        value='{"site_block_id":101,"phone_number_id":302}',
    ),
    case("site-blocks-element-number", with_(site_blocks=[5]), "data_type_error", field="site_blocks", value="5"),
    case("site-blocks-element-string", with_(site_blocks=["101"]), "data_type_error", field="site_blocks", value="101"),
    case(
        "site-blocks-second-element-list",
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 302}, [102, 303]]),
        "data_type_error",
        field="site_blocks",
        value="[102,303]",
    ),
    case(
        "block-id-string",
        with_(site_blocks=[{"site_block_id": "101", "phone_number_id": 302}]),
        "data_type_error",
        field="site_blocks.site_block_id",
        value="101",
    ),
    case(
        "dct-enabled-string",
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 302, "dynamic_call_tracking_enabled": "true"}]),
        "data_type_error",
        field="site_blocks.dynamic_call_tracking_enabled",
        value="true",
    ),
    case(
        "dct-enabled-number",
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 302, "dynamic_call_tracking_enabled": 1}]),
        "data_type_error",
        field="site_blocks.dynamic_call_tracking_enabled",
        value="1",
    ),
    case(
        "campaign-conditions-string",
        with_(campaign_conditions="city=Moscow"),
        "data_type_error",
        field="campaign_conditions",
        value="city=Moscow",
    ),
    case(
        "conditions-object",
        with_(campaign_conditions={"group_conditions": [{"conditions": {}}]}),
        "data_type_error",
        field=CONDITIONS,
        value="{}",
    ),
    case(
        "condition-value-number",
        with_(campaign_conditions=conditions(condition(value=77))),
        "data_type_error",
        field=f"{CONDITIONS}.value",
        value="77",
    ),
    case(
        "count-virtual-numbers-float",
        with_(dynamic_call_tracking={"count_virtual_numbers": 1.0, "count_visits": 1}),
        "data_type_error",
        field="dynamic_call_tracking.count_virtual_numbers",
        value="1.0",
    ),
    case(
        "dynamic-call-tracking-list",
        with_(dynamic_call_tracking=[1, 2]),
        "data_type_error",
        field="dynamic_call_tracking",
        value="[1,2]",
    ),
]


@pytest.mark.parametrize(("params", "mnemonic", "field", "value", "out"), CASES)
async def test_create_fault(
    gateway: Gateway,
    params: dict[str, Any],
    mnemonic: str,
    field: str | Absent,
    value: str | Absent,
    out: dict[str, Any],
) -> None:
    await assert_create_fault(gateway.url, params, mnemonic, field, value, out)
