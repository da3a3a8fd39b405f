"""metadata.limits on the wire (contract section 2) and the same numbers in gRPC trailing metadata."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from campaigns.v1 import campaign_service_pb2 as spb

from contract.limits import LIMITS_KEY, decode_limits
from service.storage import Storage
from service.storage import schema as t
from tests.conftest import Gateway, bearer
from tests.gateway.wire import (
    DEMO_DAY_LIMIT,
    DEMO_MINUTE_LIMIT,
    LIMIT_KEYS,
    VALID,
    assert_error,
    limits_of,
)

# An authenticated call that fails in step 7, so it costs nothing.
FREE_FAILURE: dict[str, Any] = {**VALID, "site_id": "10"}


async def _error_limits(gateway: Gateway, params: dict[str, Any]) -> dict[str, int]:
    answer = await gateway.call("create.campaigns", params)
    assert "error" in answer, answer
    return limits_of(answer["error"]["data"]["metadata"])


async def _success_limits(gateway: Gateway, params: dict[str, Any] = VALID) -> dict[str, int]:
    answer = await gateway.call("create.campaigns", params)
    assert "result" in answer, answer
    return limits_of(answer["result"]["metadata"])


async def _one_window(gateway: Gateway, params: dict[str, Any] = FREE_FAILURE) -> dict[str, int]:
    """The limits now, after waiting out a minute (or day) that ends within 5 s.

    A test that counts points must not straddle a window boundary, where the counter restarts.
    """
    limits = await _error_limits(gateway, params)
    soonest = min(limits["minute_reset"], limits["day_reset"])
    if soonest <= 5:
        await asyncio.sleep(soonest + 1)
        limits = await _error_limits(gateway, params)
    return limits


async def _set_account_limits(database_url: str, account_id: int, **values: int) -> None:
    storage = await Storage.open(database_url, migrate=False)
    try:
        await storage.write(
            lambda conn: conn.execute(sa.update(t.accounts).where(t.accounts.c.id == account_id).values(**values))
        )
    finally:
        await storage.close()


async def test_success_carries_the_six_limits(gateway: Gateway) -> None:
    answer = await gateway.call("create.campaigns", VALID)
    limits = limits_of(answer["result"]["metadata"])
    assert limits["day_limit"] == DEMO_DAY_LIMIT
    assert limits["minute_limit"] == DEMO_MINUTE_LIMIT
    assert 0 <= limits["day_remaining"] < DEMO_DAY_LIMIT
    assert 0 <= limits["minute_remaining"] < DEMO_MINUTE_LIMIT
    assert 0 < limits["day_reset"] <= 86_400
    assert 0 < limits["minute_reset"] <= 60


AUTHENTICATED_ERRORS: list[Any] = [
    pytest.param({**VALID, "site_id": "10"}, "data_type_error", 1000, id="data-type"),
    pytest.param({**VALID, "type": "basic"}, "unexpected_parameters", 1000, id="unexpected"),
    pytest.param({**VALID, "name": None}, "required_parameter_missed", 1000, id="required"),
    pytest.param({**VALID, "site_id": 999}, "entity_not_found", 1000, id="entity"),
    pytest.param({**VALID, "user_id": 5002}, "entity_not_found", 1000, id="foreign-user-id"),
    pytest.param(
        {**VALID, "site_blocks": [{"site_block_id": 101, "phone_number_id": 304, "redirection_phone_number_id": 401}]},
        "already_in_use",
        1000,
        id="in-use",
    ),
    pytest.param({**VALID, "access_token": "tok_noperm"}, "forbidden", 1000, id="forbidden"),
    pytest.param(
        {"access_token": "tok_nocomp", "name": "N", "site_id": 13}, "method_component_disabled", 1003, id="component"
    ),
    pytest.param(
        {
            "access_token": "tok_nova",
            "name": "N",
            "site_id": 11,
            "site_blocks": [{"site_block_id": 111, "phone_number_id": 311, "redirection_phone_number_id": 411}],
        },
        "parameter_component_disabled",
        1001,
        id="parameter-component",
    ),
    pytest.param({"access_token": "tok_quota", "name": "N", "site_id": 16}, "tariff_restrictions", 1006, id="quota"),
    pytest.param({"access_token": "tok_ipdeny", "name": "N", "site_id": 14}, "ip_not_whitelisted", 1004, id="ip"),
    pytest.param({"access_token": "tok_disabled", "name": "N", "site_id": 15}, "account_inactive", 1005, id="disabled"),
    pytest.param(
        {"access_token": "tok_ratelimited", "name": "N", "site_id": 17}, "limit_exceeded", 1007, id="limit-exceeded"
    ),
    pytest.param(
        {"access_token": "tok_agent", "user_id": 5001, "name": "N", "site_id": "10"},
        "data_type_error",
        1000,
        id="agent-for-customer",
    ),
]

# docs/demo-data.md: points per day / minute of each account.
ACCOUNT_LIMITS = {
    1000: (DEMO_DAY_LIMIT, DEMO_MINUTE_LIMIT),
    1001: (DEMO_DAY_LIMIT, DEMO_MINUTE_LIMIT),
    1003: (DEMO_DAY_LIMIT, DEMO_MINUTE_LIMIT),
    1004: (DEMO_DAY_LIMIT, DEMO_MINUTE_LIMIT),
    1005: (DEMO_DAY_LIMIT, DEMO_MINUTE_LIMIT),
    1006: (DEMO_DAY_LIMIT, DEMO_MINUTE_LIMIT),
    1007: (1000, 0),
}


@pytest.mark.parametrize(("params", "mnemonic", "account"), AUTHENTICATED_ERRORS)
async def test_error_of_an_authenticated_call_carries_limits(
    gateway: Gateway, params: dict[str, Any], mnemonic: str, account: int
) -> None:
    answer = await gateway.call("create.campaigns", params)
    assert answer["error"]["data"]["mnemonic"] == mnemonic, answer
    limits = limits_of(answer["error"]["data"]["metadata"])
    day_limit, minute_limit = ACCOUNT_LIMITS[account]
    assert limits["day_limit"] == day_limit
    assert limits["minute_limit"] == minute_limit
    # A fresh database: nothing spent yet on any account.
    assert limits["day_remaining"] == day_limit
    assert limits["minute_remaining"] == minute_limit
    assert 0 < limits["day_reset"] <= 86_400
    assert 0 < limits["minute_reset"] <= 60


@pytest.mark.parametrize(
    ("params", "mnemonic"),
    [
        pytest.param({"name": "N", "site_id": 10}, "required_parameter_missed", id="no-token"),
        pytest.param({"access_token": None, "name": "N", "site_id": 10}, "required_parameter_missed", id="null-token"),
        pytest.param({**VALID, "access_token": "tok_nope"}, "access_token_invalid", id="unknown"),
        pytest.param({**VALID, "access_token": "tok_expired"}, "access_token_expired", id="expired"),
        pytest.param({**VALID, "access_token": "tok_blocked"}, "access_token_blocked", id="blocked"),
    ],
)
async def test_unauthenticated_error_has_no_limits(gateway: Gateway, params: dict[str, Any], mnemonic: str) -> None:
    answer = await gateway.call("create.campaigns", params)
    assert answer["error"]["data"]["mnemonic"] == mnemonic
    assert "limits" not in answer["error"]["data"].get("metadata", {})


async def test_success_costs_one_point_and_failure_none(gateway: Gateway) -> None:
    before = await _one_window(gateway)
    # Fresh database: the free failure found the budget untouched.
    assert before["day_remaining"] == DEMO_DAY_LIMIT
    assert before["minute_remaining"] == DEMO_MINUTE_LIMIT

    first = await _success_limits(gateway)
    assert first["day_remaining"] == DEMO_DAY_LIMIT - 1
    assert first["minute_remaining"] == DEMO_MINUTE_LIMIT - 1

    failures: list[dict[str, Any]] = [
        FREE_FAILURE,
        {**VALID, "type": "basic"},
        {**VALID, "site_id": 999},
        {**VALID, "status": "inactive", "site_blocks": [{"site_block_id": 101, "phone_number_id": 302}]},
        {**VALID, "site_blocks": [{"site_block_id": 101, "phone_number_id": 304, "redirection_phone_number_id": 401}]},
        {**VALID, "access_token": "tok_noperm"},
    ]
    for params in failures:
        after_failure = await _error_limits(gateway, params)
        assert after_failure["day_remaining"] == first["day_remaining"], params
        assert after_failure["minute_remaining"] == first["minute_remaining"], params

    second = await _success_limits(gateway, {**VALID, "name": "Second"})
    assert second["day_remaining"] == first["day_remaining"] - 1
    assert second["minute_remaining"] == first["minute_remaining"] - 1
    third = await _success_limits(gateway, {**VALID, "name": "Third"})
    assert third["day_remaining"] == second["day_remaining"] - 1
    assert third["minute_remaining"] == second["minute_remaining"] - 1
    assert third["day_limit"] == DEMO_DAY_LIMIT
    assert third["minute_limit"] == DEMO_MINUTE_LIMIT


async def test_points_are_per_account(gateway: Gateway) -> None:
    await _one_window(gateway)
    await _success_limits(gateway)
    other = await _success_limits(gateway, {"access_token": "tok_nodct", "name": "N", "site_id": 12})
    assert other["day_remaining"] == DEMO_DAY_LIMIT - 1
    assert other["minute_remaining"] == DEMO_MINUTE_LIMIT - 1


def _grpc_limits(trailing: Any) -> dict[str, int]:
    values = [value for key, value in trailing or () if key == LIMITS_KEY]
    assert len(values) <= 1, trailing
    if not values:
        return {}
    limits = decode_limits(values[0])
    assert limits is not None, values
    return limits.as_dict()


async def _grpc_create(gateway: Gateway, token: str, request: spb.CreateCampaignRequest) -> tuple[bool, dict[str, int]]:
    call = gateway.service.stub.CreateCampaign(request, metadata=bearer(token))
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return False, _grpc_limits(error.trailing_metadata())
    return True, _grpc_limits(await call.trailing_metadata())


async def test_grpc_trailing_metadata_carries_the_same_numbers(gateway: Gateway) -> None:
    await _one_window(gateway)
    ok, over_grpc = await _grpc_create(gateway, "tok_cust", spb.CreateCampaignRequest(name="Over gRPC", site_id=10))
    assert ok
    assert set(over_grpc) == set(LIMIT_KEYS)
    assert over_grpc["day_limit"] == DEMO_DAY_LIMIT
    assert over_grpc["minute_limit"] == DEMO_MINUTE_LIMIT
    assert over_grpc["day_remaining"] == DEMO_DAY_LIMIT - 1
    assert over_grpc["minute_remaining"] == DEMO_MINUTE_LIMIT - 1

    # The gateway reports the same budget the gRPC call left.
    over_wire = await _error_limits(gateway, FREE_FAILURE)
    for key in ("day_limit", "day_remaining", "minute_limit", "minute_remaining"):
        assert over_wire[key] == over_grpc[key], key
    for key in ("day_reset", "minute_reset"):
        assert abs(over_wire[key] - over_grpc[key]) <= 1, key

    # A success through the wire is seen by the next gRPC call, failed or not.
    after_wire = await _success_limits(gateway)
    ok, failed_grpc = await _grpc_create(gateway, "tok_cust", spb.CreateCampaignRequest(name="Bad site", site_id=999))
    assert not ok
    assert set(failed_grpc) == set(LIMIT_KEYS)
    assert failed_grpc["day_remaining"] == after_wire["day_remaining"] == DEMO_DAY_LIMIT - 2
    assert failed_grpc["minute_remaining"] == after_wire["minute_remaining"] == DEMO_MINUTE_LIMIT - 2


async def test_grpc_unauthenticated_call_has_no_limit_metadata(gateway: Gateway) -> None:
    ok, limits = await _grpc_create(gateway, "tok_nope", spb.CreateCampaignRequest(name="N", site_id=10))
    assert not ok
    assert limits == {}


async def test_minute_budget_runs_out(gateway: Gateway) -> None:
    await _set_account_limits(gateway.service.database_url, 1000, minute_limit=2)
    before = await _one_window(gateway)
    assert before["minute_limit"] == 2
    assert before["minute_remaining"] == 2
    first = await _success_limits(gateway)
    assert first["minute_remaining"] == 1
    second = await _success_limits(gateway, {**VALID, "name": "Second"})
    assert second["minute_remaining"] == 0
    assert second["day_remaining"] == DEMO_DAY_LIMIT - 2

    out = {"limit_type": "minute", "limit_max_value": 2}
    for params in (VALID, FREE_FAILURE, {**VALID, "type": "basic"}):
        answer = await gateway.call("create.campaigns", params, "x")
        data = assert_error(answer, "limit_exceeded", request_id="x", params=out)
        assert (
            answer["error"]["message"] == "Limit per minute has been exceeded. Value of current limit per minute is 2"
        )
        limits = limits_of(data["metadata"])
        assert limits["minute_remaining"] == 0
        assert limits["day_remaining"] == DEMO_DAY_LIMIT - 2


async def test_day_budget_is_checked_before_the_minute(gateway: Gateway) -> None:
    await _set_account_limits(gateway.service.database_url, 1000, day_limit=1, minute_limit=1)
    await _one_window(gateway)
    spent = await _success_limits(gateway)
    assert spent["day_remaining"] == 0
    assert spent["minute_remaining"] == 0
    answer = await gateway.call("create.campaigns", VALID, 3)
    data = assert_error(answer, "limit_exceeded", request_id=3, params={"limit_type": "day", "limit_max_value": 1})
    assert answer["error"]["message"] == "Limit per day has been exceeded. Value of current limit per day is 1"
    limits = limits_of(data["metadata"])
    assert (limits["day_limit"], limits["day_remaining"]) == (1, 0)
