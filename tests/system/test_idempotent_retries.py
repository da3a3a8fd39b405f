"""Idempotent creates across service processes and crashes: real `serve-grpc` processes on one database.

The answer of a keyed create is lost (a proxy holds it back until the caller's deadline), the service
that committed it is killed, and the caller retries with the same key on another process: it gets the
id that was committed, and nothing is written or charged twice. Then callers race one key over two
processes. On SQLite the processes share the database file; on PostgreSQL this is the deployment with
several replicas.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import campaign_service_pb2_grpc as spb_grpc

from contract.idempotency import REPLAYED_METADATA_KEY
from service.storage import schema as t
from tests.conftest import bearer
from tests.holding_proxy import HoldingProxy
from tests.service.helpers import basic_campaigns, query
from tests.system.processes import ServiceProcess

TEST_TIMEOUT = 120.0
RACERS = 16


def keyed(key: str) -> tuple[tuple[str, str], ...]:
    return (*bearer("tok_cust"), ("idempotency-key", key))


async def ids_named(database_url: str, name: str) -> list[int]:
    rows = await query(database_url, sa.select(t.campaigns.c.id).where(t.campaigns.c.name == name))
    return [int(row.id) for row in rows]


async def create(channel: grpc.aio.Channel, name: str, key: str, deadline: float = 30) -> tuple[int, bool]:
    call = spb_grpc.CampaignServiceStub(channel).CreateCampaign(
        spb.CreateCampaignRequest(name=name, site_id=10), metadata=keyed(key), timeout=deadline
    )
    reply = await call
    trailers = tuple(await call.trailing_metadata())
    return reply.id, (REPLAYED_METADATA_KEY, "true") in trailers


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"], indirect=True)
async def test_a_lost_answer_is_found_again_after_a_crash_on_another_process(database_url: str, tmp_path: Path) -> None:
    first, second = (ServiceProcess(database_url, tmp_path / f"service{i}.log") for i in (1, 2))
    async with asyncio.timeout(TEST_TIMEOUT), contextlib.AsyncExitStack() as cleanup:
        for process in (first, second):
            cleanup.push_async_callback(process.stop)
        await asyncio.gather(first.start_serving(), second.start_serving())
        proxy = await HoldingProxy("127.0.0.1", first.port).start()
        cleanup.push_async_callback(proxy.close)
        via_proxy = grpc.aio.insecure_channel(proxy.target)
        direct = grpc.aio.insecure_channel(second.target)
        cleanup.push_async_callback(via_proxy.close)
        cleanup.push_async_callback(direct.close)

        # The connection through the proxy is up before the answers are held back.
        await create(via_proxy, "Warm-up", "warm-up")
        proxy.hold()
        with pytest.raises(grpc.aio.AioRpcError) as lost:
            await create(via_proxy, "Lost answer", "lost-answer", deadline=2)
        assert lost.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        committed = await ids_named(database_url, "Lost answer")
        assert len(committed) == 1, "the first call committed; only its answer was lost"
        quota_used = await basic_campaigns(database_url)

        # The process that committed it dies; the caller retries on the other one.
        first.send(signal.SIGKILL)
        await first.wait(within=10)
        retried_id, replayed = await create(direct, "Lost answer", "lost-answer")
        assert (retried_id, replayed) == (committed[0], True)
        assert await ids_named(database_url, "Lost answer") == committed
        assert await basic_campaigns(database_url) == quota_used

        # Callers racing one key over two processes: one campaign, one charge, one id for all.
        third = ServiceProcess(database_url, tmp_path / "service3.log")
        cleanup.push_async_callback(third.stop)
        await third.start_serving()
        other = grpc.aio.insecure_channel(third.target)
        cleanup.push_async_callback(other.close)
        answers = await asyncio.gather(
            *(create(direct if n % 2 else other, "Raced over processes", "raced") for n in range(RACERS))
        )
        assert len({campaign_id for campaign_id, _replayed in answers}) == 1
        assert sum(not replayed for _campaign_id, replayed in answers) == 1
        assert len(await ids_named(database_url, "Raced over processes")) == 1
        assert await basic_campaigns(database_url) == quota_used + 1
