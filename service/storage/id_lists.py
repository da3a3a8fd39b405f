"""`column IN (a list of ids bound at execution)`, as each engine does it best.

- PostgreSQL: `column = ANY($n)`, one array parameter. The statement's text is
  then the same whatever the list's length, so asyncpg prepares it once per
  connection; an expanded IN list has one text (and one prepare, one plan)
  per length, and a page of 10,000 campaigns would bind 10,000 parameters.
- SQLite, which has no arrays: `column IN (SELECT value FROM json_each(?))`,
  one parameter holding the list as JSON. The same holds: one text whatever the
  length (so the statement can take the storage's fast path, storage/direct.py,
  which an expanding IN list, rendered per execution, cannot), no limit on the
  number of SQLite's parameters, and the column's index still finds each id.

Use `in_ids(column, "name")` where a statement is built, and pass the ids as a
list under that name at execution.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal


class InIds(sa.ColumnElement[bool]):
    """The condition `column IN :name`, rendered per dialect (see the module's docstring)."""

    inherit_cache = True
    type = sa.Boolean()
    # A predicate in its own right: SQLite must not get `(... IN ...) = 1`, which no index serves.
    _is_implicitly_boolean = True
    # What makes two of these the same for SQLAlchemy's statement cache.
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy declares it a list)
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
    ]

    def __init__(self, column: sa.ColumnElement[Any], name: str) -> None:
        self.column = column
        self.name = name


def in_ids(column: sa.ColumnElement[Any], name: str) -> InIds:
    return InIds(column, name)


class _JsonList(sa.types.TypeDecorator[Any]):
    """A list of ids bound as one JSON text, for SQLite's json_each."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str:
        ids = list(value)
        if all(type(item) is int for item in ids):
            return "[" + ",".join(map(str, ids)) + "]"  # what json.dumps writes, in a fraction of its time
        return json.dumps(ids)


@compiles(InIds)
def _json_each(element: InIds, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    ids = compiler.process(sa.bindparam(element.name, type_=_JsonList()), **kw)
    return f"{column} IN (SELECT value FROM json_each({ids}))"


@compiles(InIds, "postgresql")
def _any_array(element: InIds, compiler: SQLCompiler, **kw: Any) -> str:
    array = sa.bindparam(element.name, type_=postgresql.ARRAY(element.column.type))
    return compiler.process(element.column == sa.any_(array), **kw)
