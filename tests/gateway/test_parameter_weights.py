"""get.campaign_parameter_weights and update.campaign_parameter_weights over JSON-RPC (METHODS.md §9, §10, §20).

Account 1008 (`tok_sites`) has sites 21 lab.example, 22 empty.example and 23 managed.example, none with
weights stored: every site shows the defaults.
"""

from __future__ import annotations

from typing import Any, Final

import pytest

from tests.gateway.gets import Api
from tests.gateway.wire import ABSENT, Absent, assert_error, limits_of

LAB: Final = "tok_sites"
DEFAULTS: Final = {
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
SITES: Final = {21: "lab.example", 22: "empty.example", 23: "managed.example"}


def row(site_id: int, **weights: int) -> dict[str, Any]:
    return {"site_id": site_id, "site_domain_name": SITES[site_id], **DEFAULTS, **weights}


async def weights(api: Api, token: str = LAB, **params: Any) -> dict[str, Any]:
    body = await api.call("get.campaign_parameter_weights", {"access_token": token, **params})
    assert "result" in body, body
    result: dict[str, Any] = body["result"]
    return result


async def change(api: Api, token: str = LAB, **params: Any) -> dict[str, Any]:
    return await api.call("update.campaign_parameter_weights", {"access_token": token, **params})


async def assert_changed(api: Api, **params: Any) -> None:
    body = await change(api, **params)
    assert body["result"]["data"] == {}, body
    limits_of(body["result"]["metadata"])


# --------------------------------------------------------------------------- get


async def test_every_site_shows_the_defaults(api: Api) -> None:
    result = await weights(api)

    assert result["data"] == [row(21), row(22), row(23)]
    assert list(result["data"][0]) == ["site_id", "site_domain_name", *DEFAULTS]
    assert result["metadata"]["total_items"] == 3


async def test_the_get_machinery(api: Api) -> None:
    picked = await weights(api, fields=["utm_tags", "site_id"], sort=[{"field": "site_id", "order": "desc"}])
    by_domain = await weights(
        api, fields=["site_id"], filter={"field": "site_domain_name", "operator": "=", "value": "empty.example"}
    )
    paged = await weights(api, fields=["site_id"], limit=1, offset=1)
    over = await weights(api, fields=["site_id"], filter={"field": "site_id", "operator": ">", "value": 21})

    assert picked["data"] == [{"utm_tags": 60, "site_id": s} for s in (23, 22, 21)]
    assert by_domain["data"] == [{"site_id": 22}]
    assert (paged["data"], paged["metadata"]["total_items"]) == ([{"site_id": 22}], 3)
    assert over["data"] == [{"site_id": 22}, {"site_id": 23}]


@pytest.mark.parametrize(
    ("params", "mnemonic", "field", "value"),
    [
        ({"sort": [{"field": "site_domain_name"}]}, "sort_prohibited", "sort.field", "site_domain_name"),
        ({"sort": [{"field": "utm_tags"}]}, "sort_prohibited", "sort.field", "utm_tags"),
        ({"filter": {"field": "engine", "operator": "=", "value": 25}}, "filter_prohibited", "filter.field", "engine"),
        ({"fields": ["ad_engine"]}, "unexpected_parameters", "fields", "ad_engine"),
        ({"fields": ["id"]}, "unexpected_parameters", "fields", "id"),
        ({"limit": 10001}, "invalid_parameter_value", "limit", "10001"),
        ({"site_id": 21}, "unexpected_parameters", "site_id", "21"),
    ],
)
async def test_get_refusals(api: Api, params: dict[str, Any], mnemonic: str, field: str, value: str) -> None:
    body = await api.call("get.campaign_parameter_weights", {"access_token": LAB, **params})

    assert_error(body, mnemonic, request_id=1, field=field, value=value)


async def test_an_account_sees_only_its_sites(api: Api) -> None:
    result = await weights(api, "tok_cust", fields=["site_id"])

    assert [item["site_id"] for item in result["data"]] == [10, 20]


# --------------------------------------------------------------------------- update


async def test_only_the_weights_sent_change_and_only_for_that_site(api: Api) -> None:
    await assert_changed(api, site_id=21, utm_tags=70, location=0)
    await assert_changed(api, site_id=21, channel=100)

    assert (await weights(api))["data"] == [row(21, utm_tags=70, location=0, channel=100), row(22), row(23)]


async def test_null_restores_the_default(api: Api) -> None:
    await assert_changed(api, site_id=22, utm_tags=1, os_tags=2)
    await assert_changed(api, site_id=22, utm_tags=None)

    assert (await weights(api))["data"][1] == row(22, os_tags=2)


async def test_nothing_but_the_site_changes_nothing(api: Api) -> None:
    await assert_changed(api, site_id=23)

    assert (await weights(api))["data"] == [row(21), row(22), row(23)]


async def test_ad_engine_is_the_engine_weight(api: Api) -> None:
    await assert_changed(api, site_id=21, ad_engine=7)
    assert (await weights(api))["data"][0] == row(21, engine=7)
    await assert_changed(api, site_id=21, engine=8, ad_engine=8)
    assert (await weights(api))["data"][0] == row(21, engine=8)
    await assert_changed(api, site_id=21, ad_engine=None)
    assert (await weights(api))["data"][0] == row(21)


UPDATE_FAULTS: Final = [
    # METHODS.md §20's rows.
    pytest.param({"site_id": 21, "utm_tags": 101}, "invalid_parameter_value", "utm_tags", "101", id="over 100"),
    pytest.param({"site_id": 10}, "entity_not_found", "site_id", "10", id="another account's site"),
    pytest.param(
        {"site_id": 21, "engine": 5, "ad_engine": 6}, "invalid_parameters_combination", "ad_engine", "6", id="both"
    ),
    pytest.param(
        {"site_id": 21, "engine": 5, "ad_engine": None},
        "invalid_parameters_combination",
        "ad_engine",
        ABSENT,
        id="a value and null",
    ),
    pytest.param({"site_id": 21, "location": -1}, "invalid_parameter_value", "location", "-1", id="negative"),
    pytest.param({"site_id": 21, "ad_engine": 101}, "invalid_parameter_value", "ad_engine", "101", id="alias over"),
    pytest.param({"site_id": 21, "channel": "5"}, "data_type_error", "channel", "5", id="text"),
    pytest.param({"site_id": 21, "channel": 5.5}, "data_type_error", "channel", "5.5", id="fraction"),
    pytest.param({"site_id": 21, "channel": True}, "data_type_error", "channel", "true", id="boolean"),
    pytest.param({"utm_tags": 5}, "required_parameter_missed", "site_id", ABSENT, id="no site"),
    pytest.param({"site_id": None, "utm_tags": 5}, "required_parameter_missed", "site_id", ABSENT, id="null site"),
    pytest.param({"site_id": 999}, "entity_not_found", "site_id", "999", id="no such site"),
    pytest.param({"site_id": 21, "static_utm_source": 5}, "unexpected_parameters", "static_utm_source", "5", id="?"),
    # Step 7 before step 9 before step 10.
    pytest.param(
        {"site_id": 10, "engine": 1, "ad_engine": 2, "os_tags": 101},
        "invalid_parameter_value",
        "os_tags",
        "101",
        id="value first",
    ),
    pytest.param(
        {"site_id": 10, "engine": 1, "ad_engine": 2},
        "invalid_parameters_combination",
        "ad_engine",
        "2",
        id="combination before entity",
    ),
]


@pytest.mark.parametrize(("params", "mnemonic", "field", "value"), UPDATE_FAULTS)
async def test_update_refusals_change_nothing(
    api: Api, params: dict[str, Any], mnemonic: str, field: str, value: str | Absent
) -> None:
    body = await change(api, **params)

    assert_error(body, mnemonic, request_id=1, field=field, value=value)
    assert (await weights(api))["data"] == [row(21), row(22), row(23)]


# --------------------------------------------------------------------------- who may call


async def test_a_read_only_user_reads_but_may_not_change(api: Api) -> None:
    reader = await weights(api, "tok_noperm", fields=["site_id", "engine"])

    assert reader["data"] == [{"site_id": 10, "engine": 25}, {"site_id": 20, "engine": 25}]
    assert_error(await change(api, "tok_noperm", site_id=10, engine=1), "forbidden", request_id=1)


@pytest.mark.parametrize("method", ["get.campaign_parameter_weights", "update.campaign_parameter_weights"])
async def test_simple_dt_and_missing_components_refuse_both(api: Api, method: str) -> None:
    simple = await api.call(method, {"access_token": "tok_simpledt", "site_id": 19})
    bare = await api.call(method, {"access_token": "tok_nocomp"})

    assert_error(simple, "forbidden", request_id=1)
    assert_error(bare, "method_component_disabled", request_id=1, params={"components": "call_tracking, va"})
