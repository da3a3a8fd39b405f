"""update.campaigns, delete.campaigns, login.user, logout.user and an agent's session, through the wire.

Against the demo data set (DEMO.md): every error is checked whole (code, message,
mnemonic, field, value, params), every change is read back with get.campaigns or
from the test's own database. Rows of the error tables change nothing when they
fail, so they share one gateway per engine; every test that changes something
gets a fresh database.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final

import asyncpg
import pytest
import sqlalchemy as sa

from service.storage import schema as t
from tests.conftest import Gateway, start_gateway, start_service, stop_gateway
from tests.databases import DatabaseFactory
from tests.gateway.wire import ABSENT, CATALOGUE, Absent, assert_error, call, limits_of
from tests.service.helpers import execute, query

CONDITIONS: Final = "campaign_conditions.group_conditions.conditions"
SESSION_SECONDS: Final = 3600
# Methods called for an account: their answers carry its point limits.
ACCOUNT_METHODS: Final = frozenset({"create.campaigns", "get.campaigns", "update.campaigns", "delete.campaigns"})


# --------------------------------------------------------------------------- helpers


def condition(parameter: str = "city", value: str = "Moscow", operator: str = "=", kind: str = "include") -> Any:
    return {"type": kind, "campaign_parameter": parameter, "operator": operator, "value": value}


def groups(*groups: list[Any]) -> dict[str, Any]:
    return {"group_conditions": [{"conditions": conditions} for conditions in groups]}


def block(site_block: int, number: int, redirection: int | None = None, dct: bool | None = None) -> dict[str, Any]:
    sent: dict[str, Any] = {"site_block_id": site_block, "phone_number_id": number}
    if redirection is not None:
        sent["redirection_phone_number_id"] = redirection
    if dct is not None:
        sent["dynamic_call_tracking_enabled"] = dct
    return sent


def upd(campaign_id: int, site_id: Any, token: str = "tok_cust", **params: Any) -> dict[str, Any]:
    """update.campaigns params; `...` (site_id or a keyword) leaves a parameter out."""
    sent = {"access_token": token, "id": campaign_id, "site_id": site_id, **params}
    return {key: value for key, value in sent.items() if value is not ...}


def assert_error_with_code(body: dict[str, Any], code: int, mnemonic: str, **expected: Any) -> None:
    """assert_error for an error whose code is not the catalogue's (forbidden from delete.*)."""
    assert "error" in body, body
    assert body["error"]["code"] == code, body
    assert_error({**body, "error": {**body["error"], "code": CATALOGUE[mnemonic][0]}}, mnemonic, **expected)


async def succeed(gateway: Gateway, method: str, params: dict[str, Any]) -> Any:
    """`result.data` of a call that must succeed; a failure fails the test with the error."""
    answer = await call(gateway.url, params, "ok", method)
    assert "result" in answer, answer
    assert answer["id"] == "ok"
    if method in ACCOUNT_METHODS:
        limits_of(answer["result"]["metadata"])
    return answer["result"]["data"]


async def update(gateway: Gateway, params: dict[str, Any]) -> None:
    assert await succeed(gateway, "update.campaigns", params) == {}


async def create(gateway: Gateway, token: str = "tok_cust", **params: Any) -> int:
    data = await succeed(gateway, "create.campaigns", {"access_token": token, **params})
    campaign_id = data["id"]
    assert type(campaign_id) is int
    return int(campaign_id)


async def campaigns(gateway: Gateway, token: str = "tok_cust") -> dict[int, dict[str, Any]]:
    """Every campaign get.campaigns shows the token's account, by id."""
    data = await succeed(gateway, "get.campaigns", {"access_token": token})
    assert isinstance(data, list)
    return {item["id"]: item for item in data}


async def campaign(gateway: Gateway, campaign_id: int, token: str = "tok_cust") -> dict[str, Any]:
    found = await campaigns(gateway, token)
    assert campaign_id in found, sorted(found)
    return found[campaign_id]


def blocks_of(view: dict[str, Any]) -> list[tuple[int, int, int | None, bool]]:
    """(block, number, redirection, dct enabled) of each block get.campaigns shows, in order."""
    return [
        (
            item["site_block_id"],
            item["phone_number_id"],
            item["redirection_phone_number_id"],
            item["dynamic_call_tracking_enabled"],
        )
        for item in view["site_blocks"]
    ]


async def pool(gateway: Gateway) -> list[tuple[int, int, int]]:
    """Every pool_numbers row of the test's database: (number, campaign row id, block)."""
    rows = await query(
        gateway.service.database_url,
        sa.select(t.pool_numbers.c.phone_number_id, t.pool_numbers.c.campaign_id, t.pool_numbers.c.site_block_id),
    )
    found = [tuple(int(value) for value in row) for row in rows]
    return sorted((number, campaign_id, site_block) for number, campaign_id, site_block in found)


async def login(gateway: Gateway, user: str, password: str = "secret") -> dict[str, Any]:
    data = await succeed(gateway, "login.user", {"login": user, "password": password})
    assert isinstance(data, dict)
    return data


# --------------------------------------------------------------------------- a shared gateway for the error tables


@pytest.fixture(scope="module")
async def shared(database_factory: DatabaseFactory) -> AsyncIterator[str]:
    """The URL of one demo gateway per engine, for requests that must fail (and so change nothing)."""
    database_url = await database_factory.fresh()
    running = await start_service(database_url)
    server, task, port = await start_gateway(f"127.0.0.1:{running.port}")
    try:
        yield f"http://127.0.0.1:{port}/v2.0"
    finally:
        await stop_gateway(server, task)
        await running.stop(grace=1)


def case(
    name: str,
    method: str,
    params: dict[str, Any],
    mnemonic: str,
    *,
    field: str | Absent = ABSENT,
    value: str | Absent = ABSENT,
    out: dict[str, Any] | None = None,
    code: int | None = None,
    bug: str | None = None,
) -> Any:
    marks = [pytest.mark.xfail(reason=f"BUG: {bug}", strict=True)] if bug else []
    verb, _, noun = method.partition(".")
    prefix = verb if noun in ("campaigns", "user") else method
    return pytest.param(method, params, mnemonic, field, value, out or {}, code, id=f"{prefix}-{name}", marks=marks)


UPDATE = "update.campaigns"
DELETE = "delete.campaigns"
LOGIN = "login.user"
LOGOUT = "logout.user"

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

DELETE_ERRORS: list[Any] = [
    case("id-missing", DELETE, {"access_token": "tok_cust"}, "required_parameter_missed", field="id"),
    case("id-null", DELETE, {"access_token": "tok_cust", "id": None}, "required_parameter_missed", field="id"),
    case(
        "id-unknown", DELETE, {"access_token": "tok_cust", "id": 12345}, "entity_not_found", field="id", value="12345"
    ),
    case(
        "id-of-another-account",
        DELETE,
        {"access_token": "tok_cust", "id": 60},
        "entity_not_found",
        field="id",
        value="60",
    ),
    case("id-zero", DELETE, {"access_token": "tok_cust", "id": 0}, "entity_not_found", field="id", value="0"),
    case(
        "id-system-row",
        DELETE,
        {"access_token": "tok_cust", "id": -1000},
        "entity_not_found",
        field="id",
        value="-1000",
    ),
    case(
        "unknown-parameter",
        DELETE,
        {"access_token": "tok_cust", "id": 9, "name": "x"},
        "unexpected_parameters",
        field="name",
        value="x",
    ),
    case("system", DELETE, {"access_token": "tok_cust", "id": -1}, "forbidden", field="id", value="-1", code=-32602),
    case("integrated", DELETE, {"access_token": "tok_cust", "id": 8}, "forbidden", field="id", value="8", code=-32602),
    case(
        "agent-system",
        DELETE,
        {"access_token": "tok_agent", "user_id": 5001, "id": -1},
        "forbidden",
        field="id",
        value="-1",
        code=-32602,
    ),
    case(
        "read-only-user",
        DELETE,
        {"access_token": "tok_noperm", "id": 9},
        "forbidden",
    ),
    case(
        "agent-foreign-customer",
        DELETE,
        {"access_token": "tok_agent", "user_id": 5003, "id": 9},
        "entity_not_found",
        field="user_id",
        value="5003",
    ),
]

LOGIN_ERRORS: list[Any] = [
    case("wrong-password", LOGIN, {"login": "demo", "password": "wrong"}, "auth_error"),
    case("unknown-login", LOGIN, {"login": "nobody", "password": "secret"}, "auth_error"),
    case("empty-login", LOGIN, {"login": "", "password": ""}, "auth_error"),
    case("agent-wrong-password", LOGIN, {"login": "agency", "password": "Secret"}, "auth_error"),
    case("login-missing", LOGIN, {"password": "secret"}, "required_parameter_missed", field="login"),
    case("login-null", LOGIN, {"login": None, "password": "secret"}, "required_parameter_missed", field="login"),
    case("password-missing", LOGIN, {"login": "demo"}, "required_parameter_missed", field="password"),
    case("login-number", LOGIN, {"login": 5001, "password": "secret"}, "data_type_error", field="login", value="5001"),
    case(
        "unknown-parameter",
        LOGIN,
        {"login": "demo", "password": "secret", "remember": True},
        "unexpected_parameters",
        field="remember",
        value="true",
    ),
    case("token-missing", LOGOUT, {}, "required_parameter_missed", field="access_token"),
    case("token-unknown", LOGOUT, {"access_token": "tok_nope"}, "access_token_invalid"),
    case("permanent-token", LOGOUT, {"access_token": "tok_cust"}, "forbidden"),
    case("permanent-agent-token", LOGOUT, {"access_token": "tok_agent"}, "forbidden"),
    case("expired-permanent-token", LOGOUT, {"access_token": "tok_expired"}, "access_token_expired"),
    case("blocked-token", LOGOUT, {"access_token": "tok_blocked"}, "access_token_blocked"),
    case("customer-token", "get.customer_users", {"access_token": "tok_cust"}, "forbidden"),
]


@pytest.mark.parametrize(
    ("method", "params", "mnemonic", "field", "value", "out", "code"), UPDATE_ERRORS + DELETE_ERRORS + LOGIN_ERRORS
)
async def test_fault(
    shared: str,
    method: str,
    params: dict[str, Any],
    mnemonic: str,
    field: str | Absent,
    value: str | Absent,
    out: dict[str, Any],
    code: int | None,
) -> None:
    answer = await call(shared, params, "e-1", method)
    assert "result" not in answer, answer
    if code is None:
        assert_error(answer, mnemonic, request_id="e-1", field=field, value=value, params=out)
    else:
        assert_error_with_code(answer, code, mnemonic, request_id="e-1", field=field, value=value, params=out)


# --------------------------------------------------------------------------- update.campaigns


async def test_update_renames_and_describes(gateway: Gateway) -> None:
    before = await campaign(gateway, 7)
    await update(gateway, upd(7, 10, name="Renamed", description="Spring"))
    after = await campaign(gateway, 7)
    assert (after["name"], after["description"]) == ("Renamed", "Spring")
    # Partial: what was not sent stays.
    unchanged = ("status", "site_id", "site_blocks", "campaign_conditions", "cost_ratio", "cost_ratio_operator")
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}


async def test_update_description_null_clears_it(gateway: Gateway) -> None:
    await update(gateway, upd(7, 10, description="To be cleared"))
    assert (await campaign(gateway, 7))["description"] == "To be cleared"
    await update(gateway, upd(7, 10, description=None))
    after = await campaign(gateway, 7)
    assert after["description"] is None
    assert after["name"] == "Existing call tracking"


async def test_update_null_means_not_sent_for_name_and_status(gateway: Gateway) -> None:
    await update(gateway, upd(7, 10, name=None, status=None, user_id=None))
    after = await campaign(gateway, 7)
    assert (after["name"], after["status"]) == ("Existing call tracking", "active")
    assert blocks_of(after) == [(102, 304, 402, False)]
    # Sending the status it already has changes nothing either.
    await update(gateway, upd(7, 10, status="active"))
    assert blocks_of(await campaign(gateway, 7)) == [(102, 304, 402, False)]


async def test_update_and_delete_cost_one_point_each(gateway: Gateway) -> None:
    def day_remaining(answer: dict[str, Any]) -> int:
        part = answer["result"] if "result" in answer else answer["error"]["data"]
        return limits_of(part["metadata"])["day_remaining"]

    start = day_remaining(await call(gateway.url, upd(7, 10, name="One point"), 1, UPDATE))
    failed = day_remaining(await call(gateway.url, upd(7, 20, name="Free"), 2, UPDATE))
    assert failed == start
    deleted = day_remaining(await call(gateway.url, {"access_token": "tok_cust", "id": 9}, 3, DELETE))
    assert deleted == start - 1
    refused = day_remaining(await call(gateway.url, {"access_token": "tok_cust", "id": 8}, 4, DELETE))
    assert refused == start - 1


async def test_update_site_blocks_list_replaces_the_stored_one(gateway: Gateway) -> None:
    campaign_id = await create(
        gateway,
        name="Blocks",
        site_id=10,
        site_blocks=[block(101, 301, 401), block(102, 302)],
    )
    await update(gateway, upd(campaign_id, 10, site_blocks=[block(102, 303)]))
    assert blocks_of(await campaign(gateway, campaign_id)) == [(102, 303, None, False)]
    # The block left out took its call_tracking number with it.
    await create(gateway, name="Takes 301", site_id=10, site_blocks=[block(101, 301, 402)])


async def test_update_site_blocks_null_removes_all_blocks(gateway: Gateway) -> None:
    await update(gateway, upd(7, 10, site_blocks=None))
    after = await campaign(gateway, 7)
    assert after["site_blocks"] == []
    assert after["status"] == "active"
    await create(gateway, name="Takes 304", site_id=10, site_blocks=[block(101, 304, 401)])


async def test_update_empty_site_blocks_list_removes_all_blocks(gateway: Gateway) -> None:
    await update(gateway, upd(7, 10, site_blocks=[]))
    assert (await campaign(gateway, 7))["site_blocks"] == []


async def test_update_keeps_its_own_call_tracking_number(gateway: Gateway) -> None:
    await update(gateway, upd(7, 10, site_blocks=[block(101, 304, 401)]))
    assert blocks_of(await campaign(gateway, 7)) == [(101, 304, 401, False)]


async def test_update_cannot_take_another_campaigns_number(gateway: Gateway) -> None:
    campaign_id = await create(gateway, name="Other", site_id=10, site_blocks=[block(101, 301, 401)])
    answer = await call(
        gateway.url, upd(campaign_id, 10, name="Taken", site_blocks=[block(101, 304, 401)]), "u-1", UPDATE
    )
    assert_error(answer, "already_in_use", request_id="u-1", field="site_blocks.phone_number_id", value="304")
    # Nothing of the failed update was written.
    after = await campaign(gateway, campaign_id)
    assert after["name"] == "Other"
    assert blocks_of(after) == [(101, 301, 401, False)]
    assert blocks_of(await campaign(gateway, 7)) == [(102, 304, 402, False)]


async def test_update_conditions_replaced_and_cleared(gateway: Gateway) -> None:
    first = groups([condition("utm_source", "google")])
    campaign_id = await create(gateway, name="Conditions", site_id=10, campaign_conditions=first)
    assert (await campaign(gateway, campaign_id))["campaign_conditions"] == first
    second = groups(
        [condition("channel", "paid", kind="exclude"), condition("referrer", "^https?://", "~")],
        [condition("search_engine", "yandex")],
    )
    await update(gateway, upd(campaign_id, 10, campaign_conditions=second))
    assert (await campaign(gateway, campaign_id))["campaign_conditions"] == second
    await update(gateway, upd(campaign_id, 10, campaign_conditions=None))
    assert (await campaign(gateway, campaign_id))["campaign_conditions"] == {"group_conditions": []}


async def test_update_dynamic_call_tracking_reserves_and_releases_the_pool(gateway: Gateway) -> None:
    campaign_id = await create(gateway, name="Pool", site_id=10, site_blocks=[block(101, 302)])
    assert await pool(gateway) == []

    settings = {"reservation_time": "1h", "count_virtual_numbers": 2, "count_visits": 50}
    await update(gateway, upd(campaign_id, 10, site_blocks=[block(101, 302, dct=True)], dynamic_call_tracking=settings))
    # The two lowest vacant numbers not flagged for hosted PBX use.
    assert await pool(gateway) == [(381, campaign_id, 101), (382, campaign_id, 101)]
    view = await campaign(gateway, campaign_id)
    assert view["dynamic_call_tracking"] == {**settings, "coverage_visitors": None}
    assert blocks_of(view) == [(101, 302, None, True)]

    # New settings alone re-reserve the pool of the blocks kept.
    await update(gateway, upd(campaign_id, 10, dynamic_call_tracking={"count_virtual_numbers": 3, "count_visits": 9}))
    assert await pool(gateway) == [(381, campaign_id, 101), (382, campaign_id, 101), (383, campaign_id, 101)]
    assert (await campaign(gateway, campaign_id))["dynamic_call_tracking"] == {
        "reservation_time": "15m",
        "count_virtual_numbers": 3,
        "count_visits": 9,
        "coverage_visitors": None,
    }

    # Clearing the settings while a kept block still uses them is a combination fault.
    answer = await call(gateway.url, upd(campaign_id, 10, dynamic_call_tracking=None), "u-2", UPDATE)
    assert_error(answer, "invalid_parameters_combination", request_id="u-2", field="dynamic_call_tracking")
    assert len(await pool(gateway)) == 3

    await update(gateway, upd(campaign_id, 10, dynamic_call_tracking=None, site_blocks=[block(101, 302)]))
    assert await pool(gateway) == []
    view = await campaign(gateway, campaign_id)
    assert view["dynamic_call_tracking"] is None
    assert blocks_of(view) == [(101, 302, None, False)]
    # The released numbers are vacant again.
    other = await create(
        gateway,
        name="Reuses the pool",
        site_id=10,
        site_blocks=[block(102, 302, dct=True)],
        dynamic_call_tracking={"count_virtual_numbers": 1, "count_visits": 5},
    )
    assert await pool(gateway) == [(381, other, 102)]


async def test_update_blocks_use_the_stored_pool_settings(gateway: Gateway) -> None:
    campaign_id = await create(
        gateway,
        name="Stored settings",
        site_id=10,
        site_blocks=[block(101, 302)],
        dynamic_call_tracking={"count_virtual_numbers": 2, "count_visits": 5},
    )
    assert await pool(gateway) == []
    await update(gateway, upd(campaign_id, 10, site_blocks=[block(102, 302, dct=True)]))
    assert await pool(gateway) == [(381, campaign_id, 102), (382, campaign_id, 102)]


async def test_update_cost_ratio_set_and_cleared(gateway: Gateway) -> None:
    before = await campaign(gateway, 7)
    assert (before["cost_ratio"], before["cost_ratio_operator"]) == (1.0, "wo_changes")
    await update(gateway, upd(7, 10, cost_ratio=2.5, cost_ratio_operator="multiply"))
    after = await campaign(gateway, 7)
    assert (after["cost_ratio"], after["cost_ratio_operator"]) == (2.5, "multiply")
    await update(gateway, upd(7, 10, cost_ratio_operator="divide"))
    after = await campaign(gateway, 7)
    assert (after["cost_ratio"], after["cost_ratio_operator"]) == (2.5, "divide")
    await update(gateway, upd(7, 10, cost_ratio=None, cost_ratio_operator=None))
    after = await campaign(gateway, 7)
    assert (after["cost_ratio"], after["cost_ratio_operator"]) == (1.0, "wo_changes")


async def test_setting_inactive_frees_the_blocks_numbers(gateway: Gateway) -> None:
    # 304 is campaign 7's: taking it fails until 7 lets go.
    answer = await call(
        gateway.url,
        {"access_token": "tok_cust", "name": "Wants 304", "site_id": 10, "site_blocks": [block(101, 304, 401)]},
    )
    assert_error(answer, "already_in_use", request_id=1, field="site_blocks.phone_number_id", value="304")
    await update(gateway, upd(7, 10, status="inactive"))
    after = await campaign(gateway, 7)
    assert (after["status"], after["site_blocks"]) == ("inactive", [])
    await create(gateway, name="Takes 304", site_id=10, site_blocks=[block(101, 304, 401)])


async def test_setting_inactive_releases_the_pool(gateway: Gateway) -> None:
    campaign_id = await create(
        gateway,
        name="Pooled",
        site_id=10,
        site_blocks=[block(101, 301, 401, dct=True)],
        dynamic_call_tracking={"count_virtual_numbers": 2, "count_visits": 5},
    )
    assert await pool(gateway) == [(381, campaign_id, 101), (382, campaign_id, 101)]
    await update(gateway, upd(campaign_id, 10, status="inactive"))
    assert await pool(gateway) == []
    assert (await campaign(gateway, campaign_id))["site_blocks"] == []
    # While inactive, its blocks cannot be set.
    answer = await call(gateway.url, upd(campaign_id, 10, site_blocks=[block(101, 302)]), "u-3", UPDATE)
    assert_error(
        answer,
        "invalid_parameters_combination",
        request_id="u-3",
        field="site_blocks",
        value='[{"site_block_id":101,"phone_number_id":302}]',
    )


async def test_inactive_campaign_reactivated_with_blocks(gateway: Gateway) -> None:
    await update(gateway, upd(9, 20, status="active", site_blocks=[block(201, 302)]))
    after = await campaign(gateway, 9)
    assert after["status"] == "active"
    assert blocks_of(after) == [(201, 302, None, False)]


async def test_system_campaign_changes_its_blocks(gateway: Gateway) -> None:
    await update(
        gateway,
        upd(
            -1,
            10,
            site_blocks=[block(101, 302, dct=True)],
            dynamic_call_tracking={"count_virtual_numbers": 1, "count_visits": 5},
        ),
    )
    view = await campaign(gateway, -1)
    assert blocks_of(view) == [(101, 302, None, True)]
    assert view["name"] == "Visitors without advertising campaign"
    assert view["type"] == "system"
    assert view["dynamic_call_tracking"] == {
        "reservation_time": "15m",
        "count_virtual_numbers": 1,
        "count_visits": 5,
        "coverage_visitors": None,
    }
    numbers = await pool(gateway)
    assert [(number, block_id) for number, _row, block_id in numbers] == [(381, 101)]
    # Another account's system campaign is untouched.
    assert (await campaign(gateway, -1, "tok_nova"))["site_blocks"] == []


async def test_integrated_campaign_changes_its_blocks(gateway: Gateway) -> None:
    await update(gateway, upd(8, 10, site_blocks=[block(101, 303), block(102, 305, 401)]))
    view = await campaign(gateway, 8)
    assert blocks_of(view) == [(101, 303, None, False), (102, 305, 401, False)]
    assert (view["name"], view["type"], view["engine"]) == ("Yandex.Direct", "integrated", "yandex.direct")
    await update(gateway, upd(8, 10, site_blocks=None))
    assert (await campaign(gateway, 8))["site_blocks"] == []


async def test_agent_updates_its_customers_campaign(gateway: Gateway) -> None:
    await update(gateway, upd(7, 10, "tok_agent", user_id=5001, name="By the agency"))
    assert (await campaign(gateway, 7))["name"] == "By the agency"


async def test_customer_naming_a_user_of_its_account_updates(gateway: Gateway) -> None:
    await update(gateway, upd(7, 10, user_id=5005, name="Own account"))
    assert (await campaign(gateway, 7))["name"] == "Own account"


# --------------------------------------------------------------------------- delete.campaigns


async def test_delete_frees_the_campaign_and_its_numbers(gateway: Gateway) -> None:
    campaign_id = await create(
        gateway,
        name="Short lived",
        site_id=10,
        site_blocks=[block(101, 301, 401, dct=True)],
        dynamic_call_tracking={"count_virtual_numbers": 2, "count_visits": 5},
        campaign_conditions=groups([condition()]),
    )
    assert campaign_id in await campaigns(gateway)
    assert len(await pool(gateway)) == 2

    assert await succeed(gateway, DELETE, {"access_token": "tok_cust", "id": campaign_id}) == {}
    listed = await campaigns(gateway)
    assert campaign_id not in listed
    assert sorted(listed) == [-1, 7, 8, 9]
    assert await pool(gateway) == []
    for table in (t.campaign_site_blocks, t.campaign_conditions):
        rows = await query(gateway.service.database_url, sa.select(table).where(table.c.campaign_id == campaign_id))
        assert rows == [], table.name

    # Its call_tracking number and pool numbers serve a new campaign.
    other = await create(
        gateway,
        name="Successor",
        site_id=10,
        site_blocks=[block(102, 301, 402, dct=True)],
        dynamic_call_tracking={"count_virtual_numbers": 1, "count_visits": 5},
    )
    assert await pool(gateway) == [(381, other, 102)]

    # Gone means gone: a second delete or an update does not find it.
    again = await call(gateway.url, {"access_token": "tok_cust", "id": campaign_id}, "d-1", DELETE)
    assert_error(again, "entity_not_found", request_id="d-1", field="id", value=str(campaign_id))
    changed = await call(gateway.url, upd(campaign_id, 10, name="Ghost"), "d-2", UPDATE)
    assert_error(changed, "entity_not_found", request_id="d-2", field="id", value=str(campaign_id))


async def test_delete_of_a_demo_campaign_frees_its_number(gateway: Gateway) -> None:
    assert await succeed(gateway, DELETE, {"access_token": "tok_agent", "user_id": 5001, "id": 7}) == {}
    assert sorted(await campaigns(gateway)) == [-1, 8, 9]
    await create(gateway, name="Takes 304", site_id=10, site_blocks=[block(102, 304, 402)])


async def test_delete_gives_the_quota_back(gateway: Gateway) -> None:
    params = {"access_token": "tok_quota", "name": "Second", "site_id": 16}
    refused = await call(gateway.url, params, "q-1")
    assert_error(refused, "tariff_restrictions", request_id="q-1")
    assert await succeed(gateway, DELETE, {"access_token": "tok_quota", "id": 60}) == {}
    assert sorted(await campaigns(gateway, "tok_quota")) == [-1]
    created = await create(gateway, "tok_quota", name="Second", site_id=16)
    assert sorted(await campaigns(gateway, "tok_quota")) == [-1, created]
    # The quota is full again.
    refused = await call(gateway.url, {**params, "name": "Third"}, "q-2")
    assert_error(refused, "tariff_restrictions", request_id="q-2")


@contextlib.asynccontextmanager
async def campaign_row_locked(database_url: str, campaign_id: int) -> AsyncIterator[Callable[[int], Awaitable[None]]]:
    """PostgreSQL: hold the campaign's row lock; yields a wait for that many sessions queued behind it.

    Deletes that have read the campaign then queue on its row, as they do when
    they simply arrive together; the lock only makes that interleaving certain.
    """
    conn = await asyncpg.connect(database_url)
    try:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute("SELECT id FROM campaigns WHERE id = $1 FOR UPDATE", campaign_id)

        async def queued(sessions: int) -> None:
            for _ in range(500):
                # Within a transaction the statistics views keep their first snapshot.
                await conn.execute("SELECT pg_stat_clear_snapshot()")
                waiting = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
                if waiting >= sessions:
                    return
                await asyncio.sleep(0.01)
            raise AssertionError(f"fewer than {sessions} sessions queued on the campaign's row")

        try:
            yield queued
        finally:
            await transaction.rollback()
    finally:
        await conn.close()


async def test_concurrent_deletes_give_the_quota_back_once(gateway: Gateway, engine: str) -> None:
    deletes = 4
    calls = [call(gateway.url, {"access_token": "tok_quota", "id": 60}, n, DELETE) for n in range(deletes)]
    if engine == "postgresql":
        async with campaign_row_locked(gateway.service.database_url, 60) as queued:
            pending = asyncio.gather(*calls)
            await queued(2)
        answers = await pending
    else:
        # SQLite: one writer at a time, so the deletes arrive together and run one after another.
        answers = await asyncio.gather(*calls)
    succeeded = [answer for answer in answers if "result" in answer]
    assert len(succeeded) == 1, answers
    for answer in answers:
        if "error" in answer:
            assert_error(answer, "entity_not_found", request_id=answer["id"], field="id", value="60")
    await create(gateway, "tok_quota", name="Within the quota", site_id=16)
    refused = await call(gateway.url, {"access_token": "tok_quota", "name": "Beyond", "site_id": 16}, "q-3")
    assert_error(refused, "tariff_restrictions", request_id="q-3")


# --------------------------------------------------------------------------- login.user and logout.user


async def test_login_customer(gateway: Gateway) -> None:
    before = int(time.time())
    data = await login(gateway, "demo")
    after = int(time.time())
    assert set(data) == {"access_token", "expire_at", "app_id"}
    token = data["access_token"]
    assert isinstance(token, str)
    assert len(token) >= 20
    assert token not in {"tok_cust", "tok_agent"}
    assert type(data["expire_at"]) is int
    assert before + SESSION_SECONDS <= data["expire_at"] <= after + SESSION_SECONDS
    assert data["app_id"] == 1000
    # The session acts as its user: a create in account 1000.
    campaign_id = await create(gateway, token, name="By session", site_id=10)
    assert campaign_id in await campaigns(gateway)
    # Each login opens its own session.
    assert (await login(gateway, "demo"))["access_token"] != token


async def test_login_agent(gateway: Gateway) -> None:
    data = await login(gateway, "agency")
    assert set(data) == {"access_token", "expire_at", "app_id"}
    assert data["app_id"] is None
    token = data["access_token"]
    missing = await call(gateway.url, {"access_token": token, "name": "Agency", "site_id": 10}, "a-1")
    assert_error(missing, "required_parameter_missed", request_id="a-1", field="user_id")
    campaign_id = await create(gateway, token, user_id=5001, name="Agency session", site_id=10)
    assert campaign_id in await campaigns(gateway)
    await update(gateway, upd(campaign_id, 10, token, user_id=5001, name="Agency renamed"))
    assert (await campaign(gateway, campaign_id))["name"] == "Agency renamed"
    foreign = await call(gateway.url, upd(7, 10, token, user_id=5003), "a-2", UPDATE)
    assert_error(foreign, "entity_not_found", request_id="a-2", field="user_id", value="5003")


@pytest.mark.parametrize(
    ("user_id", "mnemonic", "out"),
    [(5006, "ip_not_whitelisted", {"ip": "127.0.0.1"}), (5007, "account_inactive", {})],
    ids=["ip-not-whitelisted", "account-disabled"],
)
async def test_login_into_a_refused_account(gateway: Gateway, user_id: int, mnemonic: str, out: dict[str, Any]) -> None:
    # Give the demo user of that account a login, with demo's password.
    await execute(
        gateway.service.database_url,
        f"UPDATE users SET login = 'refused', password_hash = (SELECT password_hash FROM users WHERE id = 5001) "
        f"WHERE id = {user_id}",
    )
    answer = await call(gateway.url, {"login": "refused", "password": "secret"}, "r-1", LOGIN)
    assert_error(answer, mnemonic, request_id="r-1", params=out)
    wrong = await call(gateway.url, {"login": "refused", "password": "wrong"}, "r-2", LOGIN)
    assert_error(wrong, "auth_error", request_id="r-2")
    rows = await query(
        gateway.service.database_url, sa.select(t.access_tokens.c.user_id).where(t.access_tokens.c.is_temporary)
    )
    assert rows == []


async def test_login_guessing_is_throttled_through_the_wire(database_url: str) -> None:
    # A service with a small per-login limit behind a real gateway: the refusal is the catalogue's
    # limit_exceeded, with its integer limit, and no account limits (no account is known).
    running = await start_service(database_url, login_failures_per_login=2)
    server, task, port = await start_gateway(f"127.0.0.1:{running.port}")
    url = f"http://127.0.0.1:{port}/v2.0"
    try:
        for attempt in range(2):
            wrong = await call(url, {"login": "demo", "password": "wrong"}, f"g-{attempt}", LOGIN)
            assert_error(wrong, "auth_error", request_id=f"g-{attempt}")
        refused = await call(url, {"login": "demo", "password": "secret"}, "g-2", LOGIN)
        data = assert_error(
            refused, "limit_exceeded", request_id="g-2", params={"limit_type": "login", "limit_max_value": 2}
        )
        assert refused["error"]["message"] == (
            "Limit per login has been exceeded. Value of current limit per login is 2"
        ), refused
        assert "limits" not in data.get("metadata", {}), data
    finally:
        await stop_gateway(server, task)
        await running.stop(grace=1)
    assert await query(database_url, sa.select(t.access_tokens).where(t.access_tokens.c.is_temporary)) == []


async def test_customer_users_with_an_agent_session(gateway: Gateway) -> None:
    token = (await login(gateway, "agency"))["access_token"]
    data = await succeed(gateway, "get.customer_users", {"access_token": token})
    assert sorted((user["id"], user["customer_id"]) for user in data) == [(5001, 1000), (5002, 1001)]
    assert await succeed(gateway, "get.customer_users", {"access_token": "tok_agent"}) == data
    # A customer's session is not an agent's.
    customer = (await login(gateway, "demo"))["access_token"]
    answer = await call(gateway.url, {"access_token": customer}, "c-1", "get.customer_users")
    assert_error(answer, "forbidden", request_id="c-1")


async def test_expired_session_is_an_invalid_token(gateway: Gateway) -> None:
    token = (await login(gateway, "demo"))["access_token"]
    agent = (await login(gateway, "agency"))["access_token"]
    params = {"access_token": token, "name": "Late", "site_id": 10}
    await create(gateway, token, name="In time", site_id=10)
    # The hour is over: move every session's end into the past.
    await execute(
        gateway.service.database_url, f"UPDATE access_tokens SET expires_at = {int(time.time()) - 1} WHERE is_temporary"
    )
    late = await call(gateway.url, params, "x-1")
    assert_error(late, "access_token_invalid", request_id="x-1")
    logout = await call(gateway.url, {"access_token": token}, "x-2", LOGOUT)
    assert_error(logout, "access_token_invalid", request_id="x-2")
    users = await call(gateway.url, {"access_token": agent}, "x-4", "get.customer_users")
    assert_error(users, "access_token_invalid", request_id="x-4")
    # A permanent token past its end is still "expired".
    permanent = await call(gateway.url, {**params, "access_token": "tok_expired"}, "x-3")
    assert_error(permanent, "access_token_expired", request_id="x-3")


async def test_logout_ends_the_session(gateway: Gateway) -> None:
    token = (await login(gateway, "demo"))["access_token"]
    other = (await login(gateway, "demo"))["access_token"]
    assert await succeed(gateway, LOGOUT, {"access_token": token}) == {}
    params = {"name": "After logout", "site_id": 10}
    ended = await call(gateway.url, {"access_token": token, **params}, "l-1")
    assert_error(ended, "access_token_invalid", request_id="l-1")
    twice = await call(gateway.url, {"access_token": token}, "l-2", LOGOUT)
    assert_error(twice, "access_token_invalid", request_id="l-2")
    # Only that session ended.
    await create(gateway, other, **params)
    await create(gateway, "tok_cust", **params)


async def test_agent_logout_ends_the_session(gateway: Gateway) -> None:
    token = (await login(gateway, "agency"))["access_token"]
    assert await succeed(gateway, LOGOUT, {"access_token": token}) == {}
    answer = await call(gateway.url, {"access_token": token}, "l-3", "get.customer_users")
    assert_error(answer, "access_token_invalid", request_id="l-3")


async def test_logout_with_a_permanent_token_keeps_it(gateway: Gateway) -> None:
    answer = await call(gateway.url, {"access_token": "tok_cust"}, "l-4", LOGOUT)
    assert_error(answer, "forbidden", request_id="l-4")
    await create(gateway, "tok_cust", name="Still here", site_id=10)


async def test_logout_with_an_unknown_parameter(gateway: Gateway) -> None:
    token = (await login(gateway, "demo"))["access_token"]
    answer = await call(gateway.url, {"access_token": token, "everywhere": True}, "l-5", LOGOUT)
    assert_error(answer, "unexpected_parameters", request_id="l-5", field="everywhere", value="true")
    await create(gateway, token, name="Session kept", site_id=10)
