"""Where a 10,000-campaign page's time goes, against a 100-campaign page, in one process, and the least any
Python implementation of the same statement could spend on it.

    python bench/page_phases.py [--repeat 7] [--quick]

On an SQLite database with the demo data and 100,000 campaigns in Demo Shop (bench/get_campaigns.py's),
each page of the default listing is taken through the service and the gateway's phases, each timed alone
(best of --repeat), with the heap settled as a serving process settles it (contract/heap.py):

- the statement and its rows (campaign_views.page_rows: listing.run_query, on the storage's fast path),
  with the count;
- the service's answer (service/campaign_views.get_campaigns: the statement again, and the views);
- the gateway's rendering (gateway/replies.to_result) and the JSON (orjson);
- the floor: the statement's rows as plain dicts (each time formatted) and their JSON, with no
  protobuf message at all: what an implementation with no gRPC contract in between would still spend.

Issue 13 asks for a 10,000-item page within 10 times a 100-item one (p50 over HTTP:
bench/get_campaigns.py). The ratios printed here say how far each part of the page is from it; the
floor's ratio is a bound on what changing the code above the statement can reach.

--quick runs 2,000 campaigns and pages of 1,000 and 10, twice each: a smoke test (CI), not a measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.get_campaigns import populate
from contract import heap
from gateway.replies import to_result
from service import campaign_views
from service.listing import Query, format_time
from service.storage import Storage

ACCOUNT = 1000  # Demo Shop, where populate puts the campaigns


def query(limit: int) -> Query:
    return Query(limit=limit, offset=0, fields=campaign_views.CAMPAIGNS.default_fields, sort=[], filter=None)


def envelope(data: Any, metadata: Any) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "id": 1, "result": {"data": data, "metadata": metadata}})


async def best_ms(work: Callable[[], Awaitable[Any]], repeat: int) -> float:
    fastest = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        await work()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest * 1000


async def phases(storage: Storage, limit: int, repeat: int) -> dict[str, float]:
    wanted = query(limit)

    def rows_of(conn: Any) -> tuple[list[Any], int]:
        return campaign_views.page_rows(conn, ACCOUNT, wanted)

    rows, total = await storage.read(rows_of)
    answer = await storage.read(lambda conn: campaign_views.get_campaigns(conn, ACCOUNT, wanted))
    rendered = to_result(answer)
    assert len(rows) == len(rendered[0]) == limit, "the account must hold a full page"
    names = rows[0]._fields

    def as_dicts() -> list[dict[str, Any]]:
        out = []
        for row in rows:
            item = dict(zip(names, row, strict=True))
            item["creation_time"] = format_time(row.creation_time)
            out.append(item)
        return out

    dicts = as_dicts()

    async def statement_rows() -> Any:
        return await storage.read(rows_of)

    async def service_answer() -> Any:
        return await storage.read(lambda conn: campaign_views.get_campaigns(conn, ACCOUNT, wanted))

    async def rendering() -> Any:
        return to_result(answer)

    async def json_of_rendered() -> Any:
        return envelope(*rendered)

    async def floor() -> Any:
        found, count = await storage.read(rows_of)
        return envelope([dict(zip(names, row, strict=True)) for row in found], {"total_items": count})

    async def plain_dicts() -> Any:
        return as_dicts()

    async def json_of_dicts() -> Any:
        return envelope(dicts, {"total_items": total})

    return {
        "the statement and its rows (page_rows)": await best_ms(statement_rows, repeat),
        "the service's answer (get_campaigns, views)": await best_ms(service_answer, repeat),
        "the gateway's rendering (to_result)": await best_ms(rendering, repeat),
        "the JSON of the rendering (orjson)": await best_ms(json_of_rendered, repeat),
        "today: answer + rendering + JSON": 0.0,  # filled in below
        "rows as plain dicts": await best_ms(plain_dicts, repeat),
        "their JSON": await best_ms(json_of_dicts, repeat),
        "the floor: statement, dicts, JSON (no protobuf)": await best_ms(floor, repeat),
    }


async def measure(count: int, limits: tuple[int, int], repeat: int) -> dict[int, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/page.db"
        await populate(url, count)
        storage = await Storage.open(url)
        try:
            heap.settle()
            found = {}
            for limit in limits:
                times = await phases(storage, limit, repeat)
                times["today: answer + rendering + JSON"] = (
                    times["the service's answer (get_campaigns, views)"]
                    + times["the gateway's rendering (to_result)"]
                    + times["the JSON of the rendering (orjson)"]
                )
                found[limit] = times
            return found
        finally:
            await storage.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="a small account, 2 repeats: a smoke test (CI)")
    args = parser.parse_args()
    count, limits, repeat = (2_000, (10, 1_000), 2) if args.quick else (100_000, (100, 10_000), args.repeat)
    small, large = limits
    found = asyncio.run(measure(count, limits, repeat))
    print(f"{count:,} campaigns; best of {repeat}, ms{'':<10}{f'limit {small:,}':>14}{f'limit {large:,}':>16}   ratio")
    for name in found[small]:
        a, b = found[small][name], found[large][name]
        print(f"{name:<48} {a:10.2f} {b:15.2f} {b / a:9.1f}")
    today = "today: answer + rendering + JSON"
    floor = "the floor: statement, dicts, JSON (no protobuf)"
    statement = "the statement and its rows (page_rows)"
    print(
        f"==> limit {large:,} / limit {small:,} in process: today {found[large][today] / found[small][today]:.1f},"
        f" the floor without protobuf {found[large][floor] / found[small][floor]:.1f},"
        f" the statement alone {found[large][statement] / found[small][statement]:.1f} (target 10)"
    )


if __name__ == "__main__":
    main()
