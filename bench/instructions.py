"""Instructions per call, counted by valgrind's callgrind: `campaigns serve` against the ceiling.

    python bench/instructions.py [--calls 300] [--tree DIR] [--quick]

The other benchmarks time the stack on a shared 2-core machine whose speed drifts by half within an hour;
a change of a few per cent is lost in that noise. Callgrind counts the instructions a process runs
instead, which the same code, data and calls repeat to within a few tenths of a per cent whatever else
the machine does. What it does not count is the kernel's work (socket writes, wake-ups): a figure here
is the user-space part of a call's CPU, for comparing two trees or a stack with the ceiling, not a time.

Starts `campaigns serve --workers 1` (SQLite with the demo data, in a temporary folder) under callgrind
with instrumentation off, sends 50 calls to warm it, then counts the instructions of `--calls` calls of
each kind sent one after another on one keep-alive connection (a tenth as many maximal campaigns, 30
groups of 50 conditions, whose count is also printed in small creates: issue 13's ratio, without the
drift that moves the timed one in bench/create_paths.py). The ceiling (bench/ceiling.py: a bare
Starlette handler forwarding to a bare grpc.aio echo, two processes, both counted) takes the same
small create. Then get.campaigns: a page of 10,000 against a page of 100 on an account with 100,000
campaigns (issue 13's second ratio; bench/get_campaigns.py times it). `--tree DIR` measures another
checkout's code (an A/B: `git worktree add`); its databases are made by its own code, since its
migrations may be older.
Needs valgrind (Debian's package; installed when missing and run as root).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import ROOT, campaigns_cli, free_port, prepare_demo, process, wait_for_port
from bench.cpu_per_call import GET_SITES
from bench.create_paths import maximal
from bench.gateway_throughput import BODY as CREATE
from bench.get_campaigns import body as page_body
from bench.get_campaigns import populate

_WARM_UP_CALLS = 50
_CAMPAIGNS = 100_000  # get.campaigns' pages are counted on an account with this many (--quick: 400)
_QUICK_CAMPAIGNS = 400
_STARTUP_SECONDS = 180.0  # imports and migrations run about five times slower under valgrind


def _ensure_valgrind() -> None:
    """Install Debian's valgrind where it is missing and we may (as root), as the harness does wrk."""
    if shutil.which("callgrind_control") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "valgrind"], check=True, stdout=subprocess.DEVNULL)
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("this benchmark needs valgrind (Debian package valgrind)")


def _callgrind(out_dir: Path) -> tuple[str, ...]:
    return (
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",  # start at near full speed; counting starts with callgrind_control -i on
        f"--callgrind-out-file={out_dir}/callgrind.%p",
    )


def _control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], check=True, capture_output=True)


def _total(out_dir: Path, pid: int) -> int:
    """The instructions in the newest dump of process `pid`."""
    dumps = sorted(out_dir.glob(f"callgrind.{pid}*"), key=lambda path: path.stat().st_mtime)
    for line in dumps[-1].read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {dumps[-1]}")


class _Client:
    """One keep-alive connection, one call at a time; every answer must be a 200 and, from the real stack
    (`results`), a JSON-RPC result: what is counted is the call that succeeds, not an error answer."""

    def __init__(self, port: int, *, results: bool = True) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self._results = results

    def call(self, body: bytes) -> None:
        self._connection.request("POST", "/v2.0", body, {"Content-Type": "application/json"})
        answer = self._connection.getresponse()
        data = answer.read()
        if answer.status != 200 or (self._results and b'"result"' not in data):
            raise RuntimeError(f"not a result: {answer.status} {data[:300]!r}")


def count(
    pids: list[int], out_dir: Path, client: _Client, body: bytes, calls: int, warm_up: int = _WARM_UP_CALLS
) -> float:
    """Instructions per call of `calls` calls, summed over the processes `pids`."""
    for _ in range(warm_up):
        client.call(body)
    for pid in pids:
        _control("-i", "on", str(pid))
        _control("-z", str(pid))
    for _ in range(calls):
        client.call(body)
    total = 0
    for pid in pids:
        _control("-d", str(pid))
        _control("-i", "off", str(pid))
        total += _total(out_dir, pid)
    return total / calls


def _made_by(tree: Path, database: str, campaigns: int | None = None) -> None:
    """The demo database (`campaigns` more of Demo Shop's, when given), made by `tree`'s own code: another
    tree's migrations may be older than this one's."""
    if tree == ROOT:
        asyncio.run(prepare_demo(database) if campaigns is None else populate(database, campaigns))
        return
    call = f"prepare_demo({database!r})" if campaigns is None else f"populate({database!r}, {campaigns})"
    made = (
        "import asyncio; from bench._harness import prepare_demo; from bench.get_campaigns import populate; "
        f"asyncio.run({call})"
    )
    subprocess.run([sys.executable, "-c", made], cwd=tree, check=True)


@contextlib.contextmanager
def serve_counted(tree: Path, out_dir: Path, database: str) -> Iterator[tuple[int, int]]:
    """`campaigns serve` of `tree` on `database` under callgrind: (its pid, its HTTP port)."""
    grpc_port, http_port = free_port(), free_port()
    serve = campaigns_cli(
        "serve", "--database-url", database, "--grpc-port", str(grpc_port), "--http-port", str(http_port)
    )
    with process(*_callgrind(out_dir), *serve, "--workers", "1", cwd=tree) as proc:
        wait_for_port(http_port, timeout=_STARTUP_SECONDS)
        yield proc.pid, http_port


@contextlib.contextmanager
def ceiling_counted(out_dir: Path) -> Iterator[tuple[list[int], int]]:
    echo_port, http_port = free_port(), free_port()
    with (
        process(*_callgrind(out_dir), sys.executable, "bench/ceiling.py", "echo", str(echo_port)) as echo,
        process(
            *_callgrind(out_dir), sys.executable, "bench/ceiling.py", "http", str(http_port), f"127.0.0.1:{echo_port}"
        ) as forwarder,
    ):
        wait_for_port(echo_port, timeout=_STARTUP_SECONDS)
        wait_for_port(http_port, timeout=_STARTUP_SECONDS)
        yield [echo.pid, forwarder.pid], http_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose `campaigns serve` is counted")
    parser.add_argument("--quick", action="store_true", help="20 calls each: a smoke test (CI), not a figure")
    args = parser.parse_args()
    calls = 20 if args.quick else args.calls
    # Under valgrind a warm-up call costs tens of milliseconds; a smoke test needs only a few.
    warm_up = 3 if args.quick else _WARM_UP_CALLS
    _ensure_valgrind()
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp)
        with ceiling_counted(out_dir) as (pids, port):
            ceiling = count(pids, out_dir, _Client(port, results=False), CREATE, calls, warm_up)
        print(f"{'ceiling (bare forwarder + echo)':<32} {ceiling:12,.0f} instructions per call", flush=True)
        tree = args.tree.resolve()
        database = f"sqlite:///{out_dir}/bench.db"
        _made_by(tree, database)
        with serve_counted(tree, out_dir, database) as (pid, port):
            client = _Client(port)
            small = count([pid], out_dir, client, CREATE, calls, warm_up)
            sites = count([pid], out_dir, client, GET_SITES, calls, warm_up)
            for name, got in (("create.campaigns (small)", small), ("get.sites (two sites)", sites)):
                print(
                    f"{name:<32} {got:12,.0f} instructions per call, campaigns serve"
                    f"   ==> {got / ceiling:.2f} times the ceiling's",
                    flush=True,
                )
            got = count([pid], out_dir, client, maximal("="), max(2, calls // 10), warm_up)
            print(
                f"{'create.campaigns (maximal)':<32} {got:12,.0f} instructions per call, campaigns serve"
                f"   ==> {got / small:.1f} small creates (target 5)",
                flush=True,
            )
        # get.campaigns: a page of 10,000 against a page of 100, on an account with 100,000 campaigns.
        pages = f"sqlite:///{out_dir}/pages.db"
        _made_by(tree, pages, _QUICK_CAMPAIGNS if args.quick else _CAMPAIGNS)
        with serve_counted(tree, out_dir, pages) as (pid, port):
            client = _Client(port)
            hundred = count([pid], out_dir, client, page_body({"limit": 100}), calls, warm_up)
            big = count([pid], out_dir, client, page_body({"limit": 10_000}), max(2, calls // 20), min(warm_up, 3))
            print(
                f"{'get.campaigns, limit 100':<32} {hundred:12,.0f} instructions per call, campaigns serve",
                flush=True,
            )
            print(
                f"{'get.campaigns, limit 10,000':<32} {big:12,.0f} instructions per call, campaigns serve"
                f"   ==> {big / hundred:.1f} pages of 100 (target 10)",
                flush=True,
            )


if __name__ == "__main__":
    main()
