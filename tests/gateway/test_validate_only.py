"""validate_only (AIP-163, an extension of the vendor's API) on create.campaigns and update.campaigns,
through the JSON-RPC wire on both engines.

A validated call's error is the real call's, body for body; a validated create that would succeed
answers `data: {}` (no id is assigned), writes nothing but the point it is charged, and keeps the
plan's quota; a validated update answers what the update does (`data: {}`) and changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Gateway
from tests.gateway.support_campaign_calls import UPDATE, block, campaign, campaigns, condition, create, groups, upd
from tests.gateway.test_create_faults_checks import CASES as CHECKS
from tests.gateway.test_create_faults_order import ORDER
from tests.gateway.wire import VALID, assert_error, call, limits_of, rows_of
from tests.service.helpers import basic_campaigns, execute, without_points


def without_resets(body: dict[str, Any]) -> dict[str, Any]:
    """An answer with the limits' seconds-to-reset left out: two calls a second apart differ only there."""
    part = body.get("result") or body.get("error", {}).get("data", {})
    limits = part.get("metadata", {}).get("limits")
    if isinstance(limits, dict):
        for key in [key for key in limits if key.endswith("_reset")]:
            del limits[key]
    return body


def day_remaining(body: dict[str, Any]) -> int:
    part = body["result"] if "result" in body else body["error"]["data"]
    return limits_of(part["metadata"])["day_remaining"]


async def test_a_validated_create_fails_as_the_real_one(gateway: Gateway) -> None:
    # Every case of the create fault tables, in one gateway: a failing create writes nothing, so the
    # cases share a database (a fresh stack per case made this the suite's slowest file).
    before = await without_points(gateway.service.database_url)
    for case_id, (params, mnemonic, field, value, out) in rows_of([*CHECKS, *ORDER]):
        checked = await call(gateway.url, {**params, "validate_only": True}, "c-1")
        real = await call(gateway.url, params, "c-1")

        assert without_resets(checked) == without_resets(real), case_id
        assert_error(checked, mnemonic, request_id="c-1", field=field, value=value, params=out)
    assert await without_points(gateway.service.database_url) == before


async def test_a_validated_create_answers_empty_data_and_writes_nothing(gateway: Gateway) -> None:
    database_url = gateway.service.database_url
    sent = {
        **VALID,
        "description": "Everything at once",
        "site_blocks": [block(101, 302, dct=True), block(102, 305, 401)],
        "dynamic_call_tracking": {"count_virtual_numbers": 5, "count_visits": 100, "reservation_time": "1h"},
        "campaign_conditions": groups([condition(value="X")]),
    }
    listed = await campaigns(gateway)
    before = await without_points(database_url)
    start = day_remaining(await call(gateway.url, {"access_token": "tok_cust", "limit": 1}, 1, "get.campaigns"))

    answer = await call(gateway.url, {**sent, "validate_only": True}, "v-1")

    assert set(answer) == {"jsonrpc", "id", "result"}, answer
    assert answer["result"]["data"] == {}
    assert day_remaining(answer) == start - 1
    assert await without_points(database_url) == before
    # The counters stored say one point too: this get (one more) sees two spent since the first.
    assert len(await campaigns(gateway)) == len(listed)
    after = day_remaining(await call(gateway.url, {"access_token": "tok_cust", "limit": 1}, 2, "get.campaigns"))
    assert after == start - 3

    # What was validated is what a real create then does, with an id.
    campaign_id = await create(gateway, **{key: value for key, value in sent.items() if key != "access_token"})
    assert (await campaign(gateway, campaign_id))["name"] == VALID["name"]


async def test_a_validated_create_keeps_the_quota_but_is_refused_when_it_is_full(gateway: Gateway) -> None:
    database_url = gateway.service.database_url
    used = await basic_campaigns(database_url)
    await execute(database_url, f"UPDATE accounts SET campaign_quota = {used + 1} WHERE id = 1000")

    answer = await call(gateway.url, {**VALID, "validate_only": True}, 1)
    assert answer["result"]["data"] == {}
    assert await basic_campaigns(database_url) == used
    await create(gateway, name="The last one", site_id=10)

    checked = await call(gateway.url, {**VALID, "validate_only": True}, 2)
    real = await call(gateway.url, VALID, 2)
    assert without_resets(checked) == without_resets(real)
    assert_error(checked, "tariff_restrictions", request_id=2)


async def test_validate_only_false_or_null_is_a_real_create(gateway: Gateway) -> None:
    first = await create(gateway, name="False", site_id=10, validate_only=False)
    second = await create(gateway, name="Null", site_id=10, validate_only=None)

    assert {first, second} <= set(await campaigns(gateway))


async def test_validate_only_must_be_a_boolean(gateway: Gateway) -> None:
    answer = await call(gateway.url, {**VALID, "validate_only": "yes"}, 1)

    assert_error(answer, "data_type_error", request_id=1, field="validate_only", value="yes")


# --------------------------------------------------------------------------- update.campaigns


UPDATE_FAULTS = [
    pytest.param(upd(12345, 10, name="Ghost"), id="entity_not_found"),
    pytest.param(upd(7, ..., name="No site"), id="site_id_missing"),
    pytest.param(upd(7, 20, name="Moved"), id="site_id_moved"),
    pytest.param(upd(7, 10, cost_ratio=0.5), id="cost_ratio_below_1"),
    pytest.param(upd(7, 10, cost_ratio="2"), id="cost_ratio_as_text"),
    pytest.param(upd(8, 10, name="Integrated"), id="integrated_forbidden"),
    pytest.param(upd(-1, 10, description=None), id="system_forbidden"),
    pytest.param(upd(7, 10, site_blocks=[block(101, 304, 401), block(102, 304, 402)]), id="number_twice"),
    pytest.param(upd(7, 10, status="inactive", site_blocks=[block(101, 302)]), id="inactive_with_blocks"),
    pytest.param(upd(7, 10, colour="red"), id="unknown_param"),
    pytest.param(upd(7, 10, token="tok_noperm", name="Nope"), id="read_only_user"),
]


async def test_a_validated_update_fails_as_the_real_one(gateway: Gateway) -> None:
    before = await without_points(gateway.service.database_url)
    for case_id, (params,) in rows_of(UPDATE_FAULTS):
        checked = await call(gateway.url, {**params, "validate_only": True}, "u-1", UPDATE)
        real = await call(gateway.url, params, "u-1", UPDATE)

        assert "error" in checked, (case_id, checked)
        assert without_resets(checked) == without_resets(real), case_id
    assert await without_points(gateway.service.database_url) == before


async def test_a_validated_update_answers_as_the_update_and_changes_nothing(gateway: Gateway) -> None:
    database_url = gateway.service.database_url
    sent = upd(
        7,
        10,
        name="After",
        description=None,
        cost_ratio=2.5,
        site_blocks=[block(101, 302, dct=True), block(102, 305, 402)],
        dynamic_call_tracking={"count_virtual_numbers": 3, "count_visits": 10},
    )
    view_before = await campaign(gateway, 7)
    before = await without_points(database_url)

    answer = await call(gateway.url, {**sent, "validate_only": True}, "u-1", UPDATE)

    assert answer["result"]["data"] == {}, answer
    limits_of(answer["result"]["metadata"])
    assert await without_points(database_url) == before
    assert await campaign(gateway, 7) == view_before

    real = await call(gateway.url, sent, "u-2", UPDATE)
    assert real["result"]["data"] == {}, real
    assert (await campaign(gateway, 7))["name"] == "After"


async def test_validate_only_null_on_update_means_not_sent(gateway: Gateway) -> None:
    answer = await call(gateway.url, upd(7, 10, name="Really", validate_only=None), "u-1", UPDATE)

    assert answer["result"]["data"] == {}, answer
    assert (await campaign(gateway, 7))["name"] == "Really"
