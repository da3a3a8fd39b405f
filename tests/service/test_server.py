"""The server around CampaignService (docs/contract.md section 8): reflection, health, graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import grpc
import sqlalchemy as sa
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from service.server import RunningService
from service.storage import schema as t
from tests.conftest import Service, start_service
from tests.proc import client_ports
from tests.service.helpers import create, create_call, expect_error, outcome, query, request

SERVICE = "campaigns.v1.CampaignService"
HEALTH = "grpc.health.v1.Health"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


# --------------------------------------------------------------------------- reflection


async def reflect(channel: grpc.aio.Channel, **fields: str) -> reflection_pb2.ServerReflectionResponse:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    call = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(**fields)]), timeout=10)
    responses = [response async for response in call]
    assert len(responses) == 1
    response: reflection_pb2.ServerReflectionResponse = responses[0]
    return response


async def test_reflection_lists_the_services(service: Service) -> None:
    response = await reflect(service.channel, list_services="")

    names = {s.name for s in response.list_services_response.service}
    assert {SERVICE, HEALTH} <= names


async def test_reflection_describes_create_campaign(service: Service) -> None:
    response = await reflect(service.channel, file_containing_symbol=SERVICE)

    files = [
        descriptor_pb2.FileDescriptorProto.FromString(raw)
        for raw in response.file_descriptor_response.file_descriptor_proto
    ]
    owner = next(f for f in files if any(s.name == "CampaignService" for s in f.service))
    assert owner.package == "campaigns.v1"
    (campaign_service,) = [s for s in owner.service if s.name == "CampaignService"]
    methods = {m.name: (m.input_type, m.output_type) for m in campaign_service.method}
    assert methods["CreateCampaign"] == (".campaigns.v1.CreateCampaignRequest", ".campaigns.v1.CreateCampaignResponse")


async def test_reflection_descriptor_database(service: Service) -> None:
    """What a generic client (grpcurl and the like) does: a descriptor pool fed by reflection."""

    def discover() -> tuple[list[str], list[str]]:
        with grpc.insecure_channel(service.target) as channel:
            database = ProtoReflectionDescriptorDatabase(channel)
            services = list(database.get_services())
            pool = DescriptorPool(database)
            descriptor = pool.FindServiceByName(SERVICE)
            return services, [m.name for m in descriptor.methods]

    services, methods = await asyncio.to_thread(discover)

    assert SERVICE in services
    assert "CreateCampaign" in methods


# --------------------------------------------------------------------------- health


async def health_check(channel: grpc.aio.Channel, name: str) -> int:
    reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
    status: int = reply.status
    return status


async def test_health_serving(service: Service) -> None:
    assert await health_check(service.channel, "") == SERVING
    assert await health_check(service.channel, SERVICE) == SERVING


async def test_every_service_is_reflected_and_serving(service: Service) -> None:
    response = await reflect(service.channel, list_services="")

    names = {s.name for s in response.list_services_response.service}
    for name in ("CampaignService", "SiteService", "UserService", "AccountService", "NumberService"):
        assert f"campaigns.v1.{name}" in names, names
        assert await health_check(service.channel, f"campaigns.v1.{name}") == SERVING, name


async def test_health_of_an_unknown_service(service: Service) -> None:
    error = await expect_error(health_check(service.channel, "campaigns.v1.NoSuchService"))

    assert error.code == grpc.StatusCode.NOT_FOUND


# --------------------------------------------------------------------------- graceful stop


@contextlib.asynccontextmanager
async def write_lock_held(database_url: str) -> AsyncIterator[None]:
    """Hold what a create of account 1000 must wait for: SQLite's write lock, or the
    account row a PostgreSQL create locks first."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield
            connection.execute("ROLLBACK")
        finally:
            connection.close()
    else:
        pg = await asyncpg.connect(database_url)
        try:
            async with pg.transaction():
                await pg.execute("SELECT id FROM accounts WHERE id = 1000 FOR UPDATE")
                yield
        finally:
            await pg.close()


async def wait_until_blocked(running: RunningService, database_url: str, call: asyncio.Future[Any]) -> None:
    """Until the create waits on the lock: PostgreSQL shows the waiting backend; on SQLite the
    service has checked a connection out of its pool for the write and sits in BEGIN IMMEDIATE."""
    for _ in range(400):
        if await is_waiting(running, database_url):
            break
        assert not call.done(), "the create did not wait for the lock"
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the create never reached the database")
    await asyncio.sleep(0.2)
    assert not call.done(), "the create did not wait for the lock"


async def is_waiting(running: RunningService, database_url: str) -> bool:
    if database_url.startswith("sqlite"):
        return running.storage.connections_in_use() > 0
    admin = await asyncpg.connect(database_url)
    try:
        waiting: int = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
            database_url.rsplit("/", 1)[1],
        )
    finally:
        await admin.close()
    return waiting > 0


async def test_graceful_stop_lets_an_in_flight_call_finish(database_url: str) -> None:
    running = await start_service(database_url)
    target = f"127.0.0.1:{running.port}"
    channel = grpc.aio.insecure_channel(target)
    stop: asyncio.Task[None] | None = None
    try:
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""))
        assert (await watch.read()).status == SERVING

        async with write_lock_held(database_url):
            in_flight = asyncio.ensure_future(outcome(create_call(channel, request(name="In flight"))))
            await wait_until_blocked(running, database_url, in_flight)

            stop = asyncio.create_task(running.stop(grace=30))
            # Health turns NOT_SERVING for those watching...
            assert (await asyncio.wait_for(watch.read(), 10)).status == NOT_SERVING
            watch.cancel()
            # ...and the server takes no new call, while the old one is still waiting.
            late = await expect_error(create_call(channel, request(name="Too late")))
            assert late.code == grpc.StatusCode.UNAVAILABLE
            assert not in_flight.done()
        # The lock is released: the in-flight call completes, and only then does stop return.
        campaign_id = await asyncio.wait_for(in_flight, 20)
        assert isinstance(campaign_id, int), campaign_id
        await asyncio.wait_for(stop, 20)
    finally:
        await channel.close()
        if stop is None:
            await running.stop(grace=1)
        elif not stop.done():
            await stop

    rows = await query(database_url, sa.select(t.campaigns.c.id, t.campaigns.c.name).where(t.campaigns.c.id > 1000))
    assert [(row.id, row.name) for row in rows] == [(campaign_id, "In flight")]


async def test_after_stop_nothing_is_served(database_url: str) -> None:
    running = await start_service(database_url)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        assert await health_check(channel, "") == SERVING
        await create(channel, request(name="Before stop"))

        await running.stop(grace=1)

        health = await expect_error(health_check(channel, ""))
        assert health.code == grpc.StatusCode.UNAVAILABLE
        late = await expect_error(create_call(channel, request(name="After stop")))
        assert late.code == grpc.StatusCode.UNAVAILABLE
    finally:
        await channel.close()


async def test_a_client_is_moved_to_a_new_connection_in_time(database_url: str) -> None:
    """--max-connection-age: with --workers, a new connection may go to another worker. The client's calls
    all succeed meanwhile."""
    running = await start_service(database_url, max_connection_age=1.0)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        assert await health_check(channel, "") == SERVING
        first = client_ports(running.port)
        assert len(first) == 1
        renewed = False
        for _ in range(160):
            assert await health_check(channel, "") == SERVING
            if client_ports(running.port) - first:
                renewed = True
                break
            await asyncio.sleep(0.05)
        assert renewed, "the connection was not renewed within 8 s"
    finally:
        await channel.close()
        await running.stop(grace=1)


# --------------------------------------------------------------------------- abandoned calls


async def test_a_create_its_client_gave_up_on_changes_nothing(service: Service) -> None:
    """A caller's deadline passes while the create waits for a lock: the service lets go of the
    database at once, and the create does not go through later when the lock is released."""
    before = await query(service.database_url, sa.select(sa.func.count()).select_from(t.campaigns))
    async with write_lock_held(service.database_url):
        call = asyncio.ensure_future(
            service.stub.CreateCampaign(
                request(name="Given up"), metadata=(("authorization", "Bearer tok_cust"),), timeout=1.5
            )
        )
        await wait_until_blocked(service.running, service.database_url, call)
        failure = await expect_error(call)
        assert failure.code == grpc.StatusCode.DEADLINE_EXCEEDED
        for _ in range(100):
            if service.running.storage.connections_in_use() == 0:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the abandoned create still holds a database connection")
    # Time for a create still pending somewhere to commit, if one were.
    await asyncio.sleep(0.5)
    named = await query(service.database_url, sa.select(t.campaigns.c.id).where(t.campaigns.c.name == "Given up"))
    assert named == []
    assert await query(service.database_url, sa.select(sa.func.count()).select_from(t.campaigns)) == before
    # The service serves the next call as usual.
    assert isinstance(await create(service, request(name="Next")), int)
