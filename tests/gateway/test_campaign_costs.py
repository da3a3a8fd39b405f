"""upload.campaign_costs over JSON-RPC (METHODS.md §11) and the `costs` it gives get.campaigns (§11.1).

Account 1008 (`tok_sites`, docs/demo-data.md) has campaign 70 on site 21 with 3100.00 spent over
2026-01-01..2026-01-31 (100.00 a day), sites 22 and 23 without campaigns, and its system campaign -1.
Totals are worked out by hand from the spreading rule: a period of n days with C cents gives each day
floor(C / n) and its first C mod n days one cent more.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import pytest
import sqlalchemy as sa

from service.storage import Storage
from service.storage import schema as t
from tests.conftest import Gateway
from tests.gateway.gets import Api
from tests.gateway.wire import limits_of, same_json

LAB: Final = "tok_sites"


def item(
    campaign_id: Any = 70, site_id: Any = 21, cost: Any = 10, date_from: Any = "2026-02-01", date_till: Any = None
) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id,
        "site_id": site_id,
        "cost": cost,
        "date_from": date_from,
        "date_till": date_from if date_till is None else date_till,
    }


async def upload(api: Api, *items: dict[str, Any], token: str = LAB, **extra: Any) -> dict[str, Any]:
    return await api.call("upload.campaign_costs", {"access_token": token, "costs": list(items), **extra})


async def costs_of(api: Api, campaign_id: int = 70, token: str = LAB) -> Any:
    body = await api.call(
        "get.campaigns",
        {
            "access_token": token,
            "fields": ["id", "costs"],
            "filter": {"field": "id", "operator": "=", "value": campaign_id},
        },
    )
    [row] = body["result"]["data"]
    return row["costs"]


def assert_success(body: dict[str, Any]) -> None:
    """METHODS.md §0.5: result.success, data.success, metadata.limits, nothing else."""
    assert set(body) == {"jsonrpc", "id", "result"}, body
    result = body["result"]
    assert list(result) == ["success", "data", "metadata"], result
    assert same_json(result["success"], True)
    assert same_json(result["data"], {"success": True})
    assert list(result["metadata"]) == ["limits"]
    limits_of(result["metadata"])


# --------------------------------------------------------------------------- what an upload stores


async def test_the_demo_campaign_shows_its_january_spend(api: Api) -> None:
    assert await costs_of(api) == 3100


async def test_an_upload_answers_success_and_adds_to_costs(api: Api) -> None:
    body = await upload(api, item(cost=12.5, date_from="2026-02-01", date_till="2026-02-10"))

    assert_success(body)
    assert await costs_of(api) == 3112.5


async def test_an_upload_inside_a_stored_period_replaces_those_days_only(api: Api) -> None:
    # Jan 10..12 held 300.00 of the 3100.00; they now hold 1.00.
    assert_success(await upload(api, item(cost=1, date_from="2026-01-10", date_till="2026-01-12")))

    assert await costs_of(api) == 2801


async def test_a_split_keeps_the_extra_cents_where_the_rule_put_them(api: Api) -> None:
    # 0.10 over Feb 1..3 is 4, 3 and 3 cents: removing Feb 1 leaves 0.06, then removing Feb 3 leaves 0.03.
    assert_success(await upload(api, item(site_id=22, campaign_id=-1, cost=0.1, date_till="2026-02-03")))
    assert await costs_of(api, -1) == 0.1
    assert_success(await upload(api, item(site_id=22, campaign_id=-1, cost=0, date_from="2026-02-01")))
    assert await costs_of(api, -1) == 0.06
    assert_success(await upload(api, item(site_id=22, campaign_id=-1, cost=0, date_from="2026-02-03")))
    assert await costs_of(api, -1) == 0.03


async def test_cost_zero_removes_days_and_all_of_them_give_null(api: Api) -> None:
    assert_success(await upload(api, item(cost=0, date_from="2026-01-01", date_till="2026-01-15")))
    assert await costs_of(api) == 1600
    # A period wider than what is stored removes the rest.
    assert_success(await upload(api, item(cost=0, date_from="2025-12-01", date_till="2026-03-01")))
    assert await costs_of(api) is None


async def test_items_apply_in_order_and_the_later_wins(api: Api) -> None:
    body = await upload(
        api,
        item(cost=1000, date_from="2026-01-01", date_till="2026-01-31"),
        item(cost=50, date_from="2026-01-31", date_till="2026-02-01"),
        item(cost=7, date_from="2026-02-01 23:59:59", date_till="2026-02-01 00:00:00"),
    )

    # 1000.00 over January is 32.26 a day for Jan 1..25 and 32.25 after, so Jan 31 held 32.25 and now
    # holds 25.00, half of the second item, whose Feb 1 the third item replaces with 7.00.
    assert_success(body)
    assert await costs_of(api) == 999.75


async def test_costs_of_several_sites_add_up_for_the_system_campaign(api: Api) -> None:
    assert_success(
        await upload(
            api,
            item(campaign_id=-1, site_id=21, cost=1.01),
            item(campaign_id=-1, site_id=22, cost=2.02),
            item(campaign_id=-1, site_id=23, cost=3.03),
        )
    )

    assert await costs_of(api, -1) == 6.06
    assert await costs_of(api, 70) == 3100


@pytest.mark.parametrize(
    ("cost", "expected"),
    [(0.005, 0.01), (1.005, 1.01), (2.675, 2.68), (0.004, None), (999999999999.99, 999999999999.99), (7, 7)],
)
async def test_cost_is_rounded_half_up_to_cents(api: Api, cost: float, expected: float | None) -> None:
    # A cost that rounds to 0.00 is 0: it removes, and stores nothing.
    assert_success(await upload(api, item(campaign_id=-1, cost=cost)))

    assert await costs_of(api, -1) == expected


async def test_a_hundred_years_is_one_period(api: Api, gateway: Gateway) -> None:
    century = item(campaign_id=-1, cost=36525.01, date_from="2000-01-01", date_till="2100-12-31")
    assert_success(await upload(api, century))
    # 3,652,501 cents over 36,890 days: 100 for the first 391 days, 99 after. One day of 2050 out.
    assert_success(await upload(api, item(campaign_id=-1, cost=0, date_from="2050-06-15")))

    assert await costs_of(api, -1) == 36524.02
    # Stored as the two parts of the period, not as days.
    assert await cost_rows(gateway) == 3


async def test_inactive_and_integrated_campaigns_take_costs(api: Api) -> None:
    for campaign_id, site_id in ((9, 20), (8, 10)):
        body = await api.call(
            "upload.campaign_costs",
            {"access_token": "tok_cust", "costs": [item(campaign_id=campaign_id, site_id=site_id, cost=5)]},
        )
        assert_success(body)
        assert await costs_of(api, campaign_id, token="tok_cust") == 5


async def test_five_hundred_items_are_one_request(api: Api) -> None:
    days = [dt.date(2027, 1, 1) + dt.timedelta(days=n) for n in range(500)]
    items = [item(cost=1, date_from=day.isoformat()) for day in days]

    assert_success(await upload(api, *items))
    assert await costs_of(api) == 3100 + 500


# --------------------------------------------------------------------------- cost_ratio, filter, sort


async def test_cost_ratio_applies_at_once(api: Api) -> None:
    async def change(**fields: Any) -> None:
        body = await api.call("update.campaigns", {"access_token": LAB, "id": 70, "site_id": 21, **fields})
        assert body["result"]["data"] == {}, body

    await change(cost_ratio=3, cost_ratio_operator="divide")
    # 310000 cents / 3 = 103333.33.. cents
    assert await costs_of(api) == 1033.33
    await change(cost_ratio=1.5, cost_ratio_operator="multiply")
    assert await costs_of(api) == 4650
    await change(cost_ratio_operator="wo_changes")
    assert await costs_of(api) == 3100
    # Half a cent rounds up: 0.01 * 1.5 = 0.015.
    assert_success(await upload(api, item(cost=0, date_from="2026-01-01", date_till="2026-01-31"), item(cost=0.01)))
    await change(cost_ratio_operator="multiply")
    assert await costs_of(api) == 0.02
    await change(cost_ratio=None)  # back to 1
    assert await costs_of(api) == 0.01


@pytest.mark.parametrize(
    ("cost", "ratio", "operator", "expected"),
    [
        # 342050 cents x 3.05 = 1043252.5 cents, which doubles make 1043252.4999999999.
        (3420.50, 3.05, "multiply", 10432.53),
        # 451290 cents / 1.12 = 402937.5 cents, which doubles make 402937.49999999994.
        (4512.90, 1.12, "divide", 4029.38),
        # Not ties: they stay where they were.
        (3100, 1.15, "multiply", 3565),
        (3100, 3, "divide", 1033.33),
    ],
)
async def test_a_decimal_tie_rounds_half_up_whatever_the_doubles_say(
    api: Api, cost: float, ratio: float, operator: str, expected: float
) -> None:
    """METHODS.md §11.1: the spend times (or over) the ratio the client wrote, rounded half up to cents."""
    assert_success(await upload(api, item(cost=cost, date_from="2026-01-01", date_till="2026-01-31")))
    body = await api.call(
        "update.campaigns",
        {"access_token": LAB, "id": 70, "site_id": 21, "cost_ratio": ratio, "cost_ratio_operator": operator},
    )
    assert body["result"]["data"] == {}, body

    assert await costs_of(api) == expected
    found = await api.call(
        "get.campaigns",
        {"access_token": LAB, "fields": ["id"], "filter": {"field": "costs", "operator": "=", "value": expected}},
    )
    assert found["result"]["data"] == [{"id": 70}]


async def test_costs_filter_and_sort_on_the_computed_value(api: Api) -> None:
    await upload(api, item(campaign_id=-1, site_id=22, cost=40))
    await api.call(
        "update.campaigns",
        {"access_token": LAB, "id": 70, "site_id": 21, "cost_ratio": 100, "cost_ratio_operator": "divide"},
    )
    # Campaign 70 now shows 31, the system campaign 40.
    base = {"access_token": LAB, "fields": ["id", "costs"]}

    ascending = await api.call("get.campaigns", {**base, "sort": [{"field": "costs", "order": "asc"}]})
    over = await api.call("get.campaigns", {**base, "filter": {"field": "costs", "operator": ">", "value": 35}})
    exact = await api.call("get.campaigns", {**base, "filter": {"field": "costs", "operator": "=", "value": 31}})
    empty = await api.call(
        "get.campaigns",
        {"access_token": "tok_cust", "fields": ["id"], "filter": {"field": "costs", "operator": "is_not_null"}},
    )

    assert ascending["result"]["data"] == [{"id": 70, "costs": 31}, {"id": -1, "costs": 40}]
    assert over["result"]["data"] == [{"id": -1, "costs": 40}]
    assert exact["result"]["data"] == [{"id": 70, "costs": 31}]
    assert empty["result"]["data"] == []


async def test_deleting_the_campaign_drops_its_spend(api: Api, gateway: Gateway) -> None:
    body = await api.call("delete.campaigns", {"access_token": LAB, "id": 70})

    assert body["result"]["data"] == {}, body
    assert await cost_rows(gateway) == 0


async def cost_rows(gateway: Gateway) -> int:
    """How many spans are stored, every campaign's."""
    storage = await Storage.open(gateway.service.database_url, migrate=False, pool_size=1)
    try:
        rows = await storage.read(lambda conn: conn.scalars(sa.select(t.campaign_costs.c.cents)).all())
        return len(rows)
    finally:
        await storage.close()


async def test_the_largest_spend_times_the_largest_ratio(api: Api) -> None:
    """Past 2**63 cents: no integer overflow on either engine, a number all the same."""
    assert_success(await upload(api, item(cost=999999999999.99)))
    body = await api.call(
        "update.campaigns",
        {"access_token": LAB, "id": 70, "site_id": 21, "cost_ratio": 1_000_000, "cost_ratio_operator": "multiply"},
    )
    assert body["result"]["data"] == {}, body

    assert await costs_of(api) == pytest.approx((99_999_999_999_999 + 310_000) * 1_000_000 / 100)


async def test_a_ratio_without_spend_is_still_null(api: Api) -> None:
    body = await api.call(
        "update.campaigns",
        {"access_token": "tok_cust", "id": 7, "site_id": 10, "cost_ratio": 2.5, "cost_ratio_operator": "multiply"},
    )
    assert body["result"]["data"] == {}, body

    assert await costs_of(api, 7, token="tok_cust") is None
