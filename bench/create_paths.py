"""create.campaigns: PostgreSQL against SQLite, a maximal campaign, and the error path against success.

    python bench/create_paths.py [--seconds 5] [--rounds 5] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
                                 [--stack split|serve]

Each stack is the real service (`campaigns serve-grpc`) and gateway
(`campaigns serve-gateway`) as separate processes, or with --stack serve both
in one process as `campaigns serve` runs them, driven by wrk, all in this run
on this machine:

1. the same small create at concurrency 16 on SQLite and on PostgreSQL
   (a database created for the run and dropped after), in alternating rounds
   with both stacks up, so that a shared machine's drift hits both alike:
   ratio of the median throughputs, PG / SQLite;
2. a maximal campaign (30 groups of 50 conditions, a block with dynamic call
   tracking) at concurrency 1: p50 and p99;
3. a create that fails validation (an operator the parameter does not allow,
   in the last condition of 30 x 50) against the same create that succeeds,
   concurrency 1: error p50 / success p50. The refused one is read, filled and
   walked in full and stores nothing, so its p50 in small creates is also printed:
   the part of the maximal campaign's cost that storage does not touch.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    STACKS,
    ensure_wrk,
    postgres_database,
    prepare_demo,
    real_stack,
    report,
    skip_warm_ups,
    warm_up,
    wrk,
)


def envelope(params: dict[str, Any]) -> bytes:
    return orjson.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": "create.campaigns", "params": {"access_token": "tok_cust", **params}}
    )


SMALL = envelope({"name": "Small", "site_id": 10, "site_blocks": [{"site_block_id": 101, "phone_number_id": 302}]})


def maximal(last_operator: str) -> bytes:
    condition = {"type": "include", "campaign_parameter": "utm_source", "operator": "=", "value": "v" * 100}
    groups = [{"conditions": [dict(condition) for _ in range(50)]} for _ in range(30)]
    groups[-1]["conditions"][-1] = {**condition, "campaign_parameter": "channel", "operator": last_operator}
    if last_operator == "=":
        groups[-1]["conditions"][-1]["value"] = "paid"
    return envelope(
        {
            "name": "Maximal",
            "site_id": 10,
            "site_blocks": [{"site_block_id": 101, "phone_number_id": 302, "dynamic_call_tracking_enabled": True}],
            "dynamic_call_tracking": {"count_virtual_numbers": 1, "count_visits": 10},
            "campaign_conditions": {"group_conditions": groups},
        }
    )


@contextlib.contextmanager
def stack(url: str, kind: str) -> Iterator[str]:
    asyncio.run(prepare_demo(url))
    with real_stack(kind, url) as endpoint:
        yield endpoint


def measure(url: str, body: bytes, connections: int, seconds: int) -> Any:
    warm_up(url, body, connections=connections)
    return wrk(url, body, connections=connections, seconds=seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--stack", choices=STACKS, default="split", help="split: serve-grpc + serve-gateway; serve")
    parser.add_argument("--quick", action="store_true", help="one short round: a smoke test (CI), not a figure")
    args = parser.parse_args()
    skip_warm_ups(args.quick)
    if args.quick:
        args.seconds, args.rounds = 1, 1
    ensure_wrk()
    with (
        tempfile.TemporaryDirectory() as tmp,
        stack(f"sqlite:///{tmp}/bench.db", args.stack) as sqlite_url,
        postgres_database(args.pg) as pg_database,
        stack(pg_database, args.stack) as pg_url,
    ):
        sqlite_small, pg_small = [], []
        for round_number in range(1, args.rounds + 1):
            sqlite_small.append(measure(sqlite_url, SMALL, 16, args.seconds))
            report(f"small create, SQLite, c=16, round {round_number}", sqlite_small[-1])
            pg_small.append(measure(pg_url, SMALL, 16, args.seconds))
            report(f"small create, PostgreSQL, c=16, round {round_number}", pg_small[-1])
        big_ok = measure(sqlite_url, maximal("="), 1, args.seconds)
        report("maximal campaign (30x50, dct), SQLite, c=1", big_ok)
        big_error = measure(sqlite_url, maximal("sub"), 1, args.seconds)
        report("same, failing on its last condition, c=1", big_error)
        small_error = measure(sqlite_url, envelope({"name": "No site"}), 1, args.seconds)
        small_ok = measure(sqlite_url, SMALL, 1, args.seconds)
        report("small create, c=1", small_ok)
        report("small create missing site_id, c=1", small_error)
    print()
    by_round = zip(sqlite_small, pg_small, strict=True)
    rounds = ", ".join(f"{pg.requests_per_second / lite.requests_per_second:.2f}" for lite, pg in by_round)
    ratio = statistics.median(r.requests_per_second for r in pg_small) / statistics.median(
        r.requests_per_second for r in sqlite_small
    )
    print(f"PostgreSQL / SQLite throughput, small create, c=16: {ratio:.2f} (medians; by round: {rounds})")
    print(f"maximal campaign: p50 {big_ok.p50_ms:.1f} ms, p99 {big_ok.p99_ms:.1f} ms")
    small_creates = big_ok.p50_ms / small_ok.p50_ms
    print(
        f"==> maximal / small create, p50 at c=1: {small_creates:.1f} small creates"
        f" (target 5: {'met' if small_creates <= 5 else 'not met'})"
    )
    # The refused maximal campaign is read, filled and walked in full and stores nothing: what no change to
    # storage alone can take off. While it is above 5 small creates, neither is the maximal campaign.
    print(
        f"    of which reading, filling and walking it (the same campaign refused by its last condition,"
        f" nothing stored): {big_error.p50_ms / small_ok.p50_ms:.1f} small creates"
    )
    print(f"error p50 / success p50, maximal: {big_error.p50_ms / big_ok.p50_ms:.2f}")
    print(f"error p50 / success p50, small: {small_error.p50_ms / small_ok.p50_ms:.2f}")


if __name__ == "__main__":
    main()
