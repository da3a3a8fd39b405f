"""Fixtures: a real grpc.aio CampaignService on a loopback port, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from campaigns.v1 import campaign_service_pb2_grpc as spb_grpc

from service import server as service_server
from service.config import ServiceSettings
from tests.databases import DatabaseFactory, postgres_reachable

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


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("databases")


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
    stub: spb_grpc.CampaignServiceStub
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
