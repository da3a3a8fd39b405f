"""upload.campaign_costs refusals over JSON-RPC (METHODS.md §11, §0.6, §20): each error's exact object, the
order of checks, and that a refused upload stores nothing.

`field` is the parameter's path without indices (CONTRACT §3): `costs.campaign_id` for any item, as
`site_blocks.phone_number_id` is for create.campaigns; the gRPC tests see the indexed path.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import orjson
import pytest

from tests.conftest import Gateway
from tests.gateway.gets import Api
from tests.gateway.test_campaign_costs import LAB, cost_rows, costs_of, item, upload
from tests.gateway.wire import ABSENT, Absent, assert_error, rows_of

METHOD: Final = "upload.campaign_costs"


async def refused(
    api: Api,
    gateway: Gateway,
    params: dict[str, Any],
    mnemonic: str,
    field: str | Absent = ABSENT,
    value: str | Absent = ABSENT,
    error_params: dict[str, Any] | None = None,
) -> None:
    """The exact error, and the demo's one span (campaign 70's January) still all there is."""
    body = await api.call(METHOD, params)

    assert_error(body, mnemonic, request_id=1, field=field, value=value, params=error_params)
    assert await cost_rows(gateway) == 1
    assert await costs_of(api) == 3100


def sent(*items: Any, token: str = LAB) -> dict[str, Any]:
    return {"access_token": token, "costs": list(items)}


# --------------------------------------------------------------------------- who may call (step 5)


async def test_a_read_only_user_is_forbidden(api: Api, gateway: Gateway) -> None:
    await refused(api, gateway, sent(item(campaign_id=7, site_id=10), token="tok_noperm"), "forbidden")


async def test_simple_dt_refuses_before_the_parameters(api: Api, gateway: Gateway) -> None:
    await refused(api, gateway, sent(item(campaign_id=-1, site_id=19), token="tok_simpledt"), "forbidden")
    await refused(api, gateway, {"access_token": "tok_simpledt", "no_such": 1}, "forbidden")


async def test_no_component_is_needed(api: Api) -> None:
    # tok_nocomp's account has neither call_tracking nor va (docs/demo-data.md) and no site: the
    # upload gets as far as its entities.
    body = await upload(api, item(campaign_id=-1, site_id=10), token="tok_nocomp")

    assert_error(body, "entity_not_found", request_id=1, field="costs.site_id", value="10")


# --------------------------------------------------------------------------- step 7


STRUCTURE: Final = [
    pytest.param({}, "required_parameter_missed", "costs", ABSENT, id="costs missing"),
    pytest.param({"costs": None}, "required_parameter_missed", "costs", ABSENT, id="costs null"),
    pytest.param({"costs": []}, "required_parameter_missed", "costs", "[]", id="costs empty"),
    pytest.param({"costs": "x"}, "data_type_error", "costs", "x", id="costs a string"),
    pytest.param({"costs": {"campaign_id": 70}}, "data_type_error", "costs", '{"campaign_id":70}', id="an object"),
    pytest.param({"costs": [item(), 3]}, "data_type_error", "costs", "3", id="an item a number"),
    pytest.param({"costs": [None]}, "data_type_error", "costs", "null", id="an item null"),
    pytest.param({"costs": [item()], "note": 1}, "unexpected_parameters", "note", "1", id="unknown param"),
    pytest.param({"costs": [{**item(), "note": "x"}]}, "unexpected_parameters", "costs.note", "x", id="unknown key"),
    pytest.param(
        {"costs": [{"site_id": 21, "cost": 1, "date_from": "2026-01-01", "date_till": "2026-01-01"}]},
        "required_parameter_missed",
        "costs.campaign_id",
        ABSENT,
        id="campaign_id missing",
    ),
    pytest.param({"costs": [item(site_id=None)]}, "required_parameter_missed", "costs.site_id", ABSENT, id="null"),
    pytest.param({"costs": [item(cost=None)]}, "required_parameter_missed", "costs.cost", ABSENT, id="cost null"),
    pytest.param({"costs": [item(campaign_id="70")]}, "data_type_error", "costs.campaign_id", "70", id="id text"),
    pytest.param({"costs": [item(site_id=21.5)]}, "data_type_error", "costs.site_id", "21.5", id="id fraction"),
    pytest.param({"costs": [item(campaign_id=True)]}, "data_type_error", "costs.campaign_id", "true", id="id bool"),
    pytest.param({"costs": [item(cost="10")]}, "data_type_error", "costs.cost", "10", id="cost text"),
    pytest.param({"costs": [item(cost=-0.01)]}, "invalid_parameter_value", "costs.cost", "-0.01", id="negative"),
    pytest.param(
        {"costs": [item(cost=1_000_000_000_000)]},
        "invalid_parameter_value",
        "costs.cost",
        "1000000000000",
        id="cost too large",
    ),
    pytest.param({"costs": [item(date_from=20260101)]}, "data_type_error", "costs.date_from", "20260101", id="num"),
    pytest.param({"costs": [item(date_till=[])]}, "data_type_error", "costs.date_till", "[]", id="till a list"),
]


async def test_structure_faults(api: Api, gateway: Gateway) -> None:
    # The whole table against one stack: a refused upload stores nothing (refused checks it each time).
    for case_id, (params, mnemonic, field, value) in rows_of(STRUCTURE):
        try:
            await refused(api, gateway, {"access_token": LAB, **params}, mnemonic, field, value)
        except AssertionError as failure:
            raise AssertionError(f"case {case_id}: {failure}") from failure


@pytest.mark.parametrize(
    "date",
    [
        "2026-13-01",
        "2026-02-30",
        "2025-02-29",
        "1999-12-31",
        "2101-01-01",
        "2026-1-01",
        "2026-01-01T00:00:00",
        "2026-01-01 24:00:00",
        "2026-01-01 10:60:00",
        "2026-01-01 10:00",
        "2026-01-01 ",
        "",
        "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0661",  # Arabic-Indic digits
        "2026-01-01\x00",
    ],
)
async def test_a_date_in_no_accepted_form_is_invalid_date_time(api: Api, gateway: Gateway, date: str) -> None:
    await refused(
        api, gateway, sent(item(date_from=date, date_till="2026-02-01")), "invalid_date_time", "costs.date_from", date
    )
    await refused(
        api, gateway, sent(item(date_from="2026-02-01", date_till=date)), "invalid_date_time", "costs.date_till", date
    )


async def test_the_accepted_extremes(api: Api) -> None:
    body = await upload(api, item(campaign_id=-1, cost=0, date_from="2000-01-01 00:00:00", date_till="2100-12-31"))

    assert body["result"]["success"] is True, body


async def test_more_than_500_items(api: Api, gateway: Gateway) -> None:
    days = [dt.date(2027, 1, 1) + dt.timedelta(days=n) for n in range(501)]
    items = [item(cost=1, date_from=day.isoformat()) for day in days]

    await refused(api, gateway, sent(*items), "invalid_parameter_value", "costs", orjson.dumps(items).decode())


async def test_step_7_goes_item_by_item_in_document_order(api: Api, gateway: Gateway) -> None:
    # Within an item: date_from before date_till, whatever their faults.
    await refused(
        api,
        gateway,
        sent(item(date_from="2026-02-30", date_till=5)),
        "invalid_date_time",
        "costs.date_from",
        "2026-02-30",
    )
    # cost comes before the dates.
    await refused(api, gateway, sent(item(cost=-1, date_from="x")), "invalid_parameter_value", "costs.cost", "-1")
    # A missing member of an item is found before any value of that item is looked at.
    await refused(
        api,
        gateway,
        sent({"campaign_id": "x", "cost": 1, "date_from": "2026-01-01", "date_till": "2026-01-01"}),
        "required_parameter_missed",
        "costs.site_id",
    )
    # The first item's value fault before the second item's missing member.
    await refused(api, gateway, sent(item(cost=-1), {"campaign_id": 70}), "invalid_parameter_value", "costs.cost", "-1")


# --------------------------------------------------------------------------- step 9 and step 10


async def test_a_period_that_ends_before_it_starts(api: Api, gateway: Gateway) -> None:
    await refused(
        api,
        gateway,
        sent(item(date_from="2026-02-02", date_till="2026-02-01 23:59:59")),
        "invalid_date_time",
        "costs.date_till",
        "2026-02-01 23:59:59",
    )


async def test_step_7_anywhere_comes_before_step_9(api: Api, gateway: Gateway) -> None:
    await refused(
        api,
        gateway,
        sent(item(date_from="2026-02-02", date_till="2026-02-01"), item(cost=-5)),
        "invalid_parameter_value",
        "costs.cost",
        "-5",
    )


async def test_step_9_comes_before_the_entities(api: Api, gateway: Gateway) -> None:
    await refused(
        api,
        gateway,
        sent(item(campaign_id=7), item(date_from="2026-02-02", date_till="2026-02-01")),
        "invalid_date_time",
        "costs.date_till",
        "2026-02-01",
    )


@pytest.mark.parametrize("campaign_id", [7, 0, -2, -1008, 999_999])
async def test_a_campaign_not_of_the_account(api: Api, gateway: Gateway, campaign_id: int) -> None:
    # 7 is account 1000's; -1008 is the row of 1008's own system campaign, which the API calls -1.
    await refused(
        api,
        gateway,
        sent(item(), item(campaign_id=campaign_id)),
        "entity_not_found",
        "costs.campaign_id",
        str(campaign_id),
    )


@pytest.mark.parametrize("site_id", [10, 999])
async def test_a_site_not_of_the_account(api: Api, gateway: Gateway, site_id: int) -> None:
    await refused(
        api, gateway, sent(item(campaign_id=-1, site_id=site_id)), "entity_not_found", "costs.site_id", str(site_id)
    )


async def test_a_site_that_is_not_the_campaigns_own(api: Api, gateway: Gateway) -> None:
    """METHODS.md §20: campaign 70 is on site 21."""
    await refused(
        api, gateway, sent(item(campaign_id=70, site_id=22)), "invalid_parameter_value", "costs.site_id", "22"
    )


async def test_entities_go_category_by_category_over_the_whole_list(api: Api, gateway: Gateway) -> None:
    # An unknown site in the first item, an unknown campaign in the second: campaigns first.
    await refused(
        api,
        gateway,
        sent(item(campaign_id=-1, site_id=999), item(campaign_id=7)),
        "entity_not_found",
        "costs.campaign_id",
        "7",
    )
    # A foreign site in the first item, an unknown site in the second: unknown sites first.
    await refused(
        api,
        gateway,
        sent(item(campaign_id=70, site_id=22), item(campaign_id=-1, site_id=10)),
        "entity_not_found",
        "costs.site_id",
        "10",
    )


async def test_one_bad_item_stores_nothing_of_the_others(api: Api, gateway: Gateway) -> None:
    await refused(
        api,
        gateway,
        sent(
            item(cost=0, date_from="2026-01-01", date_till="2026-01-31"),
            item(campaign_id=-1, site_id=22),
            item(campaign_id=70, site_id=23),
        ),
        "invalid_parameter_value",
        "costs.site_id",
        "23",
    )
