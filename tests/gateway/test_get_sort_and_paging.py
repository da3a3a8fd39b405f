"""The get.* methods through the wire, on the demo data: `sort`, and paging with `limit` and `offset`.

Expectations come from docs/contract.md, docs/demo-data.md, docs/decisions.md and notes/data-api-reference.md
(the original API's get machinery). Where they leave a point open, the test says which reading it takes.
The `api` fixture (tests/gateway/conftest.py) calls the gateway over one kept-alive client.
"""

from __future__ import annotations

from typing import Any

from tests.gateway.gets import (
    AGENT,
    ALL_IDS,
    CUST,
    Api,
    _filter,
    create_campaign,
    get_ids,
    get_result,
)
from tests.gateway.wire import ABSENT, assert_error

# ---------------------------------------------------------------- sort


async def test_sort_both_ways_with_ties_broken_by_id(api: Api) -> None:
    """docs/decisions.md: the id breaks ties; nulls last ascending, first descending; text by code point.
    Interpretation: the tiebreak runs the way the last sort key runs (what the service does), so a
    descending sort lists tied items by descending id; pages of one order neither repeat nor skip."""

    async def order(method: str, sort: Any, params: dict[str, Any] = CUST) -> list[Any]:
        ids, _total = await get_ids(api, method, {**params, "sort": sort})
        return list(ids)

    # name: Existing call tracking (7) < Paused (9) < Visitors... (-1) < Yandex.Direct (8)
    assert await order("get.campaigns", [{"field": "name"}]) == [7, 9, -1, 8]
    assert await order("get.campaigns", [{"field": "name", "order": "asc"}]) == [7, 9, -1, 8]
    assert await order("get.campaigns", [{"field": "name", "order": "desc"}]) == [8, -1, 9, 7]
    # site_id: 7 and 8 share site 10; the system campaign's null site comes last ascending, first descending.
    assert await order("get.campaigns", [{"field": "site_id"}]) == [7, 8, 9, -1]
    assert await order("get.campaigns", [{"field": "site_id", "order": "desc"}]) == [-1, 9, 8, 7]
    # several keys: left to right
    assert await order("get.campaigns", [{"field": "type"}, {"field": "name", "order": "desc"}]) == [9, 7, 8, -1]
    assert await order("get.campaigns", [{"field": "type", "order": "desc"}, {"field": "name"}]) == [-1, 8, 7, 9]
    assert await order("get.campaigns", [{"field": "site_id", "order": "desc"}, {"field": "name"}]) == [-1, 9, 7, 8]
    # engine: three nulls tie (first when descending), then yandex.direct
    assert await order("get.campaigns", [{"field": "engine", "order": "desc"}]) == [9, 7, -1, 8]
    assert await order("get.campaigns", [{"field": "engine"}]) == [8, -1, 7, 9]
    # costs: null everywhere, all tie
    assert await order("get.campaigns", [{"field": "costs"}]) == ALL_IDS
    assert await order("get.campaigns", [{"field": "costs", "order": "desc"}]) == ALL_IDS[::-1]

    # Equal names: the id decides.
    twins = [await create_campaign(api, {"name": "Twin", "site_id": 20}) for _ in range(3)]
    assert await order("get.campaigns", [{"field": "name"}]) == [7, 9, *twins, -1, 8]
    assert await order("get.campaigns", [{"field": "name", "order": "desc"}]) == [8, -1, *twins[::-1], 9, 7]
    # Sort and filter together, and the pages of a sorted list neither repeat nor skip.
    twin_filter = _filter("name", "=", "Twin")
    assert await order("get.campaigns", [{"field": "name"}], {**CUST, "filter": twin_filter}) == twins
    assert (
        await order("get.campaigns", [{"field": "name", "order": "desc"}], {**CUST, "filter": twin_filter})
        == (twins[::-1])
    )
    for direction, whole in (("asc", [7, 9, *twins, -1, 8]), ("desc", [8, -1, *twins[::-1], 9, 7])):
        pages: list[Any] = []
        for offset in (0, 2, 4, 6):
            page, total = await get_ids(
                api,
                "get.campaigns",
                {**CUST, "sort": [{"field": "name", "order": direction}], "limit": 2, "offset": offset},
            )
            assert total == 7
            pages.extend(page)
        assert pages == whole, direction

    # Code point order on both engines: upper case before lower case, whatever the collation.
    zebra = await create_campaign(api, {"name": "Zebra", "site_id": 20})
    apple = await create_campaign(api, {"name": "apple", "site_id": 20})
    assert await order("get.campaigns", [{"field": "name"}]) == [7, 9, *twins, -1, 8, zebra, apple]

    # The other methods' sortable fields.
    assert await order("get.site_blocks", [{"field": "site_id", "order": "desc"}]) == [201, 102, 101]
    assert await order("get.site_blocks", [{"field": "site_id"}]) == [101, 102, 201]
    assert await order("get.campaign_available_phone_numbers", [{"field": "prefix"}]) == list(range(301, 311))
    assert await order("get.campaign_available_phone_numbers", [{"field": "prefix", "order": "desc"}]) == list(
        range(310, 300, -1)
    )
    for sort, expected in (
        ([{"field": "customer_id", "order": "desc"}], [5002, 5001]),
        ([{"field": "name"}], [5001, 5002]),
    ):
        users = await get_result(api, "get.customer_users", {**AGENT, "sort": sort}, limits=False)
        assert [user["id"] for user in users["data"]] == expected


async def test_sort_errors(api: Api) -> None:
    cases: list[tuple[str, Any, str, str, str | None]] = [
        # id is not sortable on get.campaigns (notes 3), nor description
        ("get.campaigns", [{"field": "id"}], "sort_prohibited", "sort.field", "id"),
        ("get.campaigns", [{"field": "description", "order": "desc"}], "sort_prohibited", "sort.field", "description"),
        ("get.campaigns", [{"field": "status"}], "sort_prohibited", "sort.field", "status"),
        (
            "get.campaigns",
            [{"field": "name"}, {"field": "site_domain_name"}],
            "sort_prohibited",
            "sort.field",
            "site_domain_name",
        ),
        ("get.campaigns", [{"field": "nosuch"}], "unexpected_parameters", "sort.field", "nosuch"),
        ("get.campaigns", [{"field": "name", "order": "up"}], "invalid_parameter_value", "sort.order", "up"),
        ("get.campaigns", [{"field": "name", "order": "DESC"}], "invalid_parameter_value", "sort.order", "DESC"),
        ("get.campaigns", [{"order": "asc"}], "required_parameter_missed", "sort.field", None),
        ("get.campaigns", [{"field": "name", "direction": "asc"}], "unexpected_parameters", "sort.direction", "asc"),
        ("get.campaigns", {"field": "name"}, "data_type_error", "sort", '{"field":"name"}'),
        ("get.campaigns", ["name"], "data_type_error", "sort", "name"),
        ("get.sites", [{"field": "id"}], "sort_prohibited", "sort.field", "id"),
        ("get.sites", [{"field": "domain_name"}], "sort_prohibited", "sort.field", "domain_name"),
        ("get.site_blocks", [{"field": "name"}], "sort_prohibited", "sort.field", "name"),
        ("get.campaign_available_phone_numbers", [{"field": "id"}], "sort_prohibited", "sort.field", "id"),
        (
            "get.campaign_available_redirection_phone_numbers",
            [{"field": "phone_number"}],
            "sort_prohibited",
            "sort.field",
            "phone_number",
        ),
    ]
    for index, (method, sort, mnemonic, field, value) in enumerate(cases):
        body = await api.call(method, {**CUST, "sort": sort}, index)
        assert_error(body, mnemonic, request_id=index, field=field, value=ABSENT if value is None else value)


# ---------------------------------------------------------------- paging


async def test_paging(api: Api) -> None:
    pages = {
        (2, 0): [-1, 7],
        (2, 1): [7, 8],
        (2, 3): [9],
        (1, 2): [8],
        (10, 4): [],
        (10000, 0): ALL_IDS,
        (0, 0): [],
        (0, 2): [],
    }
    for (limit, offset), expected in pages.items():
        # total_items counts every match, whatever the page.
        assert await get_ids(api, "get.campaigns", {**CUST, "limit": limit, "offset": offset}) == (expected, 4), (
            limit,
            offset,
        )
    assert await get_ids(api, "get.campaigns", {**CUST, "offset": 100000}) == ([], 4)
    assert await get_ids(api, "get.campaigns", {**CUST, "limit": 1, "offset": 3}) == ([9], 4)
    # Nulls count as not sent: the defaults.
    assert await get_ids(api, "get.campaigns", {**CUST, "limit": None, "offset": None}) == (ALL_IDS, 4)
    # With a filter, total_items is the number of matches.
    assert await get_ids(
        api, "get.campaigns", {**CUST, "filter": _filter("type", "=", "basic"), "limit": 1, "offset": 1}
    ) == ([9], 2)
    numbers = await get_ids(api, "get.campaign_available_phone_numbers", {**CUST, "limit": 3, "offset": 8})
    assert numbers == ([309, 310], 10)
    assert await get_ids(api, "get.site_blocks", {**CUST, "limit": 0}) == ([], 3)
    assert await get_ids(api, "get.sites", {**CUST, "offset": 1}) == ([20], 2)
    assert await get_ids(api, "get.campaign_available_redirection_phone_numbers", {**CUST, "limit": 1}) == (
        [401],
        2,
    )
    users = await get_result(api, "get.customer_users", {**AGENT, "limit": 1, "offset": 1}, limits=False)
    assert [user["id"] for user in users["data"]] == [5002]
    assert users["metadata"]["total_items"] == 2

    errors: list[tuple[str, dict[str, Any], str, str, str]] = [
        ("get.campaigns", {"limit": 10001}, "invalid_parameter_value", "limit", "10001"),
        ("get.campaigns", {"offset": 100001}, "invalid_parameter_value", "offset", "100001"),
        ("get.campaigns", {"limit": -1}, "invalid_parameter_value", "limit", "-1"),
        ("get.campaigns", {"offset": -1}, "invalid_parameter_value", "offset", "-1"),
        ("get.campaigns", {"limit": "5"}, "data_type_error", "limit", "5"),
        ("get.campaigns", {"limit": 2.5}, "data_type_error", "limit", "2.5"),
        ("get.campaigns", {"offset": True}, "data_type_error", "offset", "true"),
        ("get.sites", {"limit": 10001}, "invalid_parameter_value", "limit", "10001"),
        ("get.site_blocks", {"offset": 100001}, "invalid_parameter_value", "offset", "100001"),
        ("get.campaign_available_phone_numbers", {"limit": 10001}, "invalid_parameter_value", "limit", "10001"),
        (
            "get.campaign_available_redirection_phone_numbers",
            {"offset": 100001},
            "invalid_parameter_value",
            "offset",
            "100001",
        ),
    ]
    for index, (method, params, mnemonic, field, value) in enumerate(errors):
        body = await api.call(method, {**CUST, **params}, index)
        assert_error(body, mnemonic, request_id=index, field=field, value=value)
    body = await api.call("get.customer_users", {**AGENT, "limit": 10001})
    assert_error(body, "invalid_parameter_value", request_id=1, field="limit", value="10001")
