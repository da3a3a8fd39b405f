"""The statements every create runs, sent to the driver without SQLAlchemy's execution layer.

Each statement that goes through SQLAlchemy's Connection.execute costs the
service tens of microseconds of CPU on top of the driver's own (the execution
context, parameter processing, result set-up): on PostgreSQL about 75 us on top
of asyncpg's 55; on SQLite about 10 us a row in an executemany, which makes the
1,500 conditions of a maximal campaign cost more than everything else it does.
The service's CPU is what limits its throughput. A statement takes this path
when it is marked so where it is defined, built once at import:
`STATEMENT = fast(...)`, run by its own `fetch` or `execute_many`. It is
compiled once (per parameter names) with SQLAlchemy, and its SQL sent through
the connection's driver (asyncpg, or sqlite3's cursor), inside the transaction
SQLAlchemy opened; results come back as plain named tuples.

Every call's statements take this path: admission, the account's lock, the
charge, a create's reads and inserts, an update's and a delete's, and the get
methods' listings (listing.py) and their nested lists. On PostgreSQL, SQLAlchemy's
asyncpg adapter sends the BEGIN lazily, before the transaction's first
statement; when that statement comes here, this module asks the adapter to send
it (on SQLite, storage's begin event has sent it already).

Everything else is SQLAlchemy's, and so is anything this module cannot do
exactly as SQLAlchemy would, where it falls back to `conn.execute`: a result
column whose conversion depends on the driver's column type (a Numeric kept as
Decimal on PostgreSQL), a column with a Python-side default, an expanding IN
list. Result types that convert plainly (SQLite's booleans, a Float whatever the
server's type) are converted here as SQLAlchemy would.

SQLAlchemy's engine events do not fire on this path, so neither does its tracing
instrumentation: with traces on, `statement_span` (set by service/tracing.py)
makes each statement's span here.

Bind values go through their types' bind processors, as with SQLAlchemy, and a
constraint violation is raised as `sqlalchemy.exc.IntegrityError` with
asyncpg's error as `.orig`. Other errors propagate as asyncpg raised them, and
one that says the connection is lost invalidates it first, as SQLAlchemy does
for its own statements (the rollback alone did not: a BEGIN that failed leaves
nothing to roll back, and the dead connection went back to the pool).
"""

from __future__ import annotations

import collections
import operator
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Final, Protocol

import asyncpg
import sqlalchemy as sa
from sqlalchemy.util import await_

# Statements are module constants and the listings' shapes (at most 256, service/listing.py), so this stays
# small; the bound guards a mistake.
_CACHE_LIMIT: Final = 1024


class Rows(Protocol):
    """What the callers use of a result, from either path."""

    def __iter__(self) -> Iterator[Any]: ...

    def first(self) -> Any: ...

    def scalar_one(self) -> Any: ...

    def mappings(self) -> Iterable[Mapping[Any, Any]]: ...


@dataclass(frozen=True, slots=True)
class _Compiled:
    statement: sa.Executable
    sql: str
    names: tuple[str, ...]  # the bind parameters' names in $1, $2, ... order
    processors: Mapping[str, Callable[[Any], Any]]
    compiled: sa.Compiled
    direct: bool  # False: the result needs SQLAlchemy's processing
    # Per result column, the processor SQLAlchemy would apply (None: as the driver gives it);
    # None when no column has one.
    results: tuple[Callable[[Any], Any] | None, ...] | None


class _Result:
    """The driver's records, converted and named only as the caller reads them."""

    def __init__(
        self,
        records: Sequence[Any],
        names: tuple[str, ...] = (),
        processors: tuple[Callable[[Any], Any] | None, ...] | None = None,
    ) -> None:
        self._records = records
        self._names = names
        self._processors = processors

    def _values(self) -> Sequence[Sequence[Any]]:
        processors = self._processors
        if processors is None:
            return self._records
        return [
            [value if convert is None else convert(value) for convert, value in zip(processors, record, strict=True)]
            for record in self._records
        ]

    def __iter__(self) -> Iterator[Any]:
        if not self._records:
            return iter(())
        return map(_row_type(self._names)._make, self._values())  # type: ignore[attr-defined]

    def first(self) -> Any:
        return next(iter(self), None)

    def scalar_one(self) -> Any:
        if len(self._records) != 1:
            raise sa.exc.NoResultFound if not self._records else sa.exc.MultipleResultsFound
        return self._values()[0][0]

    def mappings(self) -> list[dict[str, Any]]:
        """The rows as dicts by column name (the names as selected, whatever a named tuple renamed)."""
        names = self._names
        return [dict(zip(names, values, strict=True)) for values in self._values()]


@dataclass(frozen=True, slots=True)
class Fast:
    """A statement that takes the fast path, marked so where it is defined (`fast`)."""

    statement: sa.Executable

    def fetch(self, conn: sa.Connection, params: Mapping[str, Any]) -> Rows:
        return fetch(conn, self.statement, params)

    def execute_many(self, conn: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        execute_many(conn, self.statement, rows)


def fast(statement: sa.Executable) -> Fast:
    """Mark a statement, built once at import, to go straight to asyncpg on PostgreSQL."""
    return Fast(statement)


# By statement, parameter names and dialect (a process may hold both engines: the tests do).
_compiled: dict[tuple[int, frozenset[str], str], _Compiled] = {}
_row_types: dict[tuple[str, ...], type[tuple[Any, ...]]] = {}


# Set by service/tracing.py when traces are on: a span around each statement sent from here, which
# SQLAlchemy's instrumentation does not see (the engine events it listens to do not fire on this path).
statement_span: Callable[[sa.Connection, str], AbstractContextManager[None]] | None = None


def fetch(conn: sa.Connection, statement: sa.Executable, params: Mapping[str, Any]) -> Rows:
    """conn.execute(statement, params), directly through asyncpg where it can be."""
    driver = _driver_in_transaction(conn)
    if driver is None:
        return conn.execute(statement, params)
    entry = _compile(conn, statement, params.keys())
    if not entry.direct:
        return conn.execute(statement, params)
    with _sending(conn, entry.sql):
        return _fetch(driver, entry, params)


@contextmanager
def _sending(conn: sa.Connection, sql: str | None) -> Iterator[None]:
    """Around a statement sent here: its span, with traces on (none for sql None: the BEGIN), and what
    SQLAlchemy does when a statement it sent fails. A connection the server has gone from (a restart) is
    invalidated, so that the pool opens a new one, rather than put back, where every later call would fail
    on it again; then the error goes on as it was. One context manager: this wraps every statement."""
    try:
        if statement_span is None or sql is None:
            yield
        else:
            with statement_span(conn, sql):
                yield
    except Exception as error:
        adapter = conn.connection.dbapi_connection
        # asyncpg's own errors are not DB-API ones; given the connection, the dialect asks the driver itself.
        if adapter is not None and conn.dialect.is_disconnect(error, adapter, None):  # type: ignore[arg-type]
            conn.invalidate(error)
        raise


def _fetch(driver: Any, entry: _Compiled, params: Mapping[str, Any]) -> Rows:
    if isinstance(driver, sqlite3.Connection):
        return _sqlite_fetch(driver, entry, params)
    try:
        records = await_(driver.fetch(entry.sql, *_values(entry, params)))
    except asyncpg.IntegrityConstraintViolationError as error:
        raise sa.exc.IntegrityError(entry.sql, params, error) from error
    if not records:
        return _Result([])
    return _Result(records, tuple(records[0].keys()), entry.results)


def execute_many(conn: sa.Connection, statement: sa.Executable, rows: Sequence[Mapping[str, Any]]) -> None:
    """conn.execute(statement, rows) for a statement without results (an INSERT of many rows)."""
    driver = _driver_in_transaction(conn)
    if driver is None or not rows:
        conn.execute(statement, list(rows))
        return
    entry = _compile(conn, statement, rows[0].keys())
    if not entry.direct:
        conn.execute(statement, list(rows))
        return
    with _sending(conn, entry.sql):
        _execute_many(driver, entry, rows)


def _execute_many(driver: Any, entry: _Compiled, rows: Sequence[Mapping[str, Any]]) -> None:
    values = _rows_values(entry, rows)
    if isinstance(driver, sqlite3.Connection):
        try:
            driver.executemany(entry.sql, values)
        except sqlite3.IntegrityError as error:
            raise sa.exc.IntegrityError(entry.sql, rows, error) from error
        return
    try:
        if len(values) == 1:
            # One row (a create's one block): asyncpg's executemany costs a round trip more than execute.
            await_(driver.execute(entry.sql, *values[0]))
        else:
            await_(driver.executemany(entry.sql, values))
    except asyncpg.IntegrityConstraintViolationError as error:
        raise sa.exc.IntegrityError(entry.sql, rows, error) from error


def _driver_in_transaction(conn: sa.Connection) -> Any:
    """The driver's connection, once the transaction SQLAlchemy opened has begun on it; else None."""
    driver = conn.connection.driver_connection
    if driver is None:
        return None
    if conn.dialect.name == "sqlite":
        return driver if driver.in_transaction else None
    if driver.is_in_transaction():
        return driver
    # SQLAlchemy's asyncpg adapter begins on the first statement it sends; this is that statement.
    adapter = conn.connection.dbapi_connection
    begin = getattr(adapter, "_start_transaction", None)
    if begin is None or not conn.in_transaction() or getattr(adapter, "_transaction", True) is not None:
        return None  # not the adapter this was written for, or not in a transaction: SQLAlchemy's way
    with _sending(conn, None):
        await_(begin())
    return driver if driver.is_in_transaction() else None


def _sqlite_fetch(driver: sqlite3.Connection, entry: _Compiled, params: Mapping[str, Any]) -> Rows:
    try:
        cursor = driver.execute(entry.sql, _values(entry, params))
        records = cursor.fetchall()
    except sqlite3.IntegrityError as error:
        raise sa.exc.IntegrityError(entry.sql, params, error) from error
    if not records:
        return _Result([])
    return _Result(records, tuple(column[0] for column in cursor.description), entry.results)


def _compile(conn: sa.Connection, statement: sa.Executable, keys: Any) -> _Compiled:
    names = frozenset(keys)
    key = (id(statement), names, conn.dialect.name)
    entry = _compiled.get(key)
    if entry is not None and entry.statement is statement:
        return entry
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, column_keys=sorted(names))  # type: ignore[attr-defined]
    order = tuple(compiled.positiontup or ())
    processors = {
        name: processor
        for name in set(order)
        if (processor := compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    }
    results = _result_processors(dialect, getattr(statement, "exported_columns", ()))
    direct = (
        results is not None
        # Python-side column defaults, which SQLAlchemy computes before it executes.
        and not getattr(compiled, "insert_prefetch", None)
        and not getattr(compiled, "update_prefetch", None)
        # An expanding IN (a literal list's in_()) is rendered per call by SQLAlchemy; lists of ids are
        # one parameter instead (id_lists.py).
        and not getattr(compiled, "post_compile_params", None)
    )
    entry = _Compiled(
        statement,
        compiled.string,
        order,
        processors,
        compiled,
        direct,
        results if results is not None and any(results) else None,
    )
    if len(_compiled) >= _CACHE_LIMIT:
        _compiled.clear()
    _compiled[key] = entry
    return entry


def _result_processors(dialect: sa.Dialect, columns: Iterable[Any]) -> tuple[Callable[[Any], Any] | None, ...] | None:
    """Each column's result processor, or None when one needs the driver's column type to be made
    (asyncpg's numeric asks for it): such a statement takes SQLAlchemy's path."""
    found: list[Callable[[Any], Any] | None] = []
    for column in columns:
        try:
            found.append(column.type.dialect_impl(dialect).result_processor(dialect, None))
        except (TypeError, KeyError):
            if not (isinstance(column.type, sa.Float) and not column.type.asdecimal):
                return None
            # A float whatever the column's type on the server (asyncpg gives numeric as Decimal), as
            # SQLAlchemy's processor makes it once it knows that type.
            found.append(_to_float)
    return tuple(found)


def _to_float(value: Any) -> Any:
    return None if value is None else float(value)


def _values(entry: _Compiled, params: Mapping[str, Any]) -> list[Any]:
    # construct_params adds what the statement binds itself (a literal's value); a row that
    # names every parameter (an INSERT's) needs none of it, and it is the costly part.
    full = params if all(name in params for name in entry.names) else entry.compiled.construct_params(params) or {}
    values = []
    for name in entry.names:
        value = full[name]
        processor = entry.processors.get(name)
        values.append(processor(value) if processor is not None else value)
    return values


def _rows_values(entry: _Compiled, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    """_values of each row; for rows that name every parameter and need no conversion (an INSERT's
    rows, usually), one C-level item getter per row instead of a Python loop over the names."""
    if entry.processors or len(entry.names) < 2 or not all(name in rows[0] for name in entry.names):
        return [_values(entry, row) for row in rows]
    row_values = operator.itemgetter(*entry.names)
    try:
        return list(map(row_values, rows))
    except KeyError:  # a later row without some name: the general way fills it in
        return [_values(entry, row) for row in rows]


def _row_type(columns: tuple[str, ...]) -> type[tuple[Any, ...]]:
    known = _row_types.get(columns)
    if known is not None:
        return known
    made: type[tuple[Any, ...]] = collections.namedtuple("Row", columns, rename=True)  # type: ignore[misc]
    _row_types[columns] = made
    return made
