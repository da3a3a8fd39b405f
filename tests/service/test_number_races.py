"""NumberService over gRPC: its statuses, and the races the database decides (METHODS.md §15-§17).

Two accounts enabling the last stock number at once never both get it; a disable racing a create that
puts the same number in a campaign never lets both succeed. In one process on both engines, and in two
service processes on one PostgreSQL database (SQLite's single writer decides there anyway).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import number_service_pb2 as npb
from campaigns.v1 import number_service_pb2_grpc as npb_grpc

from service.storage import schema as t
from tests.conftest import Service, bearer
from tests.service.helpers import (
    Failure,
    assert_failure,
    block,
    create_call,
    decode,
    execute,
    outcome,
    query,
    request,
    stub_for,
)
from tests.service.test_race_and_atomicity import service_process

# Accounts that may hold a call_tracking number (each has the component): 1000, 1001, 1002, 1008, 1009.
TOKENS = ("tok_cust", "tok_nova", "tok_nodct", "tok_sites", "tok_simpledt")
RACERS = 20
ROUNDS = 12


def numbers_stub(channel: grpc.aio.Channel) -> npb_grpc.NumberServiceAsyncStub:
    return npb_grpc.NumberServiceStub(channel)


async def succeeded(call: Awaitable[Any]) -> bool | Failure:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return decode(error)
    return True


def enable(channel: grpc.aio.Channel, token: str, **fields: Any) -> Awaitable[npb.EnableVirtualNumbersResponse]:
    return numbers_stub(channel).EnableVirtualNumbers(
        npb.EnableVirtualNumbersRequest(**fields), metadata=bearer(token), timeout=60
    )


def disable(channel: grpc.aio.Channel, token: str, **fields: Any) -> Awaitable[npb.DisableVirtualNumbersResponse]:
    return numbers_stub(channel).DisableVirtualNumbers(
        npb.DisableVirtualNumbersRequest(**fields), metadata=bearer(token), timeout=60
    )


# --------------------------------------------------------------------------- statuses


async def test_the_statuses_of_the_errors(service: Service) -> None:
    channel = service.channel
    failure = await succeeded(enable(channel, "tok_sites", number_capacity_ids=["901", "999"]))
    assert isinstance(failure, Failure)
    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "REQUIRED_PARAMETER_MISSED", "number_capacity_component")
    failure = await succeeded(
        enable(
            channel,
            "tok_sites",
            number_capacity_ids=["901", "999"],
            number_capacity_component=npb.NUMBER_CAPACITY_COMPONENT_VA,
        )
    )
    assert isinstance(failure, Failure)
    assert_failure(
        failure,
        grpc.StatusCode.NOT_FOUND,
        "VIRTUAL_PHONE_NUMBER_NOT_FOUND",
        "number_capacity_ids[1]",
        "999",
        {"virtual_phone_number": "999"},
    )
    failure = await succeeded(enable(channel, "tok_quota", virtual_phone_number="74959000901"))
    assert isinstance(failure, Failure)
    assert_failure(failure, grpc.StatusCode.FAILED_PRECONDITION, "TARIFF_RESTRICTIONS")
    failure = await succeeded(disable(channel, "tok_sites", number_capacity_ids=["393", "392"]))
    assert isinstance(failure, Failure)
    assert_failure(failure, grpc.StatusCode.FAILED_PRECONDITION, "DEPENDENCY_ERROR", "number_capacity_ids[1]", "392")
    failure = await succeeded(
        enable(
            channel,
            "tok_nova",
            virtual_phone_number="74959000901",
            number_capacity_component=npb.NUMBER_CAPACITY_COMPONENT_VA,
        )
    )
    assert isinstance(failure, Failure)
    assert_failure(
        failure,
        grpc.StatusCode.FAILED_PRECONDITION,
        "PARAMETER_COMPONENT_DISABLED",
        "number_capacity_component",
        "va",
        {"components": "va"},
    )
    # Nothing moved.
    stock = await query(service.database_url, sa.select(t.number_stock.c.id).order_by(t.number_stock.c.id))
    assert [row.id for row in stock] == [901, 902, 903]


# --------------------------------------------------------------------------- the last stock number


async def _leave_one_in_stock(database_url: str) -> None:
    await execute(database_url, "DELETE FROM number_stock WHERE id <> 901")


async def _assert_one_holder(database_url: str, results: Sequence[bool | Failure]) -> None:
    winners = [index for index, result in enumerate(results) if result is True]
    assert len(winners) == 1, [r.summary() for r in results if isinstance(r, Failure)][:3]
    for result in results:
        if isinstance(result, Failure):
            assert_failure(
                result,
                grpc.StatusCode.NOT_FOUND,
                "VIRTUAL_PHONE_NUMBER_NOT_FOUND",
                "virtual_phone_number",
                "74959000901",
                {"virtual_phone_number": "74959000901"},
            )
    holders = await query(
        database_url, sa.select(t.phone_numbers.c.account_id).where(t.phone_numbers.c.phone_number == "74959000901")
    )
    assert len(holders) == 1
    assert await query(database_url, sa.select(t.number_stock.c.id)) == []


async def _race_for_the_last_number(channels: Sequence[grpc.aio.Channel]) -> list[bool | Failure]:
    return list(
        await asyncio.gather(
            *(
                succeeded(
                    enable(channels[i % len(channels)], TOKENS[i % len(TOKENS)], virtual_phone_number="74959000901")
                )
                for i in range(RACERS)
            )
        )
    )


async def test_accounts_racing_for_the_last_stock_number(service: Service) -> None:
    await _leave_one_in_stock(service.database_url)

    results = await _race_for_the_last_number([service.channel])

    await _assert_one_holder(service.database_url, results)


async def test_two_processes_racing_for_the_last_stock_number(engine: str, database_url: str, tmp_path: Path) -> None:
    if engine == "sqlite":
        pytest.skip("several service processes share a database on PostgreSQL only")
    await _leave_one_in_stock(database_url)

    async with (
        service_process(database_url, tmp_path / "first.log") as first,
        service_process(database_url, tmp_path / "second.log") as second,
    ):
        results = await _race_for_the_last_number([first, second])

    await _assert_one_holder(database_url, results)


# --------------------------------------------------------------------------- disable against create


def _create_on_393(channel: grpc.aio.Channel, round_: int) -> Awaitable[spb.CreateCampaignResponse]:
    message = request(name=f"Round {round_}", site_id=21, site_blocks=[block(212, 393, redirection=431)])
    return create_call(channel, message, token="tok_sites")


async def _disable_against_create(database_url: str, channels: Sequence[grpc.aio.Channel]) -> None:
    """Round after round, a disable of 393 and a create using it, sent together: exactly one wins."""
    outcomes: dict[str, int] = {"disable": 0, "create": 0}
    for round_ in range(ROUNDS):
        first, second = channels[round_ % len(channels)], channels[(round_ + 1) % len(channels)]
        disabled, created = await asyncio.gather(
            succeeded(disable(first, "tok_sites", number_capacity_ids=["393"])),
            outcome(_create_on_393(second, round_)),
        )
        in_campaigns = await query(
            database_url,
            sa.select(t.campaign_site_blocks.c.campaign_id).where(t.campaign_site_blocks.c.phone_number_id == 393),
        )
        held = await query(database_url, sa.select(t.phone_numbers.c.id).where(t.phone_numbers.c.id == 393))
        if disabled is True:
            # The create lost: the number was gone when it looked.
            assert isinstance(created, Failure), created
            assert_failure(
                created, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "site_blocks[0].phone_number_id", "393"
            )
            assert (in_campaigns, held) == ([], [])
            outcomes["disable"] += 1
            await _again(
                enable(
                    first,
                    "tok_sites",
                    number_capacity_ids=["393"],
                    number_capacity_component=npb.NUMBER_CAPACITY_COMPONENT_CALL_TRACKING,
                )
            )
        else:
            assert isinstance(created, int), created
            assert isinstance(disabled, Failure)
            assert_failure(
                disabled, grpc.StatusCode.FAILED_PRECONDITION, "DEPENDENCY_ERROR", "number_capacity_ids[0]", "393"
            )
            assert [row.campaign_id for row in in_campaigns] == [created]
            assert len(held) == 1
            outcomes["create"] += 1
            await _again(
                stub_for(first).DeleteCampaign(spb.DeleteCampaignRequest(id=created), metadata=bearer("tok_sites"))
            )
    assert sum(outcomes.values()) == ROUNDS


async def _again(call: Awaitable[Any]) -> None:
    """Set the round back: this call must succeed."""
    assert await succeeded(call) is True


async def test_disable_against_create_on_the_same_number(service: Service) -> None:
    await _disable_against_create(service.database_url, [service.channel])


async def test_two_processes_disable_against_create(engine: str, database_url: str, tmp_path: Path) -> None:
    if engine == "sqlite":
        pytest.skip("several service processes share a database on PostgreSQL only")
    async with (
        service_process(database_url, tmp_path / "first.log") as first,
        service_process(database_url, tmp_path / "second.log") as second,
    ):
        await _disable_against_create(database_url, [first, second])
