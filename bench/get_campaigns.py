"""get.campaigns on an account with 100,000 campaigns, against the same account with 1,000.

    python bench/get_campaigns.py [--seconds 5] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                                  [--stack split|serve]

For each size it builds a database (SQLite in a temporary folder, or a new
PostgreSQL database beside the one named, dropped afterwards) with the demo data
plus that many basic campaigns in Demo Shop, starts the real service and
gateway (as two processes, or with --stack serve as `campaigns serve` does),
and drives them with wrk at concurrency 1: the first page of the default
listing, a page sorted by name descending from the middle of the list, a
filtered one, and a page of 10,000. Filtering, sorting and paging run in SQL,
so the ratio of the 100,000 figures to the 1,000 ones stays small.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    database,
    pg_admin,
    real_stack,
    report,
    sized_arguments,
    warm_up,
    wrk,
)
from service.demo import load_demo
from service.storage import Storage
from service.storage import schema as t

SIZES = (1_000, 100_000)
REQUESTS: dict[str, dict[str, Any]] = {
    "first page (default fields, limit 100)": {"limit": 100},
    # The middle of the list at either size (offset 500 or 50,000): a page, not an empty answer.
    "sorted by name desc, offset size/2": {"sort": [{"field": "name", "order": "desc"}], "limit": 100},
    "filter name like + status, sorted": {
        "filter": {
            "filters": [
                {"field": "name", "operator": "like", "value": "Campaign 0042%"},
                {"field": "status", "operator": "=", "value": "active"},
            ],
            "condition": "and",
        },
        "sort": [{"field": "creation_time", "order": "asc"}],
        "limit": 100,
    },
    # Issue 13: the largest page costs at most 10 times a 100-item one (p50, at 100,000 campaigns).
    "first page, limit 10000": {"limit": 10_000},
}
QUICK_SIZES = (200, 400)


def body(params: Any) -> bytes:
    return orjson.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": "get.campaigns", "params": {"access_token": "tok_cust", **params}}
    )


async def populate(url: str, count: int) -> None:
    storage = await Storage.open(url)
    await load_demo(storage)

    def insert(conn: sa.Connection) -> None:
        rows = [
            {
                "account_id": 1000,
                "name": f"Campaign {n:06d}",
                "status": "active" if n % 3 else "inactive",
                "type": "basic",
                "site_id": 10 if n % 2 else 20,
                "created_at": 1_700_000_000 + n,
            }
            for n in range(count)
        ]
        for start in range(0, len(rows), 10_000):
            conn.execute(t.campaigns.insert(), rows[start : start + 10_000])

    await storage.write(insert)
    await storage.close()
    if url.startswith("postgresql"):
        # What autovacuum does within a minute of a bulk load: statistics and the visibility
        # map (index-only counts). Measuring before it has run would measure a cold planner.
        await pg_admin(url, "VACUUM ANALYZE")


def main() -> None:
    args = sized_arguments(__doc__, stack="split", quick="small accounts")
    sizes = QUICK_SIZES if args.quick else SIZES
    seconds = 1 if args.quick else args.seconds
    results: dict[tuple[int, str], object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            with database(f"bench-{size}", tmp, args.database_url) as url:
                asyncio.run(populate(url, size))
                with real_stack(args.stack, url) as target:
                    for name, fixed in REQUESTS.items():
                        params = {**fixed, "offset": size // 2} if "offset" in name else fixed
                        warm_up(target, body(params), connections=1)
                        result = wrk(target, body(params), connections=1, seconds=seconds)
                        results[(size, name)] = result
                        report(f"{size:>7,} campaigns: {name}", result)
    print()
    for name in REQUESTS:
        small, large = results[(sizes[0], name)], results[(sizes[1], name)]
        print(f"{name:<44} p50 at {sizes[1]:,} / p50 at {sizes[0]:,} = {large.p50_ms / small.p50_ms:.2f}")  # type: ignore[attr-defined]
    page, big_page = (
        results[(sizes[1], "first page (default fields, limit 100)")],
        results[(sizes[1], "first page, limit 10000")],
    )
    ratio = big_page.p50_ms / page.p50_ms  # type: ignore[attr-defined]
    print(
        f"==> limit 10000 / limit 100, p50 at {sizes[1]:,} campaigns: {ratio:.1f}"
        f" (target 10: {'met' if ratio <= 10 else 'not met'})"
    )


if __name__ == "__main__":
    main()
