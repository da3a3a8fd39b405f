"""What the database holds after a run, held to what the clients saw.

Read with plain SQLAlchemy Core over the service's schema; nothing of the
service's logic is used to judge it.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from service.storage import schema as t
from tests.service.helpers import execute, query
from tests.system.load import ACCOUNT, Outcome, Params

NEW = t.campaigns.c.id >= t.FIRST_GENERATED_ID


async def allow_many_campaigns(database_url: str) -> None:
    """The demo quota (1000 campaigns) would stop a few seconds of load; lift it."""
    await execute(database_url, f"UPDATE accounts SET campaign_quota = 1000000 WHERE id = {ACCOUNT}")


@dataclass(frozen=True)
class Baseline:
    """What a run's creates are counted from."""

    basic_campaigns: int
    day_window: int
    day_used: int


def _day_window() -> int:
    now = int(time.time())
    return now - now % 86_400


async def day_points(database_url: str) -> tuple[int, int]:
    """(window start, points used) of account 1000's current day counter."""
    window = _day_window()
    rows = await query(
        database_url,
        sa.select(t.accounts.c.day_window_start, t.accounts.c.day_points_used).where(t.accounts.c.id == ACCOUNT),
    )
    used = sum(row.day_points_used for row in rows if row.day_window_start == window)
    return window, used


async def baseline(database_url: str) -> Baseline:
    rows = await query(database_url, sa.select(t.accounts.c.basic_campaigns).where(t.accounts.c.id == ACCOUNT))
    window, used = await day_points(database_url)
    return Baseline(basic_campaigns=rows[0].basic_campaigns, day_window=window, day_used=used)


@dataclass(frozen=True)
class Shape:
    """A campaign's stored parts, in a form comparable with what its create sent."""

    blocks: tuple[tuple[int, int, int | None, bool], ...]
    conditions: tuple[tuple[str, str, str, str], ...]
    pool_size: int


def expected_shape(params: Params) -> Shape:
    blocks = tuple(
        sorted(
            (
                block["site_block_id"],
                block["phone_number_id"],
                block.get("redirection_phone_number_id"),
                bool(block.get("dynamic_call_tracking_enabled", False)),
            )
            for block in params.get("site_blocks", ())
        )
    )
    groups = params.get("campaign_conditions", {}).get("group_conditions", ())
    conditions = tuple(
        sorted(
            (c["type"], c["campaign_parameter"], c["operator"], c["value"])
            for group in groups
            for c in group["conditions"]
        )
    )
    dct = params.get("dynamic_call_tracking")
    per_block = dct["count_virtual_numbers"] if dct else 0
    pool_size = per_block * sum(1 for block in blocks if block[3])
    return Shape(blocks, conditions, pool_size)


@dataclass(frozen=True)
class Stored:
    """The new campaigns and their parts, as the database holds them after a run."""

    campaigns: dict[int, Any]  # id -> row
    shapes: dict[int, Shape]
    pool_holders: list[tuple[int, int]]  # (phone_number_id, campaign_id)
    block_numbers: list[tuple[int, int]]  # (phone_number_id, campaign_id) of every new campaign's block
    orphan_purchases: list[int]


async def stored(database_url: str) -> Stored:
    campaigns = {
        row.id: row
        for row in await query(
            database_url,
            sa.select(
                t.campaigns.c.id,
                t.campaigns.c.name,
                t.campaigns.c.account_id,
                t.campaigns.c.site_id,
                t.campaigns.c.type,
                t.campaigns.c.status,
            ).where(NEW),
        )
    }
    blocks: dict[int, list[tuple[int, int, int | None, bool]]] = defaultdict(list)
    block_numbers: list[tuple[int, int]] = []
    for row in await query(database_url, sa.select(t.campaign_site_blocks)):
        if row.campaign_id in campaigns:
            blocks[row.campaign_id].append(
                (
                    row.site_block_id,
                    row.phone_number_id,
                    row.redirection_phone_number_id,
                    bool(row.dynamic_call_tracking_enabled),
                )
            )
        block_numbers.append((row.phone_number_id, row.campaign_id))
    # A campaign's conditions are a JSON document in its row: groups of [type, parameter, operator, value].
    conditions: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
    for row in await query(
        database_url,
        sa.select(t.campaigns.c.id, t.campaigns.c.conditions).where(
            t.campaigns.c.id >= t.FIRST_GENERATED_ID, t.campaigns.c.conditions.is_not(None)
        ),
    ):
        for group in json.loads(row.conditions):
            conditions[row.id].extend(map(tuple, group))
    pool_holders = [
        (row.phone_number_id, row.campaign_id)
        for row in await query(database_url, sa.select(t.pool_numbers.c.phone_number_id, t.pool_numbers.c.campaign_id))
    ]
    pooled = Counter(campaign for _, campaign in pool_holders)
    in_a_pool = {number for number, _ in pool_holders}
    purchased = await query(
        database_url, sa.select(t.phone_numbers.c.id).where(t.phone_numbers.c.id >= t.FIRST_GENERATED_ID)
    )
    shapes = {
        campaign_id: Shape(
            tuple(sorted(blocks[campaign_id])), tuple(sorted(conditions[campaign_id])), pooled[campaign_id]
        )
        for campaign_id in campaigns
    }
    return Stored(
        campaigns=campaigns,
        shapes=shapes,
        pool_holders=pool_holders,
        block_numbers=block_numbers,
        orphan_purchases=sorted(row.id for row in purchased if row.id not in in_a_pool),
    )


async def assert_nothing_lost_or_half_written(
    database_url: str, outcomes: Sequence[Outcome], before: Baseline
) -> Stored:
    """Every create a client saw succeed is stored under its name; every stored campaign is whole
    (exactly the blocks, conditions and pool its create sent, the quota counter and the point charged)."""
    sent: dict[str, Params] = {}
    for outcome in outcomes:
        assert outcome.name not in sent, f"name {outcome.name!r} sent twice: the test's own mistake"
        sent[outcome.name] = outcome.params
    now = await stored(database_url)
    by_id = now.campaigns

    lost = [
        o.summary() for o in outcomes if o.ok and (o.campaign_id not in by_id or by_id[o.campaign_id].name != o.name)
    ]
    assert not lost, f"{len(lost)} creates the client saw succeed are not in the database: {lost[:5]}"

    names = Counter(row.name for row in by_id.values())
    assert all(count == 1 for count in names.values()), f"stored twice: {[n for n, c in names.items() if c > 1][:5]}"
    strangers = [row.name for row in by_id.values() if row.name not in sent]
    assert not strangers, f"campaigns no client sent: {strangers[:5]}"

    broken = []
    for campaign_id, row in by_id.items():
        expected = expected_shape(sent[row.name])
        if (row.account_id, row.site_id, row.type, row.status) != (ACCOUNT, 10, "basic", "active"):
            broken.append(f"{campaign_id} {row.name}: {tuple(row)}")
        elif now.shapes[campaign_id] != expected:
            broken.append(f"{campaign_id} {row.name}: stored {now.shapes[campaign_id]}, sent {expected}")
    assert not broken, f"{len(broken)} campaigns are half written: {broken[:5]}"
    assert not now.orphan_purchases, f"purchased numbers in no pool (a create's leftovers): {now.orphan_purchases[:10]}"

    after = await baseline(database_url)
    assert after.basic_campaigns - before.basic_campaigns == len(by_id), (
        f"accounts.basic_campaigns moved by {after.basic_campaigns - before.basic_campaigns}, "
        f"but {len(by_id)} campaigns were stored"
    )
    if after.day_window == before.day_window:  # else the run crossed midnight UTC and the day counter restarted
        assert after.day_used - before.day_used == len(by_id), (
            f"{after.day_used - before.day_used} points charged for {len(by_id)} stored campaigns"
        )
    return now
