"""get.virtual_numbers and get.available_virtual_numbers through the wire, on the demo data (METHODS.md
§13-§14, §17, §20; docs/contract.md; docs/decisions.md). The demo's numbers: tests/gateway/support_numbers.py.
"""

from __future__ import annotations

from typing import Any

from tests.gateway.gets import CUST, Api, _filter, get_result
from tests.gateway.support_numbers import (
    DEMO_DAY,
    DEMO_STOCK,
    GET,
    NUMBER_FIELDS,
    SITES,
    SITES_NUMBERS,
    STOCK,
    STOCK_901,
    numbers_of,
    stock,
)
from tests.gateway.wire import assert_error

# ---------------------------------------------------------------- get.virtual_numbers


async def test_the_accounts_virtual_numbers(api: Api) -> None:
    data = await numbers_of(api, SITES)
    assert data == SITES_NUMBERS
    assert [list(item) for item in data] == [list(NUMBER_FIELDS)] * 3


async def test_which_numbers_are_listed(api: Api) -> None:
    data = await numbers_of(api, CUST)
    # 303 is a user number, 401 and 402 are redirection numbers: not virtual numbers. 381 to 384 are the
    # vacant pool stock (384 flagged for hosted PBX use): dynamic call tracking numbers.
    assert [(item["id"], item["type"]) for item in data] == [
        (301, "call_tracking"),
        (302, "va"),
        (304, "call_tracking"),
        *((n, "call_tracking") for n in range(305, 311)),
        *((n, "dynamic_call_tracking") for n in range(381, 385)),
    ]
    used = {item["id"]: item["campaigns"] for item in data if item["campaigns"]}
    assert used == {
        304: [
            {
                "campaign_id": 7,
                "campaign_name": "Existing call tracking",
                "site_id": 10,
                "site_domain_name": "shop.example",
                "site_blocks": [{"site_block_id": 102, "site_block_name": "Footer", "is_tracking": False}],
            }
        ]
    }
    # No component is needed (account 1003 has none).
    assert [item["id"] for item in await numbers_of(api, {"access_token": "tok_nocomp"})] == [331]


async def test_pool_numbers_and_fixed_numbers_in_campaigns(api: Api) -> None:
    created = await api.call(
        "create.campaigns",
        {
            **CUST,
            "name": "Pooled",
            "site_id": 10,
            "site_blocks": [
                {
                    "site_block_id": 101,
                    "phone_number_id": 302,
                    "dynamic_call_tracking_enabled": True,
                }
            ],
            "dynamic_call_tracking": {"count_virtual_numbers": 4, "count_visits": 10},
        },
    )
    campaign_id = created["result"]["data"]["id"]
    data = {item["id"]: item for item in await numbers_of(api, CUST)}

    header = {"site_block_id": 101, "site_block_name": "Header"}
    pooled = {
        "campaign_id": campaign_id,
        "campaign_name": "Pooled",
        "site_id": 10,
        "site_domain_name": "shop.example",
    }
    assert data[302]["campaigns"] == [{**pooled, "site_blocks": [{**header, "is_tracking": False}]}]
    # Three vacant numbers, then one bought: all dynamic call tracking numbers, in the block's pool.
    in_pool = [n for n, item in data.items() if item["campaigns"]]
    assert in_pool[:4] == [302, 304, 381, 382]
    bought = [n for n in data if n > 1000]
    assert len(bought) == 1
    for pool_number in (381, 382, 383, *bought):
        assert data[pool_number]["type"] == "dynamic_call_tracking"
        assert data[pool_number]["campaigns"] == [{**pooled, "site_blocks": [{**header, "is_tracking": True}]}]
    assert data[384]["campaigns"] == []


async def test_fields_sort_filter_and_paging(api: Api) -> None:
    picked = await get_result(api, GET, {**SITES, "fields": ["type", "id"]})
    assert picked["data"] == [
        {"type": "call_tracking", "id": 392},
        {"type": "call_tracking", "id": 393},
        {"type": "va", "id": 394},
    ]
    by_type = await get_result(api, GET, {**SITES, "sort": [{"field": "type", "order": "desc"}], "fields": ["id"]})
    assert [item["id"] for item in by_type["data"]] == [394, 393, 392]
    for field in ("child_customer_id", "status", "category", "comment", "name"):
        sorted_ = await get_result(api, GET, {**SITES, "sort": [{"field": field}], "fields": ["id"]})
        assert [item["id"] for item in sorted_["data"]] == [392, 393, 394], field

    async def ids(filter_: dict[str, Any]) -> list[int]:
        result = await get_result(api, GET, {**CUST, "filter": filter_, "fields": ["id"]})
        return [item["id"] for item in result["data"]]

    assert await ids(_filter("type", "=", "dynamic_call_tracking")) == [381, 382, 383, 384]
    assert await ids(_filter("type", "=", "va")) == [302]
    assert await ids(_filter("virtual_phone_number", "=", "74950000304")) == [304]
    assert await ids(_filter("id", "in", [301, 303, 401])) == [301]
    assert len(await ids(_filter("status", "=", "active"))) == 13
    assert await ids(_filter("status", "!=", "active")) == []
    assert len(await ids(_filter("activation_date", "=", DEMO_DAY))) == 13
    assert await ids(_filter("activation_date", ">", DEMO_DAY)) == []
    assert len(await ids(_filter("category", "=", "usual"))) == 13
    for field in ("child_customer_id", "redirection_phone_number", "comment", "name"):
        assert len(await ids(_filter(field, "is_null"))) == 13, field
    paged = await get_result(api, GET, {**CUST, "limit": 2, "offset": 3, "fields": ["id"]})
    assert paged["data"] == [{"id": 305}, {"id": 306}]
    assert paged["metadata"]["total_items"] == 13


async def test_the_get_machinerys_errors(api: Api) -> None:
    for field in ("id", "virtual_phone_number", "redirection_phone_number", "activation_date", "campaigns"):
        assert_error(
            await api.call(GET, {**SITES, "sort": [{"field": field}]}),
            "sort_prohibited",
            request_id=1,
            field="sort.field",
            value=field,
        )
    for field in ("campaigns", "scenarios"):
        assert_error(
            await api.call(GET, {**SITES, "filter": _filter(field, "=", "x")}),
            "filter_prohibited",
            request_id=1,
            field="filter.field",
            value=field,
        )
    # Names inside the nested objects are no fields of the method.
    for name in ("site_block_id", "scenario_name", "is_tracking"):
        assert_error(
            await api.call(GET, {**SITES, "fields": [name]}),
            "unexpected_parameters",
            request_id=1,
            field="fields",
            value=name,
        )
        assert_error(
            await api.call(GET, {**SITES, "filter": _filter(name, "=", 1)}),
            "unexpected_parameters",
            request_id=1,
            field="filter.field",
            value=name,
        )
    assert_error(
        await api.call(GET, {**SITES, "filter": _filter("activation_date", "=", "2026-01-15")}),
        "invalid_parameter_value",
        request_id=1,
        field="filter.value",
        value="2026-01-15",
    )
    assert_error(
        await api.call(GET, {**SITES, "limit": 10_001}),
        "invalid_parameter_value",
        request_id=1,
        field="limit",
        value="10001",
    )


# ---------------------------------------------------------------- get.available_virtual_numbers


async def test_the_stock(api: Api) -> None:
    result = await get_result(api, STOCK, SITES)
    assert result["data"] == DEMO_STOCK
    assert [list(item) for item in result["data"]] == [list(STOCK_901)] * 3
    assert result["metadata"]["total_items"] == 3
    # The same for every account, with or without components.
    assert await stock(api) == DEMO_STOCK
    assert (await get_result(api, STOCK, {"access_token": "tok_nocomp"}))["data"] == DEMO_STOCK


async def test_the_stocks_get_machinery(api: Api) -> None:
    async def numbers(params: dict[str, Any]) -> list[str]:
        result = await get_result(api, STOCK, {**CUST, "fields": ["phone_number"], **params})
        return [item["phone_number"] for item in result["data"]]

    # Ties run the way the last key runs: by phone number, descending.
    assert await numbers({"sort": [{"field": "location_name", "order": "desc"}]}) == [
        "78129000903",
        "74959000902",
        "74959000901",
    ]
    assert await numbers({"sort": [{"field": "category"}, {"field": "phone_number", "order": "desc"}]}) == [
        "74959000902",
        "78129000903",
        "74959000901",
    ]
    assert await numbers({"filter": _filter("location_mnemonic", "=", "spb")}) == ["78129000903"]
    assert await numbers({"filter": _filter("category", "=", "bronze")}) == ["74959000902"]
    assert await numbers({"filter": _filter("phone_number", "like", "7495%")}) == ["74959000901", "74959000902"]
    assert await numbers({"offset": 2}) == ["78129000903"]
    for field in ("location_name", "onetime_payment", "monthly_charge", "min_charge"):
        assert_error(
            await api.call(STOCK, {**CUST, "filter": _filter(field, "=", "x")}),
            "filter_prohibited",
            request_id=1,
            field="filter.field",
            value=field,
        )
    for field in ("onetime_payment", "monthly_charge", "min_charge"):
        assert_error(
            await api.call(STOCK, {**CUST, "sort": [{"field": field}]}),
            "sort_prohibited",
            request_id=1,
            field="sort.field",
            value=field,
        )
    # The stock's ids are not a field of the listing (METHODS.md §14).
    assert_error(
        await api.call(STOCK, {**CUST, "fields": ["id"]}),
        "unexpected_parameters",
        request_id=1,
        field="fields",
        value="id",
    )
