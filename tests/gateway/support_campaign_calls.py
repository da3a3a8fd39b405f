"""Helpers for the update.campaigns, delete.campaigns, login.user and logout.user tests: params builders,
calls that must succeed, and what the test's database holds."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Final

import pytest
import sqlalchemy as sa

from service.storage import schema as t
from tests.conftest import Gateway
from tests.gateway.wire import ABSENT, CATALOGUE, Absent, assert_error, call, limits_of
from tests.service.helpers import query

CONDITIONS: Final = "campaign_conditions.group_conditions.conditions"
SESSION_SECONDS: Final = 3600
# Methods called for an account: their answers carry its point limits.
ACCOUNT_METHODS: Final = frozenset({"create.campaigns", "get.campaigns", "update.campaigns", "delete.campaigns"})

UPDATE = "update.campaigns"
DELETE = "delete.campaigns"
LOGIN = "login.user"
LOGOUT = "logout.user"


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


# ---------------------------------------------------------------------- tables of refused calls (one row each)


@dataclass(frozen=True)
class Fault:
    """One row of a fault table: the call, and the one error object it must produce (code: where it is not
    the catalogue's; out: the error's data.params)."""

    method: str
    params: dict[str, Any]
    mnemonic: str
    field: str | Absent = ABSENT
    value: str | Absent = ABSENT
    out: dict[str, Any] = dataclass_field(default_factory=dict)
    code: int | None = None


def fault_case(
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
    """A Fault as a test parameter, named after its method (bug: a known bug, an xfail that must fail)."""
    marks = [pytest.mark.xfail(reason=f"BUG: {bug}", strict=True)] if bug else []
    verb, _, noun = method.partition(".")
    prefix = verb if noun in ("campaigns", "user") else method
    fault = Fault(method, params, mnemonic, field, value, out or {}, code)
    return pytest.param(fault, id=f"{prefix}-{name}", marks=marks)


async def assert_fault(url: str, fault: Fault) -> None:
    """The call fails with that error object, whole."""
    answer = await call(url, fault.params, "e-1", fault.method)
    assert "result" not in answer, answer
    mnemonic, field, value, out = fault.mnemonic, fault.field, fault.value, fault.out
    if fault.code is None:
        assert_error(answer, mnemonic, request_id="e-1", field=field, value=value, params=out)
    else:
        assert_error_with_code(answer, fault.code, mnemonic, request_id="e-1", field=field, value=value, params=out)
