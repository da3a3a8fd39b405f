"""delete.campaigns through the wire: what a delete frees and gives back.

Against the demo data set (docs/demo-data.md): every error is checked whole (code, message, mnemonic, field, value,
params), every change is read back with get.campaigns or from the test's own database.
Every test that changes something gets a fresh database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import sqlalchemy as sa

from service.storage import schema as t
from tests.conftest import Gateway
from tests.gateway.support_campaign_calls import (
    DELETE,
    UPDATE,
    block,
    campaigns,
    condition,
    create,
    groups,
    pool,
    succeed,
    upd,
)
from tests.gateway.wire import assert_error, call
from tests.service.helpers import query

# --------------------------------------------------------------------------- delete.campaigns


async def test_delete_frees_the_campaign_and_its_numbers(gateway: Gateway) -> None:
    campaign_id = await create(
        gateway,
        name="Short lived",
        site_id=10,
        site_blocks=[block(101, 301, 401, dct=True)],
        dynamic_call_tracking={"count_virtual_numbers": 2, "count_visits": 5},
        campaign_conditions=groups([condition()]),
    )
    assert campaign_id in await campaigns(gateway)
    assert len(await pool(gateway)) == 2

    assert await succeed(gateway, DELETE, {"access_token": "tok_cust", "id": campaign_id}) == {}
    listed = await campaigns(gateway)
    assert campaign_id not in listed
    assert sorted(listed) == [-1, 7, 8, 9]
    assert await pool(gateway) == []
    # Its blocks go with it (its conditions were in its row).
    blocks = t.campaign_site_blocks
    assert await query(gateway.service.database_url, sa.select(blocks).where(blocks.c.campaign_id == campaign_id)) == []

    # Its call_tracking number and pool numbers serve a new campaign.
    other = await create(
        gateway,
        name="Successor",
        site_id=10,
        site_blocks=[block(102, 301, 402, dct=True)],
        dynamic_call_tracking={"count_virtual_numbers": 1, "count_visits": 5},
    )
    assert await pool(gateway) == [(381, other, 102)]

    # Gone means gone: a second delete or an update does not find it.
    again = await call(gateway.url, {"access_token": "tok_cust", "id": campaign_id}, "d-1", DELETE)
    assert_error(again, "entity_not_found", request_id="d-1", field="id", value=str(campaign_id))
    changed = await call(gateway.url, upd(campaign_id, 10, name="Ghost"), "d-2", UPDATE)
    assert_error(changed, "entity_not_found", request_id="d-2", field="id", value=str(campaign_id))


async def test_delete_of_a_demo_campaign_frees_its_number(gateway: Gateway) -> None:
    assert await succeed(gateway, DELETE, {"access_token": "tok_agent", "user_id": 5001, "id": 7}) == {}
    assert sorted(await campaigns(gateway)) == [-1, 8, 9]
    await create(gateway, name="Takes 304", site_id=10, site_blocks=[block(102, 304, 402)])


async def test_delete_gives_the_quota_back(gateway: Gateway) -> None:
    params = {"access_token": "tok_quota", "name": "Second", "site_id": 16}
    refused = await call(gateway.url, params, "q-1")
    assert_error(refused, "tariff_restrictions", request_id="q-1")
    assert await succeed(gateway, DELETE, {"access_token": "tok_quota", "id": 60}) == {}
    assert sorted(await campaigns(gateway, "tok_quota")) == [-1]
    created = await create(gateway, "tok_quota", name="Second", site_id=16)
    assert sorted(await campaigns(gateway, "tok_quota")) == [-1, created]
    # The quota is full again.
    refused = await call(gateway.url, {**params, "name": "Third"}, "q-2")
    assert_error(refused, "tariff_restrictions", request_id="q-2")


@contextlib.asynccontextmanager
async def campaign_row_locked(database_url: str, campaign_id: int) -> AsyncIterator[Callable[[int], Awaitable[None]]]:
    """PostgreSQL: hold the campaign's row lock; yields a wait for that many sessions queued behind it.

    Deletes that have read the campaign then queue on its row, as they do when
    they simply arrive together; the lock only makes that interleaving certain.
    """
    conn = await asyncpg.connect(database_url)
    try:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute("SELECT id FROM campaigns WHERE id = $1 FOR UPDATE", campaign_id)

        async def queued(sessions: int) -> None:
            for _ in range(500):
                # Within a transaction the statistics views keep their first snapshot.
                await conn.execute("SELECT pg_stat_clear_snapshot()")
                waiting = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
                if waiting >= sessions:
                    return
                await asyncio.sleep(0.01)
            raise AssertionError(f"fewer than {sessions} sessions queued on the campaign's row")

        try:
            yield queued
        finally:
            await transaction.rollback()
    finally:
        await conn.close()


async def test_concurrent_deletes_give_the_quota_back_once(gateway: Gateway, engine: str) -> None:
    deletes = 4
    calls = [call(gateway.url, {"access_token": "tok_quota", "id": 60}, n, DELETE) for n in range(deletes)]
    if engine == "postgresql":
        async with campaign_row_locked(gateway.service.database_url, 60) as queued:
            pending = asyncio.gather(*calls)
            await queued(2)
        answers = await pending
    else:
        # SQLite: one writer at a time, so the deletes arrive together and run one after another.
        answers = await asyncio.gather(*calls)
    succeeded = [answer for answer in answers if "result" in answer]
    assert len(succeeded) == 1, answers
    for answer in answers:
        if "error" in answer:
            assert_error(answer, "entity_not_found", request_id=answer["id"], field="id", value="60")
    await create(gateway, "tok_quota", name="Within the quota", site_id=16)
    refused = await call(gateway.url, {"access_token": "tok_quota", "name": "Beyond", "site_id": 16}, "q-3")
    assert_error(refused, "tariff_restrictions", request_id="q-3")
