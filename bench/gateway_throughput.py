"""create.campaigns through the real gateway and service, against the ceiling of this stack.

    python bench/gateway_throughput.py [--seconds 10]

Starts, as separate processes: the service (`campaigns serve-grpc`, SQLite in a
temporary folder, demo data, Demo Shop's quota raised so every call succeeds)
and the gateway (`campaigns serve-gateway`); then a bare Starlette handler
forwarding the same body to a bare grpc.aio echo (bench/ceiling.py). wrk
drives each at concurrency 1 and 16. Prints throughput and latency, and the
ratio of the real stack to the ceiling measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

import orjson
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    ensure_wrk,
    free_port,
    prepare_demo,
    process,
    report,
    skip_warm_ups,
    split_stack,
    wait_for_port,
    warm_up,
    wrk,
)
from service.storage import Storage
from service.storage import schema as t

BODY = orjson.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "create.campaigns",
        "params": {
            "access_token": "tok_cust",
            "name": "Benchmark campaign",
            "description": "created by bench/gateway_throughput.py",
            "site_id": 10,
            "site_blocks": [{"site_block_id": 101, "phone_number_id": 302}],
            "campaign_conditions": {
                "group_conditions": [
                    {
                        "conditions": [
                            {"type": "include", "campaign_parameter": "utm_source", "operator": "=", "value": "x"}
                        ]
                    }
                ]
            },
        },
    }
)


async def count_campaigns(url: str) -> int:
    storage = await Storage.open(url, migrate=False)
    count = await storage.read(lambda conn: conn.scalar(sa.select(sa.func.count()).select_from(t.campaigns)))
    await storage.close()
    return int(count or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--quick", action="store_true", help="one second each: a smoke test (CI), not a figure")
    args = parser.parse_args()
    skip_warm_ups(args.quick)
    if args.quick:
        args.seconds = 1
    ensure_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        asyncio.run(prepare_demo(url))
        echo_port, ceiling_port = free_port(), free_port()
        results = {}
        with (
            split_stack(url) as real_stack,
            process(sys.executable, "bench/ceiling.py", "echo", str(echo_port)),
            process(sys.executable, "bench/ceiling.py", "http", str(ceiling_port), f"127.0.0.1:{echo_port}"),
        ):
            for port in (echo_port, ceiling_port):
                wait_for_port(port)
            before = asyncio.run(count_campaigns(url))
            for connections in (1, 16):
                # Warm both up, then measure them back to back.
                warm_up(f"http://127.0.0.1:{ceiling_port}/v2.0", BODY, connections=connections)
                warm_up(real_stack.url, BODY, connections=connections)
                ceiling = wrk(
                    f"http://127.0.0.1:{ceiling_port}/v2.0", BODY, connections=connections, seconds=args.seconds
                )
                real = wrk(real_stack.url, BODY, connections=connections, seconds=args.seconds)
                results[connections] = (ceiling, real)
                report(f"ceiling (Starlette -> grpc echo), c={connections}", ceiling)
                report(f"create.campaigns (gateway -> service), c={connections}", real, ceiling)
            created = asyncio.run(count_campaigns(url)) - before
        sent = sum(real.requests for _, real in results.values()) + 2  # and the two warm-up runs' worth below
        print(f"campaigns created during the runs: {created} (measured create requests: {sent - 2}, plus warm-ups)")


if __name__ == "__main__":
    main()
