"""METHODS.md §20, read as an acceptance test: every method-specific error in its last table, made to
happen with the demo data set exactly as the table says, and the successes it names.

Written from the spec alone (not from the service's own tables), so it checks the methods of issue 14
against what a client reading METHODS.md expects. Each test starts from a fresh demo database.
"""

from __future__ import annotations

from typing import Any, Final

import orjson
import pytest

from tests.gateway.gets import Api
from tests.gateway.wire import assert_error

SITES: Final[dict[str, Any]] = {"access_token": "tok_sites"}
SIMPLE_DT: Final[dict[str, Any]] = {"access_token": "tok_simpledt"}


def cost(**item: Any) -> dict[str, Any]:
    return {"campaign_id": 70, "site_id": 21, "cost": 10, "date_from": "2026-02-01", "date_till": "2026-02-02", **item}


async def test_simple_dt_refuses_a_site_block_create_and_lets_the_two_gets_through(api: Api) -> None:
    assert_error(
        await api.call("create.site_blocks", {**SIMPLE_DT, "site_id": 19, "name": "X"}), "forbidden", request_id=1
    )
    assert "result" in await api.call("get.sites", SIMPLE_DT)
    assert "result" in await api.call("get.campaigns", SIMPLE_DT)


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("get.site_blocks", {}),
        ("update.sites", {"id": 19, "name": "x"}),
        ("delete.sites", {"id": 19}),
        ("create.sites", {"domain_name": "x.example", "default_phone_number": "74951234567", "industry_id": 1}),
        ("update.site_blocks", {"id": 191, "name": "x"}),
        ("delete.site_blocks", {"id": 191}),
        ("get.campaign_parameter_weights", {}),
        ("update.campaign_parameter_weights", {"site_id": 19, "utm_tags": 1}),
        ("upload.campaign_costs", {"costs": [cost(campaign_id=-1, site_id=19)]}),
    ],
)
async def test_simple_dt_refuses_every_listed_method(api: Api, method: str, params: dict[str, Any]) -> None:
    assert_error(await api.call(method, {**SIMPLE_DT, **params}), "forbidden", request_id=1)


@pytest.mark.parametrize("method", ["get.virtual_numbers", "get.available_virtual_numbers", "get.account"])
async def test_simple_dt_does_not_touch_numbers_or_the_account(api: Api, method: str) -> None:
    assert "result" in await api.call(method, SIMPLE_DT)


async def test_get_errors(api: Api) -> None:
    assert_error(
        await api.call("get.sites", {**SITES, "sort": [{"field": "id"}]}),
        "sort_prohibited",
        request_id=1,
        field="sort.field",
        value="id",
    )
    assert_error(
        await api.call("get.sites", {**SITES, "filter": {"field": "state", "operator": "=", "value": "work"}}),
        "filter_prohibited",
        request_id=1,
        field="filter.field",
        value="state",
    )
    assert_error(
        await api.call("get.sites", {**SITES, "fields": ["scenario_name"]}),
        "unexpected_parameters",
        request_id=1,
        field="fields",
        value="scenario_name",
    )


NEW_SITE: Final[dict[str, Any]] = {
    "domain_name": "new.example",
    "default_phone_number": "74951234567",
    "industry_id": 2,
}


async def test_create_sites_errors(api: Api) -> None:
    duplicate = await api.call("create.sites", {**SITES, **NEW_SITE, "domain_name": "lab.example"})
    assert_error(duplicate, "duplicate_entity", request_id=1, field="domain_name", value="lab.example")
    scenario = await api.call("create.sites", {**SITES, **NEW_SITE, "default_scenario_id": 1})
    assert_error(scenario, "entity_not_found", request_id=1, field="default_scenario_id", value="1")
    industry = await api.call("create.sites", {**SITES, **NEW_SITE, "industry_id": 20})
    assert_error(industry, "invalid_parameter_value", request_id=1, field="industry_id", value="20")
    scheme = await api.call("create.sites", {**SITES, **NEW_SITE, "domain_name": "https://x.example"})
    assert_error(scheme, "invalid_parameter_value", request_id=1, field="domain_name", value="https://x.example")
    long_text = "t" * 101
    widget = {"enabled": True, "text": long_text, "url": "https://x.example/a"}
    too_long = await api.call("create.sites", {**SITES, **NEW_SITE, "widget_link": widget})
    assert_error(too_long, "invalid_parameter_value", request_id=1, field="widget_link.text", value=long_text)
    robots = await api.call("create.sites", {**SITES, **NEW_SITE, "is_block_robot_traffic": True})
    assert_error(robots, "unexpected_parameters", request_id=1, field="is_block_robot_traffic", value="true")


async def test_a_created_site_is_usable_at_once(api: Api) -> None:
    created = await api.call("create.sites", {**SITES, **NEW_SITE})
    site_id = created["result"]["data"]["id"]
    assert site_id > 1000
    sites = await api.call("get.sites", {**SITES, "filter": {"field": "id", "operator": "=", "value": site_id}})
    (site,) = sites["result"]["data"]
    assert site["domain_name"] == "new.example"
    assert site["state"] == "new"
    assert site["is_editable"] is True
    assert site["industry_id"] == 2
    assert site["default_phone_number"] == "74951234567"
    assert [block["site_block_name"] for block in site["site_blocks"]] == ["Main"]
    block_id = site["site_blocks"][0]["site_block_id"]
    campaign = await api.call(
        "create.campaigns",
        {
            **SITES,
            "name": "On the new site",
            "site_id": site_id,
            "site_blocks": [{"site_block_id": block_id, "phone_number_id": 394}],
        },
    )
    assert campaign["result"]["data"]["id"] > 0


async def test_update_sites_errors(api: Api) -> None:
    assert_error(
        await api.call("update.sites", {**SITES, "id": 23, "name": "x"}),
        "forbidden",
        request_id=1,
        field="id",
        value="23",
    )
    duplicate = await api.call("update.sites", {**SITES, "id": 22, "domain_name": "lab.example"})
    assert_error(duplicate, "duplicate_entity", request_id=1, field="domain_name", value="lab.example")
    other = await api.call("update.sites", {**SITES, "id": 10, "name": "x"})
    assert_error(other, "entity_not_found", request_id=1, field="id", value="10")


async def test_delete_sites(api: Api) -> None:
    used = await api.call("delete.sites", {**SITES, "id": 21})
    assert_error(used, "dependency_error", request_id=1, field="id", value="21")
    # A protected entity on a delete: forbidden, but with -32602 (METHODS.md §0.7).
    managed = (await api.call("delete.sites", {**SITES, "id": 23}))["error"]
    assert (managed["code"], managed["message"]) == (-32602, "Permission denied")
    assert {key: managed["data"][key] for key in ("mnemonic", "field", "value", "params")} == {
        "mnemonic": "forbidden",
        "field": "id",
        "value": "23",
        "params": {},
    }
    deleted = await api.call("delete.sites", {**SITES, "id": 22})
    assert deleted["result"]["data"] == {}
    left = await api.call("get.sites", {**SITES, "fields": ["id"]})
    assert left["result"]["data"] == [{"id": 21}, {"id": 23}]


async def test_site_block_errors_and_successes(api: Api) -> None:
    assert_error(
        await api.call("create.site_blocks", {**SITES, "site_id": 999, "name": "X"}),
        "entity_not_found",
        request_id=1,
        field="site_id",
        value="999",
    )
    assert_error(
        await api.call("update.site_blocks", {**SITES, "id": 101, "name": "X"}),
        "entity_not_found",
        request_id=1,
        field="id",
        value="101",
    )
    assert_error(
        await api.call("delete.site_blocks", {**SITES, "id": 211}),
        "dependency_error",
        request_id=1,
        field="id",
        value="211",
    )
    assert (await api.call("delete.site_blocks", {**SITES, "id": 212}))["result"]["data"] == {}


async def test_weight_errors(api: Api) -> None:
    assert_error(
        await api.call("update.campaign_parameter_weights", {**SITES, "site_id": 21, "utm_tags": 101}),
        "invalid_parameter_value",
        request_id=1,
        field="utm_tags",
        value="101",
    )
    assert_error(
        await api.call("update.campaign_parameter_weights", {**SITES, "site_id": 10, "utm_tags": 1}),
        "entity_not_found",
        request_id=1,
        field="site_id",
        value="10",
    )
    both = await api.call("update.campaign_parameter_weights", {**SITES, "site_id": 21, "engine": 5, "ad_engine": 6})
    assert_error(both, "invalid_parameters_combination", request_id=1, field="ad_engine", value="6")


async def test_weights_default_then_change(api: Api) -> None:
    before = await api.call(
        "get.campaign_parameter_weights", {**SITES, "filter": {"field": "site_id", "operator": "=", "value": 21}}
    )
    assert before["result"]["data"] == [
        {
            "site_id": 21,
            "site_domain_name": "lab.example",
            "entrance_page": 10,
            "referrer_domain": 20,
            "search_engine": 20,
            "search_query": 40,
            "engine": 25,
            "referrer": 30,
            "channel": 15,
            "location": 5,
            "utm_tags": 60,
            "os_tags": 50,
            "other_tags": 60,
        }
    ]
    assert (await api.call("update.campaign_parameter_weights", {**SITES, "site_id": 21, "ad_engine": 7}))["result"][
        "data"
    ] == {}
    after = await api.call("get.campaign_parameter_weights", {**SITES, "fields": ["site_id", "engine"]})
    assert after["result"]["data"] == [
        {"site_id": 21, "engine": 7},
        {"site_id": 22, "engine": 25},
        {"site_id": 23, "engine": 25},
    ]


async def test_upload_costs_errors(api: Api) -> None:
    wrong_site = await api.call("upload.campaign_costs", {**SITES, "costs": [cost(site_id=22)]})
    assert_error(wrong_site, "invalid_parameter_value", request_id=1, field="costs.site_id", value="22")
    backwards = await api.call(
        "upload.campaign_costs", {**SITES, "costs": [cost(date_from="2026-02-03", date_till="2026-02-02")]}
    )
    assert_error(backwards, "invalid_date_time", request_id=1, field="costs.date_till", value="2026-02-02")
    no_month = await api.call("upload.campaign_costs", {**SITES, "costs": [cost(date_from="2026-13-01")]})
    assert_error(no_month, "invalid_date_time", request_id=1, field="costs.date_from", value="2026-13-01")
    other = await api.call("upload.campaign_costs", {**SITES, "costs": [cost(campaign_id=7)]})
    assert_error(other, "entity_not_found", request_id=1, field="costs.campaign_id", value="7")
    items = [cost()] * 501
    too_many = await api.call("upload.campaign_costs", {**SITES, "costs": items})
    assert_error(too_many, "invalid_parameter_value", request_id=1, field="costs", value=orjson.dumps(items).decode())


async def campaign_costs(api: Api, campaign_id: int) -> Any:
    body = await api.call(
        "get.campaigns",
        {**SITES, "fields": ["id", "costs"], "filter": {"field": "id", "operator": "=", "value": campaign_id}},
    )
    (item,) = body["result"]["data"]
    return item["costs"]


async def test_costs_reach_get_campaigns(api: Api) -> None:
    assert await campaign_costs(api, 70) == 3100
    answer = await api.call(
        "upload.campaign_costs",
        {**SITES, "costs": [cost(cost=0, date_from="2026-01-01 00:00:00", date_till="2026-01-10 23:59:59")]},
    )
    assert answer["result"]["success"] is True
    assert answer["result"]["data"] == {"success": True}
    assert set(answer["result"]["metadata"]) == {"limits"}
    assert await campaign_costs(api, 70) == 2100
    await api.call(
        "upload.campaign_costs", {**SITES, "costs": [cost(cost=0.5, date_from="2026-01-15", date_till="2026-01-15")]}
    )
    assert await campaign_costs(api, 70) == 2000.5
    await api.call(
        "update.campaigns", {**SITES, "id": 70, "site_id": 21, "cost_ratio": 2, "cost_ratio_operator": "multiply"}
    )
    assert await campaign_costs(api, 70) == 4001


async def test_enable_and_disable_virtual_numbers(api: Api) -> None:
    enabled = await api.call("enable.virtual_numbers", {**SITES, "virtual_phone_number": "74959000901"})
    assert enabled["result"]["success"] is True
    assert enabled["result"]["data"] == {"success": True}
    available = await api.call("get.campaign_available_phone_numbers", {**SITES, "fields": ["id", "type"]})
    assert {"id": 901, "type": "call_tracking"} in available["result"]["data"]
    stock = await api.call("get.available_virtual_numbers", {**SITES, "fields": ["phone_number"]})
    assert stock["result"]["data"] == [{"phone_number": "74959000902"}, {"phone_number": "78129000903"}]

    missing = await api.call("enable.virtual_numbers", {**SITES, "virtual_phone_number": "74950000301"})
    assert_error(
        missing,
        "virtual_phone_number_not_found",
        request_id=1,
        field="virtual_phone_number",
        value="74950000301",
        params={"virtual_phone_number": "74950000301"},
    )
    quota = await api.call(
        "enable.virtual_numbers", {"access_token": "tok_quota", "virtual_phone_number": "74959000902"}
    )
    assert_error(quota, "tariff_restrictions", request_id=1)
    component = await api.call(
        "enable.virtual_numbers",
        {"access_token": "tok_nova", "number_capacity_ids": ["903"], "number_capacity_component": "va"},
    )
    assert_error(
        component,
        "parameter_component_disabled",
        request_id=1,
        field="number_capacity_component",
        value="va",
        params={"components": "va"},
    )
    neither = await api.call("enable.virtual_numbers", SITES)
    assert_error(neither, "required_parameter_missed", request_id=1, field="virtual_phone_number")
    both = await api.call(
        "enable.virtual_numbers",
        {
            **SITES,
            "virtual_phone_number": "74959000902",
            "number_capacity_ids": ["902"],
            "number_capacity_component": "va",
        },
    )
    assert_error(both, "invalid_parameters_combination", request_id=1, field="number_capacity_ids", value='["902"]')

    used = await api.call("disable.virtual_numbers", {**SITES, "virtual_phone_number": "74950000392"})
    assert_error(used, "dependency_error", request_id=1, field="virtual_phone_number", value="74950000392")
    free = await api.call("disable.virtual_numbers", {**SITES, "virtual_phone_number": "74950000393"})
    assert free["result"]["success"] is True
    foreign = await api.call("disable.virtual_numbers", {**SITES, "virtual_phone_number": "74950000303"})
    assert_error(
        foreign,
        "virtual_phone_number_not_found",
        request_id=1,
        field="virtual_phone_number",
        value="74950000303",
        params={"virtual_phone_number": "74950000303"},
    )


async def test_get_account_as_an_agent(api: Api) -> None:
    body = await api.call("get.account", {"access_token": "tok_agent", "user_id": 5002})
    assert body["result"]["data"] == [{"app_id": 1001, "name": "No VA Ltd", "timezone": "UTC"}]
