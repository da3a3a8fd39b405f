"""The get.* methods through the wire, on the demo data: agents acting for their customers, isolation
between accounts, the component a get needs and the points a get costs.

Expectations come from docs/contract.md, docs/demo-data.md, docs/decisions.md and notes/data-api-reference.md
(the original API's get machinery). Where they leave a point open, the test says which reading it takes.
The `api` fixture (tests/gateway/conftest.py) calls the gateway over one kept-alive client.
"""

from __future__ import annotations

from typing import Any

from tests.gateway.gets import (
    ACCOUNT_GETS,
    AGENT,
    ALL_ACCOUNT_GETS,
    ALL_IDS,
    CUST,
    NOVA,
    NOVA_NUMBERS,
    NOVA_REDIRECTIONS,
    NOVA_SITE_BLOCKS,
    NOVA_SITES,
    Api,
    _filter,
    create_campaign,
    error_limits,
    get_ids,
    get_result,
    quiet_window,
    success_limits,
    system_campaign,
    without,
)
from tests.gateway.wire import DEMO_DAY_LIMIT, DEMO_MINUTE_LIMIT, assert_error

# ---------------------------------------------------------------- agents and isolation


async def test_agent_acts_for_its_customers(api: Api) -> None:
    as_customer = await get_result(api, "get.campaigns", CUST)
    as_agent = await get_result(api, "get.campaigns", {**AGENT, "user_id": 5001})
    assert as_agent["data"] == as_customer["data"]
    assert [item["id"] for item in as_agent["data"]] == ALL_IDS
    assert as_agent["metadata"]["total_items"] == 4
    for method, expected in ACCOUNT_GETS.items():
        assert (await get_result(api, method, {**AGENT, "user_id": 5001}))["data"] == expected, method

    for_nova = await get_result(api, "get.campaigns", {**AGENT, "user_id": 5002, "fields": ["id", "name"]})
    assert for_nova["data"] == [{"id": -1, "name": "Visitors without advertising campaign"}]
    assert (await get_result(api, "get.sites", {**AGENT, "user_id": 5002}))["data"] == NOVA_SITES

    # 5003 is not one of the agent's customer users; a user_id is required of an agent.
    for method in ALL_ACCOUNT_GETS:
        assert_error(
            await api.call(method, {**AGENT, "user_id": 5003}),
            "entity_not_found",
            request_id=1,
            field="user_id",
            value="5003",
        )
        assert_error(await api.call(method, AGENT), "required_parameter_missed", request_id=1, field="user_id")
    assert_error(
        await api.call("get.campaigns", {**AGENT, "user_id": 9000}),
        "entity_not_found",
        request_id=1,
        field="user_id",
        value="9000",
    )
    assert_error(
        await api.call("get.campaigns", {**AGENT, "user_id": "5001"}),
        "data_type_error",
        request_id=1,
        field="user_id",
        value="5001",
    )
    # A customer may name a user of its own account, not another's (docs/decisions.md).
    assert (await get_result(api, "get.campaigns", {**CUST, "user_id": 5005}))["data"] == as_customer["data"]
    assert_error(
        await api.call("get.campaigns", {**CUST, "user_id": 5002}),
        "entity_not_found",
        request_id=1,
        field="user_id",
        value="5002",
    )


async def test_accounts_see_only_their_own(api: Api) -> None:
    created = await create_campaign(api, {"name": "Demo only", "site_id": 10})
    nova = {
        "get.campaigns": [system_campaign()],
        "get.campaign_available_phone_numbers": NOVA_NUMBERS,
        "get.campaign_available_redirection_phone_numbers": NOVA_REDIRECTIONS,
        "get.sites": NOVA_SITES,
        "get.site_blocks": NOVA_SITE_BLOCKS,
    }
    for method, expected in nova.items():
        result = await get_result(api, method, NOVA)
        data = result["data"]
        if method == "get.campaigns":
            data = [without(item, "dynamic_call_tracking") for item in data]
        assert data == expected, method
        assert result["metadata"]["total_items"] == len(expected), method
    # Filters naming another account's entities find nothing.
    probes: list[tuple[str, dict[str, Any]]] = [
        ("get.campaigns", _filter("id", "in", [7, 8, 9, created])),
        ("get.campaigns", _filter("site_id", "=", 10)),
        ("get.campaigns", _filter("name", "=", "Demo only")),
        ("get.campaign_available_phone_numbers", _filter("id", "=", 301)),
        ("get.campaign_available_redirection_phone_numbers", _filter("id", "in", [401, 402])),
        ("get.sites", _filter("domain_name", "=", "shop.example")),
        ("get.site_blocks", _filter("site_id", "in", [10, 20])),
    ]
    for method, tree in probes:
        assert await get_ids(api, method, {**NOVA, "filter": tree}) == ([], 0), (method, tree)
    # Account 1000's view is unchanged by nova's, and does not include nova's numbers.
    assert await get_ids(
        api, "get.campaign_available_phone_numbers", {**CUST, "filter": _filter("id", "in", [311, 312])}
    ) == (
        [],
        0,
    )
    assert await get_ids(api, "get.campaigns", {**CUST, "fields": ["id"]}) == ([*ALL_IDS, created], 5)


async def test_gets_need_a_component_not_write_permission(api: Api) -> None:
    # The account checks of CONTRACT section 5 apply to gets as to create.
    refusals: list[tuple[str, str, dict[str, Any]]] = [
        ("tok_disabled", "account_inactive", {}),
        ("tok_ipdeny", "ip_not_whitelisted", {"ip": "127.0.0.1"}),
        ("tok_ratelimited", "limit_exceeded", {"limit_type": "minute", "limit_max_value": 0}),
        ("tok_expired", "access_token_expired", {}),
        ("tok_blocked", "access_token_blocked", {}),
        ("tok_nope", "access_token_invalid", {}),
    ]
    for token, mnemonic, params in refusals:
        for method in ALL_ACCOUNT_GETS:
            body = await api.call(method, {"access_token": token}, token)
            assert_error(body, mnemonic, request_id=token, params=params)
    # The read-only user of account 1000 reads what the owner reads.
    for method in ALL_ACCOUNT_GETS:
        reader = await get_result(api, method, {"access_token": "tok_noperm"})
        owner = await get_result(api, method, CUST)
        assert reader["data"] == owner["data"], method
    # docs/decisions.md: the campaign methods need call_tracking or va.
    for method in ALL_ACCOUNT_GETS:
        assert_error(
            await api.call(method, {"access_token": "tok_nocomp"}),
            "method_component_disabled",
            request_id=1,
            params={"components": "call_tracking, va"},
        )


# ---------------------------------------------------------------- points


async def test_a_successful_get_costs_one_point_and_a_failed_one_none(api: Api) -> None:
    failing = {**CUST, "limit": 10001}
    before = await quiet_window(api, "get.campaigns", failing)
    # A fresh database: nothing spent yet.
    assert before["day_remaining"] == DEMO_DAY_LIMIT
    assert before["minute_remaining"] == DEMO_MINUTE_LIMIT
    spent = 0
    for method in ALL_ACCOUNT_GETS:
        failures: list[dict[str, Any]] = [
            {**CUST, "limit": 10001},  # structure (step 7)
            {**CUST, "fields": ["bogus"]},  # a name the listing does not have
            {**CUST, "sort": [{"field": "nosuch"}]},
            {**CUST, "filter": _filter("id", "<", "abc")},
            {**AGENT, "user_id": 5001, "offset": -1},
        ]
        for params in failures:
            after_failure = await error_limits(api, method, params)
            assert after_failure["day_remaining"] == DEMO_DAY_LIMIT - spent, (method, params)
            assert after_failure["minute_remaining"] == DEMO_MINUTE_LIMIT - spent, (method, params)
        for params in ({**CUST, "limit": 0}, {**AGENT, "user_id": 5001, "filter": _filter("id", "=", 0)}):
            spent += 1
            after_success = await success_limits(api, method, params)
            assert after_success["day_remaining"] == DEMO_DAY_LIMIT - spent, (method, params)
            assert after_success["minute_remaining"] == DEMO_MINUTE_LIMIT - spent, (method, params)
    # Another account's budget is its own.
    nova = await success_limits(api, "get.sites", NOVA)
    assert nova["day_remaining"] == DEMO_DAY_LIMIT - 1
