"""get.account through the wire, on the demo data: the caller's account as the one item of a get.

Expectations come from docs/contract.md, docs/decisions.md and docs/demo-data.md (every demo account's
timezone is UTC). The method takes the common get parameters, but none of its fields may be filtered or
sorted on. Customers call it for their own account; an agent names the customer user it acts for. The
`api` fixture (tests/gateway/conftest.py) calls the gateway over one kept-alive client.
"""

from __future__ import annotations

from typing import Any, Final

from tests.gateway.gets import AGENT, CUST, Api, _any, _filter, error_limits, get_result, quiet_window, success_limits
from tests.gateway.wire import DEMO_DAY_LIMIT, DEMO_MINUTE_LIMIT, assert_error

METHOD: Final = "get.account"
DEMO_SHOP: Final = {"app_id": 1000, "name": "Demo Shop", "timezone": "UTC"}
NO_VA: Final = {"app_id": 1001, "name": "No VA Ltd", "timezone": "UTC"}
FIELDS: Final = ("app_id", "name", "timezone")

# ---------------------------------------------------------------- answers


async def test_a_customer_gets_its_account(api: Api) -> None:
    result = await get_result(api, METHOD, CUST, "acc-1")

    assert result["data"] == [DEMO_SHOP]
    assert list(result["data"][0]) == list(FIELDS)
    assert result["metadata"]["total_items"] == 1
    assert result["metadata"]["limits"]["day_limit"] == DEMO_DAY_LIMIT


async def test_an_agent_gets_its_customers_account(api: Api) -> None:
    for_nova = await get_result(api, METHOD, {**AGENT, "user_id": 5002})
    assert for_nova["data"] == [NO_VA]
    assert for_nova["metadata"]["total_items"] == 1
    assert (await get_result(api, METHOD, {**AGENT, "user_id": 5001}))["data"] == [DEMO_SHOP]
    # The same account as its own customers see it.
    assert (await get_result(api, METHOD, {"access_token": "tok_nova"}))["data"] == [NO_VA]

    assert_error(await api.call(METHOD, AGENT), "required_parameter_missed", request_id=1, field="user_id")
    assert_error(
        await api.call(METHOD, {**AGENT, "user_id": 5003}),
        "entity_not_found",
        request_id=1,
        field="user_id",
        value="5003",
    )
    assert_error(
        await api.call(METHOD, {**AGENT, "user_id": "5002"}),
        "data_type_error",
        request_id=1,
        field="user_id",
        value="5002",
    )


async def test_a_customer_naming_a_user_id(api: Api) -> None:
    # A user of its own account: its own account (docs/decisions.md); another account's: not found.
    assert (await get_result(api, METHOD, {**CUST, "user_id": 5005}))["data"] == [DEMO_SHOP]
    assert_error(
        await api.call(METHOD, {**CUST, "user_id": 5002}),
        "entity_not_found",
        request_id=1,
        field="user_id",
        value="5002",
    )


async def test_fields_and_paging(api: Api) -> None:
    picked = await get_result(api, METHOD, {**CUST, "fields": ["timezone"]})
    assert picked["data"] == [{"timezone": "UTC"}]
    assert picked["metadata"]["total_items"] == 1
    # In the order asked, each name once.
    ordered = await get_result(api, METHOD, {**CUST, "fields": ["name", "app_id", "name"]})
    assert [list(item) for item in ordered["data"]] == [["name", "app_id"]]
    assert ordered["data"] == [{"name": "Demo Shop", "app_id": 1000}]
    # An empty list is the default set.
    assert (await get_result(api, METHOD, {**CUST, "fields": []}))["data"] == [DEMO_SHOP]
    # limit and offset apply as to any get: a page past the one item is empty, the count stays 1.
    for paging in ({"limit": 0}, {"offset": 1}, {"limit": 1, "offset": 5}):
        result = await get_result(api, METHOD, {**CUST, **paging})
        assert (result["data"], result["metadata"]["total_items"]) == ([], 1), paging
    assert (await get_result(api, METHOD, {**CUST, "limit": 1, "offset": 0}))["data"] == [DEMO_SHOP]


# ---------------------------------------------------------------- refused parameters


async def test_no_field_can_be_filtered_or_sorted(api: Api) -> None:
    for name in FIELDS:
        assert_error(
            await api.call(METHOD, {**CUST, "filter": _filter(name, "=", "x")}),
            "filter_prohibited",
            request_id=1,
            field="filter.field",
            value=name,
        )
        assert_error(
            await api.call(METHOD, {**CUST, "sort": [{"field": name, "order": "asc"}]}),
            "sort_prohibited",
            request_id=1,
            field="sort.field",
            value=name,
        )
    # Inside a tree, and with a null test that needs no value.
    assert_error(
        await api.call(METHOD, {**CUST, "filter": _any(_filter("timezone", "is_null"))}),
        "filter_prohibited",
        request_id=1,
        field="filter.filters.field",
        value="timezone",
    )


async def test_unexpected_parameters(api: Api) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"app_id": 1000}, "app_id", "1000"),
        ({"fields": ["app_id", "id"]}, "fields", "id"),
        ({"fields": ["state"]}, "fields", "state"),
        ({"sort": [{"field": "id"}]}, "sort.field", "id"),
        ({"filter": _filter("state", "=", "active")}, "filter.field", "state"),
    ]
    for index, (params, field, value) in enumerate(cases):
        body = await api.call(METHOD, {**CUST, **params}, index)
        assert_error(body, "unexpected_parameters", request_id=index, field=field, value=value)


# ---------------------------------------------------------------- who may call


async def test_the_token_and_account_checks(api: Api) -> None:
    refusals: list[tuple[str, str, dict[str, Any]]] = [
        ("tok_nope", "access_token_invalid", {}),
        ("tok_expired", "access_token_expired", {}),
        ("tok_blocked", "access_token_blocked", {}),
        ("tok_disabled", "account_inactive", {}),
        ("tok_ipdeny", "ip_not_whitelisted", {"ip": "127.0.0.1"}),
        ("tok_ratelimited", "limit_exceeded", {"limit_type": "minute", "limit_max_value": 0}),
    ]
    for token, mnemonic, params in refusals:
        # Before the parameters' own checks (docs/contract.md §5): the sort would be refused next.
        body = await api.call(METHOD, {"access_token": token, "sort": [{"field": "name"}]}, token)
        assert_error(body, mnemonic, request_id=token, params=params)
    assert_error(await api.call(METHOD, {}), "required_parameter_missed", request_id=1, field="access_token")


async def test_no_component_and_read_permission_suffice(api: Api) -> None:
    # tok_nocomp's account has no component: the campaign and site methods refuse it, get.account does not.
    bare = await get_result(api, METHOD, {"access_token": "tok_nocomp"})
    assert bare["data"] == [{"app_id": 1003, "name": "Bare Account", "timezone": "UTC"}]
    assert_error(
        await api.call("get.sites", {"access_token": "tok_nocomp"}),
        "method_component_disabled",
        request_id=1,
        params={"components": "call_tracking, va"},
    )
    # The read-only user of account 1000.
    assert (await get_result(api, METHOD, {"access_token": "tok_noperm"}))["data"] == [DEMO_SHOP]


# ---------------------------------------------------------------- points


async def test_a_successful_call_costs_one_point_and_a_failed_one_none(api: Api) -> None:
    failing = {**CUST, "sort": [{"field": "name"}]}
    before = await quiet_window(api, METHOD, failing)
    # A fresh database: nothing spent yet.
    assert (before["day_remaining"], before["minute_remaining"]) == (DEMO_DAY_LIMIT, DEMO_MINUTE_LIMIT)
    failures: list[dict[str, Any]] = [
        failing,
        {**CUST, "filter": _filter("app_id", "=", 1000)},
        {**CUST, "fields": ["bogus"]},
        {**CUST, "limit": 10001},
        {**AGENT, "user_id": 5001, "offset": -1},
    ]
    spent = 0
    for params in failures:
        after_failure = await error_limits(api, METHOD, params)
        assert after_failure["day_remaining"] == DEMO_DAY_LIMIT - spent, params
    for params in (CUST, {**AGENT, "user_id": 5001, "fields": ["name"]}, {**CUST, "limit": 0}):
        spent += 1
        after_success = await success_limits(api, METHOD, params)
        assert after_success["day_remaining"] == DEMO_DAY_LIMIT - spent, params
        assert after_success["minute_remaining"] == DEMO_MINUTE_LIMIT - spent, params
    # An agent's call is charged to the customer it acts for.
    nova = await success_limits(api, METHOD, {**AGENT, "user_id": 5002})
    assert nova["day_remaining"] == DEMO_DAY_LIMIT - 1
