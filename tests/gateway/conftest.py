"""Fixtures of the gateway tests: gateways without a service behind them (for what the gateway must answer
on its own), the get tests' client, the hostile-input tests' wire and the demo gateway the fault tables
share. Helpers live in wire.py (the one JSON-RPC client, `JsonRpc`), gets.py and support_*.py, not here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from service.storage import Storage
from tests.conftest import Gateway, Teardowns, start_gateway, start_service, stop_gateway, stop_gateway_later
from tests.databases import DatabaseFactory
from tests.gateway.gets import Api
from tests.gateway.support_hostile import BOUND, Wire
from tests.gateway.wire import free_port

SMALL_BODY_LIMIT = 1024


@dataclass(frozen=True)
class LoneGateway:
    """A real uvicorn gateway whose gRPC target has no listener."""

    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v2.0"


@pytest.fixture
async def lone_gateway(teardowns: Teardowns, request: pytest.FixtureRequest) -> AsyncIterator[LoneGateway]:
    server, task, port = await start_gateway(f"127.0.0.1:{free_port()}", call_timeout=1.0)
    try:
        yield LoneGateway(port)
    finally:
        stop_gateway_later(server, task, teardowns, request)


@pytest.fixture
async def small_gateway(teardowns: Teardowns, request: pytest.FixtureRequest) -> AsyncIterator[LoneGateway]:
    """body_limit=1024; nothing behind it, so only the HTTP and envelope layers answer."""
    server, task, port = await start_gateway(f"127.0.0.1:{free_port()}", body_limit=SMALL_BODY_LIMIT, call_timeout=1.0)
    try:
        yield LoneGateway(port)
    finally:
        stop_gateway_later(server, task, teardowns, request)


@pytest.fixture
async def api(gateway: Gateway) -> AsyncIterator[Api]:
    """The get tests' client: the gateway over one kept-alive HTTP client."""
    async with httpx.AsyncClient(timeout=30) as client:
        yield Api(gateway.url, client)


@pytest.fixture
async def wire_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=BOUND + 5) as http:
        yield http


@pytest.fixture
async def wire(gateway: Gateway, wire_client: httpx.AsyncClient) -> AsyncIterator[Wire]:
    """The hostile-input tests' gateway, client and database reader."""
    database_url = gateway.service.database_url
    storage = await Storage.open(database_url, migrate=False, pool_size=1)
    try:
        yield Wire(
            gateway.url, wire_client, storage, "postgresql" if database_url.startswith("postgresql") else "sqlite"
        )
    finally:
        await storage.close()


@pytest.fixture(scope="module")
async def shared(database_factory: DatabaseFactory) -> AsyncIterator[str]:
    """The URL of one demo gateway per engine and test module, for the tables of requests that must fail (and
    so change nothing)."""
    database_url = await database_factory.fresh()
    running = await start_service(database_url)
    server, task, port = await start_gateway(f"127.0.0.1:{running.port}")
    try:
        yield f"http://127.0.0.1:{port}/v2.0"
    finally:
        await stop_gateway(server, task)
        await running.stop(grace=1)
