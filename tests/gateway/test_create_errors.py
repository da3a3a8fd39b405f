"""create.campaigns faults through the wire: exact code, message, mnemonic, field, value and params.

Contract sections 3 to 7, against the demo data set (DEMO.md). Each row is one
request and the one error object it must produce.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from tests.conftest import Gateway
from tests.gateway.wire import ABSENT, VALID, Absent, assert_error, call, message_for

GROUPS = "campaign_conditions.group_conditions"
CONDITIONS = f"{GROUPS}.conditions"


def condition(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"type": "include", "campaign_parameter": "city", "operator": "=", "value": "Moscow"}
    base.update(changes)
    return {key: value for key, value in base.items() if value is not ...}


def conditions(*items: dict[str, Any]) -> dict[str, Any]:
    return {"group_conditions": [{"conditions": list(items)}]}


def with_(**changes: Any) -> dict[str, Any]:
    """VALID with some params changed; `...` removes one."""
    params = {**VALID, **changes}
    return {key: value for key, value in params.items() if value is not ...}


def blocks(*pairs: tuple[int, int]) -> list[dict[str, Any]]:
    """site_blocks of (site_block_id, phone_number_id) pairs."""
    return [{"site_block_id": block, "phone_number_id": number} for block, number in pairs]


def case(
    name: str,
    params: dict[str, Any],
    mnemonic: str,
    *,
    field: str | Absent = ABSENT,
    value: str | Absent = ABSENT,
    out: dict[str, Any] | None = None,
    bug: str | None = None,
) -> Any:
    marks = [pytest.mark.xfail(reason=f"BUG: {bug}", strict=True)] if bug else []
    return pytest.param(params, mnemonic, field, value, out or {}, id=name, marks=marks)


THIRTY_ONE_GROUPS = [{"conditions": [condition()]} for _ in range(31)]
FIFTY_ONE_CONDITIONS = [condition(value=f"city {n}") for n in range(51)]

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


@pytest.mark.parametrize(("params", "mnemonic", "field", "value", "out"), CASES + ORDER)
async def test_create_fault(
    gateway: Gateway,
    params: dict[str, Any],
    mnemonic: str,
    field: str | Absent,
    value: str | Absent,
    out: dict[str, Any],
) -> None:
    answer = await call(gateway.url, params, "c-1")
    assert "result" not in answer, answer
    assert_error(answer, mnemonic, request_id="c-1", field=field, value=value, params=out)


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


@pytest.mark.parametrize(("user_id", "site_id"), [(5001, 10), (5002, 11)])
async def test_agent_creates_for_its_customer(gateway: Gateway, user_id: int, site_id: int) -> None:
    answer = await gateway.call(
        "create.campaigns", {"access_token": "tok_agent", "user_id": user_id, "name": "Agency", "site_id": site_id}
    )
    assert "result" in answer, answer
    assert isinstance(answer["result"]["data"]["id"], int)


ACCEPTED: list[Any] = [
    pytest.param(VALID, id="minimal"),
    pytest.param(
        with_(
            description=None,
            status=None,
            user_id=None,
            site_blocks=None,
            campaign_conditions=None,
            dynamic_call_tracking=None,
        ),
        id="nulls-are-not-sent",
    ),
    pytest.param(with_(description="d" * 255), id="description-255"),
    pytest.param(with_(description=""), id="description-empty"),
    pytest.param(with_(status="inactive"), id="inactive-without-blocks"),
    pytest.param(with_(status="active", site_blocks=[]), id="empty-block-list"),
    pytest.param(with_(user_id=5001), id="own-user-id"),
    pytest.param(with_(user_id=5005), id="user-of-own-account"),
    pytest.param(
        with_(
            site_blocks=[{"site_block_id": 101, "phone_number_id": 302}, {"site_block_id": 102, "phone_number_id": 303}]
        ),
        id="va-and-user-numbers",
    ),
    pytest.param(
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 301, "redirection_phone_number_id": 401}]),
        id="call-tracking-with-redirection",
    ),
    pytest.param(
        with_(
            site_blocks=[
                {
                    "site_block_id": 101,
                    "phone_number_id": 301,
                    "redirection_phone_number_id": 401,
                    "dynamic_call_tracking_enabled": True,
                },
                {"site_block_id": 102, "phone_number_id": 302, "dynamic_call_tracking_enabled": False},
            ],
            dynamic_call_tracking={"reservation_time": "1h", "count_virtual_numbers": 2, "count_visits": 10},
        ),
        id="dynamic-call-tracking",
    ),
    pytest.param(
        with_(
            campaign_conditions={
                "group_conditions": [
                    {
                        "conditions": [
                            condition(campaign_parameter="search_engine", value="yandex"),
                            condition(campaign_parameter="engine", value="8", type="exclude"),
                        ]
                    },
                    {
                        "conditions": [
                            condition(campaign_parameter="channel", value="cash"),
                            condition(campaign_parameter="utm_source", operator="sub", value="goo"),
                            condition(campaign_parameter="referrer", operator="~", value="^https?://"),
                        ]
                    },
                ]
            }
        ),
        id="conditions",
    ),
    pytest.param(
        with_(campaign_conditions={"group_conditions": [{"conditions": [condition()]} for _ in range(30)]}),
        id="thirty-groups",
    ),
    pytest.param(
        with_(campaign_conditions=conditions(*[condition(value=f"c{n}") for n in range(50)])),
        id="fifty-conditions",
    ),
]


@pytest.mark.parametrize("params", ACCEPTED)
async def test_create_accepted(gateway: Gateway, params: dict[str, Any]) -> None:
    answer = await gateway.call("create.campaigns", params, "ok")
    assert answer["id"] == "ok"
    assert "error" not in answer, answer
    result = answer["result"]
    assert set(result) == {"data", "metadata"}
    assert set(result["data"]) == {"id"}
    assert type(result["data"]["id"]) is int
    assert result["data"]["id"] > 1000
