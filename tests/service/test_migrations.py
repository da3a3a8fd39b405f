"""Migrations keep the data they move, both ways, on both engines."""

from __future__ import annotations

import json
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


_DIRECTORY_IN_USE = (
    "INSERT INTO accounts (id, name, state, campaign_quota, ip_whitelist, day_limit, minute_limit) "
    "VALUES (9900, 'Guarded', 'active', 10, '', 1, 1), (9910, 'Campaign only', 'active', 10, '', 1, 1)",
    "INSERT INTO sites (id, account_id, domain_name) VALUES (9901, 9900, 'guarded.example')",
    "INSERT INTO site_blocks (id, site_id, name) VALUES (9902, 9901, 'header')",
    "INSERT INTO phone_numbers (id, account_id, phone_number, type, is_pool_stock, is_hosted_pbx) "
    "VALUES (9903, 9900, '+79990009903', 'va', false, false)",
    "INSERT INTO campaigns (id, account_id, name, status, type, site_id, created_at) "
    "VALUES (9904, 9900, 'uses all four', 'active', 'basic', 9901, 0), "
    "(9911, 9910, 'only an account', 'active', 'basic', NULL, 0)",
    "INSERT INTO campaign_site_blocks (campaign_id, site_block_id, position, phone_number_id, "
    "dynamic_call_tracking_enabled) VALUES (9904, 9902, 0, 9903, false)",
)


async def _refused(database_url: str, sql: str) -> bool:
    try:
        await _execute(database_url, sql)
    except sa.exc.IntegrityError:
        return True
    return False


async def test_directory_rows_a_campaign_uses_cannot_be_deleted_or_rekeyed(database_url: str) -> None:
    # Foreign keys on SQLite; on PostgreSQL since 0007 a trigger on the directory
    # side, as the foreign keys it replaced locked the directory rows on every create.
    for sql in _DIRECTORY_IN_USE:
        await _execute(database_url, sql)

    for sql in (
        "DELETE FROM phone_numbers WHERE id = 9903",
        "DELETE FROM site_blocks WHERE id = 9902",
        "DELETE FROM sites WHERE id = 9901",
        "DELETE FROM accounts WHERE id = 9910",
        "UPDATE site_blocks SET id = 9992 WHERE id = 9902",
        "UPDATE accounts SET id = 9990 WHERE id = 9910",
    ):
        assert await _refused(database_url, sql), sql
    await _execute(database_url, "UPDATE sites SET domain_name = 'renamed.example' WHERE id = 9901")

    await _execute(database_url, "DELETE FROM campaigns WHERE id IN (9904, 9911)")
    for sql in (
        "DELETE FROM phone_numbers WHERE id = 9903",
        "DELETE FROM site_blocks WHERE id = 9902",
        "DELETE FROM sites WHERE id = 9901",
        "DELETE FROM accounts WHERE id IN (9900, 9910)",
    ):
        await _execute(database_url, sql)
    assert await _rows(database_url, "SELECT count(*) FROM accounts WHERE id IN (9900, 9910)") == [(0,)]


async def test_directory_guard_round_trip(database_url: str) -> None:
    for sql in _DIRECTORY_IN_USE:
        await _execute(database_url, sql)
    await _alembic(database_url, lambda config: command.downgrade(config, "0006"))
    if database_url.startswith("postgresql"):
        foreign_keys = await _rows(
            database_url,
            "SELECT conname FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid IN ('campaigns'::regclass, 'campaign_site_blocks'::regclass) ORDER BY conname",
        )
        assert [row[0] for row in foreign_keys] == [
            "campaign_site_blocks_campaign_id_fkey",
            "campaign_site_blocks_phone_number_id_fkey",
            "campaign_site_blocks_site_block_id_fkey",
            "campaigns_account_id_fkey",
            "campaigns_site_id_fkey",
        ]
    assert await _refused(database_url, "DELETE FROM site_blocks WHERE id = 9902")

    await _alembic(database_url, lambda config: command.upgrade(config, "head"))
    assert await _refused(database_url, "DELETE FROM site_blocks WHERE id = 9902")
    assert await _rows(database_url, "SELECT count(*) FROM campaign_site_blocks WHERE campaign_id = 9904") == [(1,)]


async def test_login_failures_table_round_trip(database_url: str) -> None:
    # 0008: the counters are transient; a downgrade drops them, an upgrade starts from none.
    await _execute(
        database_url,
        "INSERT INTO login_failures (scope, key, window_start, failures) VALUES ('ip', '192.0.2.1', 1795651200, 3)",
    )
    await _alembic(database_url, lambda config: command.downgrade(config, "0007"))
    tables = await _rows(
        database_url,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'login_failures'"
        if database_url.startswith("sqlite")
        else "SELECT tablename FROM pg_tables WHERE tablename = 'login_failures'",
    )
    assert tables == []

    await _alembic(database_url, lambda config: command.upgrade(config, "head"))
    assert await _rows(database_url, "SELECT count(*) FROM login_failures") == [(0,)]
    await _execute(
        database_url,
        "INSERT INTO login_failures (scope, key, window_start, failures) VALUES ('login', 'k', 1795651200, 1)",
    )
    # One counter per scope and key: the upsert of service/throttle.py relies on the primary key.
    assert await _refused(
        database_url,
        "INSERT INTO login_failures (scope, key, window_start, failures) VALUES ('login', 'k', 1795651300, 1)",
    )
    assert await _rows(database_url, "SELECT scope, key, window_start, failures FROM login_failures") == [
        ("login", "k", 1795651200, 1)
    ]


async def test_account_state_replaces_is_active_and_comes_back(database_url: str) -> None:
    # 0009: a disabled account stays disabled through a downgrade and an upgrade.
    await _execute(database_url, "UPDATE accounts SET state = 'blocked' WHERE id = 1001")
    await _alembic(database_url, lambda config: command.downgrade(config, "0008"))
    assert await _rows(
        database_url, "SELECT id, is_active FROM accounts WHERE id IN (1000, 1001, 1005) ORDER BY id"
    ) == [
        (1000, True),
        (1001, False),
        (1005, False),
    ]
    await _alembic(database_url, lambda config: command.upgrade(config, "head"))
    assert await _rows(
        database_url, "SELECT id, state, timezone FROM accounts WHERE id IN (1000, 1005) ORDER BY id"
    ) == [
        (1000, "active", "UTC"),
        (1005, "disabled", "UTC"),
    ]
    assert await _rows(database_url, "SELECT count(*) FROM number_stock") == [(0,)]


async def test_stock_attributes_of_held_numbers_round_trip(database_url: str) -> None:
    # 0011: what a held number keeps of the stock goes with a downgrade; the numbers stay.
    await _execute(
        database_url,
        "UPDATE phone_numbers SET stock_location_name = 'Moscow', stock_monthly_charge = 300 WHERE id = 301",
    )
    await _alembic(database_url, lambda config: command.downgrade(config, "0010"))
    assert await _rows(database_url, "SELECT id, category FROM phone_numbers WHERE id = 301") == [(301, "usual")]

    await _alembic(database_url, lambda config: command.upgrade(config, "head"))
    assert await _rows(
        database_url,
        "SELECT stock_location_mnemonic, stock_location_name, stock_onetime_payment, stock_monthly_charge,"
        " stock_min_charge FROM phone_numbers WHERE id = 301",
    ) == [(None, None, 0.0, 0.0, 0.0)]


async def test_campaigns_by_site_index_round_trip(database_url: str) -> None:
    # 0013: an index only; the campaigns stay either way, and the site_id look-up uses it.
    before = await _rows(database_url, "SELECT count(*) FROM campaigns")
    await _alembic(database_url, lambda config: command.downgrade(config, "0012"))
    assert await _rows(database_url, "SELECT count(*) FROM campaigns") == before
    await _alembic(database_url, lambda config: command.upgrade(config, "head"))
    assert await _rows(database_url, "SELECT count(*) FROM campaigns") == before
    sqlite = database_url.startswith("sqlite")

    def explain(conn: sa.Connection) -> list[tuple[object, ...]]:
        if not sqlite:  # a demo-sized table is read whole unless told otherwise
            conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        query = "SELECT engine FROM campaigns WHERE site_id = 10"
        return [tuple(row) for row in conn.execute(sa.text(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + query))]

    storage = await Storage.open(database_url, migrate=False, pool_size=1)
    try:
        plan = await storage.read(explain)
    finally:
        await storage.close()
    assert "ix_campaigns_site_type" in " ".join(str(part) for row in plan for part in row)


# Two groups, inserted out of order, with values JSON must escape and a non-ASCII one.
_CONDITION_ROWS = (
    (1, 0, "exclude", "entrance_page", "~", "^/sale/[0-9]+$"),
    (0, 1, "include", "utm_campaign", "sub", 'say "hi" \\ back'),
    (0, 0, "include", "search_engine", "=", "yandex"),
    (1, 1, "include", "utm_content", "=", "весна"),
)


async def test_conditions_move_into_the_campaign_row_and_back(database_url: str) -> None:
    # 0014: a row per condition becomes one JSON document in the campaign's row, in (group, position)
    # order, and a downgrade gives the rows back; a campaign without conditions has NULL.
    await _alembic(database_url, lambda config: command.downgrade(config, "0013"))
    for sql in (
        "INSERT INTO campaigns (id, account_id, name, status, type, site_id, created_at) "
        "VALUES (9920, 1000, 'with conditions', 'active', 'basic', 10, 0), "
        "(9921, 1000, 'without', 'active', 'basic', 10, 0)",
        "INSERT INTO campaign_site_blocks (campaign_id, site_block_id, position, phone_number_id, "
        "dynamic_call_tracking_enabled) VALUES (9920, 101, 0, 302, false)",
        *(
            "INSERT INTO campaign_conditions (campaign_id, group_index, position, type, campaign_parameter, "
            f"operator, value) VALUES (9920, {group}, {position}, '{kind}', '{parameter}', '{operator}', "
            f"'{value.replace(chr(39), chr(39) * 2)}')"
            for group, position, kind, parameter, operator, value in _CONDITION_ROWS
        ),
    ):
        await _execute(database_url, sql)

    await _alembic(database_url, lambda config: command.upgrade(config, "head"))
    stored = {
        row[0]: row[1] for row in await _rows(database_url, "SELECT id, conditions FROM campaigns WHERE id >= 9920")
    }
    assert stored[9921] is None
    assert json.loads(str(stored[9920])) == [
        [["include", "search_engine", "=", "yandex"], ["include", "utm_campaign", "sub", 'say "hi" \\ back']],
        [["exclude", "entrance_page", "~", "^/sale/[0-9]+$"], ["include", "utm_content", "=", "весна"]],
    ]
    # Rebuilding campaigns would have cascaded to its blocks: the columns are altered in place.
    assert await _rows(database_url, "SELECT count(*) FROM campaign_site_blocks WHERE campaign_id = 9920") == [(1,)]

    await _alembic(database_url, lambda config: command.downgrade(config, "0013"))
    rows = await _rows(
        database_url,
        "SELECT group_index, position, type, campaign_parameter, operator, value FROM campaign_conditions "
        "WHERE campaign_id IN (9920, 9921) ORDER BY group_index, position",
    )
    assert rows == sorted(_CONDITION_ROWS)
    assert await _rows(database_url, "SELECT count(*) FROM campaign_site_blocks WHERE campaign_id = 9920") == [(1,)]

    await _alembic(database_url, lambda config: command.upgrade(config, "head"))
    assert await _rows(database_url, "SELECT count(*) FROM campaigns WHERE id IN (9920, 9921)") == [(2,)]


async def test_downgrades_past_the_campaign_columns_keep_every_campaigns_blocks(database_url: str) -> None:
    # 0003 and 0004 drop columns of accounts and campaigns. As batch copies they dropped the tables on
    # SQLite: dropping campaigns deleted its rows first, cascading to every campaign's blocks, and
    # dropping accounts was refused by the foreign keys into it.
    counted = (
        "SELECT (SELECT count(*) FROM campaigns WHERE type = 'basic'), (SELECT count(*) FROM campaign_site_blocks)"
    )
    before = await _rows(database_url, counted)
    assert isinstance(before[0][1], int) and before[0][1] > 0

    await _alembic(database_url, lambda config: command.downgrade(config, "0002"))
    assert await _rows(database_url, counted) == before

    await _alembic(database_url, lambda config: command.upgrade(config, "head"))
    assert await _rows(database_url, counted) == before


async def test_conditions_of_more_campaigns_than_one_batch_move_each_to_its_own_row(database_url: str) -> None:
    # 0014 moves the rows a thousand campaigns at a time: 2,100 campaigns cross two batches' edges.
    await _alembic(database_url, lambda config: command.downgrade(config, "0013"))
    ids = range(20_001, 22_101)
    await _execute(
        database_url,
        "INSERT INTO campaigns (id, account_id, name, status, type, site_id, created_at) VALUES "
        + ", ".join(f"({n}, 1000, 'batch {n}', 'active', 'basic', 10, 0)" for n in ids),
    )
    await _execute(
        database_url,
        "INSERT INTO campaign_conditions (campaign_id, group_index, position, type, campaign_parameter, operator, "
        "value) VALUES "
        + ", ".join(f"({n}, {group}, 0, 'include', 'utm_term', '=', '{n}-{group}')" for n in ids for group in (1, 0)),
    )

    await _alembic(database_url, lambda config: command.upgrade(config, "head"))
    stored = await _rows(database_url, "SELECT id, conditions FROM campaigns WHERE id > 20000 ORDER BY id")
    assert [row[0] for row in stored] == list(ids)
    for campaign_id, document in stored:
        assert json.loads(str(document)) == [
            [["include", "utm_term", "=", f"{campaign_id}-0"]],
            [["include", "utm_term", "=", f"{campaign_id}-1"]],
        ]


async def test_in_pool_is_read_from_the_pools_and_goes_on_the_way_back(database_url: str) -> None:
    # 0015: phone_numbers.in_pool, filled from pool_numbers on the way up; its triggers go on the way down.
    await _alembic(database_url, lambda config: command.downgrade(config, "0014"))
    await _execute(
        database_url, "INSERT INTO pool_numbers (phone_number_id, campaign_id, site_block_id) VALUES (382, 7, 101)"
    )
    await _alembic(database_url, lambda config: command.upgrade(config, "head"))
    assert await _rows(database_url, "SELECT id FROM phone_numbers WHERE in_pool ORDER BY id") == [(382,)]
    assert (381,) in await _rows(database_url, "SELECT id FROM phone_numbers WHERE NOT in_pool")
    await _alembic(database_url, lambda config: command.downgrade(config, "0014"))
    # The triggers went with the column: a pool's row is written as it was before 0015.
    await _execute(
        database_url, "INSERT INTO pool_numbers (phone_number_id, campaign_id, site_block_id) VALUES (381, 7, 101)"
    )

    def columns(conn: sa.Connection) -> list[str]:
        return [column["name"] for column in sa.inspect(conn).get_columns("phone_numbers")]

    storage = await Storage.open(database_url, migrate=False, pool_size=1)
    try:
        assert "in_pool" not in await storage.read(columns)
    finally:
        await storage.close()
    assert await _rows(database_url, "SELECT phone_number_id FROM pool_numbers ORDER BY 1") == [(381,), (382,)]
    await _alembic(database_url, lambda config: command.upgrade(config, "head"))
    assert await _rows(database_url, "SELECT id FROM phone_numbers WHERE in_pool ORDER BY id") == [(381,), (382,)]
