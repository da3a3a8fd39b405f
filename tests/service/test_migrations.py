"""Migrations keep the data they move, both ways, on both engines."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from service.storage import MIGRATIONS, Storage


async def _alembic(database_url: str, step: Callable[[Config], None]) -> None:
    storage = await Storage.open(database_url, migrate=False, pool_size=1)

    def run(conn: sa.Connection) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        step(config)

    try:
        await storage.write(run)
    finally:
        await storage.close()


async def _rows(database_url: str, sql: str) -> list[tuple[object, ...]]:
    storage = await Storage.open(database_url, migrate=False, pool_size=1)
    try:
        return await storage.read(lambda conn: [tuple(row) for row in conn.execute(sa.text(sql))])
    finally:
        await storage.close()


async def _execute(database_url: str, sql: str) -> None:
    storage = await Storage.open(database_url, migrate=False, pool_size=1)
    try:
        await storage.write(lambda conn: conn.execute(sa.text(sql)))
    finally:
        await storage.close()


async def test_point_counters_move_onto_the_account_and_back(database_url: str) -> None:
    await _execute(
        database_url,
        "UPDATE accounts SET day_window_start = 1795651200, day_points_used = 17, "
        "minute_window_start = 1795713780, minute_points_used = 3 WHERE id = 1000",
    )

    await _alembic(database_url, lambda config: command.downgrade(config, "0004"))
    counters = await _rows(
        database_url, "SELECT period, window_start, used FROM point_counters WHERE account_id = 1000 ORDER BY period"
    )
    assert counters == [("day", 1795651200, 17), ("minute", 1795713780, 3)]
    # Accounts that never spent a point have no counter rows, as before the move.
    assert await _rows(database_url, "SELECT count(*) FROM point_counters WHERE account_id <> 1000") == [(0,)]

    await _alembic(database_url, lambda config: command.upgrade(config, "head"))
    assert await _rows(
        database_url,
        "SELECT day_window_start, day_points_used, minute_window_start, minute_points_used FROM accounts "
        "WHERE id = 1000",
    ) == [(1795651200, 17, 1795713780, 3)]
    assert await _rows(
        database_url, "SELECT DISTINCT day_points_used, minute_points_used FROM accounts WHERE id <> 1000"
    ) == [(0, 0)]


async def test_campaign_names_sort_in_byte_order_after_the_round_trip(database_url: str) -> None:
    names = ["b", "B", "a", "_", "é", "Z"]
    await _execute(
        database_url,
        "INSERT INTO campaigns (account_id, name, status, type, site_id, created_at) VALUES "
        + ", ".join(f"(1000, 'sort {name}', 'active', 'basic', 10, 0)" for name in names),
    )
    await _alembic(database_url, lambda config: command.downgrade(config, "0005"))
    await _alembic(database_url, lambda config: command.upgrade(config, "head"))

    if database_url.startswith("postgresql"):
        assert await _rows(
            database_url,
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_name = 'campaigns' AND column_name = 'name'",
        ) == [("C",)]
    # The column's own order, with no COLLATE in the query: bytes, as the API sorts.
    stored = await _rows(database_url, "SELECT name FROM campaigns WHERE name LIKE 'sort %' ORDER BY name")
    assert [row[0] for row in stored] == sorted(f"sort {name}" for name in names)
