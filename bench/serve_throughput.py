"""Throughput of the README's stack against this stack's ceiling, in one run (issue 13's targets).

    python bench/serve_throughput.py [--seconds 5] [--rounds 3] [--workers N] [--pg URL] [--quick]

1. `campaigns serve --demo` (its default --workers: the number of CPUs) on SQLite, and beside it the
   ceiling (bench/ceiling.py: a bare Starlette handler forwarding to a bare grpc.aio echo, two
   processes). wrk at concurrency 16: create.campaigns (small; every call succeeds) and get.sites (two
   sites), each as a ratio to the ceiling measured just before it. Targets: 0.4 and 0.5.
2. `campaigns serve-grpc` + `campaigns serve-gateway` (default workers each) on PostgreSQL (a database
   created for the run) and on SQLite, the small create at c=16 in alternating rounds: the ratio of the
   median throughputs, PostgreSQL / SQLite. Target: 0.8. Skipped with --pg "".

--quick: one short round of each, a smoke test that the benchmark runs (CI), not a measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    ensure_wrk,
    free_port,
    postgres_database,
    prepare_demo,
    process,
    report,
    skip_warm_ups,
    split_stack,
    together_stack,
    wait_for_port,
    warm_up,
    wrk,
)
from bench.cpu_per_call import GET_SITES
from bench.gateway_throughput import BODY as CREATE


@contextlib.contextmanager
def ceiling() -> Iterator[str]:
    echo_port, http_port = free_port(), free_port()
    with (
        process(sys.executable, "bench/ceiling.py", "echo", str(echo_port)),
        process(sys.executable, "bench/ceiling.py", "http", str(http_port), f"127.0.0.1:{echo_port}"),
    ):
        wait_for_port(echo_port)
        wait_for_port(http_port)
        yield f"http://127.0.0.1:{http_port}/v2.0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, help="--workers of the stacks; default: theirs (the number of CPUs)")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres", help='"" to skip part 2')
    parser.add_argument("--quick", action="store_true", help="one short round: a smoke test, not a figure")
    args = parser.parse_args()
    skip_warm_ups(args.quick)
    seconds, rounds = (1, 1) if args.quick else (args.seconds, args.rounds)
    split_workers = args.workers or os.cpu_count() or 1
    ensure_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/serve.db"
        asyncio.run(prepare_demo(url))
        with ceiling() as bare, together_stack(url, workers=args.workers, demo=True) as serve:
            real = serve.url
            for name, body, target in (("create.campaigns", CREATE, 0.4), ("get.sites", GET_SITES, 0.5)):
                ratios = []
                for _ in range(rounds):
                    warm_up(bare, body, connections=16)
                    warm_up(real, body, connections=16)
                    top = wrk(bare, body, connections=16, seconds=seconds)
                    got = wrk(real, body, connections=16, seconds=seconds)
                    report(f"ceiling, {name} body, c=16", top)
                    report(f"campaigns serve --demo, {name}, c=16", got, top)
                    ratios.append(got.requests_per_second / top.requests_per_second)
                median = statistics.median(ratios)
                print(
                    f"==> {name}: median ratio to the ceiling {median:.2f} (target {target}: "
                    f"{'met' if median >= target else 'not met'})",
                    flush=True,
                )
    if not args.pg:
        return
    with tempfile.TemporaryDirectory() as tmp, postgres_database(args.pg) as pg_url:
        sqlite_url = f"sqlite:///{tmp}/split.db"
        asyncio.run(prepare_demo(sqlite_url))
        asyncio.run(prepare_demo(pg_url))
        with (
            split_stack(sqlite_url, workers=split_workers) as sqlite_stack,
            split_stack(pg_url, workers=split_workers) as pg_stack,
        ):
            on_sqlite, on_pg = sqlite_stack.url, pg_stack.url
            found: dict[str, list[float]] = {"SQLite": [], "PostgreSQL": []}
            for _ in range(rounds):
                for engine, endpoint in (("SQLite", on_sqlite), ("PostgreSQL", on_pg)):
                    warm_up(endpoint, CREATE, connections=16)
                    result = wrk(endpoint, CREATE, connections=16, seconds=seconds)
                    report(f"serve-grpc + serve-gateway, {engine}, create, c=16", result)
                    found[engine].append(result.requests_per_second)
            ratio = statistics.median(found["PostgreSQL"]) / statistics.median(found["SQLite"])
            print(
                f"==> PostgreSQL / SQLite, create at c=16: {ratio:.2f} (target 0.8: "
                f"{'met' if ratio >= 0.8 else 'not met'})",
                flush=True,
            )


if __name__ == "__main__":
    main()
