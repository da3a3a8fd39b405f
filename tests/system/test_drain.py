"""SIGTERM drains: a create in flight when the service is told to stop still completes.

The create is held in flight by a lock the test holds on the database (the
account's row on PostgreSQL, where a create waits for it; SQLite's write lock,
taken with BEGIN IMMEDIATE on the file). SIGTERM arrives while it waits; the
service must stay up for it, answer it once the lock is released, and then
exit on its own within its grace period (10 s, service/config.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import campaign_service_pb2_grpc as spb_grpc

from tests.conftest import bearer
from tests.system.database import assert_nothing_lost_or_half_written, baseline
from tests.system.load import CALL_TIMEOUT, SLACK, call_create, va_create
from tests.system.processes import GatewayProcess, ServiceProcess, free_port, wait_until

GRACE = 10.0
TEST_TIMEOUT = 90.0


@contextlib.asynccontextmanager
async def write_lock(engine: str, database_url: str) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Hold what a create of account 1000 must wait for; yields the release (also run on exit)."""
    if engine == "sqlite":
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None, timeout=5)
        holder.execute("BEGIN IMMEDIATE")

        async def release() -> None:
            if holder.in_transaction:
                holder.execute("ROLLBACK")

        try:
            yield release
        finally:
            await release()
            holder.close()
        return
    conn = await asyncpg.connect(database_url, timeout=10)
    transaction = conn.transaction()
    await transaction.start()
    await conn.execute("SELECT id FROM accounts WHERE id = 1000 FOR UPDATE")
    released = False

    async def release_pg() -> None:
        nonlocal released
        if not released:
            released = True
            await transaction.rollback()

    try:
        yield release_pg
    finally:
        await release_pg()
        await conn.close()


async def test_sigterm_lets_the_create_in_flight_finish(engine: str, database_url: str, tmp_path: Path) -> None:
    before = await baseline(database_url)
    service = ServiceProcess(database_url, tmp_path / "service.log", metrics_port=free_port())
    gateway = GatewayProcess(service.target, tmp_path / "gateway.log")
    async with (
        asyncio.timeout(TEST_TIMEOUT),
        contextlib.AsyncExitStack() as cleanup,
        httpx.AsyncClient(timeout=CALL_TIMEOUT + 20) as client,
    ):
        cleanup.push_async_callback(service.stop)
        cleanup.push_async_callback(gateway.stop)
        await service.start_serving()
        await gateway.start_healthy()

        async with write_lock(engine, database_url) as release:
            held = asyncio.create_task(call_create(client, gateway.url, "Drained", va_create("Drained")))
            cleanup.push_async_callback(_cancel, held)

            async def in_flight() -> bool:
                return await service.in_flight() >= 1

            await wait_until(in_flight, within=3, interval=0.05, what="the create in flight at the service")
            await asyncio.sleep(0.2)
            assert not held.done(), f"the create was not held by the lock: {held.result().summary()}"

            service.send(signal.SIGTERM)
            terminated_at = time.monotonic()
            await asyncio.sleep(0.5)
            assert service.running, f"the service left its call in flight behind\n{service.describe()}"
            assert not held.done(), f"the held create was answered during the drain: {held.result().summary()}"
            # New work is refused at once while draining, and the gateway says so.
            refused = await call_create(client, gateway.url, "Refused", va_create("Refused"))
            assert refused.internal_error and refused.elapsed < 2.0, refused.summary()
            assert await gateway.healthz() == 503
            assert not held.done()
            await release()

        outcome = await asyncio.wait_for(held, CALL_TIMEOUT + SLACK)
        assert outcome.ok, f"the create in flight at SIGTERM did not complete: {outcome.summary()} {outcome.body}"
        code = await service.wait(GRACE + SLACK)
        exited_after = time.monotonic() - terminated_at
        assert code in (0, -signal.SIGTERM), f"exit code {code}\n{service.describe()}"
        assert exited_after <= GRACE + 1.0, f"the service took {exited_after:.1f}s to exit"
        gateway.assert_alive()

    stored = await assert_nothing_lost_or_half_written(database_url, [outcome, refused], before)
    assert [row.name for row in stored.campaigns.values()] == ["Drained"]


async def _cancel(task: asyncio.Task[object]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


class _Together(ServiceProcess):
    """`campaigns serve --workers 1`: the gateway and the service in one process (the README's command)."""

    def __init__(self, database_url: str, log: Path) -> None:
        super().__init__(database_url, log)
        self.argv = [
            *("serve", "--host", "127.0.0.1", "--grpc-port", str(self.port), "--http-port", str(free_port())),
            *("--database-url", database_url, "--workers", "1"),
        ]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
async def test_serve_lets_a_grpc_call_in_flight_finish_after_its_gateway_stopped(
    engine: str, database_url: str, tmp_path: Path
) -> None:
    # The gateway drains first and stops at once (nothing in flight there); the service must still drain
    # the call an internal caller made to it directly, and only then the process ends as SIGTERM ends it.
    together = _Together(database_url, tmp_path / "serve.log")
    async with asyncio.timeout(TEST_TIMEOUT), contextlib.AsyncExitStack() as cleanup:
        cleanup.push_async_callback(together.stop)
        await together.start_serving()
        channel = together.channel()
        cleanup.push_async_callback(channel.close)
        async with write_lock(engine, database_url) as release:
            held = asyncio.ensure_future(
                spb_grpc.CampaignServiceStub(channel).CreateCampaign(
                    spb.CreateCampaignRequest(name="Drained directly", site_id=10),
                    metadata=bearer("tok_cust"),
                    timeout=30,
                )
            )
            cleanup.push_async_callback(_cancel, held)
            await asyncio.sleep(0.5)
            assert not held.done(), "the create was not held by the lock"

            together.send(signal.SIGTERM)
            await asyncio.sleep(1.0)
            assert together.running, f"serve ended with a call in flight at its service\n{together.describe()}"
            await release()

        reply = await asyncio.wait_for(held, CALL_TIMEOUT + SLACK)
        assert reply.id > 1000
        code = await together.wait(GRACE + SLACK)
        assert code in (0, -signal.SIGTERM), f"exit code {code}\n{together.describe()}"
