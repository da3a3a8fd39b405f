"""One storage layer, two engines: SQLite (embedded default) and PostgreSQL.

Both run the same SQLAlchemy Core queries. The engine is chosen by the
database URL; the schema is brought up to date by Alembic on open.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from service.storage import schema

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant will do: it names the lock every replica takes while migrating.
_MIGRATION_LOCK = 0x63616D70


def async_url(url: str) -> sa.URL:
    """Map the user-facing URL (sqlite:///..., postgresql://...) to its async driver."""
    parsed = sa.make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}")


class Storage:
    """The service's database: an async engine plus the transaction discipline."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        # SQLite has one writer at a time. Queueing this process's writers here
        # keeps them off SQLite's busy handler, which sleeps in coarse steps and
        # turns contention into long tail latency.
        self._sqlite_writer = asyncio.Lock()

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True, pool_size: int = 10) -> Storage:
        target = async_url(url)
        if target.get_backend_name() == "sqlite":
            engine = create_async_engine(target, pool_size=pool_size, max_overflow=0)
            _sqlite_discipline(engine)
        else:
            engine = create_async_engine(
                target, pool_size=pool_size, max_overflow=0, pool_pre_ping=True, pool_recycle=1800
            )
        storage = cls(engine)
        if migrate:
            await storage.migrate()
        return storage

    async def close(self) -> None:
        await self.engine.dispose()

    async def migrate(self) -> None:
        """Apply pending migrations; safe when several replicas start at once."""
        async with self.transaction(write=True) as conn:
            if not self.is_sqlite:
                # SQLite's BEGIN IMMEDIATE already serialises this; PostgreSQL needs a lock.
                await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            await conn.run_sync(_upgrade)

    @contextlib.asynccontextmanager
    async def transaction(self, *, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back on an exception.

        On SQLite a write transaction starts with BEGIN IMMEDIATE, so it waits for
        the write lock up front instead of failing when it upgrades a read lock.
        """
        if self.is_sqlite and write:
            async with self._sqlite_writer, self.engine.connect() as conn:
                await conn.execution_options(sqlite_begin="BEGIN IMMEDIATE")
                async with conn.begin():
                    yield conn
            return
        async with self.engine.connect() as conn:
            if self.is_sqlite:
                await conn.execution_options(sqlite_begin="BEGIN")
            async with conn.begin():
                yield conn


def _sqlite_discipline(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=30000",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))


def _upgrade(sync_conn: sa.Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = sync_conn
    command.upgrade(config, "head")


__all__ = ["Storage", "async_url", "schema"]


async def _main(url: str) -> None:  # pragma: no cover - manual helper
    storage = await Storage.open(url)
    await storage.close()


if __name__ == "__main__":  # pragma: no cover
    import sys

    asyncio.run(_main(sys.argv[1]))
