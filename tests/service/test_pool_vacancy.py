"""Pools give their numbers back: every way a pool is emptied makes its numbers the next pool's vacant
stock, and phone_numbers.in_pool (what the vacant-stock index reads; triggers on pool_numbers keep it)
says what pool_numbers says, whoever wrote it."""

from __future__ import annotations

import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import site_service_pb2 as sspb
from sqlalchemy import Connection

from service import campaign_pools
from service.storage import Storage
from service.storage import schema as t
from tests.conftest import Service
from tests.service.helpers import block, count, create, dct, execute, query, request
from tests.service.rpcs import auth, campaigns_stub, pool_of, sites_stub, succeed


async def assert_in_pool_says_what_the_pools_say(database_url: str) -> None:
    marked = await query(database_url, t.phone_numbers.select().where(t.phone_numbers.c.in_pool.is_(True)))
    pooled = await query(database_url, t.pool_numbers.select())
    assert sorted(row.id for row in marked) == sorted(row.phone_number_id for row in pooled)


async def pooled_campaign(service: Service, name: str, count_virtual_numbers: int = 2) -> int:
    return await create(
        service,
        request(name=name, site_blocks=[block(101, 302, dct=True)], dynamic_call_tracking=dct(count_virtual_numbers)),
    )


async def test_a_deleted_campaigns_pool_is_the_next_pools(service: Service) -> None:
    first = await pooled_campaign(service, "First")
    assert await pool_of(service.database_url, first) == [(381, 101), (382, 101)]
    await assert_in_pool_says_what_the_pools_say(service.database_url)
    numbers_before = await count(service.database_url, t.phone_numbers)

    stub = campaigns_stub(service)
    await succeed(stub.DeleteCampaign(spb.DeleteCampaignRequest(id=first), metadata=auth(), timeout=60))
    await assert_in_pool_says_what_the_pools_say(service.database_url)

    second = await pooled_campaign(service, "Second")
    assert await pool_of(service.database_url, second) == [(381, 101), (382, 101)]
    assert await count(service.database_url, t.phone_numbers) == numbers_before  # nothing bought
    await assert_in_pool_says_what_the_pools_say(service.database_url)


async def test_a_pool_emptied_by_an_update_is_the_next_pools(service: Service) -> None:
    stub = campaigns_stub(service)
    first = await pooled_campaign(service, "First")
    await succeed(
        stub.UpdateCampaign(
            spb.UpdateCampaignRequest(id=first, site_id=10, status=pb.CAMPAIGN_STATUS_INACTIVE),
            metadata=auth(),
            timeout=60,
        )
    )
    assert await pool_of(service.database_url, first) == []
    await assert_in_pool_says_what_the_pools_say(service.database_url)
    second = await pooled_campaign(service, "Second", count_virtual_numbers=3)
    assert await pool_of(service.database_url, second) == [(381, 101), (382, 101), (383, 101)]

    # New settings re-reserve: the pool is emptied and filled again, from the lowest vacant numbers.
    await succeed(
        stub.UpdateCampaign(
            spb.UpdateCampaignRequest(id=second, site_id=10, dynamic_call_tracking=dct(1)),
            metadata=auth(),
            timeout=60,
        )
    )
    assert await pool_of(service.database_url, second) == [(381, 101)]
    await assert_in_pool_says_what_the_pools_say(service.database_url)


async def test_a_bought_number_freed_by_a_delete_is_taken_before_another_is_bought(service: Service) -> None:
    # The stock (381-383; 384 is for hosted PBX) runs out: the fourth number is bought, and given back.
    first = await pooled_campaign(service, "First", count_virtual_numbers=4)
    bought = max(number for number, _ in await pool_of(service.database_url, first))
    assert bought > 1000
    await assert_in_pool_says_what_the_pools_say(service.database_url)
    await succeed(
        campaigns_stub(service).DeleteCampaign(spb.DeleteCampaignRequest(id=first), metadata=auth(), timeout=60)
    )
    numbers_before = await count(service.database_url, t.phone_numbers)
    second = await pooled_campaign(service, "Second", count_virtual_numbers=4)
    assert await pool_of(service.database_url, second) == [(381, 101), (382, 101), (383, 101), (bought, 101)]
    assert await count(service.database_url, t.phone_numbers) == numbers_before
    await assert_in_pool_says_what_the_pools_say(service.database_url)


async def test_the_system_campaigns_pool_on_a_deleted_site_is_the_next_pools(service: Service) -> None:
    sites = sites_stub(service)
    site = await succeed(
        sites.CreateSite(
            sspb.CreateSiteRequest(
                domain_name="pools.example", name="Pools", default_phone_number="+74950000000", industry_id=1
            ),
            metadata=auth(),
            timeout=60,
        )
    )
    site_block = await succeed(
        sites.CreateSiteBlock(sspb.CreateSiteBlockRequest(site_id=site.id, name="Main"), metadata=auth(), timeout=60)
    )
    system = spb.UpdateCampaignRequest(
        id=-1,
        site_id=site.id,
        site_blocks=[block(site_block.id, 302, dct=True)],
        dynamic_call_tracking=dct(2),
    )
    await succeed(campaigns_stub(service).UpdateCampaign(system, metadata=auth(), timeout=60))
    assert await count(service.database_url, t.pool_numbers) == 2
    await assert_in_pool_says_what_the_pools_say(service.database_url)

    await succeed(sites.DeleteSite(sspb.DeleteSiteRequest(id=site.id), metadata=auth(), timeout=60))
    assert await count(service.database_url, t.pool_numbers) == 0
    await assert_in_pool_says_what_the_pools_say(service.database_url)
    taker = await pooled_campaign(service, "Takes them")
    assert await pool_of(service.database_url, taker) == [(381, 101), (382, 101)]


async def test_in_pool_follows_pool_numbers_whoever_writes_them(service: Service) -> None:
    # The triggers, not the service's code, keep the flag: plain SQL and a foreign key's cascade alike.
    url = service.database_url
    await execute(url, "INSERT INTO pool_numbers (phone_number_id, campaign_id, site_block_id) VALUES (382, 7, 101)")
    await assert_in_pool_says_what_the_pools_say(url)
    await execute(url, "UPDATE pool_numbers SET phone_number_id = 383 WHERE phone_number_id = 382")
    await assert_in_pool_says_what_the_pools_say(url)
    campaign_id = await pooled_campaign(service, "Cascades")
    assert await pool_of(url, campaign_id) == [(381, 101), (382, 101)]
    await execute(url, f"DELETE FROM campaign_site_blocks WHERE campaign_id = {campaign_id}")
    await execute(url, f"DELETE FROM campaigns WHERE id = {campaign_id}")  # its pool's rows go by cascade
    assert await pool_of(url, campaign_id) == []
    await assert_in_pool_says_what_the_pools_say(url)


async def test_the_vacant_stock_is_read_from_its_index(service: Service) -> None:
    # The query states the partial index's terms; worded apart, the index would silently go unused.
    def plan(conn: Connection) -> str:
        sqlite = conn.dialect.name == "sqlite"
        if not sqlite:
            conn.execute(sa.text("SET LOCAL enable_seqscan = off"))  # a demo-sized table is read whole
        statement = campaign_pools._vacant(skip_locked=not sqlite).params(account_id=1000, count=1)
        sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        explained = conn.execute(sa.text(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + sql))
        return " ".join(str(part) for row in explained for part in row)

    storage = await Storage.open(service.database_url, migrate=False, pool_size=1)
    try:
        assert "ix_phone_numbers_vacant_stock" in await storage.read(plan)
    finally:
        await storage.close()
