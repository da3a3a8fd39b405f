"""Faults under load: the service process killed, the database stopped.

A few clients keep creating campaigns (unique names, one va block and one
condition each) through a real gateway process in front of a real service
process. While the fault lasts every call must still be answered promptly with
internal_error (HTTP 200); when it is over the system must recover by itself;
and afterwards every create a client saw succeed must be in the database,
whole, and no campaign may be half written.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

from tests.system.conftest import Cluster
from tests.system.database import allow_many_campaigns, assert_nothing_lost_or_half_written, baseline
from tests.system.load import CALL_TIMEOUT, SLACK, Load, Outcome, assert_answered_within_deadline, between
from tests.system.processes import GatewayProcess, ServiceProcess, run_cli

CLIENTS = 4
# The gateway reconnects with a backoff of at most 1 s; allow for a slow machine.
RECOVERY = 15.0
TEST_TIMEOUT = 150.0


def assert_down_answers(outcomes: list[Outcome], down_from: float, down_until: float, fault: str) -> None:
    during = between(outcomes, down_from, down_until)
    assert during, f"no call was answered while {fault}: the test saw nothing of the fault"
    wrong = [o.summary() for o in during if not o.internal_error]
    assert not wrong, f"while {fault}, calls answered other than internal_error: {wrong[:5]}"
    slow = [o.summary() for o in during if o.elapsed > CALL_TIMEOUT + SLACK]
    assert not slow, f"while {fault}, calls waited past the gateway's {CALL_TIMEOUT}s deadline: {slow[:5]}"


async def test_service_killed_under_load_then_restarted(database_url: str, tmp_path: Path) -> None:
    await allow_many_campaigns(database_url)
    before = await baseline(database_url)
    service = ServiceProcess(database_url, tmp_path / "service.log")
    gateway = GatewayProcess(service.target, tmp_path / "gateway.log")
    load = Load([gateway.url], tasks_per_url=CLIENTS, prefix="Killed")
    async with asyncio.timeout(TEST_TIMEOUT), contextlib.AsyncExitStack() as cleanup:
        cleanup.push_async_callback(service.stop)
        cleanup.push_async_callback(gateway.stop)
        cleanup.push_async_callback(load.stop)
        await service.start_serving()
        await gateway.start_healthy()

        load.start()
        await load.wait_successes(3 * CLIENTS, within=20)
        await asyncio.sleep(1.0)

        killed_at = time.monotonic()
        await service.kill()
        await asyncio.sleep(1.5)
        assert await gateway.healthz() == 503, "/healthz should report the service unreachable"
        restarted_at = time.monotonic()

        await service.start_serving()
        serving_at = time.monotonic()
        await load.wait_successes(CLIENTS, after=serving_at, within=RECOVERY)
        assert await gateway.healthz() == 200
        await asyncio.sleep(1.0)
        outcomes = await load.stop()
        gateway.assert_alive()
        service.assert_alive()

    assert service.starts == 2 and gateway.starts == 1
    assert_answered_within_deadline(outcomes)
    assert_down_answers(outcomes, killed_at, restarted_at, "the service was killed")
    assert any(o.ok and o.ended < killed_at for o in outcomes)
    await assert_nothing_lost_or_half_written(database_url, outcomes, before)


async def test_postgres_stopped_and_started_under_the_service(throwaway_cluster: Cluster, tmp_path: Path) -> None:
    async with asyncio.timeout(TEST_TIMEOUT), contextlib.AsyncExitStack() as cleanup:
        database_url = await throwaway_cluster.create_database("campaigns")
        await run_cli("load-demo", "--database-url", database_url, log=tmp_path / "load-demo.log")
        await allow_many_campaigns(database_url)
        before = await baseline(database_url)

        service = ServiceProcess(database_url, tmp_path / "service.log")
        gateway = GatewayProcess(service.target, tmp_path / "gateway.log")
        load = Load([gateway.url], tasks_per_url=CLIENTS, prefix="Outage")
        cleanup.push_async_callback(service.stop)
        cleanup.push_async_callback(gateway.stop)
        cleanup.push_async_callback(load.stop)
        await service.start_serving()
        await gateway.start_healthy()
        pid = service.pid

        load.start()
        await load.wait_successes(3 * CLIENTS, within=20)
        await asyncio.sleep(1.0)

        stopping_at = time.monotonic()
        await throwaway_cluster.stop()
        stopped_at = time.monotonic()
        await asyncio.sleep(2.0)
        starting_at = time.monotonic()
        await throwaway_cluster.start()
        started_at = time.monotonic()

        # No restart of the service: its pool must notice the new server by itself (pre-ping).
        await load.wait_successes(CLIENTS, after=started_at, within=RECOVERY)
        await asyncio.sleep(1.0)
        outcomes = await load.stop()
        service.assert_alive()
        gateway.assert_alive()
        assert service.pid == pid and service.starts == 1

        assert_answered_within_deadline(outcomes)
        assert_down_answers(outcomes, stopped_at, starting_at, "PostgreSQL was down")
        assert any(o.ok and o.ended < stopping_at for o in outcomes)
        await assert_nothing_lost_or_half_written(database_url, outcomes, before)
