"""Fixtures: a real grpc.aio CampaignService on a loopback port, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import uvicorn
from campaigns.v1 import campaign_service_pb2_grpc as spb_grpc

from gateway.run import uvicorn_config
from gateway.settings import GatewaySettings
from service import server as service_server
from service.config import ServiceSettings
from service.in_process import InProcess
from tests.databases import DatabaseFactory, postgres_reachable
from tests.gateway.wire import JsonRpc
from tests.tls_certificates import Certificates

ENGINES = ["sqlite", "postgresql"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if postgres_reachable():
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError("CI=true but no PostgreSQL server answers on 127.0.0.1:5432")
    skip = pytest.mark.skip(reason="no PostgreSQL server on 127.0.0.1:5432 (mandatory when CI=true)")
    for item in items:
        if "postgresql" in item.keywords or "[postgresql" in item.nodeid:
            item.add_marker(skip)


class Teardowns:
    """Teardowns that only wait, left to finish while the next tests run.

    A uvicorn server takes about 0.19 s to stop: its main loop looks at should_exit every 0.1 s, and its
    shutdown then sleeps 0.1 s for the connections to see it. Over the thousand-odd tests that start a gateway,
    that was minutes of CI spent idle. A failed or hung teardown is still a failure: it is kept with the test
    it came from and reported when the session ends.
    """

    _BOUND_SECONDS = 60

    def __init__(self) -> None:
        self._pending: set[asyncio.Future[Any]] = set()
        self._failures: list[str] = []

    def later(self, teardown: Awaitable[Any], test: str) -> None:
        pending = asyncio.ensure_future(teardown)
        self._pending.add(pending)
        pending.add_done_callback(lambda done: self._settled(done, test))

    def _settled(self, done: asyncio.Future[Any], test: str) -> None:
        self._pending.discard(done)
        if done.cancelled():
            self._failures.append(f"{test}: its teardown was cancelled")
        elif (error := done.exception()) is not None:
            self._failures.append(f"{test}: {error!r}")

    async def finish(self) -> None:
        if self._pending:
            _, hung = await asyncio.wait(set(self._pending), timeout=self._BOUND_SECONDS)
            if hung:
                self._failures.append(f"{len(hung)} teardowns still running after {self._BOUND_SECONDS} s")
        if self._failures:
            pytest.fail("teardowns left to finish later failed:\n" + "\n".join(self._failures))


@pytest.fixture(scope="session")
async def teardowns() -> AsyncIterator[Teardowns]:
    later = Teardowns()
    yield later
    await later.finish()


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("databases")


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """Two CAs, servers (one expired) and clients: PEM files made once per session."""
    return Certificates.make(tmp_path_factory.mktemp("certificates"))


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="session")
async def database_factory(engine: str, workdir: Path) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(engine, workdir)
    yield factory
    await factory.drop_all()


@pytest.fixture
async def database_url(database_factory: DatabaseFactory) -> str:
    """A fresh database with the demo data, of the engine under test."""
    return await database_factory.fresh()


@dataclass
class Service:
    """A running service, its address and a stub with the demo tokens at hand."""

    running: service_server.RunningService
    target: str
    channel: grpc.aio.Channel
    stub: spb_grpc.CampaignServiceAsyncStub
    database_url: str


async def start_service(database_url: str, **settings: object) -> service_server.RunningService:
    return await service_server.start(
        ServiceSettings(host="127.0.0.1", grpc_port=0, database_url=database_url, **settings)  # type: ignore[arg-type]
    )


@pytest.fixture
async def service(database_url: str) -> AsyncIterator[Service]:
    running = await start_service(database_url)
    target = f"127.0.0.1:{running.port}"
    channel = grpc.aio.insecure_channel(target)
    try:
        yield Service(running, target, channel, spb_grpc.CampaignServiceStub(channel), database_url)
    finally:
        await channel.close()
        await running.stop(grace=1)


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


@dataclass
class Gateway:
    """A real uvicorn serving the gateway in front of a real service."""

    url: str  # http://127.0.0.1:PORT/v2.0
    service: Service
    server: uvicorn.Server

    async def call(self, method: str, params: dict[str, object], request_id: object = 1) -> dict[str, Any]:
        """`JsonRpc(self.url).call`: the gateway tests' one JSON-RPC client."""
        return await JsonRpc(self.url).call(method, params, request_id)


async def start_gateway(
    target: str, in_process: InProcess | None = None, **settings: Any
) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    """in_process: the service to call in this process, as `campaigns serve` does, rather than over gRPC."""
    config = uvicorn_config(
        host="127.0.0.1",
        port=0,
        target=target,
        settings=GatewaySettings(target=target, **settings),
        in_process=in_process,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port: int = server.servers[0].sockets[0].getsockname()[1]
    return server, task, port


async def stop_gateway(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    server.should_exit = True
    await task


def stop_gateway_later(
    server: uvicorn.Server, task: asyncio.Task[None], teardowns: Teardowns, request: pytest.FixtureRequest
) -> None:
    """Stop a gateway no test looks at any more while the next tests run (see Teardowns)."""
    server.should_exit = True
    teardowns.later(task, request.node.nodeid)


# How the gateway reaches the service, by engine: each engine's suite runs on the hop of the deployment
# it is for. SQLite is `campaigns serve`'s default, one process whose gateway calls its service in
# process; PostgreSQL is for replicas, `serve-gateway` calling `serve-grpc` over gRPC. Both hops answer
# alike (tests/gateway/test_in_process.py compares them call for call).
IN_PROCESS_ENGINES = frozenset({"sqlite"})


@pytest.fixture
async def gateway(
    service: Service, engine: str, teardowns: Teardowns, request: pytest.FixtureRequest
) -> AsyncIterator[Gateway]:
    in_process = service.running.in_process if engine in IN_PROCESS_ENGINES else None
    server, task, port = await start_gateway(service.target, in_process)
    try:
        yield Gateway(f"http://127.0.0.1:{port}/v2.0", service, server)
    finally:
        stop_gateway_later(server, task, teardowns, request)
