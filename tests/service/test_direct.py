"""direct.fetch / direct.execute_many: what SQLAlchemy's conn.execute would give, on both engines
(service/storage/direct.py sends them straight to asyncpg on PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import site_service_pb2 as sspb

from service import (
    access,
    campaign_changes,
    campaign_facts,
    campaign_pools,
    campaign_rows,
    campaign_views,
    campaigns,
    listing,
    numbers,
    points,
    site_views,
)
from service import storage as storage_module
from service.storage import Storage, direct
from service.storage import schema as t

FACTS_PARAMS = {
    "account_id": 1000,
    "site_id": 10,
    "site_block_ids": [101, 999],
    "number_ids": [302, 301],
    "redirection_ids": [],
    "campaign_id": 0,
}
_CAMPAIGN = {
    "account_id": 1000,
    "name": "Direct",
    "description": None,
    "status": "active",
    "type": "basic",
    "site_id": 10,
    "created_at": 0,
    "dct_reservation_time": None,
    "dct_count_virtual_numbers": None,
    "dct_count_visits": None,
}


class _RolledBack(Exception):
    pass


async def _in_transaction(database_url: str, work: Any, *, commit: bool = True) -> Any:
    storage = await Storage.open(database_url, migrate=False, pool_size=1)
    try:
        if commit:
            return await storage.write(work)
        with pytest.raises(_RolledBack):
            await storage.write(work)
        return None
    finally:
        await storage.close()


async def test_rows_are_those_of_conn_execute(database_url: str) -> None:
    def both(conn: sa.Connection) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[str]]:
        conn.execute(sa.text("SELECT 1"))  # the transaction has begun: the direct path applies
        expected = [tuple(row) for row in conn.execute(campaign_facts.FACTS.statement, FACTS_PARAMS)]
        rows = list(direct.fetch(conn, campaign_facts.FACTS.statement, FACTS_PARAMS))
        return expected, [tuple(row) for row in rows], [row.kind for row in rows]

    expected, got, kinds = await _in_transaction(database_url, both)
    assert got == expected
    assert sorted(kinds) == ["number", "number", "site", "site_block"]


async def test_writes_join_the_transaction_and_roll_back_with_it(database_url: str) -> None:
    def write_then_fail(conn: sa.Connection) -> None:
        # The first statement of the transaction: SQLAlchemy must send it (and the BEGIN).
        campaign_id = direct.fetch(conn, campaigns.INSERT_CAMPAIGN.statement, _CAMPAIGN).scalar_one()
        direct.execute_many(
            conn,
            campaign_pools._INSERT_POOL.statement,
            [{"phone_number_id": n, "campaign_id": campaign_id, "site_block_id": 101} for n in (381, 382, 383)],
        )
        assert direct.fetch(conn, points._SPEND[True].statement, _spend_params()).first() is not None
        raise _RolledBack

    before = await _in_transaction(database_url, lambda conn: _counts(conn))
    await _in_transaction(database_url, write_then_fail, commit=False)
    assert await _in_transaction(database_url, lambda conn: _counts(conn)) == before


async def test_a_committed_write_is_there(database_url: str) -> None:
    def write(conn: sa.Connection) -> int:
        conn.execute(sa.text("SELECT 1"))
        campaign_id: int = direct.fetch(conn, campaigns.INSERT_CAMPAIGN.statement, _CAMPAIGN).scalar_one()
        return campaign_id

    campaign_id = await _in_transaction(database_url, write)
    names = await _in_transaction(
        database_url,
        lambda conn: list(conn.execute(sa.select(t.campaigns.c.name).where(t.campaigns.c.id == campaign_id)).scalars()),
    )
    assert names == ["Direct"]


async def test_a_constraint_violation_is_an_integrity_error(database_url: str) -> None:
    block = {
        "campaign_id": 7,
        "site_block_id": 101,
        "position": 5,
        "phone_number_id": 302,
        "redirection_phone_number_id": None,
        "dynamic_call_tracking_enabled": False,
        "exclusive_phone_number_id": None,
    }

    def duplicate(conn: sa.Connection) -> None:
        conn.execute(sa.text("SELECT 1"))
        existing = (
            conn.execute(sa.select(t.campaign_site_blocks).where(t.campaign_site_blocks.c.campaign_id == 7).limit(1))
            .mappings()
            .one()
        )
        direct.execute_many(
            conn, campaign_rows.INSERT_BLOCKS.statement, [{**block, "site_block_id": existing["site_block_id"]}]
        )

    with pytest.raises(sa.exc.IntegrityError) as raised:
        await _in_transaction(database_url, duplicate)
    assert "campaign_site_blocks" in str(raised.value.orig) or "UNIQUE" in str(raised.value.orig)


def _spend_params() -> dict[str, int]:
    return {"account_id": 1000, "points": 1, "day_start": 0, "minute_start": 0}


def _counts(conn: sa.Connection) -> tuple[int, ...]:
    tables = (t.campaigns, t.pool_numbers)
    counts = [conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() for table in tables]
    account = conn.execute(
        sa.select(t.accounts.c.basic_campaigns, t.accounts.c.day_points_used).where(t.accounts.c.id == 1000)
    ).one()
    return (*counts, *account)


async def test_a_failed_statements_error_does_not_carry_its_values(database_url: str) -> None:
    # What an unexpected failure logs is the error's text: it must not quote a token or a parameter.
    secret = "tok_secret_value_in_a_failed_statement"

    def fails(conn: sa.Connection) -> None:
        conn.execute(sa.text("SELECT no_such_column FROM accounts WHERE name = :name"), {"name": secret})

    with pytest.raises(sa.exc.DBAPIError) as raised:
        await _in_transaction(database_url, fails)
    assert secret not in str(raised.value)
    assert "hidden" in str(raised.value)


def _bind_names(conn: sa.Connection, statement: Any) -> Any:
    """The names a statement binds (an INSERT's: every column), as a call passes them."""
    return statement.compile(dialect=conn.dialect).params.keys()


def _marked_fast() -> list[tuple[str, sa.Executable]]:
    """Every statement the service marks fast, by where it is defined (a module constant, or a table of them)."""
    modules = (
        access,
        points,
        campaign_facts,
        campaign_rows,
        campaigns,
        campaign_pools,
        campaign_changes,
        campaign_views,
        site_views,
        numbers,
        storage_module,
    )
    found = []
    for module in modules:
        for name, value in vars(module).items():
            table = value if isinstance(value, dict) else {None: value}
            for key, item in table.items():
                if isinstance(item, direct.Fast):
                    found.append((f"{module.__name__}.{name}[{key}]", item.statement))
    return found


async def test_what_is_marked_fast_runs_on_the_driver(database_url: str) -> None:
    # A marked statement that SQLAlchemy must run after all (a result type that needs the driver's column
    # type, a list rendered per execution) still answers right, only slower: this keeps them on the driver.
    # The listings' shapes too, built as the gets run them.
    def compiled(conn: sa.Connection) -> dict[str, bool]:
        engine = conn.dialect.name
        campaigns_query = (
            spb.GetCampaignsRequest(),
            spb.GetCampaignsRequest(offset=1, limit=1),
            spb.GetCampaignsRequest(fields=["id", "static_utm_source"]),  # the page that reads the utm columns
        )
        for request in campaigns_query:
            campaign_views.get_campaigns(conn, 1000, listing.check_query(request, campaign_views.CAMPAIGNS))
        site_views.get_sites(conn, 1000, listing.check_query(sspb.GetSitesRequest(), site_views.SITES))
        statements = [
            (name, statement)
            for name, statement in _marked_fast()
            # The other engine's variants (the advisory locks are PostgreSQL's alone).
            if not (engine == "sqlite" and ("postgresql" in name or "_ACCOUNT_LOCKS" in name))
            and not (engine == "postgresql" and "[sqlite]" in name)
        ]
        statements += [
            (f"listing shape {index}.{part}", statement)
            for index, shape in enumerate(listing._shapes.values())
            for part, statement in (("page", shape.page), ("count", shape.count), ("rows", shape.rows_by_key))
            if statement is not None
        ]
        return {
            name: direct._compile(conn, statement, _bind_names(conn, statement)).direct
            for name, statement in statements
        }

    storage = await Storage.open(database_url, migrate=False, pool_size=1)
    try:
        found = await storage.read(compiled)
    finally:
        await storage.close()
    assert len(found) > 25
    assert [name for name, on_the_driver in found.items() if not on_the_driver] == []
