"""`--workers N`: N processes on the same ports under a supervisor, on both engines.

Every worker serves, whichever one a connection lands on; what must hold across processes still does
(point limits, quotas, a number in one campaign, logout); a worker that dies is replaced while the
others go on serving; SIGTERM drains them all; metrics count every worker's calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.databases import DatabaseFactory
from tests.gateway.wire import JsonRpc
from tests.proc import accepted_inodes, listening, workers_of
from tests.service.support_admin import ADMIN
from tests.system.processes import (
    START_TIMEOUT,
    GatewayProcess,
    Process,
    ServiceProcess,
    free_port,
    wait_until,
)

WORKERS = 2


def connection_holders(port: int, pids: set[int]) -> set[int]:
    """Which of `pids` hold an established TCP connection on local port `port` (from /proc)."""
    inodes = accepted_inodes(port)
    holders = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd).removeprefix("socket:[").removesuffix("]") in inodes:
                        holders.add(pid)
    return holders


def gone(pids: set[int]) -> bool:
    return all(not os.path.exists(f"/proc/{pid}") for pid in pids)


class Served:
    def __init__(self, process: Process, http_port: int) -> None:
        self.port = http_port
        self.process = process
        self.url = f"http://127.0.0.1:{http_port}/v2.0"
        self.base = f"http://127.0.0.1:{http_port}"

    async def answers(self) -> bool:
        """Some worker answers /healthz on the port."""
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                return (await client.get(f"{self.base}/healthz")).status_code == 200
        except httpx.TransportError:
            return False

    async def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Each call on a connection of its own, so that calls spread over the workers."""
        return await JsonRpc(self.url).call(method, params)


@contextlib.asynccontextmanager
async def serve(database_url: str, tmp_path: Path, *extra: str) -> AsyncIterator[Served]:
    http_port, grpc_port = free_port(), free_port()
    argv = ["serve", "--demo", "--database-url", database_url, "--workers", str(WORKERS)]
    argv += ["--http-port", str(http_port), "--grpc-port", str(grpc_port), *extra]
    process = Process("serve --workers", argv, tmp_path / "serve.log")
    await process.start()
    served = Served(process, http_port)

    async def every_worker_up() -> bool:
        assert process.running, process.describe()
        return len(workers_of(process.pid)) >= WORKERS and await served.answers()

    try:
        await wait_until(every_worker_up, within=START_TIMEOUT, interval=0.1, what="the workers serving")
        yield served
    finally:
        await process.stop()


@pytest.fixture
async def database(database_factory: DatabaseFactory) -> str:
    return await database_factory.empty()


async def test_every_worker_serves_and_metrics_count_them_all(database: str, tmp_path: Path) -> None:
    async with serve(database, tmp_path) as served:
        workers = workers_of(served.process.pid)
        assert len(workers) == WORKERS
        answers = [await served.call("get.sites", {"access_token": "tok_cust"}) for _ in range(40)]
        assert all([site["id"] for site in answer["result"]["data"]] == [10, 20] for answer in answers)

        async with httpx.AsyncClient(timeout=10) as client:
            metrics = (await client.get(f"{served.base}/metrics")).text
        counted = [line for line in metrics.splitlines() if line.startswith("campaigns_gateway_requests_total{")]
        assert counted == ['campaigns_gateway_requests_total{method="get.sites",mnemonic="ok"} 40.0'], counted
        # Connections spread over the workers (SO_REUSEPORT): 16 kept open land on both.
        clients = [httpx.AsyncClient(timeout=10) for _ in range(16)]
        try:
            for client in clients:
                assert (await client.get(f"{served.base}/healthz")).status_code == 200
            holders = await asyncio.to_thread(connection_holders, served.port, workers)
        finally:
            await asyncio.gather(*(client.aclose() for client in clients))
        assert holders == workers, holders


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
async def test_one_gateway_worker_reaches_every_service_worker(database: str, tmp_path: Path) -> None:
    """A gateway worker keeps several connections to the service (--target-connections), and the kernel
    spreads them over the service's workers: none is left idle behind one gateway worker. 16 connections
    all on one of two workers would be a chance of 1 in 32,768."""
    service = ServiceProcess(database, tmp_path / "service.log", workers=WORKERS, demo=True)
    gateway = GatewayProcess(service.target, tmp_path / "gateway.log", extra=("--target-connections", "16"))
    async with contextlib.AsyncExitStack() as cleanup:
        for process in (service, gateway):
            cleanup.push_async_callback(process.stop)
        await service.start_serving()

        # A connection made before a worker listens never reaches it.
        async def every_worker_listens() -> bool:
            return listening(service.port) == WORKERS

        await wait_until(every_worker_listens, within=START_TIMEOUT, interval=0.1, what="every worker listening")
        await gateway.start_healthy()
        answers = [await JsonRpc(gateway.url).call("get.sites", {"access_token": "tok_cust"}) for _ in range(32)]
        assert all("result" in answer for answer in answers), answers
        workers = workers_of(service.pid)
        assert len(workers) == WORKERS
        holders = await asyncio.to_thread(connection_holders, service.port, workers)
    assert holders == workers, holders


async def test_what_must_hold_across_processes_holds(database: str, tmp_path: Path) -> None:
    async with serve(database, tmp_path) as served:
        # A quota of one campaign (tok_quota's account has it, and its one campaign): every create refused.
        refused = await asyncio.gather(
            *(
                served.call("create.campaigns", {"access_token": "tok_quota", "name": f"q{i}", "site_id": 16})
                for i in range(6)
            )
        )
        assert {answer["error"]["data"]["mnemonic"] for answer in refused} == {"tariff_restrictions"}
        # One call_tracking number, many creates at once: exactly one wins, whichever worker serves it.
        block = {"site_block_id": 101, "phone_number_id": 305, "redirection_phone_number_id": 401}
        raced = await asyncio.gather(
            *(
                served.call(
                    "create.campaigns",
                    {"access_token": "tok_cust", "name": f"race {i}", "site_id": 10, "site_blocks": [block]},
                )
                for i in range(8)
            )
        )
        assert sum("result" in answer for answer in raced) == 1, raced
        assert {a["error"]["data"]["mnemonic"] for a in raced if "error" in a} == {"already_in_use"}
        # Logout takes effect on the next call, in whichever worker.
        login = await served.call("login.user", {"login": "demo", "password": "secret"})
        token = login["result"]["data"]["access_token"]
        assert "result" in await served.call("get.sites", {"access_token": token})
        await served.call("logout.user", {"access_token": token})
        after = [await served.call("get.sites", {"access_token": token}) for _ in range(6)]
        assert {answer["error"]["data"]["mnemonic"] for answer in after} == {"access_token_invalid"}
        # The gateway reaches its own worker's service over a Unix socket: the client's address still
        # counts (the service believes a local peer's x-forwarded-for), so a whitelist still refuses.
        denied = await served.call("get.sites", {"access_token": "tok_ipdeny"})
        assert denied["error"]["data"]["mnemonic"] == "ip_not_whitelisted"
        assert denied["error"]["data"]["params"] == {"ip": "127.0.0.1"}
        # The day's points are one budget: tok_ratelimited's account has 1,000 a day and 0 a minute.
        limited = [await served.call("get.sites", {"access_token": "tok_ratelimited"}) for _ in range(4)]
        assert {answer["error"]["data"]["mnemonic"] for answer in limited} == {"limit_exceeded"}


async def test_a_worker_that_dies_is_replaced_while_the_others_serve(database: str, tmp_path: Path) -> None:
    async with serve(database, tmp_path) as served:
        first = workers_of(served.process.pid)
        victim = min(first)
        os.kill(victim, signal.SIGKILL)

        async def replaced() -> bool:
            now = workers_of(served.process.pid)
            if victim in now or len(now) != WORKERS:
                return False
            # A worker listens some time after it starts: on a loaded machine the victim may have been
            # the only one listening yet, and its replacement not listening so soon.
            return await served.answers()

        await wait_until(replaced, within=START_TIMEOUT, interval=0.1, what="a new worker")
        answers = [await served.call("get.sites", {"access_token": "tok_cust"}) for _ in range(20)]
        assert all("result" in answer for answer in answers)
        assert served.process.running
        assert "exited with code -9" in served.process.log.read_text()


async def test_sigterm_drains_every_worker_and_exits_0(database: str, tmp_path: Path) -> None:
    async with serve(database, tmp_path) as served:
        workers = workers_of(served.process.pid)
        served.process.send(signal.SIGTERM)
        assert await served.process.wait(within=30) == 0
        assert gone(workers)


async def test_a_killed_supervisor_takes_its_workers_with_it(database: str, tmp_path: Path) -> None:
    async with serve(database, tmp_path, "--admin-token", ADMIN) as served:
        workers = workers_of(served.process.pid)
        await served.process.kill()

        async def all_gone() -> bool:
            return gone(workers)

        await wait_until(all_gone, within=START_TIMEOUT, interval=0.1, what="the workers gone")
