"""Why the database a URL names cannot be used, in one line for the operator.

Storage.open raises DatabaseUnusable for what the operator has to fix: a URL that is not one, a SQLite
file in a folder that does not exist, a PostgreSQL server that does not answer, a database that does
not exist or refuses the user. The message names the problem; the caller names its setting.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa

EXPECTED = "expected sqlite:///PATH or postgresql://USER@HOST:PORT/DB"


class DatabaseUnusable(Exception):
    """The database cannot be opened; str() is one line that says why."""


def parse_url(url: str) -> sa.URL:
    try:
        return sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise DatabaseUnusable(f"{url!r} is not a database URL; {EXPECTED}") from None


def unsupported(url: sa.URL) -> DatabaseUnusable:
    return DatabaseUnusable(f"{url.render_as_string(hide_password=True)!r} is not supported; {EXPECTED}")


def check_sqlite_folder(url: sa.URL) -> None:
    """SQLite creates the file but not its folder, and then only says it is 'unable to open database file'."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    folder = Path(database).parent
    if not folder.is_dir():
        raise DatabaseUnusable(f"the folder {folder} of the SQLite database {database} does not exist; create it")


def check_sqlite_library() -> None:
    """The service reads lists of ids with SQLite's JSON functions (storage/id_lists.py): built in since
    SQLite 3.38 and in most builds long before. Without them every create would fail; say so at start."""
    try:
        with sqlite3.connect(":memory:") as conn:
            conn.execute("SELECT value FROM json_each('[1]')").fetchall()
    except sqlite3.OperationalError:
        raise DatabaseUnusable(
            f"this Python's SQLite library ({sqlite3.sqlite_version}) has no JSON functions (json_each); "
            "the service needs SQLite 3.38 or later, or a build with them"
        ) from None


def cannot_open(url: sa.URL, error: sa.exc.DBAPIError | OSError) -> DatabaseUnusable:
    """The first connection failed: the driver's own reason (one line), or where nothing answered."""
    where = url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)
    if isinstance(error, sa.exc.DBAPIError):
        reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else type(error.orig).__name__
        return DatabaseUnusable(f"cannot open {where}: {reason}")
    address = f"{url.host or 'localhost'}:{url.port or 5432}"
    if isinstance(error, TimeoutError):
        return DatabaseUnusable(f"cannot reach PostgreSQL at {address}: no answer in time")
    if isinstance(error, ConnectionRefusedError):
        return DatabaseUnusable(f"cannot reach PostgreSQL at {address}: connection refused; is it running there?")
    reason = error.strerror or str(error) or type(error).__name__
    return DatabaseUnusable(f"cannot reach PostgreSQL at {address}: {reason.lower()}; is it running there?")
