"""create.campaigns faults through the wire, from the values on: values, parameter components,
combinations, entities and the plan quota.

Contract sections 3 to 7, against the demo data set (docs/demo-data.md). Each row is one
request and the one error object it must produce.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.conftest import Gateway
from tests.gateway.support_create import (
    CONDITIONS,
    FIFTY_ONE_CONDITIONS,
    GROUPS,
    THIRTY_ONE_GROUPS,
    assert_create_fault,
    case,
    condition,
    conditions,
    with_,
)
from tests.gateway.wire import Absent

CASES: list[Any] = [
    # Step 7: values.
    case("status-unknown", with_(status="paused"), "invalid_parameter_value", field="status", value="paused"),
    case("status-case", with_(status="Active"), "invalid_parameter_value", field="status", value="Active"),
    case("name-empty", with_(name=""), "invalid_parameter_value", field="name", value=""),
    case(
        "description-too-long",
        with_(description="d" * 256),
        "invalid_parameter_value",
        field="description",
        value="d" * 256,
    ),
    case(
        "site-id-int64-overflow",
        with_(site_id=9223372036854775808),
        "invalid_parameter_value",
        field="site_id",
        value="9223372036854775808",
    ),
    case(
        "site-id-beyond-64-bits",
        with_(site_id=18446744073709551616),
        "invalid_parameter_value",
        field="site_id",
        value="18446744073709551616",
    ),
    case(
        "site-id-int64-underflow",
        with_(site_id=-9223372036854775809),
        "invalid_parameter_value",
        field="site_id",
        value="-9223372036854775809",
    ),
    case(
        "condition-operator-unknown",
        with_(campaign_conditions=conditions(condition(operator="like"))),
        "invalid_parameter_value",
        field=f"{CONDITIONS}.operator",
        value="like",
    ),
    case(
        "condition-type-unknown",
        with_(campaign_conditions=conditions(condition(type="maybe"))),
        "invalid_parameter_value",
        field=f"{CONDITIONS}.type",
        value="maybe",
    ),
    case(
        "condition-parameter-unknown",
        with_(campaign_conditions=conditions(condition(campaign_parameter="weather"))),
        "invalid_parameter_value",
        field=f"{CONDITIONS}.campaign_parameter",
        value="weather",
    ),
    case(
        "condition-operator-not-for-parameter",
        with_(campaign_conditions=conditions(condition(campaign_parameter="search_engine", operator="sub"))),
        "invalid_parameter_value",
        field=f"{CONDITIONS}.operator",
        value="sub",
    ),
    case(
        "condition-regex-not-for-engine",
        with_(campaign_conditions=conditions(condition(campaign_parameter="engine", operator="~", value="1"))),
        "invalid_parameter_value",
        field=f"{CONDITIONS}.operator",
        value="~",
    ),
    case(
        "condition-channel-value",
        with_(campaign_conditions=conditions(condition(campaign_parameter="channel", value="tv"))),
        "invalid_parameter_value",
        field=f"{CONDITIONS}.value",
        value="tv",
    ),
    case(
        "condition-engine-value",
        with_(campaign_conditions=conditions(condition(campaign_parameter="engine", value="9"))),
        "invalid_parameter_value",
        field=f"{CONDITIONS}.value",
        value="9",
    ),
    case(
        "condition-search-engine-value",
        with_(campaign_conditions=conditions(condition(campaign_parameter="search_engine", value="altavista"))),
        "invalid_parameter_value",
        field=f"{CONDITIONS}.value",
        value="altavista",
    ),
    case(
        "condition-bad-regex",
        with_(campaign_conditions=conditions(condition(operator="~", value="(Mos"))),
        "invalid_parameter_value",
        field=f"{CONDITIONS}.value",
        value="(Mos",
    ),
    case(
        "condition-bad-regex-in-second-group",
        with_(
            campaign_conditions={
                "group_conditions": [
                    {"conditions": [condition()]},
                    {"conditions": [condition(), condition(operator="~", value="[a-")]},
                ]
            }
        ),
        "invalid_parameter_value",
        field=f"{CONDITIONS}.value",
        value="[a-",
    ),
    case(
        "thirty-one-groups",
        with_(campaign_conditions={"group_conditions": THIRTY_ONE_GROUPS}),
        "invalid_parameter_value",
        field=GROUPS,
        value=orjson.dumps(THIRTY_ONE_GROUPS).decode(),
    ),
    case(
        "fifty-one-conditions",
        with_(campaign_conditions=conditions(*FIFTY_ONE_CONDITIONS)),
        "invalid_parameter_value",
        field=CONDITIONS,
        value=orjson.dumps(FIFTY_ONE_CONDITIONS).decode(),
    ),
    case(
        "reservation-time-unknown",
        with_(dynamic_call_tracking={"reservation_time": "3m", "count_virtual_numbers": 1, "count_visits": 1}),
        "invalid_parameter_value",
        field="dynamic_call_tracking.reservation_time",
        value="3m",
    ),
    case(
        "count-virtual-numbers-zero",
        with_(dynamic_call_tracking={"count_virtual_numbers": 0, "count_visits": 1}),
        "invalid_parameter_value",
        field="dynamic_call_tracking.count_virtual_numbers",
        value="0",
    ),
    case(
        "count-visits-negative",
        with_(dynamic_call_tracking={"count_virtual_numbers": 1, "count_visits": -1}),
        "invalid_parameter_value",
        field="dynamic_call_tracking.count_visits",
        value="-1",
    ),
    case(
        "same-block-twice",
        with_(
            site_blocks=[{"site_block_id": 101, "phone_number_id": 302}, {"site_block_id": 101, "phone_number_id": 303}]
        ),
        "invalid_parameter_value",
        field="site_blocks.site_block_id",
        value="101",
    ),
    case(
        "group-conditions-empty",
        with_(campaign_conditions={"group_conditions": []}),
        "required_parameter_missed",
        field=GROUPS,
        value="[]",
    ),
    case(
        "conditions-empty",
        with_(campaign_conditions={"group_conditions": [{"conditions": []}]}),
        "required_parameter_missed",
        field=CONDITIONS,
        value="[]",
    ),
    # Step 8: parameter components.
    case(
        "redirection-without-va",
        {
            "access_token": "tok_nova",
            "name": "N",
            "site_id": 11,
            "site_blocks": [{"site_block_id": 111, "phone_number_id": 311, "redirection_phone_number_id": 411}],
        },
        "parameter_component_disabled",
        field="site_blocks.redirection_phone_number_id",
        value="411",
        out={"components": "va"},
    ),
    case(
        "dct-enabled-false-without-dct",
        {
            "access_token": "tok_nodct",
            "name": "N",
            "site_id": 12,
            "site_blocks": [{"site_block_id": 121, "phone_number_id": 322, "dynamic_call_tracking_enabled": False}],
        },
        "parameter_component_disabled",
        field="site_blocks.dynamic_call_tracking_enabled",
        value="false",
        out={"components": "dynamic_call_tracking"},
    ),
    case(
        "dct-object-without-dct",
        {
            "access_token": "tok_nodct",
            "name": "N",
            "site_id": 12,
            "dynamic_call_tracking": {"count_virtual_numbers": 1, "count_visits": 5},
        },
        "parameter_component_disabled",
        field="dynamic_call_tracking",
        value='{"count_virtual_numbers":1,"count_visits":5}',
        out={"components": "dynamic_call_tracking"},
    ),
    # Step 9: combinations.
    case(
        "inactive-with-blocks",
        with_(status="inactive", site_blocks=[{"site_block_id": 101, "phone_number_id": 302}]),
        "invalid_parameters_combination",
        field="site_blocks",
        value='[{"site_block_id":101,"phone_number_id":302}]',
    ),
    case(
        "dct-enabled-without-dct-object",
        with_(
            site_blocks=[
                {
                    "site_block_id": 101,
                    "phone_number_id": 301,
                    "redirection_phone_number_id": 401,
                    "dynamic_call_tracking_enabled": True,
                }
            ]
        ),
        "invalid_parameters_combination",
        field="dynamic_call_tracking",
    ),
    case(
        "redirection-with-va-number",
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 302, "redirection_phone_number_id": 401}]),
        "invalid_parameters_combination",
        field="site_blocks.redirection_phone_number_id",
        value="401",
    ),
    case(
        "dct-on-user-number",
        with_(
            site_blocks=[{"site_block_id": 101, "phone_number_id": 303, "dynamic_call_tracking_enabled": True}],
            dynamic_call_tracking={"count_virtual_numbers": 1, "count_visits": 1},
        ),
        "invalid_parameters_combination",
        field="site_blocks.dynamic_call_tracking_enabled",
        value="true",
    ),
    # Step 10: entities.
    case("site-unknown", with_(site_id=999), "entity_not_found", field="site_id", value="999"),
    case("site-of-another-account", with_(site_id=11), "entity_not_found", field="site_id", value="11"),
    case(
        "site-id-int64-max",
        with_(site_id=9223372036854775807),
        "entity_not_found",
        field="site_id",
        value="9223372036854775807",
    ),
    case(
        "block-of-another-site",
        with_(site_blocks=[{"site_block_id": 201, "phone_number_id": 302}]),
        "entity_not_found",
        field="site_blocks.site_block_id",
        value="201",
    ),
    case(
        "number-of-another-account",
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 312}]),
        "entity_not_found",
        field="site_blocks.phone_number_id",
        value="312",
    ),
    case(
        "pool-stock-number",
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 381}]),
        "entity_not_found",
        field="site_blocks.phone_number_id",
        value="381",
    ),
    case(
        "redirection-not-available",
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 301, "redirection_phone_number_id": 411}]),
        "invalid_parameter_value",
        field="site_blocks.redirection_phone_number_id",
        value="411",
    ),
    case(
        "call-tracking-without-redirection",
        with_(
            site_blocks=[{"site_block_id": 101, "phone_number_id": 302}, {"site_block_id": 102, "phone_number_id": 305}]
        ),
        "required_parameter_missed",
        field="site_blocks.redirection_phone_number_id",
    ),
    case(
        "call-tracking-number-in-use",
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 304, "redirection_phone_number_id": 401}]),
        "already_in_use",
        field="site_blocks.phone_number_id",
        value="304",
    ),
    case(
        "same-call-tracking-number-twice",
        with_(
            site_blocks=[
                {"site_block_id": 101, "phone_number_id": 305, "redirection_phone_number_id": 401},
                {"site_block_id": 102, "phone_number_id": 305, "redirection_phone_number_id": 402},
            ]
        ),
        "already_in_use",
        field="site_blocks.phone_number_id",
        value="305",
    ),
    # Step 11: plan quota.
    case("quota", {"access_token": "tok_quota", "name": "One more", "site_id": 16}, "tariff_restrictions"),
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
