"""get.sites, create.sites, update.sites and delete.sites through the wire (METHODS.md §1-§4, §17, §20).

Against the demo data set: account 1008 "Sites Lab" (tok_sites) has sites 21 lab.example (blocks 211, 212;
campaign 70 on 211), 22 empty.example, 23 managed.example (not editable). Every error is checked whole;
every change is read back with get.sites, get.site_blocks or get.campaigns. Each test has a fresh database.
"""

from __future__ import annotations

import re
from typing import Any, Final

import pytest
import sqlalchemy as sa

from service.storage import schema as t
from tests.conftest import Gateway
from tests.gateway.gets import Api, _filter, get_ids, site, site_key
from tests.gateway.support_sites import (
    LAB,
    LAB_ACCOUNT,
    LAB_SITES,
    NEW_SITE,
    blocks_of_account,
    fails,
    now_text,
    ok,
    sites_of,
)
from tests.gateway.wire import ABSENT, assert_error, rows_of
from tests.service.helpers import execute, query

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


# ---------------------------------------------------------------- create.sites


async def test_create_site_with_the_required_parameters(api: Api) -> None:
    before = now_text()
    data = await ok(api, "create.sites", NEW_SITE)
    after = now_text()
    assert set(data) == {"id"} and type(data["id"]) is int and data["id"] > 231
    new_id = data["id"]
    found = (await sites_of(api))[new_id]
    block_id = found["site_blocks"][0]["site_block_id"]
    assert block_id > 231
    assert before <= found["creation_date"] <= after
    assert found == site(
        LAB_ACCOUNT,
        new_id,
        "new.example",
        None,
        [(block_id, "Main")],
        default_phone_number="74951234567",
        industry_id=2,
        industry_name="Бизнес и услуги",
        state="new",
        creation_date=found["creation_date"],
    )
    assert found["site_key"] == site_key(new_id)
    # The block is in get.site_blocks and takes a campaign at once (§17).
    assert (await blocks_of_account(api))[block_id]["site_domain_name"] == "new.example"
    campaign = await ok(
        api,
        "create.campaigns",
        {
            **LAB,
            "name": "On the new site",
            "site_id": new_id,
            "site_blocks": [{"site_block_id": block_id, "phone_number_id": 394}],
        },
    )
    views = {item["id"]: item for item in await ok(api, "get.campaigns", LAB)}
    assert views[campaign["id"]]["site_domain_name"] == "new.example"
    assert views[campaign["id"]]["site_blocks"][0]["site_block_name"] == "Main"


async def test_create_site_with_every_parameter(api: Api) -> None:
    params = {
        **LAB,
        "user_id": 5010,
        "domain_name": "Every.Example",
        "name": "Every",
        "default_phone_number": "4930123456",
        "industry_id": 19,
        "target_call_min_duration": 0,
        "track_subdomains_enabled": False,
        "cookie_lifetime": 365,
        "campaign_lifetime": 1,
        "sales_enabled": True,
        "second_communication_period": 30,
        "services_enabled": False,
        "replacement_dynamical_block_enabled": True,
        "widget_link": {"enabled": True, "text": "x" * 100, "url": "https://every.example/contact?a=1"},
        "show_visitor_id": {
            "enabled": True,
            "element_id_value": "visitor",
            "message": "Quote it",
            "length_visitor_id": 20,
        },
        "default_scenario_id": None,
    }
    new_id = (await ok(api, "create.sites", params))["id"]
    found = (await sites_of(api))[new_id]
    assert found == site(
        LAB_ACCOUNT,
        new_id,
        "every.example",
        "Every",
        [(found["site_blocks"][0]["site_block_id"], "Main")],
        default_phone_number="4930123456",
        industry_id=19,
        industry_name="Электронная коммерция и покупки",
        state="new",
        creation_date=found["creation_date"],
        target_call_min_duration=0,
        track_subdomains=False,
        cookie_lifetime=365,
        campaign_lifetime=1,
        sales_enabled=True,
        second_communication_period=30,
        services_enabled=False,
        replacement_dynamical_block_enabled=True,
        widget_link={"enabled": True, "text": "x" * 100, "url": "https://every.example/contact?a=1"},
        show_visitor_id={
            "enabled": True,
            "element_id_value": "visitor",
            "message": "Quote it",
            "length_visitor_id": 20,
        },
    )
    # Optional members of show_visitor_id take their defaults.
    other = await ok(
        api,
        "create.sites",
        {**NEW_SITE, "show_visitor_id": {"enabled": False, "element_id_value": "v", "message": None}},
    )
    assert (await sites_of(api))[other["id"]]["show_visitor_id"] == {
        "enabled": False,
        "element_id_value": "v",
        "message": None,
        "length_visitor_id": 6,
    }


def _without(params: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in params.items() if key != name}


CREATE_ERRORS: Final[list[tuple[dict[str, Any], str, str | None, str | None]]] = [
    # Required parameters, in the page's order.
    (_without(NEW_SITE, "domain_name"), "required_parameter_missed", "domain_name", None),
    (
        {**_without(NEW_SITE, "default_phone_number"), "default_phone_number": None},
        "required_parameter_missed",
        "default_phone_number",
        None,
    ),
    (_without(NEW_SITE, "industry_id"), "required_parameter_missed", "industry_id", None),
    (
        {**NEW_SITE, "widget_link": {"enabled": True, "url": "http://a.example"}},
        "required_parameter_missed",
        "widget_link.text",
        None,
    ),
    (
        {**NEW_SITE, "widget_link": {"text": "t", "url": "http://a.example"}},
        "required_parameter_missed",
        "widget_link.enabled",
        None,
    ),
    (
        {**NEW_SITE, "show_visitor_id": {"enabled": True}},
        "required_parameter_missed",
        "show_visitor_id.element_id_value",
        None,
    ),
    # Types.
    ({**NEW_SITE, "domain_name": 5}, "data_type_error", "domain_name", "5"),
    ({**NEW_SITE, "industry_id": "2"}, "data_type_error", "industry_id", "2"),
    ({**NEW_SITE, "industry_id": 2.5}, "data_type_error", "industry_id", "2.5"),
    ({**NEW_SITE, "sales_enabled": 1}, "data_type_error", "sales_enabled", "1"),
    ({**NEW_SITE, "track_subdomains_enabled": "true"}, "data_type_error", "track_subdomains_enabled", "true"),
    ({**NEW_SITE, "widget_link": "on"}, "data_type_error", "widget_link", "on"),
    (
        {**NEW_SITE, "show_visitor_id": {"enabled": True, "element_id_value": "v", "length_visitor_id": "6"}},
        "data_type_error",
        "show_visitor_id.length_visitor_id",
        "6",
    ),
    # Values.
    ({**NEW_SITE, "domain_name": "https://x.example"}, "invalid_parameter_value", "domain_name", "https://x.example"),
    ({**NEW_SITE, "domain_name": "HTTP://x.example"}, "invalid_parameter_value", "domain_name", "HTTP://x.example"),
    ({**NEW_SITE, "domain_name": "x.example/path"}, "invalid_parameter_value", "domain_name", "x.example/path"),
    ({**NEW_SITE, "domain_name": "x example"}, "invalid_parameter_value", "domain_name", "x example"),
    ({**NEW_SITE, "domain_name": ""}, "invalid_parameter_value", "domain_name", ""),
    ({**NEW_SITE, "domain_name": "x" * 256}, "invalid_parameter_value", "domain_name", "x" * 256),
    ({**NEW_SITE, "name": "  "}, "invalid_parameter_value", "name", "  "),
    ({**NEW_SITE, "name": "n" * 256}, "invalid_parameter_value", "name", "n" * 256),
    (
        {**NEW_SITE, "default_phone_number": "+0495123456"},
        "invalid_parameter_value",
        "default_phone_number",
        "+0495123456",
    ),
    ({**NEW_SITE, "default_phone_number": "123456"}, "invalid_parameter_value", "default_phone_number", "123456"),
    (
        {**NEW_SITE, "default_phone_number": "7495-123-45-67"},
        "invalid_parameter_value",
        "default_phone_number",
        "7495-123-45-67",
    ),
    ({**NEW_SITE, "industry_id": 20}, "invalid_parameter_value", "industry_id", "20"),
    ({**NEW_SITE, "industry_id": 0}, "invalid_parameter_value", "industry_id", "0"),
    ({**NEW_SITE, "target_call_min_duration": 3601}, "invalid_parameter_value", "target_call_min_duration", "3601"),
    ({**NEW_SITE, "target_call_min_duration": -1}, "invalid_parameter_value", "target_call_min_duration", "-1"),
    ({**NEW_SITE, "cookie_lifetime": 0}, "invalid_parameter_value", "cookie_lifetime", "0"),
    ({**NEW_SITE, "campaign_lifetime": 366}, "invalid_parameter_value", "campaign_lifetime", "366"),
    ({**NEW_SITE, "second_communication_period": 0}, "invalid_parameter_value", "second_communication_period", "0"),
    (
        {**NEW_SITE, "widget_link": {"enabled": True, "text": "t" * 101, "url": "http://a.example"}},
        "invalid_parameter_value",
        "widget_link.text",
        "t" * 101,
    ),
    (
        {**NEW_SITE, "widget_link": {"enabled": True, "text": "", "url": "http://a.example"}},
        "invalid_parameter_value",
        "widget_link.text",
        "",
    ),
    (
        {**NEW_SITE, "widget_link": {"enabled": True, "text": "t", "url": "ftp://a.example"}},
        "invalid_parameter_value",
        "widget_link.url",
        "ftp://a.example",
    ),
    (
        {**NEW_SITE, "widget_link": {"enabled": True, "text": "t", "url": "a.example"}},
        "invalid_parameter_value",
        "widget_link.url",
        "a.example",
    ),
    (
        {**NEW_SITE, "show_visitor_id": {"enabled": True, "element_id_value": ""}},
        "invalid_parameter_value",
        "show_visitor_id.element_id_value",
        "",
    ),
    (
        {**NEW_SITE, "show_visitor_id": {"enabled": True, "element_id_value": "v", "message": "m" * 256}},
        "invalid_parameter_value",
        "show_visitor_id.message",
        "m" * 256,
    ),
    (
        {**NEW_SITE, "show_visitor_id": {"enabled": True, "element_id_value": "v", "length_visitor_id": 21}},
        "invalid_parameter_value",
        "show_visitor_id.length_visitor_id",
        "21",
    ),
    ({**NEW_SITE, "name": "a\x00b"}, "invalid_parameter_value", "name", "a\x00b"),
    # Parameters of update.sites only.
    ({**NEW_SITE, "is_block_robot_traffic": True}, "unexpected_parameters", "is_block_robot_traffic", "true"),
    ({**NEW_SITE, "is_support_web_directory": False}, "unexpected_parameters", "is_support_web_directory", "false"),
    ({**NEW_SITE, "child_customer_id": 1}, "unexpected_parameters", "child_customer_id", "1"),
    (
        {**NEW_SITE, "widget_link": {"enabled": True, "text": "t", "url": "http://a.example", "color": "red"}},
        "unexpected_parameters",
        "widget_link.color",
        "red",
    ),
    # Step 10.
    ({**NEW_SITE, "default_scenario_id": 1}, "entity_not_found", "default_scenario_id", "1"),
    ({**NEW_SITE, "domain_name": "lab.example"}, "duplicate_entity", "domain_name", "lab.example"),
    ({**NEW_SITE, "domain_name": "LAB.Example"}, "duplicate_entity", "domain_name", "LAB.Example"),
]


async def test_create_site_errors(gateway: Gateway, api: Api) -> None:
    # The whole table against one stack: a refused create adds no site (checked after the loop).
    before = await ok(api, "get.sites", LAB)
    for case_id, (params, mnemonic, field, value) in rows_of(CREATE_ERRORS):
        try:
            await fails(
                api,
                "create.sites",
                params,
                mnemonic,
                field if field is not None else ABSENT,
                value if value is not None else ABSENT,
            )
        except AssertionError as failure:
            raise AssertionError(f"case {case_id}: {failure}") from failure
    assert await ok(api, "get.sites", LAB) == before
    # Nothing was written.
    assert await ok(api, "get.sites", LAB) == LAB_SITES
    blocks = await query(gateway.service.database_url, sa.select(t.site_blocks.c.id).where(t.site_blocks.c.id > 1000))
    assert blocks == []


async def test_create_site_order_of_checks(api: Api) -> None:
    # Unexpected before missing, missing before wrong type, type before value, values before entities,
    # entities (default_scenario_id) before the duplicate.
    await fails(
        api,
        "create.sites",
        {**LAB, "is_block_robot_traffic": True},
        "unexpected_parameters",
        "is_block_robot_traffic",
        "true",
    )
    await fails(api, "create.sites", {**LAB, "industry_id": "x", "name": 1}, "required_parameter_missed", "domain_name")
    await fails(
        api,
        "create.sites",
        {**NEW_SITE, "name": 1, "domain_name": "https://x"},
        "invalid_parameter_value",
        "domain_name",
        "https://x",
    )
    await fails(api, "create.sites", {**NEW_SITE, "name": 1, "industry_id": 99}, "data_type_error", "name", "1")
    await fails(
        api,
        "create.sites",
        {**NEW_SITE, "domain_name": "lab.example", "default_scenario_id": 3, "industry_id": 0},
        "invalid_parameter_value",
        "industry_id",
        "0",
    )
    await fails(
        api,
        "create.sites",
        {**NEW_SITE, "domain_name": "lab.example", "default_scenario_id": 3},
        "entity_not_found",
        "default_scenario_id",
        "3",
    )


async def test_the_same_domain_in_another_account_is_no_duplicate(api: Api) -> None:
    created = await ok(api, "create.sites", {**NEW_SITE, "domain_name": "Shop.Example"})
    assert (await sites_of(api))[created["id"]]["domain_name"] == "shop.example"
    await fails(
        api,
        "create.sites",
        {**NEW_SITE, "domain_name": "SHOP.example"},
        "duplicate_entity",
        "domain_name",
        "SHOP.example",
    )


# ---------------------------------------------------------------- update.sites


async def test_update_site_changes_what_is_sent(api: Api) -> None:
    assert await ok(api, "update.sites", {**LAB, "id": 22}) == {}
    assert await ok(api, "get.sites", LAB) == LAB_SITES
    changes = {
        "domain_name": "Renamed.Example",
        "name": "Renamed",
        "default_phone_number": "+4930123456",
        "industry_id": 9,
        "target_call_min_duration": 60,
        "track_subdomains_enabled": False,
        "cookie_lifetime": 10,
        "campaign_lifetime": 20,
        "sales_enabled": True,
        "second_communication_period": 7,
        "services_enabled": False,
        "replacement_dynamical_block_enabled": True,
        "is_support_web_directory": True,
        "is_block_robot_traffic": True,
        "widget_link": {"enabled": True, "text": "Call us", "url": "http://renamed.example"},
        "show_visitor_id": {"enabled": True, "element_id_value": "vid"},
    }
    assert await ok(api, "update.sites", {**LAB, "id": 21, **changes}) == {}
    expected = site(
        LAB_ACCOUNT,
        21,
        "renamed.example",
        "Renamed",
        [(211, "Hero"), (212, "Spare")],
        default_phone_number="4930123456",
        industry_id=9,
        industry_name="Медицина",
        target_call_min_duration=60,
        track_subdomains=False,
        cookie_lifetime=10,
        campaign_lifetime=20,
        sales_enabled=True,
        second_communication_period=7,
        services_enabled=False,
        replacement_dynamical_block_enabled=True,
        is_support_web_directory=True,
        widget_link={"enabled": True, "text": "Call us", "url": "http://renamed.example"},
        show_visitor_id={"enabled": True, "element_id_value": "vid", "message": None, "length_visitor_id": 6},
    )
    assert (await sites_of(api))[21] == expected
    # The new domain shows at once in get.campaigns and get.site_blocks (§3, §17).
    views = {item["id"]: item for item in await ok(api, "get.campaigns", LAB)}
    assert views[70]["site_domain_name"] == "renamed.example"
    assert (await blocks_of_account(api))[211]["site_domain_name"] == "renamed.example"
    # Its own domain again, in any case, is no duplicate; the old one is free for another site.
    assert await ok(api, "update.sites", {**LAB, "id": 21, "domain_name": "RENAMED.example"}) == {}
    assert await ok(api, "update.sites", {**LAB, "id": 22, "domain_name": "lab.example"}) == {}

    # null resets every setting with a default, clears name, and is "not sent" for the three others.
    nulls = {name: None for name in changes}
    assert (
        await ok(
            api, "update.sites", {**LAB, "id": 21, **nulls, "default_scenario_id": None, "child_customer_id": None}
        )
        == {}
    )
    reset = site(
        LAB_ACCOUNT,
        21,
        "renamed.example",
        None,
        [(211, "Hero"), (212, "Spare")],
        default_phone_number="4930123456",
        industry_id=9,
        industry_name="Медицина",
    )
    assert (await sites_of(api))[21] == reset


async def test_update_site_stores_the_robot_flag(gateway: Gateway, api: Api) -> None:
    flag = sa.select(t.sites.c.is_block_robot_traffic).where(t.sites.c.id == 22)
    assert await ok(api, "update.sites", {**LAB, "id": 22, "is_block_robot_traffic": True}) == {}
    assert [row[0] for row in await query(gateway.service.database_url, flag)] == [True]
    assert await ok(api, "update.sites", {**LAB, "id": 22, "is_block_robot_traffic": None}) == {}
    assert [row[0] for row in await query(gateway.service.database_url, flag)] == [False]


async def test_a_new_domain_shows_in_weights_and_virtual_numbers(api: Api) -> None:
    # §3 names four views of the domain; get.campaigns and get.site_blocks are checked above.
    assert await ok(api, "update.sites", {**LAB, "id": 21, "domain_name": "Moved.Example"}) == {}
    weights = await ok(api, "get.campaign_parameter_weights", {**LAB, "fields": ["site_id", "site_domain_name"]})
    assert weights == [
        {"site_id": 21, "site_domain_name": "moved.example"},
        {"site_id": 22, "site_domain_name": "empty.example"},
        {"site_id": 23, "site_domain_name": "managed.example"},
    ]
    numbers = await ok(
        api, "get.virtual_numbers", {**LAB, "fields": ["id", "campaigns"], "filter": _filter("id", "=", 392)}
    )
    assert numbers == [
        {
            "id": 392,
            "campaigns": [
                {
                    "campaign_id": 70,
                    "campaign_name": "Lab campaign",
                    "site_id": 21,
                    "site_domain_name": "moved.example",
                    "site_blocks": [{"site_block_id": 211, "site_block_name": "Hero", "is_tracking": False}],
                }
            ],
        }
    ]


UPDATE_ERRORS: Final[list[tuple[dict[str, Any], str, str, str | None, int | None]]] = [
    ({"name": "x"}, "required_parameter_missed", "id", None, None),
    ({"id": "22"}, "data_type_error", "id", "22", None),
    ({"id": 22, "domain_name": "http://x.example"}, "invalid_parameter_value", "domain_name", "http://x.example", None),
    ({"id": 22, "industry_id": 20}, "invalid_parameter_value", "industry_id", "20", None),
    ({"id": 22, "widget_link": {"enabled": False}}, "required_parameter_missed", "widget_link.text", None, None),
    ({"id": 22, "parent_id": 1}, "unexpected_parameters", "parent_id", "1", None),
    ({"id": 10}, "entity_not_found", "id", "10", None),
    ({"id": 999}, "entity_not_found", "id", "999", None),
    ({"id": 22, "default_scenario_id": 1}, "entity_not_found", "default_scenario_id", "1", None),
    ({"id": 22, "child_customer_id": 5}, "entity_not_found", "child_customer_id", "5", None),
    ({"id": 23}, "forbidden", "id", "23", -32003),
    ({"id": 23, "name": "Mine"}, "forbidden", "id", "23", -32003),
    ({"id": 23, "child_customer_id": 5}, "entity_not_found", "child_customer_id", "5", None),
    ({"id": 23, "domain_name": "lab.example"}, "forbidden", "id", "23", -32003),
    ({"id": 22, "domain_name": "lab.example"}, "duplicate_entity", "domain_name", "lab.example", None),
    (
        {"id": 22, "domain_name": "Managed.EXAMPLE", "name": "n"},
        "duplicate_entity",
        "domain_name",
        "Managed.EXAMPLE",
        None,
    ),
]


async def test_update_site_errors(api: Api) -> None:
    # The whole table against one stack: after each refusal the sites are as the demo has them.
    for case_id, (params, mnemonic, field, value, code) in rows_of(UPDATE_ERRORS):
        try:
            await fails(
                api,
                "update.sites",
                {**LAB, **params},
                mnemonic,
                field,
                value if value is not None else ABSENT,
                code=code,
            )
            assert await ok(api, "get.sites", LAB) == LAB_SITES
        except AssertionError as failure:
            raise AssertionError(f"case {case_id}: {failure}") from failure


# ---------------------------------------------------------------- delete.sites


async def test_delete_sites_per_the_demo_table(gateway: Gateway, api: Api) -> None:
    await fails(api, "delete.sites", {**LAB, "id": 21}, "dependency_error", "id", "21")
    await fails(api, "delete.sites", {**LAB, "id": 23}, "forbidden", "id", "23", code=-32602)
    await fails(api, "delete.sites", {**LAB, "id": 10}, "entity_not_found", "id", "10")
    await fails(api, "delete.sites", {**LAB}, "required_parameter_missed", "id")
    assert await ok(api, "get.sites", LAB) == LAB_SITES
    assert await ok(api, "delete.sites", {**LAB, "id": 22}) == {}
    assert sorted(await sites_of(api)) == [21, 23]
    assert sorted(await blocks_of_account(api)) == [211, 212, 231]
    await fails(api, "delete.sites", {**LAB, "id": 22}, "entity_not_found", "id", "22")
    rows = await query(gateway.service.database_url, sa.select(t.site_blocks.c.id).where(t.site_blocks.c.site_id == 22))
    assert rows == []


async def test_delete_site_waits_for_its_campaigns(api: Api) -> None:
    # Account 1000: an integrated campaign (8) on site 10, an inactive one (9) on site 20.
    await fails(api, "delete.sites", {**CUST, "id": 10}, "dependency_error", "id", "10")
    await fails(api, "delete.sites", {**CUST, "id": 20}, "dependency_error", "id", "20")
    assert await ok(api, "delete.campaigns", {**CUST, "id": 9}) == {}
    assert await ok(api, "delete.sites", {**CUST, "id": 20}) == {}
    # Campaign 70 deleted: site 21 goes with both its blocks.
    assert await ok(api, "delete.campaigns", {**LAB, "id": 70}) == {}
    assert await ok(api, "delete.sites", {**LAB, "id": 21}) == {}
    assert sorted(await blocks_of_account(api)) == [221, 231]
    # A campaign cannot be created on the deleted site.
    await fails(
        api,
        "create.campaigns",
        {**LAB, "name": "Late", "site_id": 21, "site_blocks": [{"site_block_id": 211, "phone_number_id": 394}]},
        "entity_not_found",
        "site_id",
        "21",
    )


async def test_delete_site_drops_the_system_campaign_settings_on_it(gateway: Gateway, api: Api) -> None:
    system = {
        **LAB,
        "id": -1,
        "site_id": 22,
        "site_blocks": [{"site_block_id": 221, "phone_number_id": 393, "redirection_phone_number_id": 431}],
    }
    assert await ok(api, "update.campaigns", system) == {}
    assert (await blocks_of_account(api))[221]["phone_numbers"] == [
        {
            "phone_number_id": 393,
            "phone_number": "74950000393",
            "campaign_id": -1,
            "campaign_name": "Visitors without advertising campaign",
            "image_url": None,
        }
    ]
    # The system campaign's settings do not hold the block's deletion back ... only delete.site_blocks.
    await fails(api, "delete.site_blocks", {**LAB, "id": 221}, "dependency_error", "id", "221")
    assert await ok(api, "delete.sites", {**LAB, "id": 22}) == {}
    views = {item["id"]: item for item in await ok(api, "get.campaigns", LAB)}
    assert views[-1]["site_blocks"] == []
    # Number 393 is free again: a new campaign takes it.
    assert await ok(
        api,
        "create.campaigns",
        {
            **LAB,
            "name": "Takes 393",
            "site_id": 21,
            "site_blocks": [{"site_block_id": 212, "phone_number_id": 393, "redirection_phone_number_id": 431}],
        },
    )
    url = gateway.service.database_url
    assert (
        await query(url, sa.select(t.campaign_site_blocks).where(t.campaign_site_blocks.c.site_block_id == 221)) == []
    )


async def test_delete_site_frees_the_system_campaign_pool_on_it(api: Api) -> None:
    # Account 1000: site 20's only campaign (9, inactive) deleted, the system campaign's fixed number and
    # dynamic call tracking pool on block 201 are all that is left there; they go with the site (§4).
    assert await ok(api, "delete.campaigns", {**CUST, "id": 9}) == {}
    system = {
        **CUST,
        "id": -1,
        "site_id": 20,
        "site_blocks": [
            {
                "site_block_id": 201,
                "phone_number_id": 305,
                "redirection_phone_number_id": 401,
                "dynamic_call_tracking_enabled": True,
            }
        ],
        "dynamic_call_tracking": {"count_virtual_numbers": 2, "count_visits": 10},
    }
    assert await ok(api, "update.campaigns", system) == {}
    held = {"fields": ["id", "campaigns"], "filter": _filter("id", "in", [305, 381, 382])}

    def used_by_system(number_id: int, is_tracking: bool) -> dict[str, Any]:
        block = {"site_block_id": 201, "site_block_name": "Sidebar", "is_tracking": is_tracking}
        campaign = {
            "campaign_id": -1,
            "campaign_name": "Visitors without advertising campaign",
            "site_id": 20,
            "site_domain_name": "blog.example",
            "site_blocks": [block],
        }
        return {"id": number_id, "campaigns": [campaign]}

    before = await ok(api, "get.virtual_numbers", {**CUST, **held})
    assert before == [used_by_system(305, False), used_by_system(381, True), used_by_system(382, True)]
    assert await ok(api, "delete.sites", {**CUST, "id": 20}) == {}
    after = await ok(api, "get.virtual_numbers", {**CUST, **held})
    assert after == [{"id": number_id, "campaigns": []} for number_id in (305, 381, 382)]
    views = {item["id"]: item for item in await ok(api, "get.campaigns", CUST)}
    assert views[-1]["site_blocks"] == []
    # The fixed number is free for another campaign at once.
    taken = {
        **CUST,
        "name": "Takes 305",
        "site_id": 10,
        "site_blocks": [{"site_block_id": 101, "phone_number_id": 305, "redirection_phone_number_id": 401}],
    }
    assert (await ok(api, "create.campaigns", taken))["id"] > 70


async def test_delete_site_drops_its_weights_and_the_system_campaign_costs(gateway: Gateway, api: Api) -> None:
    url = gateway.service.database_url
    system_row = t.system_campaign_id(LAB_ACCOUNT)
    await execute(
        url,
        "INSERT INTO site_parameter_weights (site_id) VALUES (22)",
        "INSERT INTO campaign_costs (campaign_id, site_id, day_from, day_till, cents) "
        f"VALUES ({system_row}, 22, 20000, 20001, 100), ({system_row}, 21, 20000, 20001, 100)",
    )
    assert await ok(api, "delete.sites", {**LAB, "id": 22}) == {}
    assert await query(url, sa.select(t.site_parameter_weights.c.site_id)) == []
    left = await query(
        url,
        sa.select(t.campaign_costs.c.campaign_id, t.campaign_costs.c.site_id).where(
            t.campaign_costs.c.campaign_id == system_row
        ),
    )
    assert [tuple(row) for row in left] == [(system_row, 21)]


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
