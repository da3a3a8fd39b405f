"""disable.virtual_numbers through the wire, on the demo data (METHODS.md §15-§17, §20; docs/contract.md;
docs/decisions.md): every rule, what it does not find, pools, and that it and enable.virtual_numbers
(test_virtual_numbers_enable.py) are inverses; who may call both and what they cost. The demo's numbers:
tests/gateway/support_numbers.py.
"""

from __future__ import annotations

from tests.gateway.gets import CUST, Api, _filter, error_limits, get_result, quiet_window, success_limits
from tests.gateway.support_numbers import (
    DEMO_STOCK,
    DISABLE,
    ENABLE,
    GET,
    NOVA,
    SITES,
    SITES_NUMBERS,
    STOCK,
    STOCK_901,
    STOCK_902,
    STOCK_903,
    available_ids,
    number_in_stock,
    numbers_of,
    stock,
    succeeded,
)
from tests.gateway.wire import assert_error, limits_of

# ---------------------------------------------------------------- disable.virtual_numbers


async def test_disable_rows_of_the_demo(api: Api) -> None:
    """METHODS.md §20: 392 is in campaign 70, 393 is free, 303 is a user number of another account."""
    assert_error(
        await api.call(DISABLE, {**SITES, "virtual_phone_number": "74950000392"}),
        "dependency_error",
        request_id=1,
        field="virtual_phone_number",
        value="74950000392",
    )
    assert_error(
        await api.call(DISABLE, {**SITES, "virtual_phone_number": "74950000303"}),
        "virtual_phone_number_not_found",
        request_id=1,
        field="virtual_phone_number",
        value="74950000303",
        params={"virtual_phone_number": "74950000303"},
    )
    assert await numbers_of(api, SITES) == SITES_NUMBERS
    await succeeded(api, DISABLE, {**SITES, "virtual_phone_number": "74950000393"}, 7)

    assert await numbers_of(api, SITES) == [SITES_NUMBERS[0], SITES_NUMBERS[2]]
    assert 393 not in await available_ids(api, "tok_sites")
    assert await stock(api) == [number_in_stock("74950000393"), STOCK_901, STOCK_902, STOCK_903]


async def test_what_disable_does_not_find(api: Api) -> None:
    for params, shown in (
        # A user number of the caller's own account, and its redirection number.
        ({**CUST, "virtual_phone_number": "74950000303"}, "74950000303"),
        ({**SITES, "virtual_phone_number": "74951110431"}, "74951110431"),
        # Another account's number, a stock number, and an unknown id.
        ({**SITES, "virtual_phone_number": "+74950000301"}, "+74950000301"),
        ({**SITES, "virtual_phone_number": "74959000901"}, "74959000901"),
        ({**SITES, "number_capacity_ids": [393, 303]}, "303"),
        ({**SITES, "number_capacity_ids": ["393", "00901"]}, "901"),
    ):
        body = await api.call(DISABLE, params)
        field = "virtual_phone_number" if "virtual_phone_number" in params else "number_capacity_ids"
        sent = params.get("virtual_phone_number") or str(params["number_capacity_ids"][-1])
        assert_error(
            body,
            "virtual_phone_number_not_found",
            request_id=1,
            field=field,
            value=sent,
            params={"virtual_phone_number": shown},
        )
    # Not found is looked for over the whole list before what uses the numbers (step 10's order).
    assert_error(
        await api.call(DISABLE, {**SITES, "number_capacity_ids": [392, 999]}),
        "virtual_phone_number_not_found",
        request_id=1,
        field="number_capacity_ids",
        value="999",
        params={"virtual_phone_number": "999"},
    )
    assert_error(
        await api.call(DISABLE, {**SITES, "number_capacity_ids": [393, "392"]}),
        "dependency_error",
        request_id=1,
        field="number_capacity_ids",
        value="392",
    )
    assert await numbers_of(api, SITES) == SITES_NUMBERS


async def test_disable_parameter_rules(api: Api) -> None:
    assert_error(
        await api.call(DISABLE, SITES), "required_parameter_missed", request_id=1, field="virtual_phone_number"
    )
    assert_error(
        await api.call(DISABLE, {**SITES, "virtual_phone_number": "74950000393", "number_capacity_ids": [393]}),
        "invalid_parameters_combination",
        request_id=1,
        field="number_capacity_ids",
        value="[393]",
    )
    assert_error(
        await api.call(DISABLE, {**SITES, "number_capacity_ids": [393], "number_capacity_component": "va"}),
        "unexpected_parameters",
        request_id=1,
        field="number_capacity_component",
        value="va",
    )
    assert_error(
        await api.call(DISABLE, {**SITES, "number_capacity_ids": [393, 393]}),
        "invalid_parameter_value",
        request_id=1,
        field="number_capacity_ids",
        value="393",
    )
    assert_error(
        await api.call(DISABLE, {**SITES, "number_capacity_ids": [{"id": 393}]}),
        "data_type_error",
        request_id=1,
        field="number_capacity_ids",
        value='{"id":393}',
    )
    assert_error(
        await api.call(DISABLE, {"access_token": "tok_noperm", "virtual_phone_number": "74950000301"}),
        "forbidden",
        request_id=1,
    )
    assert await numbers_of(api, SITES) == SITES_NUMBERS


async def test_disable_waits_for_the_campaigns_to_let_go(api: Api) -> None:
    """Refused while campaign 70 uses 392; allowed once it is inactive (its blocks go), METHODS.md §17."""
    assert_error(
        await api.call(DISABLE, {**SITES, "number_capacity_ids": [392]}),
        "dependency_error",
        request_id=1,
        field="number_capacity_ids",
        value="392",
    )
    updated = await api.call("update.campaigns", {**SITES, "id": 70, "site_id": 21, "status": "inactive"})
    assert "result" in updated, updated

    await succeeded(api, DISABLE, {**SITES, "number_capacity_ids": [392]})
    assert 392 not in await available_ids(api, "tok_sites")


async def test_pool_numbers_are_disabled_when_vacant(api: Api) -> None:
    created = await api.call(
        "create.campaigns",
        {
            **CUST,
            "name": "Pooled",
            "site_id": 10,
            "site_blocks": [{"site_block_id": 101, "phone_number_id": 302, "dynamic_call_tracking_enabled": True}],
            "dynamic_call_tracking": {"count_virtual_numbers": 2, "count_visits": 10},
        },
    )
    assert "result" in created, created
    # 381 and 382 are in the pool; 383 is vacant.
    assert_error(
        await api.call(DISABLE, {**CUST, "number_capacity_ids": [383, 381]}),
        "dependency_error",
        request_id=1,
        field="number_capacity_ids",
        value="381",
    )
    await succeeded(api, DISABLE, {**CUST, "number_capacity_ids": [383]})
    assert [
        item["id"] for item in await numbers_of(api, {**CUST, "filter": _filter("type", "=", "dynamic_call_tracking")})
    ] == [
        381,
        382,
        384,
    ]


async def test_disable_then_enable_is_a_round_trip(api: Api) -> None:
    await succeeded(api, ENABLE, {**SITES, "number_capacity_ids": [902], "number_capacity_component": "va"})
    await succeeded(api, DISABLE, {**SITES, "number_capacity_ids": ["902"]})
    # Back as it came: category, location and charges (METHODS.md §16: enable's inverse).
    assert await stock(api) == DEMO_STOCK

    await succeeded(api, ENABLE, {**CUST, "virtual_phone_number": "74959000902"})
    item = (await numbers_of(api, {**CUST, "filter": _filter("virtual_phone_number", "=", "74959000902")}))[0]
    assert (item["id"], item["category"], item["type"]) == (902, "bronze", "call_tracking")
    # A demo number goes back and comes again under its id.
    await succeeded(api, DISABLE, {**SITES, "virtual_phone_number": "74950000393"})
    await succeeded(api, ENABLE, {**CUST, "number_capacity_ids": [393], "number_capacity_component": "va"})
    assert (await available_ids(api, "tok_cust"))[393] == "va"
    await succeeded(api, DISABLE, {**CUST, "virtual_phone_number": "74950000393"})
    assert await stock(api) == [number_in_stock("74950000393"), STOCK_901, STOCK_903]


async def test_who_may_call_and_what_it_costs(api: Api) -> None:
    # simple_dt refuses none of the four (account 1009 holds 391); an agent acts for its customer.
    assert [item["id"] for item in await numbers_of(api, {"access_token": "tok_simpledt"})] == [391]
    assert (await get_result(api, STOCK, {"access_token": "tok_simpledt"}))["metadata"]["total_items"] == 3
    assert_error(
        await api.call(ENABLE, {"access_token": "tok_agent"}),
        "required_parameter_missed",
        request_id=1,
        field="user_id",
    )
    assert_error(await api.call(GET, {"access_token": "tok_disabled"}), "account_inactive", request_id=1)
    # A success costs a point; an error costs nothing (and changes nothing).
    failing = {**SITES, "virtual_phone_number": "1234567"}
    before = await quiet_window(api, ENABLE, failing)
    assert (await error_limits(api, ENABLE, failing))["day_remaining"] == before["day_remaining"]
    body = await api.call(ENABLE, {"access_token": "tok_agent", "user_id": 5002, "virtual_phone_number": "74959000901"})
    assert "result" in body, body
    after = limits_of(body["result"]["metadata"])
    assert after["day_remaining"] == after["day_limit"] - 1  # account 1001's budget, its first call
    assert [item["id"] for item in await numbers_of(api, NOVA)][-1] == 901
    spent = await success_limits(api, DISABLE, {**SITES, "virtual_phone_number": "74950000393"})
    assert spent["day_remaining"] == before["day_remaining"] - 1
