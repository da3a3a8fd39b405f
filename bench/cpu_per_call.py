"""CPU per call, read from /proc: the service and the gateway, per small create and per get.sites.

    python bench/cpu_per_call.py [--seconds 5] [--database-url URL] [--quick]

Starts `campaigns serve-grpc` and `campaigns serve-gateway` as separate processes (SQLite in a temporary
folder unless --database-url names a PostgreSQL server's database to create one beside), and the ceiling
of this stack (bench/ceiling.py: a bare Starlette handler forwarding to a bare grpc.aio echo); then
`campaigns serve` on the same database (both halves in one process, the gateway calling the service in
process, the README's stack). wrk drives each call at concurrency 16; the CPU time (user + system) each
process and its children spent during the run, divided by the requests answered, is the CPU per call.
Targets (issue 13): service + gateway at most 1.2 ms per small create and 0.8 ms per get.sites. This
machine's speed drifts by half within an hour, so `serve`'s lines also give its CPU per call as a multiple
of the ceiling's, measured in the same run: that figure compares across runs and machines, the ms do not.

--quick runs each for one second: a smoke test that the benchmark still runs (CI), not a measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.request import urlopen

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    database,
    ensure_wrk,
    free_port,
    prepare_demo,
    process,
    skip_warm_ups,
    split_stack,
    together_stack,
    wait_for_port,
    warm_up,
    wrk,
)
from bench.gateway_throughput import BODY as CREATE

GET_SITES = orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": "get.sites", "params": {"access_token": "tok_cust"}})
CALLS = {"create.campaigns (small)": (CREATE, 1.2), "get.sites (two sites)": (GET_SITES, 0.8)}
_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its descendants (live ones; reaped children's via cutime)."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            # After the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15), 0-based from state.
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            times[int(entry.name)] = sum(int(value) for value in fields[11:15]) / _TICK
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        total += times.get(current, 0.0)
        stack.extend(children.get(current, []))
    return total


@dataclass(frozen=True)
class Measured:
    requests: int
    rps: float
    cpu_ms: dict[str, float]  # process name -> CPU ms per request

    @property
    def total(self) -> float:
        return sum(self.cpu_ms.values())


def measure(url: str, body: bytes, pids: dict[str, int], seconds: int, *, warm: bool = True) -> Measured:
    if warm:
        warm_up(url, body, connections=16)
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    result = wrk(url, body, connections=16, seconds=seconds)
    after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    answered = max(result.requests, 1)
    return Measured(
        result.requests,
        result.requests_per_second,
        {name: (after[name] - before[name]) * 1000 / answered for name in pids},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--database-url", help="a PostgreSQL server (postgresql://...); default: SQLite")
    parser.add_argument("--workers", type=int, default=1, help="--workers of both halves (CPU is summed over them)")
    parser.add_argument("--quick", action="store_true", help="one second per run: a smoke test, not a figure")
    args = parser.parse_args()
    skip_warm_ups(args.quick)
    seconds = 1 if args.quick else args.seconds
    ensure_wrk()
    with tempfile.TemporaryDirectory() as tmp, database("bench", tmp, args.database_url) as url:
        asyncio.run(prepare_demo(url))
        echo_port, ceiling_port = free_port(), free_port()
        with (
            split_stack(url, workers=args.workers) as real,
            process(sys.executable, "bench/ceiling.py", "echo", str(echo_port)) as echo,
            process(
                sys.executable, "bench/ceiling.py", "http", str(ceiling_port), f"127.0.0.1:{echo_port}"
            ) as forwarder,
        ):
            for port in (echo_port, ceiling_port):
                wait_for_port(port)
            for body in (CREATE, GET_SITES):  # what is measured must be a success, not an error answer
                answer = orjson.loads(urlopen(real.url, body, timeout=10).read())
                assert "result" in answer, answer
            ceiling = measure(
                f"http://127.0.0.1:{ceiling_port}/v2.0", CREATE, {"forwarder": forwarder.pid, "echo": echo.pid}, seconds
            )
            print(
                f"{'ceiling (bare forwarder + echo)':<28} {ceiling.rps:8.0f} req/s   CPU per call: "
                f"forwarder {ceiling.cpu_ms['forwarder']:.2f} ms + echo {ceiling.cpu_ms['echo']:.2f} ms"
                f" = {ceiling.total:.2f} ms",
                flush=True,
            )
            for name, (body, target) in CALLS.items():
                got = measure(real.url, body, {"service": real.service_pid, "gateway": real.gateway_pid}, seconds)
                verdict = "met" if got.total <= target else "not met"
                print(
                    f"{name:<28} {got.rps:8.0f} req/s   CPU per call: service {got.cpu_ms['service']:.2f} ms"
                    f" + gateway {got.cpu_ms['gateway']:.2f} ms = {got.total:.2f} ms"
                    f"   (target {target} ms: {verdict}; gateway / bare forwarder"
                    f" {got.cpu_ms['gateway'] / max(ceiling.cpu_ms['forwarder'], 1e-9):.2f})",
                    flush=True,
                )
        # The README's stack: both halves in one process, the gateway calling the service in process.
        with together_stack(url, workers=args.workers) as together:
            for name, (body, target) in CALLS.items():
                got = measure(together.url, body, {"serve": together.pid}, seconds)
                verdict = "met" if got.total <= target else "not met"
                print(
                    f"{name:<28} {got.rps:8.0f} req/s   CPU per call: campaigns serve (one process, both halves)"
                    f" {got.total:.2f} ms   (target {target} ms: {verdict}; {got.total / ceiling.total:.2f} times"
                    " the ceiling's)",
                    flush=True,
                )


if __name__ == "__main__":
    main()
