"""get.sites through the wire, and who may call the site methods (METHODS.md §1, §17, §20).

Against the demo data set: account 1008 "Sites Lab" (tok_sites) has sites 21 lab.example (blocks 211, 212;
campaign 70 on 211), 22 empty.example, 23 managed.example (not editable). Each test has a fresh database.
"""

from __future__ import annotations

import re
from typing import Any, Final

import pytest

from tests.gateway.gets import Api, _filter, get_ids
from tests.gateway.support_sites import (
    LAB,
    LAB_SITES,
    fails,
    ok,
    sites_of,
)
from tests.gateway.wire import assert_error

CUST: Final[dict[str, Any]] = {"access_token": "tok_cust"}


# ---------------------------------------------------------------- get.sites


async def test_get_sites_shows_every_field(api: Api) -> None:
    assert await ok(api, "get.sites", LAB) == LAB_SITES
    data = await ok(api, "get.sites", LAB)
    keys = {item["app_key"] for item in data}
    assert len(keys) == 1 and re.fullmatch(r"[0-9a-f]{32}", keys.pop())
    site_keys = [item["site_key"] for item in data]
    assert len(set(site_keys)) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", key) for key in site_keys)
    # Another account's app_key differs; the integrated campaign 8 (yandex.direct) shows on site 10.
    shop = await sites_of(api, "tok_cust")
    assert shop[10]["connected_integrations"] == ["yandex.direct"]
    assert shop[20]["connected_integrations"] == []
    assert shop[10]["app_key"] != data[0]["app_key"]


async def test_get_sites_filters(api: Api) -> None:
    cases: list[tuple[dict[str, Any], list[int]]] = [
        (_filter("id", "in", [21, 23]), [21, 23]),
        (_filter("domain_name", "ilike", "%LAB%"), [21]),
        (_filter("name", "=", "Empty"), [22]),
        (_filter("default_phone_number", "is_null"), [21, 22, 23]),
        (_filter("creation_date", "=", "2026-01-15 10:00:00"), [21, 22, 23]),
        (_filter("creation_date", ">", "2026-01-15 10:00:00"), []),
        (_filter("target_call_min_duration", ">=", 30), [21, 22, 23]),
        (_filter("track_subdomains", "=", True), [21, 22, 23]),
        (_filter("track_subdomains", "!=", True), []),
        (_filter("cookie_lifetime", "<", 90), []),
        (_filter("campaign_lifetime", "=", 90), [21, 22, 23]),
        (_filter("sales_enabled", "=", False), [21, 22, 23]),
        (_filter("second_communication_period", "=", 1), [21, 22, 23]),
        (_filter("services_enabled", "!=", False), [21, 22, 23]),
        (_filter("is_support_web_directory", "is_not_null"), [21, 22, 23]),
        (_filter("child_customer_id", "is_null"), [21, 22, 23]),
        (_filter("child_customer_id", "=", 5), []),
        (_filter("parent_id", "!=", 5), [21, 22, 23]),
    ]
    for node, expected in cases:
        assert await get_ids(api, "get.sites", {**LAB, "filter": node}) == (expected, len(expected)), node


async def test_get_sites_refuses_what_the_table_does_not_offer(api: Api) -> None:
    cases: list[tuple[dict[str, Any], str, str, str]] = [
        ({"filter": _filter("site_blocks", "is_null")}, "filter_prohibited", "filter.field", "site_blocks"),
        ({"filter": _filter("default_scenario", "is_null")}, "filter_prohibited", "filter.field", "default_scenario"),
        ({"filter": _filter("is_editable", "=", True)}, "filter_prohibited", "filter.field", "is_editable"),
        ({"filter": _filter("state", "=", "work")}, "filter_prohibited", "filter.field", "state"),
        ({"filter": _filter("app_key", "is_null")}, "filter_prohibited", "filter.field", "app_key"),
        (
            {"filter": _filter("replacement_dynamical_block_enabled", "=", False)},
            "filter_prohibited",
            "filter.field",
            "replacement_dynamical_block_enabled",
        ),
        ({"filter": _filter("scenario_name", "=", "x")}, "unexpected_parameters", "filter.field", "scenario_name"),
        ({"filter": _filter("site_block_id", "=", 211)}, "unexpected_parameters", "filter.field", "site_block_id"),
        ({"sort": [{"field": "id"}]}, "sort_prohibited", "sort.field", "id"),
        ({"sort": [{"field": "creation_date"}]}, "sort_prohibited", "sort.field", "creation_date"),
        ({"sort": [{"field": "scenario_name"}]}, "unexpected_parameters", "sort.field", "scenario_name"),
        ({"fields": ["scenario_name"]}, "unexpected_parameters", "fields", "scenario_name"),
        ({"fields": ["id", "site_block_name"]}, "unexpected_parameters", "fields", "site_block_name"),
        ({"fields": ["is_block_robot_traffic"]}, "unexpected_parameters", "fields", "is_block_robot_traffic"),
        # A boolean field takes = and != only.
        ({"filter": _filter("sales_enabled", "in", [True])}, "invalid_parameter_value", "filter.value", "[true]"),
        ({"filter": _filter("sales_enabled", ">", False)}, "invalid_parameter_value", "filter.value", "false"),
        ({"filter": _filter("services_enabled", "like", "t%")}, "invalid_parameter_value", "filter.value", "t%"),
        ({"filter": _filter("track_subdomains", "=", "true")}, "invalid_parameter_value", "filter.value", "true"),
    ]
    for index, (params, mnemonic, field, value) in enumerate(cases):
        await fails(api, "get.sites", {**LAB, **params}, mnemonic, field, value, request_id=index)


async def test_get_sites_sorts_on_the_two_sortable_fields_and_pages(api: Api) -> None:
    # Both are null for every site: the id breaks the tie, in the sort's direction.
    assert await get_ids(api, "get.sites", {**LAB, "sort": [{"field": "parent_id"}]}) == ([21, 22, 23], 3)
    desc = {**LAB, "sort": [{"field": "child_customer_id", "order": "desc"}]}
    assert await get_ids(api, "get.sites", desc) == ([23, 22, 21], 3)
    assert await get_ids(api, "get.sites", {**LAB, "limit": 1, "offset": 1}) == ([22], 3)
    picked = await ok(api, "get.sites", {**LAB, "fields": ["widget_link", "id", "show_visitor_id"], "limit": 1})
    assert picked == [
        {
            "widget_link": {"enabled": False, "text": None, "url": None},
            "id": 21,
            "show_visitor_id": {"enabled": False, "element_id_value": None, "message": None, "length_visitor_id": 6},
        }
    ]


# ---------------------------------------------------------------- who may call

WRITES: Final[dict[str, dict[str, Any]]] = {
    "create.sites": {"domain_name": "w.example", "default_phone_number": "74951234567", "industry_id": 1},
    "update.sites": {"id": 19, "name": "X"},
    "delete.sites": {"id": 19},
    "create.site_blocks": {"site_id": 19, "name": "X"},
    "update.site_blocks": {"id": 191, "name": "X"},
    "delete.site_blocks": {"id": 191},
}


@pytest.mark.parametrize("method", [*sorted(WRITES), "get.site_blocks"])
async def test_simple_dt_refuses_all_but_get_sites(api: Api, method: str) -> None:
    params = WRITES.get(method, {})
    await fails(api, method, {"access_token": "tok_simpledt", **params}, "forbidden")
    # Step 5: before the parameters are looked at.
    await fails(api, method, {"access_token": "tok_simpledt", "no_such_parameter": 1}, "forbidden")


async def test_simple_dt_still_lists_its_sites(api: Api) -> None:
    data = await ok(api, "get.sites", {"access_token": "tok_simpledt"})
    assert [(item["id"], item["domain_name"], item["site_blocks"]) for item in data] == [
        (19, "simpledt.example", [{"site_block_id": 191, "site_block_name": "Main"}])
    ]


@pytest.mark.parametrize("method", sorted(WRITES))
async def test_read_only_users_and_accounts_without_components(api: Api, method: str) -> None:
    await fails(api, method, {"access_token": "tok_noperm", **WRITES[method]}, "forbidden")
    body = await api.call(method, {"access_token": "tok_nocomp", **WRITES[method]}, "c")
    assert_error(body, "method_component_disabled", request_id="c", params={"components": "call_tracking, va"})
