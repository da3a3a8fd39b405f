"""Concurrency and atomicity of CreateCampaign (docs/contract.md section 6, last two bullets).

A call_tracking number goes to one campaign however many creates race for it, in
one process or in two processes on one PostgreSQL database; the plan quota holds
under the same race; and a create that fails at its last write leaves no row behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from grpc_health.v1 import health_pb2, health_pb2_grpc

from service.storage import schema as t
from tests.conftest import Service
from tests.service.helpers import (
    INTERNAL_MESSAGE,
    Failure,
    assert_failure,
    block,
    condition,
    conditions,
    count,
    create,
    create_call,
    create_error,
    dct,
    execute,
    gather_outcomes,
    query,
    request,
    snapshot,
    stored_conditions,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
RACERS = 32
# Account 1000 starts with two basic campaigns (7 and 9) and an integrated one (8).
BASIC_OF_1000 = (t.campaigns.c.account_id == 1000, t.campaigns.c.type == "basic")


def racing_requests(number: int = 305, redirection: int = 401) -> list[spb.CreateCampaignRequest]:
    return [
        request(name=f"Racer {i}", site_blocks=[block(101, number, redirection=redirection)]) for i in range(RACERS)
    ]


def split(results: Sequence[int | Failure]) -> tuple[list[int], list[Failure]]:
    return [r for r in results if isinstance(r, int)], [r for r in results if isinstance(r, Failure)]


async def assert_one_winner(database_url: str, results: Sequence[int | Failure], campaigns_before: int) -> None:
    winners, losers = split(results)
    assert len(winners) == 1, [f.summary() for f in losers][:3]
    assert len(losers) == RACERS - 1
    for failure in losers:
        assert_failure(
            failure, grpc.StatusCode.ALREADY_EXISTS, "ALREADY_IN_USE", "site_blocks[0].phone_number_id", "305"
        )
    holders = await query(
        database_url,
        sa.select(t.campaign_site_blocks.c.campaign_id).where(t.campaign_site_blocks.c.phone_number_id == 305),
    )
    assert [row.campaign_id for row in holders] == winners
    # The losers left no campaign behind.
    assert await count(database_url, t.campaigns) == campaigns_before + 1


async def test_parallel_creates_for_one_call_tracking_number(service: Service) -> None:
    campaigns_before = await count(service.database_url, t.campaigns)

    results = await gather_outcomes(create_call(service, message) for message in racing_requests())

    await assert_one_winner(service.database_url, results, campaigns_before)


async def test_parallel_creates_respect_the_quota(service: Service) -> None:
    """Account 1000 holds two basic campaigns (7 and 9); with a quota of 3 one more fits."""
    await execute(service.database_url, "UPDATE accounts SET campaign_quota = 3 WHERE id = 1000")

    results = await gather_outcomes(
        create_call(service, request(name=f"Quota {i}", site_blocks=[block(101, 302)])) for i in range(16)
    )

    winners, losers = split(results)
    assert len(winners) == 1
    for failure in losers:
        assert_failure(failure, grpc.StatusCode.FAILED_PRECONDITION, "TARIFF_RESTRICTIONS")
    assert await count(service.database_url, t.campaigns, *BASIC_OF_1000) == 3


async def test_parallel_pools_never_share_a_number(service: Service) -> None:
    numbers_before = await count(service.database_url, t.phone_numbers)

    results = await gather_outcomes(
        create_call(
            service,
            request(name=f"Pool {i}", site_blocks=[block(101, 302, dct=True)], dynamic_call_tracking=dct(2)),
        )
        for i in range(8)
    )

    winners, losers = split(results)
    assert losers == []
    assert len(winners) == 8
    pooled = await query(service.database_url, sa.select(t.pool_numbers.c.phone_number_id))
    ids = [row.phone_number_id for row in pooled]
    assert len(ids) == 16
    assert len(set(ids)) == 16
    assert {381, 382, 383} <= set(ids)
    assert 384 not in ids
    # Three came from stock, thirteen were purchased.
    assert await count(service.database_url, t.phone_numbers) == numbers_before + 13


# --------------------------------------------------------------------------- two processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def wait_serving(channel: grpc.aio.Channel, process: asyncio.subprocess.Process, log: Path) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        if process.returncode is not None:
            raise AssertionError(f"service exited with {process.returncode}:\n{await asyncio.to_thread(log.read_text)}")
        try:
            reply = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
            if reply.status == health_pb2.HealthCheckResponse.SERVING:
                return
        except grpc.aio.AioRpcError:
            pass
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"service not serving after 60s:\n{await asyncio.to_thread(log.read_text)}")
        await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def service_process(database_url: str, log: Path) -> AsyncIterator[grpc.aio.Channel]:
    """The service as its own process (python -m cli.main serve-grpc), and a channel to it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAMPAIGNS_")}
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "cli.main",
            "--log-level",
            "WARNING",
            "serve-grpc",
            "--host",
            "127.0.0.1",
            "--grpc-port",
            str(port),
            "--database-url",
            database_url,
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=output,
        )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        await wait_serving(channel, process, log)
        yield channel
    finally:
        await channel.close()
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


async def test_two_processes_race_for_one_number(engine: str, database_url: str, tmp_path: Path) -> None:
    if engine == "sqlite":
        pytest.skip("several service processes share a database on PostgreSQL only")
    campaigns_before = await count(database_url, t.campaigns)

    async with (
        service_process(database_url, tmp_path / "first.log") as first,
        service_process(database_url, tmp_path / "second.log") as second,
    ):
        channels = [first, second]
        results = await gather_outcomes(
            create_call(channels[i % 2], message) for i, message in enumerate(racing_requests())
        )

    await assert_one_winner(database_url, results, campaigns_before)


async def test_two_processes_respect_the_quota(engine: str, database_url: str, tmp_path: Path) -> None:
    if engine == "sqlite":
        pytest.skip("several service processes share a database on PostgreSQL only")
    await execute(database_url, "UPDATE accounts SET campaign_quota = 3 WHERE id = 1000")

    async with (
        service_process(database_url, tmp_path / "first.log") as first,
        service_process(database_url, tmp_path / "second.log") as second,
    ):
        channels = [first, second]
        results = await gather_outcomes(
            create_call(channels[i % 2], request(name=f"Quota {i}", site_blocks=[block(101, 302)])) for i in range(16)
        )

    winners, losers = split(results)
    assert len(winners) == 1
    for failure in losers:
        assert_failure(failure, grpc.StatusCode.FAILED_PRECONDITION, "TARIFF_RESTRICTIONS")
    assert await count(database_url, t.campaigns, *BASIC_OF_1000) == 3


# --------------------------------------------------------------------------- atomicity


async def reject_insert(engine: str, database_url: str, table: str, when: str) -> None:
    """Make the database refuse inserts into `table` whose NEW row matches `when`."""
    if engine == "sqlite":
        await execute(
            database_url,
            f"CREATE TRIGGER reject_{table} BEFORE INSERT ON {table} WHEN {when} "
            "BEGIN SELECT RAISE(ABORT, 'boom'); END",
        )
    else:
        await execute(
            database_url,
            f"CREATE FUNCTION reject_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF {when} THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$",
            f"CREATE TRIGGER reject_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION reject_{table}()",
        )


def everything_request(last_value: str) -> spb.CreateCampaignRequest:
    """Blocks (a va number with a pool of 5: three from stock, two purchased, and a
    call_tracking number) and conditions, the last of which has value `last_value`."""
    return request(
        name="All or nothing",
        site_blocks=[block(101, 302, dct=True), block(102, 305, redirection=401)],
        dynamic_call_tracking=dct(5, reservation_time=pb.RESERVATION_TIME_1D),
        campaign_conditions=conditions(
            [condition("/a"), condition("yandex", pb.CAMPAIGN_PARAMETER_SEARCH_ENGINE)],
            [condition("/b"), condition(last_value, pb.CAMPAIGN_PARAMETER_UTM_CONTENT)],
        ),
    )


def assert_internal(failure: Failure) -> None:
    assert failure.code == grpc.StatusCode.INTERNAL
    assert failure.message == INTERNAL_MESSAGE
    assert failure.reason == "INTERNAL_ERROR"
    assert failure.detail_types == ("google.rpc.ErrorInfo",)
    assert failure.path is None
    assert failure.metadata == {}
    for leak in ("boom", "Traceback", "sqlalchemy", "campaign_conditions", "pool_numbers", "INSERT", "File "):
        assert leak not in failure.visible_text, failure.visible_text


@pytest.mark.parametrize(
    ("table", "when"),
    [
        ("campaign_site_blocks", "NEW.phone_number_id = 305"),
        ("pool_numbers", "NEW.phone_number_id > 1000"),
    ],
    ids=["second-block", "purchased-pool-number"],
)
async def test_failed_create_leaves_no_rows(service: Service, engine: str, table: str, when: str) -> None:
    await reject_insert(engine, service.database_url, table, when)
    before = await snapshot(service.database_url)

    failure = await create_error(service, everything_request("boom"))

    assert_internal(failure)
    assert await snapshot(service.database_url) == before


async def test_after_a_failed_create_the_same_numbers_are_free(service: Service, engine: str) -> None:
    # The create's last write, its pool, fails for the campaign whose conditions say boom.
    await reject_insert(
        engine,
        service.database_url,
        "pool_numbers",
        "(SELECT c.conditions FROM campaigns c WHERE c.id = NEW.campaign_id) LIKE '%boom%'",
    )
    assert_internal(await create_error(service, everything_request("boom")))

    campaign_id = await create(service, everything_request("fine"))

    holders = await query(
        service.database_url,
        sa.select(t.campaign_site_blocks.c.campaign_id).where(t.campaign_site_blocks.c.phone_number_id == 305),
    )
    assert [row.campaign_id for row in holders] == [campaign_id]
    pool = await query(
        service.database_url,
        sa.select(t.pool_numbers.c.phone_number_id).where(t.pool_numbers.c.campaign_id == campaign_id),
    )
    assert sorted(row.phone_number_id for row in pool)[:3] == [381, 382, 383]
    assert len(await stored_conditions(service.database_url, campaign_id)) == 4
