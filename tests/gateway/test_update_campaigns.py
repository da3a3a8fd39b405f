"""update.campaigns through the wire: what an update changes, clears and keeps.

Against the demo data set (docs/demo-data.md): every error is checked whole (code, message, mnemonic, field, value,
params), every change is read back with get.campaigns or from the test's own database.
Every test that changes something gets a fresh database.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Gateway
from tests.gateway.support_campaign_calls import (
    DELETE,
    UPDATE,
    block,
    blocks_of,
    campaign,
    condition,
    create,
    groups,
    pool,
    upd,
    update,
)
from tests.gateway.wire import assert_error, call, limits_of

# --------------------------------------------------------------------------- update.campaigns


async def test_update_renames_and_describes(gateway: Gateway) -> None:
    before = await campaign(gateway, 7)
    await update(gateway, upd(7, 10, name="Renamed", description="Spring"))
    after = await campaign(gateway, 7)
    assert (after["name"], after["description"]) == ("Renamed", "Spring")
    # Partial: what was not sent stays.
    unchanged = ("status", "site_id", "site_blocks", "campaign_conditions", "cost_ratio", "cost_ratio_operator")
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}


async def test_update_description_null_clears_it(gateway: Gateway) -> None:
    await update(gateway, upd(7, 10, description="To be cleared"))
    assert (await campaign(gateway, 7))["description"] == "To be cleared"
    await update(gateway, upd(7, 10, description=None))
    after = await campaign(gateway, 7)
    assert after["description"] is None
    assert after["name"] == "Existing call tracking"


async def test_update_null_means_not_sent_for_name_and_status(gateway: Gateway) -> None:
    await update(gateway, upd(7, 10, name=None, status=None, user_id=None))
    after = await campaign(gateway, 7)
    assert (after["name"], after["status"]) == ("Existing call tracking", "active")
    assert blocks_of(after) == [(102, 304, 402, False)]
    # Sending the status it already has changes nothing either.
    await update(gateway, upd(7, 10, status="active"))
    assert blocks_of(await campaign(gateway, 7)) == [(102, 304, 402, False)]


async def test_update_and_delete_cost_one_point_each(gateway: Gateway) -> None:
    def day_remaining(answer: dict[str, Any]) -> int:
        part = answer["result"] if "result" in answer else answer["error"]["data"]
        return limits_of(part["metadata"])["day_remaining"]

    start = day_remaining(await call(gateway.url, upd(7, 10, name="One point"), 1, UPDATE))
    failed = day_remaining(await call(gateway.url, upd(7, 20, name="Free"), 2, UPDATE))
    assert failed == start
    deleted = day_remaining(await call(gateway.url, {"access_token": "tok_cust", "id": 9}, 3, DELETE))
    assert deleted == start - 1
    refused = day_remaining(await call(gateway.url, {"access_token": "tok_cust", "id": 8}, 4, DELETE))
    assert refused == start - 1


async def test_update_site_blocks_list_replaces_the_stored_one(gateway: Gateway) -> None:
    campaign_id = await create(
        gateway,
        name="Blocks",
        site_id=10,
        site_blocks=[block(101, 301, 401), block(102, 302)],
    )
    await update(gateway, upd(campaign_id, 10, site_blocks=[block(102, 303)]))
    assert blocks_of(await campaign(gateway, campaign_id)) == [(102, 303, None, False)]
    # The block left out took its call_tracking number with it.
    await create(gateway, name="Takes 301", site_id=10, site_blocks=[block(101, 301, 402)])


async def test_update_site_blocks_null_removes_all_blocks(gateway: Gateway) -> None:
    await update(gateway, upd(7, 10, site_blocks=None))
    after = await campaign(gateway, 7)
    assert after["site_blocks"] == []
    assert after["status"] == "active"
    await create(gateway, name="Takes 304", site_id=10, site_blocks=[block(101, 304, 401)])


async def test_update_empty_site_blocks_list_removes_all_blocks(gateway: Gateway) -> None:
    await update(gateway, upd(7, 10, site_blocks=[]))
    assert (await campaign(gateway, 7))["site_blocks"] == []


async def test_update_keeps_its_own_call_tracking_number(gateway: Gateway) -> None:
    await update(gateway, upd(7, 10, site_blocks=[block(101, 304, 401)]))
    assert blocks_of(await campaign(gateway, 7)) == [(101, 304, 401, False)]


async def test_update_cannot_take_another_campaigns_number(gateway: Gateway) -> None:
    campaign_id = await create(gateway, name="Other", site_id=10, site_blocks=[block(101, 301, 401)])
    answer = await call(
        gateway.url, upd(campaign_id, 10, name="Taken", site_blocks=[block(101, 304, 401)]), "u-1", UPDATE
    )
    assert_error(answer, "already_in_use", request_id="u-1", field="site_blocks.phone_number_id", value="304")
    # Nothing of the failed update was written.
    after = await campaign(gateway, campaign_id)
    assert after["name"] == "Other"
    assert blocks_of(after) == [(101, 301, 401, False)]
    assert blocks_of(await campaign(gateway, 7)) == [(102, 304, 402, False)]


async def test_update_conditions_replaced_and_cleared(gateway: Gateway) -> None:
    first = groups([condition("utm_source", "google")])
    campaign_id = await create(gateway, name="Conditions", site_id=10, campaign_conditions=first)
    assert (await campaign(gateway, campaign_id))["campaign_conditions"] == first
    second = groups(
        [condition("channel", "paid", kind="exclude"), condition("referrer", "^https?://", "~")],
        [condition("search_engine", "yandex")],
    )
    await update(gateway, upd(campaign_id, 10, campaign_conditions=second))
    assert (await campaign(gateway, campaign_id))["campaign_conditions"] == second
    await update(gateway, upd(campaign_id, 10, campaign_conditions=None))
    assert (await campaign(gateway, campaign_id))["campaign_conditions"] == {"group_conditions": []}


async def test_update_dynamic_call_tracking_reserves_and_releases_the_pool(gateway: Gateway) -> None:
    campaign_id = await create(gateway, name="Pool", site_id=10, site_blocks=[block(101, 302)])
    assert await pool(gateway) == []

    settings = {"reservation_time": "1h", "count_virtual_numbers": 2, "count_visits": 50}
    await update(gateway, upd(campaign_id, 10, site_blocks=[block(101, 302, dct=True)], dynamic_call_tracking=settings))
    # The two lowest vacant numbers not flagged for hosted PBX use.
    assert await pool(gateway) == [(381, campaign_id, 101), (382, campaign_id, 101)]
    view = await campaign(gateway, campaign_id)
    assert view["dynamic_call_tracking"] == {**settings, "coverage_visitors": None}
    assert blocks_of(view) == [(101, 302, None, True)]

    # New settings alone re-reserve the pool of the blocks kept.
    await update(gateway, upd(campaign_id, 10, dynamic_call_tracking={"count_virtual_numbers": 3, "count_visits": 9}))
    assert await pool(gateway) == [(381, campaign_id, 101), (382, campaign_id, 101), (383, campaign_id, 101)]
    assert (await campaign(gateway, campaign_id))["dynamic_call_tracking"] == {
        "reservation_time": "15m",
        "count_virtual_numbers": 3,
        "count_visits": 9,
        "coverage_visitors": None,
    }

    # Clearing the settings while a kept block still uses them is a combination fault.
    answer = await call(gateway.url, upd(campaign_id, 10, dynamic_call_tracking=None), "u-2", UPDATE)
    assert_error(answer, "invalid_parameters_combination", request_id="u-2", field="dynamic_call_tracking")
    assert len(await pool(gateway)) == 3

    await update(gateway, upd(campaign_id, 10, dynamic_call_tracking=None, site_blocks=[block(101, 302)]))
    assert await pool(gateway) == []
    view = await campaign(gateway, campaign_id)
    assert view["dynamic_call_tracking"] is None
    assert blocks_of(view) == [(101, 302, None, False)]
    # The released numbers are vacant again.
    other = await create(
        gateway,
        name="Reuses the pool",
        site_id=10,
        site_blocks=[block(102, 302, dct=True)],
        dynamic_call_tracking={"count_virtual_numbers": 1, "count_visits": 5},
    )
    assert await pool(gateway) == [(381, other, 102)]


async def test_update_blocks_use_the_stored_pool_settings(gateway: Gateway) -> None:
    campaign_id = await create(
        gateway,
        name="Stored settings",
        site_id=10,
        site_blocks=[block(101, 302)],
        dynamic_call_tracking={"count_virtual_numbers": 2, "count_visits": 5},
    )
    assert await pool(gateway) == []
    await update(gateway, upd(campaign_id, 10, site_blocks=[block(102, 302, dct=True)]))
    assert await pool(gateway) == [(381, campaign_id, 102), (382, campaign_id, 102)]


async def test_update_cost_ratio_set_and_cleared(gateway: Gateway) -> None:
    before = await campaign(gateway, 7)
    assert (before["cost_ratio"], before["cost_ratio_operator"]) == (1.0, "wo_changes")
    await update(gateway, upd(7, 10, cost_ratio=2.5, cost_ratio_operator="multiply"))
    after = await campaign(gateway, 7)
    assert (after["cost_ratio"], after["cost_ratio_operator"]) == (2.5, "multiply")
    await update(gateway, upd(7, 10, cost_ratio_operator="divide"))
    after = await campaign(gateway, 7)
    assert (after["cost_ratio"], after["cost_ratio_operator"]) == (2.5, "divide")
    await update(gateway, upd(7, 10, cost_ratio=None, cost_ratio_operator=None))
    after = await campaign(gateway, 7)
    assert (after["cost_ratio"], after["cost_ratio_operator"]) == (1.0, "wo_changes")


async def test_setting_inactive_frees_the_blocks_numbers(gateway: Gateway) -> None:
    # 304 is campaign 7's: taking it fails until 7 lets go.
    answer = await call(
        gateway.url,
        {"access_token": "tok_cust", "name": "Wants 304", "site_id": 10, "site_blocks": [block(101, 304, 401)]},
    )
    assert_error(answer, "already_in_use", request_id=1, field="site_blocks.phone_number_id", value="304")
    await update(gateway, upd(7, 10, status="inactive"))
    after = await campaign(gateway, 7)
    assert (after["status"], after["site_blocks"]) == ("inactive", [])
    await create(gateway, name="Takes 304", site_id=10, site_blocks=[block(101, 304, 401)])


async def test_setting_inactive_releases_the_pool(gateway: Gateway) -> None:
    campaign_id = await create(
        gateway,
        name="Pooled",
        site_id=10,
        site_blocks=[block(101, 301, 401, dct=True)],
        dynamic_call_tracking={"count_virtual_numbers": 2, "count_visits": 5},
    )
    assert await pool(gateway) == [(381, campaign_id, 101), (382, campaign_id, 101)]
    await update(gateway, upd(campaign_id, 10, status="inactive"))
    assert await pool(gateway) == []
    assert (await campaign(gateway, campaign_id))["site_blocks"] == []
    # While inactive, its blocks cannot be set.
    answer = await call(gateway.url, upd(campaign_id, 10, site_blocks=[block(101, 302)]), "u-3", UPDATE)
    assert_error(
        answer,
        "invalid_parameters_combination",
        request_id="u-3",
        field="site_blocks",
        value='[{"site_block_id":101,"phone_number_id":302}]',
    )


async def test_inactive_campaign_reactivated_with_blocks(gateway: Gateway) -> None:
    await update(gateway, upd(9, 20, status="active", site_blocks=[block(201, 302)]))
    after = await campaign(gateway, 9)
    assert after["status"] == "active"
    assert blocks_of(after) == [(201, 302, None, False)]


async def test_system_campaign_changes_its_blocks(gateway: Gateway) -> None:
    await update(
        gateway,
        upd(
            -1,
            10,
            site_blocks=[block(101, 302, dct=True)],
            dynamic_call_tracking={"count_virtual_numbers": 1, "count_visits": 5},
        ),
    )
    view = await campaign(gateway, -1)
    assert blocks_of(view) == [(101, 302, None, True)]
    assert view["name"] == "Visitors without advertising campaign"
    assert view["type"] == "system"
    assert view["dynamic_call_tracking"] == {
        "reservation_time": "15m",
        "count_virtual_numbers": 1,
        "count_visits": 5,
        "coverage_visitors": None,
    }
    numbers = await pool(gateway)
    assert [(number, block_id) for number, _row, block_id in numbers] == [(381, 101)]
    # Another account's system campaign is untouched.
    assert (await campaign(gateway, -1, "tok_nova"))["site_blocks"] == []


async def test_integrated_campaign_changes_its_blocks(gateway: Gateway) -> None:
    await update(gateway, upd(8, 10, site_blocks=[block(101, 303), block(102, 305, 401)]))
    view = await campaign(gateway, 8)
    assert blocks_of(view) == [(101, 303, None, False), (102, 305, 401, False)]
    assert (view["name"], view["type"], view["engine"]) == ("Yandex.Direct", "integrated", "yandex.direct")
    await update(gateway, upd(8, 10, site_blocks=None))
    assert (await campaign(gateway, 8))["site_blocks"] == []


async def test_agent_updates_its_customers_campaign(gateway: Gateway) -> None:
    await update(gateway, upd(7, 10, "tok_agent", user_id=5001, name="By the agency"))
    assert (await campaign(gateway, 7))["name"] == "By the agency"


async def test_customer_naming_a_user_of_its_account_updates(gateway: Gateway) -> None:
    await update(gateway, upd(7, 10, user_id=5005, name="Own account"))
    assert (await campaign(gateway, 7))["name"] == "Own account"
