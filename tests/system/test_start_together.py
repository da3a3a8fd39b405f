"""Replicas started at the same moment: each migrates the database and loads the demo data.

Two `serve-grpc --demo` and one `load-demo` start together. Every one must
succeed (serve, or exit 0), and the database must end up at the newest schema,
holding the demo data set exactly once.

Left alone, they would reach the database one by one as their imports finish,
often each after the previous one is done, and a race would be rare. So the
test lines them up: it holds what all of them wait for, until all of them wait
for it, and then lets go.

- On a fresh database, what they wait for first: on PostgreSQL the lock
  replicas take while migrating (pg_locks shows them waiting), on SQLite the
  file's lock, held until every process has the file open. Once it is released
  they all migrate, and go on to load the demo data, at about the same moment.
- On a migrated database without data (PostgreSQL), the accounts table, which
  a loader reads first to find what is missing: all of them read it at the
  same moment. On SQLite a loader holds the file's write lock from the start
  of its transaction (BEGIN IMMEDIATE), so loaders cannot overlap there.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory

from service.demo import CAMPAIGNS, demo_directory
from service.storage import MIGRATION_LOCK, MIGRATIONS
from service.storage import schema as t
from tests.databases import DatabaseFactory
from tests.service.helpers import query
from tests.system.processes import START_TIMEOUT, Process, ServiceProcess, run_cli, wait_until

SERVICES = 2
TEST_TIMEOUT = 90.0

Hold = Callable[[asyncpg.Connection], Awaitable[None]]


def _has_open(pid: int, path: Path) -> bool:
    """Whether process `pid` has `path` open (Linux /proc)."""
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if Path(os.readlink(fd)) == path:
                    return True
    return False


def _lock_the_file(database_url: str) -> tuple[Path, sqlite3.Connection]:
    """The SQLite database's file (created empty if missing), and a connection holding its exclusive lock."""
    path = Path(database_url.removeprefix("sqlite:///")).resolve()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return path, holder


@contextlib.asynccontextmanager
async def sqlite_lined_up(database_url: str, processes: list[Process]) -> AsyncIterator[None]:
    """The file's lock, held while the body starts the processes and until every one has the file open."""
    path, holder = _lock_the_file(database_url)

    # A process waits at SQLite's lock with the file open, or in line before it, on the writers' turns
    # (service/storage/writer_turns.py), whose file it opens first.
    turns = path.with_name(path.name + "-writers.lock")

    async def all_waiting() -> bool:
        return all(not p.running or _has_open(p.pid, path) or _has_open(p.pid, turns) for p in processes)

    try:
        yield
        await wait_until(all_waiting, within=START_TIMEOUT, interval=0.05, what="every process at the lock")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextlib.asynccontextmanager
async def postgresql_lined_up(database_url: str, processes: list[Process], hold: Hold) -> AsyncIterator[None]:
    """What `hold` takes, held while the body starts the processes and until every one waits for a lock."""
    conn = await asyncpg.connect(database_url, timeout=10)

    async def all_waiting() -> bool:
        # A backend waits for one lock at a time; the test's database is its own.
        waiting: int = await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return waiting >= sum(p.running for p in processes)

    try:
        await hold(conn)
        yield
        await wait_until(all_waiting, within=START_TIMEOUT, interval=0.05, what="every process at the lock")
    finally:
        await conn.close()  # ends the transaction and the session, and with them every lock held


async def _hold_the_migration_lock(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)


async def _hold_the_accounts_table(conn: asyncpg.Connection) -> None:
    await conn.execute("BEGIN")
    await conn.execute("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE")


async def start_together(
    database_url: str, tmp_path: Path, lined_up: Callable[[list[Process]], contextlib.AbstractAsyncContextManager[None]]
) -> None:
    """Start the services and the loader lined up; all must serve or exit 0."""
    services = [ServiceProcess(database_url, tmp_path / f"service{i}.log", demo=True) for i in range(SERVICES)]
    loader = Process("campaigns load-demo", ["load-demo", "--database-url", database_url], tmp_path / "load-demo.log")
    everyone: list[Process] = [*services, loader]
    async with asyncio.timeout(TEST_TIMEOUT), contextlib.AsyncExitStack() as cleanup:
        for process in everyone:
            cleanup.push_async_callback(process.stop)
        async with lined_up(everyone):
            await asyncio.gather(*(p.start() for p in everyone))
        results = await asyncio.gather(
            *(s.wait_serving() for s in services), loader.wait(within=START_TIMEOUT), return_exceptions=True
        )
        failures = [str(r) for r in results[:-1] if isinstance(r, BaseException)]
        if results[-1] != 0:
            failures.append(f"{results[-1]!r}\n{loader.describe()}")
        assert not failures, "\n\n".join(failures)
        for service in services:
            service.assert_alive()


async def assert_migrated_with_one_demo_set(database_url: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    versions = await query(database_url, sa.text("SELECT version_num FROM alembic_version"))
    assert [row[0] for row in versions] == [head]
    directory = demo_directory()
    accounts = directory.accounts
    users = [user for account in accounts for user in account.users]
    expected_rows = {
        "accounts": len(accounts),
        "users": len(users) + len(directory.agents),
        "access_tokens": sum(len(user.tokens) for user in users) + sum(len(agent.tokens) for agent in directory.agents),
        "sites": sum(len(account.sites) for account in accounts),
        "site_blocks": sum(len(site.blocks) for account in accounts for site in account.sites),
        "phone_numbers": sum(len(account.phone_numbers) for account in accounts),
        "redirection_numbers": sum(len(account.redirection_numbers) for account in accounts),
        # One system campaign per account, and the demo's own.
        "campaigns": len(accounts) + len(CAMPAIGNS),
    }
    tables = t.metadata.tables
    counts = {
        name: (await query(database_url, sa.select(sa.func.count()).select_from(tables[name])))[0][0]
        for name in expected_rows
    }
    assert counts == expected_rows
    # The quota counters count the demo campaigns once.
    basic = await query(database_url, sa.select(t.accounts.c.id, t.accounts.c.basic_campaigns))
    expected = {
        a.app_id: sum(1 for c in CAMPAIGNS if c["account_id"] == a.app_id and c["type"] == "basic") for a in accounts
    }
    assert {row.id: row.basic_campaigns for row in basic} == expected


async def test_replicas_started_together_on_a_fresh_database(
    engine: str, database_factory: DatabaseFactory, tmp_path: Path
) -> None:
    database_url = await database_factory.empty()

    def lined_up(processes: list[Process]) -> contextlib.AbstractAsyncContextManager[None]:
        if engine == "sqlite":
            return sqlite_lined_up(database_url, processes)
        return postgresql_lined_up(database_url, processes, _hold_the_migration_lock)

    await start_together(database_url, tmp_path, lined_up)
    await assert_migrated_with_one_demo_set(database_url)


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
async def test_demo_loaders_read_what_is_missing_at_the_same_moment(
    database_factory: DatabaseFactory, tmp_path: Path
) -> None:
    database_url = await database_factory.empty()
    await run_cli("migrate", "--database-url", database_url, log=tmp_path / "migrate.log")

    def lined_up(processes: list[Process]) -> contextlib.AbstractAsyncContextManager[None]:
        return postgresql_lined_up(database_url, processes, _hold_the_accounts_table)

    await start_together(database_url, tmp_path, lined_up)
    await assert_migrated_with_one_demo_set(database_url)
