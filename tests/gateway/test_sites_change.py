"""update.sites and delete.sites through the wire (METHODS.md §3, §4, §20).

Against the demo data set: account 1008 "Sites Lab" (tok_sites) has sites 21 lab.example (blocks 211, 212;
campaign 70 on 211), 22 empty.example, 23 managed.example (not editable). Every change is read back with
get.sites, get.site_blocks or get.campaigns. Each test has a fresh database.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa

from service.storage import schema as t
from tests.conftest import Gateway
from tests.gateway.gets import Api, _filter, site
from tests.gateway.support_sites import (
    LAB,
    LAB_ACCOUNT,
    LAB_SITES,
    blocks_of_account,
    fails,
    ok,
    sites_of,
)
from tests.gateway.wire import ABSENT, rows_of
from tests.service.helpers import execute, query

CUST: Final[dict[str, Any]] = {"access_token": "tok_cust"}


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
