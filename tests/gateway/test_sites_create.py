"""create.sites through the wire (METHODS.md §2, §20): every parameter, every error checked whole, and
the order of checks. Every change is read back with get.sites. Each test has a fresh database.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa

from service.storage import schema as t
from tests.conftest import Gateway
from tests.gateway.gets import Api, site, site_key
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
from tests.gateway.wire import ABSENT, rows_of
from tests.service.helpers import query

CUST: Final[dict[str, Any]] = {"access_token": "tok_cust"}


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
