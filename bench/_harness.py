"""Shared pieces of the benchmarks: processes, ports, wrk runs, and the ceiling stack."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from tests.proc import listening

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 30.0, *, listeners: int = 1) -> None:
    """Until `port` accepts connections, and `listeners` sockets listen on it (the workers of a server
    started with --workers: a connection made before a worker listens never goes to that worker)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            if listeners <= 1 or listening(port) >= listeners:
                return
        time.sleep(0.05)
    raise TimeoutError(f"fewer than {listeners} listen on {port}")


@contextlib.contextmanager
def process(
    *args: str, env: Mapping[str, str | None] | None = None, cwd: Path = ROOT
) -> Iterator[subprocess.Popen[bytes]]:
    """env: added to this process's environment (a value of None removes the variable)."""
    proc = subprocess.Popen(args, cwd=cwd, env=environment(env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def environment(env: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """This process's environment with `env`'s variables set, or removed where their value is None."""
    merged = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def campaigns_cli(*args: str) -> tuple[str, ...]:
    return (sys.executable, "-m", "cli.main", "--log-level", "WARNING", *args)


@dataclass(frozen=True)
class SplitStack:
    """The real stack as separate processes: `campaigns serve-grpc` and `campaigns serve-gateway`."""

    url: str  # the gateway's JSON-RPC endpoint
    service_pid: int
    gateway_pid: int


@contextlib.contextmanager
def split_stack(
    database_url: str,
    *,
    workers: int = 1,
    gateway_workers: int | None = None,
    gateway_flags: tuple[str, ...] = (),
    env: Mapping[str, str | None] | None = None,
    cwd: Path = ROOT,
) -> Iterator[SplitStack]:
    """Both halves on free ports, serving once this yields; one process each unless `workers` says more
    (`gateway_workers`: the gateway's, when it differs; `gateway_flags`: more of the gateway's flags).
    env: added to their environment; cwd: the tree whose code they run (another checkout: bench/tracing_cost.py)."""
    grpc_port, http_port = free_port(), free_port()
    each = ("--workers", str(workers))
    gateway_each = ("--workers", str(gateway_workers or workers), *gateway_flags)
    with (
        process(
            *campaigns_cli("serve-grpc", "--grpc-port", str(grpc_port), "--database-url", database_url, *each),
            env=env,
            cwd=cwd,
        ) as service,
        process(
            *campaigns_cli(
                "serve-gateway", "--http-port", str(http_port), "--target", f"127.0.0.1:{grpc_port}", *gateway_each
            ),
            env=env,
            cwd=cwd,
        ) as gateway,
    ):
        wait_for_port(grpc_port, listeners=workers)
        wait_for_port(http_port, listeners=gateway_workers or workers)
        yield SplitStack(f"http://127.0.0.1:{http_port}/v2.0", service.pid, gateway.pid)


@dataclass(frozen=True)
class TogetherStack:
    """The README's stack: `campaigns serve`, both halves in one process, the gateway calling the service in
    process (service/in_process.py)."""

    url: str
    pid: int


@contextlib.contextmanager
def together_stack(database_url: str, *, workers: int | None = 1, demo: bool = False) -> Iterator[TogetherStack]:
    """`campaigns serve` on free ports, serving once this yields: `workers` processes (None: serve's own
    default, one per CPU), with --demo when `demo`."""
    grpc_port, http_port = free_port(), free_port()
    ports = ("--grpc-port", str(grpc_port), "--http-port", str(http_port))
    demo_flag = ("--demo",) if demo else ()
    workers_flag = ("--workers", str(workers)) if workers is not None else ()
    with process(*campaigns_cli("serve", *demo_flag, "--database-url", database_url, *ports, *workers_flag)) as serve:
        wait_for_port(http_port, listeners=workers or os.cpu_count() or 1)
        yield TogetherStack(f"http://127.0.0.1:{http_port}/v2.0", serve.pid)


# What a benchmark's --stack may name: `split` (serve-grpc + serve-gateway, two processes, the gRPC hop
# between them) or `serve` (the README's stack, one process, the gateway calling the service in process).
STACKS = ("split", "serve")


@contextlib.contextmanager
def real_stack(kind: str, database_url: str) -> Iterator[str]:
    """The JSON-RPC endpoint of the stack `kind` names (STACKS), one process each, on `database_url`."""
    if kind == "serve":
        with together_stack(database_url) as together:
            yield together.url
    else:
        with split_stack(database_url) as split:
            yield split.url


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("the benchmarks need wrk (Debian package wrk)")
    return found


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(text)
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, body: bytes, *, connections: int, seconds: int) -> WrkResult:
    """POST `body` to `url` for `seconds` over `connections` connections (one wrk thread)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        escaped = body.decode().replace("\\", "\\\\").replace('"', '\\"')
        script.write(f'wrk.method = "POST"\nwrk.body = "{escaped}"\n')
    try:
        out = subprocess.run(
            [ensure_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx_match = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return WrkResult(rps, p50, p99, total, int(non_2xx_match.group(1)) if non_2xx_match else 0)


# Whether warm_up runs: a --quick run checks that a benchmark runs, not its figures, so it skips them.
_warming = {"on": True}


def skip_warm_ups(skip: bool) -> None:
    """--quick: warm_up does nothing from here on (its second of load steadies a figure nobody reads)."""
    _warming["on"] = not skip


def warm_up(url: str, body: bytes, *, connections: int) -> None:
    """A second of the load about to be measured, not measured: connections open, caches and JITs warm."""
    if _warming["on"]:
        wrk(url, body, connections=connections, seconds=1)


def report(name: str, result: WrkResult, ceiling: WrkResult | None = None) -> None:
    line = (
        f"{name:<44} {result.requests_per_second:9.0f} req/s   p50 {result.p50_ms:7.2f} ms   "
        f"p99 {result.p99_ms:7.2f} ms"
    )
    if ceiling is not None:
        line += (
            f"   throughput ratio {result.requests_per_second / ceiling.requests_per_second:.2f}"
            f"   p50 ratio {ceiling.p50_ms / result.p50_ms:.2f}"
        )
    print(line, flush=True)


async def prepare_demo(url: str, *, quota: int = 10**9) -> None:
    """The demo data, with Demo Shop's campaign quota raised so that every benchmark create succeeds."""
    from service.demo import load_demo
    from service.storage import Storage
    from service.storage import schema as t

    storage = await Storage.open(url)
    await load_demo(storage)
    await storage.write(
        lambda conn: conn.execute(t.accounts.update().where(t.accounts.c.id == 1000).values(campaign_quota=quota))
    )
    await storage.close()


async def pg_admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def sized_arguments(description: str | None, *, stack: str, quick: str) -> argparse.Namespace:
    """The arguments of a benchmark that measures two sizes of one database (get_campaigns, pool_stock):
    --seconds, --database-url, --stack (default `stack`), --quick (`quick` says what it shrinks). Warm-ups
    are skipped with --quick, and wrk is made sure of."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--database-url", help="a PostgreSQL server to create the databases on (default: SQLite)")
    parser.add_argument("--stack", choices=STACKS, default=stack, help="split: serve-grpc + serve-gateway; serve")
    parser.add_argument("--quick", action="store_true", help=f"{quick}, one second each: a smoke test (CI)")
    args = parser.parse_args()
    skip_warm_ups(args.quick)
    ensure_wrk()
    return args


@contextlib.contextmanager
def database(name: str, folder: str, postgres_admin_url: str | None) -> Iterator[str]:
    """A new database for one measurement: SQLite `name`.db in `folder`, or, given a PostgreSQL server's
    URL, a new database there (postgres_database), dropped afterwards."""
    if postgres_admin_url is None:
        yield f"sqlite:///{folder}/{name}.db"
        return
    with postgres_database(postgres_admin_url) as url:
        yield url


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A new database on the server of `admin_url` for the benchmark, dropped afterwards."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(pg_admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
