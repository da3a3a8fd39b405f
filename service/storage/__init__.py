"""One storage layer, two engines: SQLite (embedded default) and PostgreSQL.

The domain code is plain synchronous SQLAlchemy Core over a `sa.Connection`,
handed to `Storage.read` or `Storage.write` as one function per transaction,
and both engines run that same function:

- PostgreSQL: the async engine (asyncpg) runs it with `run_sync`, so every
  statement is awaited on the event loop underneath;
- SQLite: the function runs over the stdlib driver on the event loop itself:
  SQLite answers in microseconds and the work is Python that holds the GIL
  anyway, so a thread would add only hand-offs. The one wait SQLite can impose,
  another process holding the database lock, is not waited for on the loop:
  the inline attempt gives up at once and the work runs again on a worker
  thread that may wait (busy_timeout).

The engine is chosen by the database URL; the schema is brought up to date by
Alembic on open.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.ext import asyncio as sa_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from service.storage import direct, schema
from service.storage.unusable import (
    DatabaseUnusable,
    cannot_open,
    check_sqlite_folder,
    check_sqlite_library,
    parse_url,
    unsupported,
)
from service.storage.writer_turns import WriterTurns

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant will do: it names the lock every replica takes while migrating (see take_turns).
MIGRATION_LOCK = 0x63616D70

# How long a transaction may wait for another process's lock (on a worker thread),
# in steps of _BUSY_STEP_MS: SQLite's own wait cannot be interrupted, a step can end.
_BUSY_TIMEOUT_MS = 30_000
_BUSY_STEP_MS = 100
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6

T = TypeVar("T")
Work = Callable[[sa.Connection], T]


def engine_url(url: str) -> sa.URL:
    """Map the user-facing URL (sqlite:///..., postgresql://...) to the driver this layer uses."""
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg")
    raise unsupported(parsed)


class Storage:
    """The service's database: one transaction per unit of work, on either engine."""

    def __init__(
        self,
        *,
        sqlite_engine: sa.Engine | None = None,
        async_engine: AsyncEngine | None = None,
        writer_turns: WriterTurns | None = None,
    ) -> None:
        self._sqlite = sqlite_engine
        self._async = async_engine
        self.is_sqlite = sqlite_engine is not None
        # SQLite has one writer at a time. Queueing this process's writers here, and the
        # processes' on writer_turns, keeps them off SQLite's busy handler, which sleeps in
        # coarse steps and turns contention into long tail latency.
        self._sqlite_writer = asyncio.Lock()
        self._writer_turns = writer_turns
        # SQLite's transactions on the event loop run one at a time, start to end without an await, so
        # they share one connection, kept: checking one out of the pool and back in, with its events,
        # cost more than the BEGIN and COMMIT. Threads waiting out another process's lock use the pool.
        self._loop_connection: sa.Connection | None = None

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True, pool_size: int = 10) -> Storage:
        """Raises DatabaseUnusable for what the operator must fix (the URL, a folder, the server, the database)."""
        target = engine_url(url)
        if target.get_backend_name() == "sqlite":
            check_sqlite_library()
            check_sqlite_folder(target)
            engine = sa.create_engine(
                target,
                # pool_size for the threads, and the event loop's own connection.
                pool_size=pool_size + 1,
                max_overflow=0,
                connect_args={"check_same_thread": False, "timeout": 30},
                # A failed statement's error must not carry the values (tokens, params) into a log line.
                hide_parameters=True,
            )
            _sqlite_discipline(engine)
            database = target.database
            turns = WriterTurns(Path(database)) if database and database != ":memory:" else None
            storage = cls(sqlite_engine=engine, writer_turns=turns)
        else:
            storage = cls(
                # Looked up when called, as sa.create_engine above: tracing's instrumentation wraps
                # both module functions to trace the engines they make (service/tracing.py).
                async_engine=sa_asyncio.create_async_engine(
                    # No pre-ping: it costs a round trip per transaction. After a server restart
                    # the first call on a dead connection fails, and SQLAlchemy then replaces
                    # every connection of the pool.
                    target,
                    pool_size=pool_size,
                    max_overflow=0,
                    pool_recycle=1800,
                    hide_parameters=True,
                )
            )
        if migrate:
            try:
                await storage.migrate()
            except (sa.exc.DBAPIError, OSError) as error:
                await storage.close()
                raise cannot_open(target, error) from error
        return storage

    def connections_in_use(self) -> int:
        """Connections checked out of the pool for calls right now. Not the event loop's own SQLite
        connection: its transactions start and end without an await, so from the loop it is never busy."""
        engine = self._sqlite if self._sqlite is not None else self._async.sync_engine  # type: ignore[union-attr]
        pool = engine.pool
        if not isinstance(pool, sa.QueuePool):
            return 0
        return pool.checkedout() - (self._loop_connection is not None)

    async def close(self) -> None:
        if self._loop_connection is not None:
            self._loop_connection.close()
            self._loop_connection = None
        if self._sqlite is not None:
            await asyncio.to_thread(self._sqlite.dispose)
        if self._writer_turns is not None:
            self._writer_turns.close()
        if self._async is not None:
            await self._async.dispose()

    async def migrate(self) -> None:
        """Apply pending migrations; safe when several replicas start at once."""

        def upgrade(conn: sa.Connection) -> None:
            take_turns(conn, MIGRATION_LOCK)
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

        await self.write(upgrade)

    async def read(self, work: Work[T]) -> T:
        """Run `work` in a read transaction."""
        return await self._run(work, write=False)

    async def write(self, work: Work[T]) -> T:
        """Run `work` in a transaction that commits when it returns and rolls back when it raises."""
        if self.is_sqlite:
            async with self._sqlite_writer:
                if self._writer_turns is None:
                    return await self._run(work, write=True)
                await self._writer_turns.take()
                try:
                    return await self._run(work, write=True)
                finally:
                    self._writer_turns.give_back()
        return await self._run(work, write=True)

    async def _run(self, work: Work[T], *, write: bool) -> T:
        if self._sqlite is not None:
            conn = self._loop_connection
            if conn is None or conn.closed:
                conn = self._loop_connection = self._sqlite.connect()
            try:
                return self._run_sqlite(conn, work, write, busy_timeout_ms=0)
            except sa.exc.OperationalError as error:
                if not _is_busy(error):
                    raise
            # Another process holds the lock: wait for it on a worker thread, in short
            # steps, so that a caller who gives up (its deadline, a shutdown) ends the
            # wait, and its change is rolled back rather than committed unannounced.
            abandoned = threading.Event()
            try:
                return await asyncio.to_thread(self._wait_and_run_sqlite, self._sqlite, work, write, abandoned)
            except asyncio.CancelledError:
                abandoned.set()
                raise
        assert self._async is not None
        # One greenlet for the whole transaction (check-out, BEGIN, the work, COMMIT,
        # check-in): AsyncConnection would spawn one per step, which costs more
        # CPU than the round trips themselves.
        return await greenlet_spawn(self._run_in_greenlet, self._async.sync_engine, work)

    @staticmethod
    def _run_in_greenlet(engine: sa.Engine, work: Work[T]) -> T:
        with engine.connect() as conn, conn.begin():
            return work(conn)

    @classmethod
    def _wait_and_run_sqlite(cls, engine: sa.Engine, work: Work[T], write: bool, abandoned: threading.Event) -> T:
        give_up_at = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                with engine.connect() as conn:
                    return cls._run_sqlite(conn, work, write, _BUSY_STEP_MS, abandoned)
            except sa.exc.OperationalError as error:
                if not _is_busy(error) or abandoned.is_set() or time.monotonic() >= give_up_at:
                    raise

    @staticmethod
    def _run_sqlite(
        conn: sa.Connection,
        work: Work[T],
        write: bool,
        busy_timeout_ms: int,
        abandoned: threading.Event | None = None,
    ) -> T:
        # BEGIN IMMEDIATE takes the write lock up front instead of failing
        # when a read lock is upgraded under another writer.
        conn = conn.execution_options(
            sqlite_begin="BEGIN IMMEDIATE" if write else "BEGIN", sqlite_busy_timeout_ms=busy_timeout_ms
        )
        with conn.begin():
            result = work(conn)
            if abandoned is not None and abandoned.is_set():
                raise Abandoned  # rolls the transaction back
            return result


def take_turns(conn: sa.Connection, key: int) -> None:
    """Wait until no other transaction that took turns on `key` is open, and keep the others waiting
    until this one ends: work that first looks and then writes (migrating, loading the demo data)
    runs as if alone, however many processes start it at once.

    On PostgreSQL, a transaction-scoped advisory lock: once it is granted, the transaction's next
    statements see what the previous holder committed (READ COMMITTED, the service's isolation).
    SQLite needs nothing more: `conn` is a write transaction (Storage.write), which BEGIN IMMEDIATE
    started by taking the database's one write lock.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


# Names the per-account locks of lock_account: (this class, account id) is the two-key advisory lock.
_ACCOUNT_LOCK_CLASS = 0x61636374


def lock_account(conn: sa.Connection, account_id: int, *, exclusive: bool) -> None:
    """Order the account's writes that depend on its directory rows (sites, blocks, numbers).

    A write that relies on a directory row existing (a campaign put on a block, a number used by a
    campaign) takes the shared lock before it looks; one that removes a directory row a campaign may
    use (delete.sites, delete.site_blocks, disable.virtual_numbers) takes the exclusive lock before it
    checks for users. So a removal never misses a campaign written at the same time: on PostgreSQL the
    campaign's references are not foreign keys (migration 0007) and an uncommitted campaign row is
    invisible to the removal's check. Shared holders do not wait for each other. Held to the end of
    the transaction. SQLite needs nothing: a write transaction runs alone.
    """
    if conn.dialect.name == "postgresql":
        _ACCOUNT_LOCKS[exclusive].fetch(conn, {"kind": _ACCOUNT_LOCK_CLASS, "account": account_id & 0x7FFFFFFF})


def _account_lock(function: str) -> direct.Fast:
    key = (sa.bindparam("kind", type_=sa.Integer), sa.bindparam("account", type_=sa.Integer))
    return direct.fast(sa.select(getattr(sa.func, function)(*key)))


# On the storage's fast path (storage/direct.py): every create and update of a campaign takes one.
_ACCOUNT_LOCKS = {True: _account_lock("pg_advisory_xact_lock"), False: _account_lock("pg_advisory_xact_lock_shared")}


class Abandoned(Exception):
    """The caller of a transaction on a worker thread has gone: it was rolled back, not committed."""


def _sqlite_discipline(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN (see _on_begin).
        dbapi_connection.isolation_level = None
        # SQLite's own lower() folds ASCII only; ilike is lower(x) LIKE lower(y), as on PostgreSQL.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            # like is case-sensitive, as on PostgreSQL; ilike is the insensitive one.
            "PRAGMA case_sensitive_like=ON",
            f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}",
        ):
            cursor.execute(pragma)
        cursor.close()
        _record.info["busy_timeout_ms"] = _BUSY_TIMEOUT_MS

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        options = conn.get_execution_options()
        wanted = options.get("sqlite_busy_timeout_ms", _BUSY_TIMEOUT_MS)
        info = conn.connection.info
        if info.get("busy_timeout_ms") != wanted:
            _driver_sql(conn, f"PRAGMA busy_timeout={int(wanted)}")
            info["busy_timeout_ms"] = wanted
        _driver_sql(conn, options.get("sqlite_begin", "BEGIN"))


def _driver_sql(conn: sa.Connection, sql: str) -> None:
    """A statement without parameters or rows (BEGIN, a PRAGMA) straight on sqlite3, as direct.py does:
    every transaction runs one, and SQLAlchemy's execution layer costs more than SQLite takes.
    Its error is SQLAlchemy's, as from conn.exec_driver_sql (a busy database is OperationalError)."""
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    try:
        if direct.statement_span is None:
            driver.execute(sql)
            return
        with direct.statement_span(conn, sql):
            driver.execute(sql)
    except sqlite3.OperationalError as error:
        raise sa.exc.OperationalError(sql, None, error) from error


def _lower(text: Any) -> Any:
    return text.lower() if isinstance(text, str) else text


def _is_busy(error: sa.exc.OperationalError) -> bool:
    # sqlite_errorcode is the extended code: SQLITE_BUSY_RECOVERY (another process is rebuilding
    # the WAL index, as when several open a fresh file at once) is a wait like any other.
    code = getattr(error.orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)


__all__ = ["MIGRATION_LOCK", "DatabaseUnusable", "Storage", "Work", "engine_url", "schema", "take_turns"]
