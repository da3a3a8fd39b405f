"""login.user, logout.user and an agent's session through the wire.

Against the demo data set (docs/demo-data.md): every error is checked whole (code, message, mnemonic, field, value,
params), every change is read back with get.campaigns or from the test's own database.
Every test that changes something gets a fresh database.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa

from service.storage import schema as t
from tests.conftest import Gateway, start_gateway, start_service, stop_gateway
from tests.gateway.support_campaign_calls import (
    LOGIN,
    LOGOUT,
    SESSION_SECONDS,
    UPDATE,
    campaign,
    campaigns,
    create,
    login,
    succeed,
    upd,
    update,
)
from tests.gateway.wire import assert_error, call
from tests.service.helpers import execute, query

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
