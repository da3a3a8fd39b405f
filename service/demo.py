"""The demo data set of docs/demo-data.md: every account shows one behaviour of the contract.

The accounts, users, tokens, sites and numbers are a directory file
(demo_directory.yaml), applied through the admin API's path (service/admin.py):
what exists is updated to the file, what is missing is created, nothing else is
touched. The campaigns that exist at start are not part of a directory (the
service owns campaigns); they are inserted here when missing, never overwritten.
Loading twice, after campaigns were created, or from several processes at once
is harmless: appliers and loaders take turns.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from campaigns.admin.v1 import directory_pb2 as dpb

from contract.directory_files import read_directory
from service.admin import apply_directory
from service.storage import Storage, take_turns
from service.storage import schema as t

DEMO_DIRECTORY: Final = Path(__file__).with_name("demo_directory.yaml")
# Names the lock campaign loaders take turns on (any constant other than the migrations' will do).
_LOAD_LOCK: Final = 0x64656D6F
# Timestamps of the demo campaigns: 2026-01-15 10:00:00 UTC.
_CREATED: Final = t.DEMO_DAY


def demo_directory() -> dpb.Directory:
    return read_directory(DEMO_DIRECTORY.read_text(encoding="utf-8"), filename=DEMO_DIRECTORY.name)


def _campaign(id: int, account: int, type: str, name: str, status: str, site: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": id,
        "account_id": account,
        "name": name,
        "description": None,
        "status": status,
        "type": type,
        "site_id": site,
        "engine": kw.get("engine"),
        "created_at": _CREATED,
    }


# The system campaign of each account (-1 in the API) comes with the account.
CAMPAIGNS: Final = [
    _campaign(7, 1000, "basic", "Existing call tracking", "active", 10),
    _campaign(8, 1000, "integrated", "Yandex.Direct", "active", 10, engine="yandex.direct"),
    _campaign(9, 1000, "basic", "Paused", "inactive", 20),
    _campaign(60, 1006, "basic", "Only campaign", "active", 16),
    _campaign(70, 1008, "basic", "Lab campaign", "active", 21),
]

CAMPAIGN_SITE_BLOCKS: Final = [
    {
        "campaign_id": 7,
        "site_block_id": 102,
        "position": 0,
        "phone_number_id": 304,
        "redirection_phone_number_id": 402,
        "dynamic_call_tracking_enabled": False,
        "exclusive_phone_number_id": 304,
    },
    {
        "campaign_id": 70,
        "site_block_id": 211,
        "position": 0,
        "phone_number_id": 392,
        "redirection_phone_number_id": 431,
        "dynamic_call_tracking_enabled": False,
        "exclusive_phone_number_id": 392,
    },
]

# Campaign 70 spent 3100.00 on site 21 in January 2026, 100.00 a day (METHODS.md §20).
CAMPAIGN_COSTS: Final = [
    {"campaign_id": 70, "site_id": 21, "day_from": 20_454, "day_till": 20_484, "cents": 310_000},
]

# In foreign-key order.
DEMO_CAMPAIGN_ROWS: Final[Sequence[tuple[sa.Table, list[dict[str, Any]]]]] = (
    (t.campaigns, CAMPAIGNS),
    (t.campaign_site_blocks, CAMPAIGN_SITE_BLOCKS),
    (t.campaign_costs, CAMPAIGN_COSTS),
)


async def load_demo(storage: Storage) -> int:
    """Apply the demo directory and insert the missing demo campaigns; returns how many entries were created."""
    # What it creates (the system campaigns) dates from the demo's day, as the demo's campaigns do.
    changes = await apply_directory(storage, demo_directory(), now=_CREATED)
    inserted = await storage.write(insert_demo_campaigns)
    return len(changes.created) + inserted


def insert_demo_campaigns(conn: sa.Connection) -> int:
    # Without turns, two loaders on PostgreSQL both find a row missing and both insert it:
    # the second fails on the primary key.
    take_turns(conn, _LOAD_LOCK)
    inserted = sum(_insert_missing(conn, table, rows) for table, rows in DEMO_CAMPAIGN_ROWS)
    # The demo's campaigns were written directly: bring the quota counters in line.
    accounts = sorted({campaign["account_id"] for campaign in CAMPAIGNS})
    conn.execute(
        t.accounts.update()
        .where(t.accounts.c.id.in_(accounts))
        .values(
            basic_campaigns=sa.select(sa.func.count())
            .select_from(t.campaigns)
            .where(t.campaigns.c.account_id == t.accounts.c.id, t.campaigns.c.type == "basic")
            .scalar_subquery()
        )
    )
    return inserted


def _insert_missing(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    key = list(table.primary_key.columns)
    existing = {tuple(row) for row in conn.execute(sa.select(*key))}
    missing = [row for row in rows if tuple(row[c.name] for c in key) not in existing]
    if missing:
        conn.execute(table.insert(), missing)
    return len(missing)
