"""update.campaigns faults through the wire, one table row per request and the one error object it must
produce.

Against the demo data set (docs/demo-data.md): every error is checked whole (code, message, mnemonic, field,
value, params). Rows change nothing when they fail, so they share one gateway per engine (`shared`).
delete.campaigns, login.user and logout.user are in test_delete_login_faults.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.support_campaign_calls import (
    CONDITIONS,
    UPDATE,
    Fault,
    assert_fault,
    block,
    condition,
    groups,
    upd,
)
from tests.gateway.support_campaign_calls import fault_case as case

UPDATE_ERRORS: list[Any] = [
    # Required parameters.
    case("id-missing", UPDATE, upd(7, 10, id=...), "required_parameter_missed", field="id"),
    case("id-null", UPDATE, upd(7, 10, id=None), "required_parameter_missed", field="id"),
    case("site-id-missing", UPDATE, upd(7, ...), "required_parameter_missed", field="site_id"),
    case("site-id-null", UPDATE, upd(7, None), "required_parameter_missed", field="site_id"),
    case("id-as-string", UPDATE, upd(7, 10, id="7"), "data_type_error", field="id", value="7"),
    case("unknown-parameter", UPDATE, upd(7, 10, type="basic"), "unexpected_parameters", field="type", value="basic"),
    # The campaign: unknown, another account's, or the hidden row of a system campaign.
    case("id-unknown", UPDATE, upd(12345, 10), "entity_not_found", field="id", value="12345"),
    case("id-of-another-account", UPDATE, upd(60, 16), "entity_not_found", field="id", value="60"),
    case("id-zero", UPDATE, upd(0, 10), "entity_not_found", field="id", value="0"),
    case("id-int64-max", UPDATE, upd(2**63 - 1, 10), "entity_not_found", field="id", value=str(2**63 - 1)),
    case("id-system-row", UPDATE, upd(-1000, 10), "entity_not_found", field="id", value="-1000"),
    case(
        "id-beyond-int64",
        UPDATE,
        upd(99999999999999999999, 10),
        "invalid_parameter_value",
        field="id",
        value="99999999999999999999",
    ),
    case("other-account-token", UPDATE, upd(7, 11, "tok_nova"), "entity_not_found", field="id", value="7"),
    # site_id names the campaign's site; a campaign does not move.
    case("site-id-other-site", UPDATE, upd(7, 20), "invalid_parameter_value", field="site_id", value="20"),
    case("site-id-foreign-site", UPDATE, upd(7, 16), "invalid_parameter_value", field="site_id", value="16"),
    case("integrated-site-id", UPDATE, upd(8, 20), "invalid_parameter_value", field="site_id", value="20"),
    # Identity and permission.
    case("read-only-user", UPDATE, upd(7, 10, "tok_noperm", name="Nope"), "forbidden"),
    case("agent-without-user-id", UPDATE, upd(7, 10, "tok_agent"), "required_parameter_missed", field="user_id"),
    case(
        "agent-foreign-customer",
        UPDATE,
        upd(7, 10, "tok_agent", user_id=5003, name="Nope"),
        "entity_not_found",
        field="user_id",
        value="5003",
    ),
    case(
        "agent-other-customer-campaign",
        UPDATE,
        upd(7, 10, "tok_agent", user_id=5002),
        "entity_not_found",
        field="id",
        value="7",
    ),
    # Values: the create rules apply to what is sent.
    case("name-blank", UPDATE, upd(7, 10, name="  "), "invalid_parameter_value", field="name", value="  "),
    case(
        "description-256",
        UPDATE,
        upd(7, 10, description="d" * 256),
        "invalid_parameter_value",
        field="description",
        value="d" * 256,
    ),
    case(
        "status-unknown", UPDATE, upd(7, 10, status="paused"), "invalid_parameter_value", field="status", value="paused"
    ),
    case(
        "cost-ratio-below-1",
        UPDATE,
        upd(7, 10, cost_ratio=0.5),
        "invalid_parameter_value",
        field="cost_ratio",
        value="0.5",
    ),
    case("cost-ratio-string", UPDATE, upd(7, 10, cost_ratio="2"), "data_type_error", field="cost_ratio", value="2"),
    case(
        "cost-ratio-operator-unknown",
        UPDATE,
        upd(7, 10, cost_ratio_operator="plus"),
        "invalid_parameter_value",
        field="cost_ratio_operator",
        value="plus",
    ),
    case(
        "condition-operator-not-allowed",
        UPDATE,
        upd(7, 10, campaign_conditions=groups([condition("channel", "paid", "sub")])),
        "invalid_parameter_value",
        field=f"{CONDITIONS}.operator",
        value="sub",
    ),
    case(
        "condition-regex-broken",
        UPDATE,
        upd(7, 10, campaign_conditions=groups([condition("referrer", "(", "~")])),
        "invalid_parameter_value",
        field=f"{CONDITIONS}.value",
        value="(",
    ),
    case(
        "condition-groups-empty",
        UPDATE,
        upd(7, 10, campaign_conditions={"group_conditions": []}),
        "required_parameter_missed",
        field="campaign_conditions.group_conditions",
        value="[]",
    ),
    case(
        "dct-count-zero",
        UPDATE,
        upd(7, 10, dynamic_call_tracking={"count_virtual_numbers": 0, "count_visits": 1}),
        "invalid_parameter_value",
        field="dynamic_call_tracking.count_virtual_numbers",
        value="0",
    ),
    case(
        "dct-without-component",
        UPDATE,
        upd(-1, 12, "tok_nodct", dynamic_call_tracking={"count_virtual_numbers": 1, "count_visits": 5}),
        "parameter_component_disabled",
        field="dynamic_call_tracking",
        value='{"count_virtual_numbers":1,"count_visits":5}',
        out={"components": "dynamic_call_tracking"},
    ),
    case(
        "same-block-twice",
        UPDATE,
        upd(7, 10, site_blocks=[block(101, 302), block(101, 303)]),
        "invalid_parameter_value",
        field="site_blocks.site_block_id",
        value="101",
    ),
    # Combinations.
    case(
        "inactive-campaign-blocks",
        UPDATE,
        upd(9, 20, site_blocks=[block(201, 302)]),
        "invalid_parameters_combination",
        field="site_blocks",
        value='[{"site_block_id":201,"phone_number_id":302}]',
    ),
    case(
        "inactive-campaign-blocks-with-status",
        UPDATE,
        upd(9, 20, status="inactive", site_blocks=[block(201, 302)]),
        "invalid_parameters_combination",
        field="site_blocks",
        value='[{"site_block_id":201,"phone_number_id":302}]',
    ),
    case(
        "becoming-inactive-with-blocks",
        UPDATE,
        upd(7, 10, status="inactive", site_blocks=[block(101, 302)]),
        "invalid_parameters_combination",
        field="site_blocks",
        value='[{"site_block_id":101,"phone_number_id":302}]',
    ),
    case(
        "redirection-on-va-number",
        UPDATE,
        upd(7, 10, site_blocks=[block(101, 302, 401)]),
        "invalid_parameters_combination",
        field="site_blocks.redirection_phone_number_id",
        value="401",
    ),
    case(
        "dct-block-without-settings",
        UPDATE,
        upd(7, 10, site_blocks=[block(101, 302, dct=True)]),
        "invalid_parameters_combination",
        field="dynamic_call_tracking",
    ),
    # Entities.
    case(
        "block-of-another-site",
        UPDATE,
        upd(7, 10, site_blocks=[block(201, 302)]),
        "entity_not_found",
        field="site_blocks.site_block_id",
        value="201",
    ),
    case(
        "number-of-another-account",
        UPDATE,
        upd(7, 10, site_blocks=[block(101, 312)]),
        "entity_not_found",
        field="site_blocks.phone_number_id",
        value="312",
    ),
    case(
        "pool-stock-number",
        UPDATE,
        upd(7, 10, site_blocks=[block(101, 381, 401)]),
        "entity_not_found",
        field="site_blocks.phone_number_id",
        value="381",
    ),
    case(
        "redirection-unknown",
        UPDATE,
        upd(7, 10, site_blocks=[block(101, 305, 403)]),
        "invalid_parameter_value",
        field="site_blocks.redirection_phone_number_id",
        value="403",
    ),
    case(
        "call-tracking-without-redirection",
        UPDATE,
        upd(7, 10, site_blocks=[block(102, 304), block(101, 305)]),
        "required_parameter_missed",
        field="site_blocks.redirection_phone_number_id",
    ),
    case(
        "number-of-another-campaign",
        UPDATE,
        upd(8, 10, site_blocks=[block(101, 304, 401)]),
        "already_in_use",
        field="site_blocks.phone_number_id",
        value="304",
    ),
    case(
        "number-of-another-campaign-on-system",
        UPDATE,
        upd(-1, 10, site_blocks=[block(101, 302), block(102, 304, 402)]),
        "already_in_use",
        field="site_blocks.phone_number_id",
        value="304",
    ),
    case(
        "own-number-twice",
        UPDATE,
        upd(7, 10, site_blocks=[block(101, 304, 401), block(102, 304, 402)]),
        "already_in_use",
        field="site_blocks.phone_number_id",
        value="304",
    ),
    # System (-1) and integrated (8) campaigns change only their blocks and pool settings.
    case("system-name", UPDATE, upd(-1, 10, name="Mine"), "forbidden", field="name", value="Mine"),
    case("integrated-name", UPDATE, upd(8, 10, name="Mine"), "forbidden", field="name", value="Mine"),
    case("system-description-null", UPDATE, upd(-1, 10, description=None), "forbidden", field="description"),
    case("integrated-status", UPDATE, upd(8, 10, status="inactive"), "forbidden", field="status", value="inactive"),
    case("system-cost-ratio", UPDATE, upd(-1, 10, cost_ratio=2), "forbidden", field="cost_ratio", value="2"),
    case(
        "integrated-cost-ratio-operator",
        UPDATE,
        upd(8, 10, cost_ratio_operator="divide"),
        "forbidden",
        field="cost_ratio_operator",
        value="divide",
    ),
    case(
        "integrated-conditions",
        UPDATE,
        upd(8, 10, campaign_conditions=groups([condition()])),
        "forbidden",
        field="campaign_conditions",
        value='{"group_conditions":[{"conditions":[{"type":"include","campaign_parameter":"city",'
        '"operator":"=","value":"Moscow"}]}]}',
    ),
    case(
        "system-conditions-null",
        UPDATE,
        upd(-1, 10, campaign_conditions=None),
        "forbidden",
        field="campaign_conditions",
    ),
    case(
        "system-name-with-blocks",
        UPDATE,
        upd(-1, 10, name="Mine", site_blocks=[block(101, 302)]),
        "forbidden",
        field="name",
        value="Mine",
    ),
    case(
        "system-without-site-id",
        UPDATE,
        upd(-1, ..., site_blocks=[block(101, 302)]),
        "required_parameter_missed",
        field="site_id",
    ),
    case(
        "system-foreign-site",
        UPDATE,
        upd(-1, 11, site_blocks=[block(111, 302)]),
        "entity_not_found",
        field="site_id",
        value="11",
    ),
]


@pytest.mark.parametrize("fault", UPDATE_ERRORS)
async def test_fault(shared: str, fault: Fault) -> None:
    await assert_fault(shared, fault)
