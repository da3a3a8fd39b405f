"""The get.* methods through the wire, on the demo data: default answers, a created campaign read back,
and the `fields` parameter.

Expectations come from docs/contract.md, docs/demo-data.md, docs/decisions.md and notes/data-api-reference.md
(the original API's get machinery). Where they leave a point open, the test says which reading it takes.
The `api` fixture (tests/gateway/conftest.py) calls the gateway over one kept-alive client.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.gateway.gets import (
    ACCOUNT_GETS,
    AGENT,
    ALL_IDS,
    CAMPAIGN_7_ON_BLOCK_102,
    CAMPAIGN_FIELDS,
    CUST,
    CUSTOMER_USERS,
    DEMO_CAMPAIGNS,
    DEMO_CREATED,
    STATIC_UTM_FIELDS,
    TIME_PATTERN,
    Api,
    _filter,
    block_number,
    create_campaign,
    get_ids,
    get_result,
    number,
    redirection,
    without,
)
from tests.gateway.wire import DEMO_DAY_LIMIT, DEMO_MINUTE_LIMIT, assert_error, limits_of

# ---------------------------------------------------------------- default answers


async def test_get_campaigns_default_answer(api: Api) -> None:
    result = await get_result(api, "get.campaigns", CUST, "c-1")
    data = result["data"]
    assert result["metadata"]["total_items"] == 4
    # Exact items and exact key sets: system (-1) and integrated (8) have no campaign_conditions key,
    # basic campaigns do; empty scalars are null, empty lists [].
    assert [without(item, "dynamic_call_tracking") for item in data] == DEMO_CAMPAIGNS
    for item in data:
        assert "dynamic_call_tracking" in item, item
        expected_keys = set(CAMPAIGN_FIELDS) - (set() if item["type"] == "basic" else {"campaign_conditions"})
        assert set(item) == expected_keys, item
        assert not set(item) & set(STATIC_UTM_FIELDS)
    assert data[2]["engine"] == "yandex.direct"
    assert data[0]["site_blocks"] == []
    limits = limits_of(result["metadata"])
    assert limits["day_limit"] == DEMO_DAY_LIMIT
    assert limits["minute_limit"] == DEMO_MINUTE_LIMIT


async def test_campaign_without_dynamic_call_tracking_shows_null(api: Api) -> None:
    # Issue 4: "Empty values are null" (the original's pages say {} for an empty object; the issue wins).
    result = await get_result(api, "get.campaigns", {**CUST, "fields": ["id", "dynamic_call_tracking"]})
    assert result["data"] == [{"id": campaign_id, "dynamic_call_tracking": None} for campaign_id in ALL_IDS]


async def test_directory_default_answers(api: Api) -> None:
    for index, (method, expected) in enumerate(ACCOUNT_GETS.items()):
        result = await get_result(api, method, CUST, index)
        assert result["data"] == expected, method
        assert result["metadata"]["total_items"] == len(expected), method
        for item in result["data"]:
            assert set(item) == set(expected[0]), (method, item)


async def test_customer_users_for_the_agent(api: Api) -> None:
    result = await get_result(api, "get.customer_users", AGENT, limits=False)
    assert result["data"] == CUSTOMER_USERS
    # docs/decisions.md: the agent's own call has no account, so no limits (and no charge).
    assert result["metadata"] == {"total_items": 2}
    for item in result["data"]:
        assert set(item) == {"id", "login", "name", "description", "customer_id"}

    picked = await get_result(
        api,
        "get.customer_users",
        {**AGENT, "fields": ["name", "customer_id"], "sort": [{"field": "name", "order": "desc"}]},
        limits=False,
    )
    assert picked["data"] == [
        {"name": "No VA user", "customer_id": 1001},
        {"name": "Demo Shop owner", "customer_id": 1000},
    ]
    for customer, expected_ids in ((1001, [5002]), (1000, [5001]), (1003, [])):
        only = await get_result(
            api, "get.customer_users", {**AGENT, "filter": _filter("customer_id", "=", customer)}, limits=False
        )
        assert [item["id"] for item in only["data"]] == expected_ids
        assert only["metadata"]["total_items"] == len(expected_ids)

    # Agents only (notes 9): a customer's token is refused.
    for token in ("tok_cust", "tok_nova", "tok_noperm"):
        assert_error(await api.call("get.customer_users", {"access_token": token}, "u"), "forbidden", request_id="u")
    body = await api.call("get.customer_users", {**CUST})
    assert body["error"]["code"] == -32003
    # get.customer_users has no user_id parameter (notes 9).
    assert_error(
        await api.call("get.customer_users", {**AGENT, "user_id": 5001}),
        "unexpected_parameters",
        request_id=1,
        field="user_id",
        value="5001",
    )
    assert_error(
        await api.call("get.customer_users", {**AGENT, "filter": _filter("login", "=", "demo")}),
        "filter_prohibited",
        request_id=1,
        field="filter.field",
        value="login",
    )
    assert_error(
        await api.call("get.customer_users", {**AGENT, "sort": [{"field": "id"}]}),
        "sort_prohibited",
        request_id=1,
        field="sort.field",
        value="id",
    )


async def test_customer_users_forbidden_carries_limits(api: Api) -> None:
    body = await api.call("get.customer_users", CUST)
    assert body["error"]["data"]["mnemonic"] == "forbidden"
    limits_of(body["error"]["data"]["metadata"])


async def test_customer_users_refusal_follows_the_order_of_checks(api: Api) -> None:
    assert_error(
        await api.call("get.customer_users", {"access_token": "tok_disabled"}), "account_inactive", request_id=1
    )
    assert_error(
        await api.call("get.customer_users", {"access_token": "tok_ipdeny"}),
        "ip_not_whitelisted",
        request_id=1,
        params={"ip": "127.0.0.1"},
    )


# ---------------------------------------------------------------- a created campaign, read back


async def test_created_campaign_reads_back_field_by_field(api: Api) -> None:
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    conditions = {
        "group_conditions": [
            {
                "conditions": [
                    {"type": "include", "campaign_parameter": "utm_source", "operator": "=", "value": "google"},
                    {"type": "exclude", "campaign_parameter": "channel", "operator": "=", "value": "paid"},
                ]
            },
            {"conditions": [{"type": "include", "campaign_parameter": "referrer", "operator": "~", "value": "^x"}]},
            {"conditions": [{"type": "exclude", "campaign_parameter": "city", "operator": "sub", "value": "Tver"}]},
        ]
    }
    first = await create_campaign(
        api,
        {
            "name": "Readback",
            "description": "Spring, all channels",
            "site_id": 10,
            "site_blocks": [
                {
                    "site_block_id": 101,
                    "phone_number_id": 301,
                    "redirection_phone_number_id": 401,
                    "dynamic_call_tracking_enabled": True,
                },
                {"site_block_id": 102, "phone_number_id": 302},
            ],
            "dynamic_call_tracking": {"count_virtual_numbers": 2, "count_visits": 100},
            "campaign_conditions": conditions,
        },
    )
    # dynamic_call_tracking with no block enabling it is stored (docs/decisions.md).
    second = await create_campaign(
        api,
        {
            "name": "Hourly",
            "site_id": 20,
            "site_blocks": [{"site_block_id": 201, "phone_number_id": 303}],
            "dynamic_call_tracking": {"reservation_time": "1h", "count_virtual_numbers": 1, "count_visits": 5},
        },
    )
    finished = dt.datetime.now(dt.UTC)
    assert first > 1000
    assert second > first

    result = await get_result(api, "get.campaigns", {**CUST, "filter": _filter("id", ">", 1000)})
    assert result["metadata"]["total_items"] == 2
    read, hourly = result["data"]
    assert set(read) == set(CAMPAIGN_FIELDS)
    assert read["id"] == first
    assert read["name"] == "Readback"
    assert read["description"] == "Spring, all channels"
    assert read["status"] == "active"
    assert read["type"] == "basic"
    assert read["engine"] is None
    assert read["costs"] is None
    assert read["cost_ratio"] == 1
    assert read["cost_ratio_operator"] == "wo_changes"
    assert read["site_id"] == 10
    assert read["site_domain_name"] == "shop.example"
    assert re.fullmatch(TIME_PATTERN, read["creation_time"]), read["creation_time"]
    created = dt.datetime.strptime(read["creation_time"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
    assert started <= created <= finished, (started, created, finished)
    assert read["site_blocks"] == [
        {
            "site_block_id": 101,
            "site_block_name": "Header",
            "phone_number_type": "call_tracking",
            "phone_number_id": 301,
            "phone_number": number(301),
            "redirection_phone_number_id": 401,
            "redirection_phone_number": redirection(401),
            "dynamic_call_tracking_enabled": True,
        },
        {
            "site_block_id": 102,
            "site_block_name": "Footer",
            "phone_number_type": "va",
            "phone_number_id": 302,
            "phone_number": number(302),
            "redirection_phone_number_id": None,
            "redirection_phone_number": None,
            "dynamic_call_tracking_enabled": False,
        },
    ]
    # reservation_time defaults to 15m (CONTRACT 6); coverage_visitors is derived and unknown yet.
    assert read["dynamic_call_tracking"] == {
        "reservation_time": "15m",
        "count_virtual_numbers": 2,
        "count_visits": 100,
        "coverage_visitors": None,
    }
    assert read["campaign_conditions"] == conditions

    assert hourly["id"] == second
    assert hourly["description"] is None
    assert hourly["site_domain_name"] == "blog.example"
    assert hourly["site_blocks"] == [
        {
            "site_block_id": 201,
            "site_block_name": "Sidebar",
            "phone_number_type": "user",
            "phone_number_id": 303,
            "phone_number": number(303),
            "redirection_phone_number_id": None,
            "redirection_phone_number": None,
            "dynamic_call_tracking_enabled": False,
        }
    ]
    assert hourly["dynamic_call_tracking"] == {
        "reservation_time": "1h",
        "count_virtual_numbers": 1,
        "count_visits": 5,
        "coverage_visitors": None,
    }
    assert hourly["campaign_conditions"] == {"group_conditions": []}

    # The demo campaigns all share one creation time: the id breaks the tie (in the sort's direction).
    assert await get_ids(api, "get.campaigns", {**CUST, "sort": [{"field": "creation_time"}]}) == (
        [*ALL_IDS, first, second],
        6,
    )
    assert await get_ids(api, "get.campaigns", {**CUST, "sort": [{"field": "creation_time", "order": "desc"}]}) == (
        [second, first, *ALL_IDS[::-1]],
        6,
    )
    # The new numbers show on their blocks, after campaign 7's on block 102; block 101's dynamic call
    # tracking pool (the two vacant numbers 381 and 382) after its fixed number (METHODS.md §5).
    blocks = await get_result(api, "get.site_blocks", CUST)
    assert {block["id"]: block["phone_numbers"] for block in blocks["data"]} == {
        101: [block_number(n, first, "Readback") for n in (301, 381, 382)],
        102: [CAMPAIGN_7_ON_BLOCK_102, block_number(302, first, "Readback")],
        201: [block_number(303, second, "Hourly")],
    }
    # Creation time filters: the demo's moment exactly, and after it.
    assert await get_ids(api, "get.campaigns", {**CUST, "filter": _filter("creation_time", "=", DEMO_CREATED)}) == (
        ALL_IDS,
        4,
    )
    assert await get_ids(api, "get.campaigns", {**CUST, "filter": _filter("creation_time", ">", DEMO_CREATED)}) == (
        [first, second],
        2,
    )


# ---------------------------------------------------------------- fields


async def test_fields_select_in_the_order_asked(api: Api) -> None:
    # Interpretation: the keys come in the order asked (what a client printing columns expects).
    result = await get_result(api, "get.campaigns", {**CUST, "fields": ["name", "id"]})
    assert [list(item) for item in result["data"]] == [["name", "id"]] * 4
    swapped = await get_result(api, "get.campaigns", {**CUST, "fields": ["id", "name"]})
    assert [list(item) for item in swapped["data"]] == [["id", "name"]] * 4
    assert swapped["data"] == result["data"]
    assert [item["id"] for item in result["data"]] == ALL_IDS
    assert result["data"][3] == {"name": "Paused", "id": 9}

    # A name twice is answered once.
    twice = await get_result(api, "get.campaigns", {**CUST, "fields": ["status", "status"]})
    assert twice["data"] == [{"status": "active"}] * 3 + [{"status": "inactive"}]

    # static_utm_* only when asked (notes 3), null when nothing sets them.
    utm = await get_result(api, "get.campaigns", {**CUST, "fields": ["id", *STATIC_UTM_FIELDS]})
    assert utm["data"] == [{"id": campaign_id, **dict.fromkeys(STATIC_UTM_FIELDS)} for campaign_id in ALL_IDS]

    # campaign_conditions stays absent for system and integrated campaigns when asked for.
    conditions = await get_result(api, "get.campaigns", {**CUST, "fields": ["campaign_conditions", "id"]})
    assert conditions["data"] == [
        {"id": -1},
        {"campaign_conditions": {"group_conditions": []}, "id": 7},
        {"id": 8},
        {"campaign_conditions": {"group_conditions": []}, "id": 9},
    ]

    # An empty list is the default set.
    default = await get_result(api, "get.campaigns", {**CUST, "fields": []})
    assert default["data"] == (await get_result(api, "get.campaigns", CUST))["data"]

    # The other methods.
    sites = await get_result(api, "get.sites", {**CUST, "fields": ["domain_name"]})
    assert sites["data"] == [{"domain_name": "shop.example"}, {"domain_name": "blog.example"}]
    numbers = await get_result(
        api, "get.campaign_available_phone_numbers", {**CUST, "fields": ["type", "id"], "limit": 3}
    )
    assert numbers["data"] == [
        {"type": "call_tracking", "id": 301},
        {"type": "va", "id": 302},
        {"type": "user", "id": 303},
    ]
    assert numbers["metadata"]["total_items"] == 10
    blocks = await get_result(api, "get.site_blocks", {**CUST, "fields": ["site_domain_name", "name"]})
    assert blocks["data"] == [
        {"site_domain_name": "shop.example", "name": "Header"},
        {"site_domain_name": "shop.example", "name": "Footer"},
        {"site_domain_name": "blog.example", "name": "Sidebar"},
    ]
    redirections = await get_result(
        api, "get.campaign_available_redirection_phone_numbers", {**CUST, "fields": ["phone_number"]}
    )
    assert redirections["data"] == [{"phone_number": redirection(401)}, {"phone_number": redirection(402)}]


async def test_fields_errors(api: Api) -> None:
    cases: list[tuple[str, Any, str, str]] = [
        ("get.campaigns", ["id", "bogus"], "unexpected_parameters", "bogus"),
        ("get.campaigns", ["Name"], "unexpected_parameters", "Name"),
        # Only top-level names (notes 1.3 leave nested names open).
        ("get.campaigns", ["site_blocks.phone_number"], "unexpected_parameters", "site_blocks.phone_number"),
        ("get.campaigns", ["row_id"], "unexpected_parameters", "row_id"),
        # A name inside a nested object is no field of the method (METHODS.md §0.3).
        ("get.sites", ["id", "scenario_name"], "unexpected_parameters", "scenario_name"),
        ("get.sites", ["site_block_id"], "unexpected_parameters", "site_block_id"),
        ("get.site_blocks", ["template_id"], "unexpected_parameters", "template_id"),
        ("get.campaign_available_phone_numbers", ["number"], "unexpected_parameters", "number"),
        ("get.campaign_available_redirection_phone_numbers", ["type"], "unexpected_parameters", "type"),
        ("get.customer_users", ["password"], "unexpected_parameters", "password"),
        ("get.campaigns", "name", "data_type_error", "name"),
        ("get.campaigns", ["name", 7], "data_type_error", "7"),
    ]
    for index, (method, fields, mnemonic, value) in enumerate(cases):
        token = AGENT if method == "get.customer_users" else CUST
        body = await api.call(method, {**token, "fields": fields}, index)
        assert_error(body, mnemonic, request_id=index, field="fields", value=value)
