"""How evenly the service's workers share the calls of one gateway worker: its connections to the service.

    python bench/worker_spread.py [--seconds 5] [--rounds 3] [--workers N] [--quick]

A service started with --workers N is N processes on one port (SO_REUSEPORT): the kernel gives each new
connection to one of them, and every call on a connection goes to the worker that took it. This starts
`campaigns serve-grpc --workers N` (default: the number of CPUs) on SQLite with the demo data and one
`campaigns serve-gateway` process in front of it, first with --target-connections 1 (a gateway with one
connection, as before issue 13's eighth part) and then with the default, drives small creates at c=16
with wrk, and reads each service worker's CPU from /proc. It prints the busiest worker's CPU as a multiple
of an even share: 1.0 when the workers share the calls evenly, N when one worker takes them all. Each round
starts both stacks afresh, so that the kernel places new connections.

--quick: one short round, a smoke test that the benchmark runs (CI), not a measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import ensure_wrk, prepare_demo, report, skip_warm_ups, split_stack, warm_up, wrk
from bench.cpu_per_call import cpu_seconds
from bench.gateway_throughput import BODY as CREATE
from gateway.settings import GatewaySettings
from tests.proc import workers_of

DEFAULT_CONNECTIONS = GatewaySettings().target_connections


def busiest_share(url: str, workers: list[int], seconds: int) -> tuple[float, list[float]]:
    """The busiest worker's CPU over an even share during a wrk run, and each worker's CPU ms per call."""
    warm_up(url, CREATE, connections=16)
    before = [cpu_seconds(pid) for pid in workers]
    result = wrk(url, CREATE, connections=16, seconds=seconds)
    spent = [cpu_seconds(pid) - start for pid, start in zip(workers, before, strict=True)]
    report(f"  {len(workers)} service workers, create, c=16", result)
    answered = max(result.requests, 1)
    total = sum(spent) or 1e-9
    return max(spent) / (total / len(workers)), [value * 1000 / answered for value in spent]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="the service's --workers")
    parser.add_argument("--quick", action="store_true", help="one short round: a smoke test, not a figure")
    args = parser.parse_args()
    skip_warm_ups(args.quick)
    seconds, rounds = (1, 1) if args.quick else (args.seconds, args.rounds)
    ensure_wrk()
    found: dict[int, list[float]] = {1: [], DEFAULT_CONNECTIONS: []}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/spread.db"
        asyncio.run(prepare_demo(url))
        for _ in range(rounds):
            for connections in found:
                flags = ("--target-connections", str(connections))
                with split_stack(url, workers=args.workers, gateway_workers=1, gateway_flags=flags) as stack:
                    workers = sorted(workers_of(stack.service_pid))
                    share, per_call = busiest_share(stack.url, workers, seconds)
                print(
                    f"--target-connections {connections}: service workers' CPU per call "
                    f"{' / '.join(f'{ms:.2f}' for ms in per_call)} ms; busiest / even share {share:.2f}",
                    flush=True,
                )
                found[connections].append(share)
    one, default = (statistics.median(found[connections]) for connections in found)
    print(
        f"==> busiest service worker / even share, one gateway worker, {args.workers} service workers: "
        f"{one:.2f} with one connection, {default:.2f} with {DEFAULT_CONNECTIONS} (even: 1.00)",
        flush=True,
    )


if __name__ == "__main__":
    main()
