"""create.campaigns with dynamic call tracking on an account whose pools hold many numbers, against none.

    python bench/pool_stock.py [--seconds 5] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                               [--stack split|serve]

A create whose block has dynamic call tracking takes the account's vacant pool
stock first and buys numbers for the rest; every number bought stays pool stock,
so an account's pool stock only grows. For each size this builds a database
(SQLite in a temporary folder, or a new PostgreSQL database beside the one named,
dropped afterwards) with the demo data plus that many numbers in pools of Demo
Shop's, none of them vacant, starts the real stack, and drives it with wrk at
concurrency 1 with a create that takes one pool number (bought: there is no
vacant stock). Vacant stock is found by a partial index (migration 0015), so the
ratio of the two p50s stays near 1; when every pool-stock number was looked up,
100,000 of them cost 24-33 ms a create.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import urllib.request
from pathlib import Path

import orjson
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    database,
    pg_admin,
    prepare_demo,
    real_stack,
    report,
    sized_arguments,
    warm_up,
    wrk,
)
from service.storage import Storage
from service.storage import schema as t

SIZES = (0, 100_000)
QUICK_SIZES = (0, 1_000)
# Above every id the demo or a bought number takes while the benchmark runs.
_FIRST_ID = 10_000_000
# The demo's vacant stock of Demo Shop (384 is for hosted PBX): put in the pool too, so that none is vacant.
_DEMO_STOCK = (381, 382, 383)

CREATE = orjson.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "create.campaigns",
        "params": {
            "access_token": "tok_cust",
            "name": "Pool",
            "site_id": 10,
            "site_blocks": [{"site_block_id": 101, "phone_number_id": 302, "dynamic_call_tracking_enabled": True}],
            "dynamic_call_tracking": {"count_virtual_numbers": 1, "count_visits": 10},
        },
    }
)


async def populate(url: str, pooled: int) -> None:
    """The demo, and `pooled` numbers of Demo Shop in the pool of its campaign 7's block 101, with the demo's
    own stock: an account whose pool stock is all taken."""
    await prepare_demo(url)
    storage = await Storage.open(url)

    def insert(conn: sa.Connection) -> None:
        numbers = [
            {
                "id": _FIRST_ID + n,
                "account_id": 1000,
                "phone_number": f"7899{n:07d}",
                "type": "call_tracking",
                "is_pool_stock": True,
                "is_hosted_pbx": False,
            }
            for n in range(pooled)
        ]
        pools = [
            {"phone_number_id": number_id, "campaign_id": 7, "site_block_id": 101}
            for number_id in (*_DEMO_STOCK, *(row["id"] for row in numbers))
        ]
        for start in range(0, len(numbers), 10_000):
            conn.execute(t.phone_numbers.insert(), numbers[start : start + 10_000])
        for start in range(0, len(pools), 10_000):
            conn.execute(t.pool_numbers.insert(), pools[start : start + 10_000])

    await storage.write(insert)
    await storage.close()
    if url.startswith("postgresql"):
        await pg_admin(url, "VACUUM ANALYZE")  # what autovacuum does within a minute of a bulk load


def _creates(target: str) -> None:
    """One create answered with a campaign, or the benchmark stops: wrk counts an error as fast as a create."""
    sent = urllib.request.Request(target, data=CREATE, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(sent, timeout=30) as answer:
        reply = orjson.loads(answer.read())
    if "result" not in reply:
        raise SystemExit(f"the create failed: {reply}")


def main() -> None:
    args = sized_arguments(__doc__, stack="serve", quick="1,000 numbers")
    sizes = QUICK_SIZES if args.quick else SIZES
    seconds = 1 if args.quick else args.seconds
    p50: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            with database(f"pools-{size}", tmp, args.database_url) as url:
                asyncio.run(populate(url, size))
                with real_stack(args.stack, url) as target:
                    _creates(target)
                    warm_up(target, CREATE, connections=1)
                    result = wrk(target, CREATE, connections=1, seconds=seconds)
                    report(f"{size:>7,} numbers in pools: create, 1 bought", result)
                    p50[size] = result.p50_ms
    small, large = sizes
    print(f"==> p50 with {large:,} numbers in pools / with {small:,}: {p50[large] / p50[small]:.2f} (stays near 1)")


if __name__ == "__main__":
    main()
