"""Which constraint a write broke, by its name, on either engine.

A create or update that loses a race on a number breaks one of two constraints
(schema.py): the UNIQUE constraint on a block's call_tracking number, or the
pool table's primary key. PostgreSQL's driver names the constraint
(asyncpg's `constraint_name`); SQLite's names only the columns
("UNIQUE constraint failed: pool_numbers.phone_number_id"), which the schema
maps back to the constraint.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from service.storage import schema as t

EXCLUSIVE_NUMBER: Final = "uq_campaign_site_blocks_exclusive_number"
# PostgreSQL's name for the primary key the migration creates without one.
POOL_NUMBER: Final = "pool_numbers_pkey"


def _sqlite_message(table: sa.Table, columns: sa.ColumnCollection[str, sa.Column[object]]) -> str:
    return "UNIQUE constraint failed: " + ", ".join(f"{table.name}.{column.name}" for column in columns)


def _unique(table: sa.Table, name: str) -> sa.UniqueConstraint:
    return next(c for c in table.constraints if isinstance(c, sa.UniqueConstraint) and c.name == name)


_SQLITE: Final = {
    _sqlite_message(t.campaign_site_blocks, _unique(t.campaign_site_blocks, EXCLUSIVE_NUMBER).columns): (
        EXCLUSIVE_NUMBER
    ),
    _sqlite_message(t.pool_numbers, t.pool_numbers.primary_key.columns): POOL_NUMBER,
}


def violated_constraint(error: sa.exc.IntegrityError) -> str | None:
    """The name of the constraint the statement broke; None when the driver does not say."""
    cause: BaseException | None = error.orig
    # asyncpg's error is .orig itself (storage/direct.py) or what SQLAlchemy's adaptation of it was raised from.
    for _depth in range(3):
        if cause is None:
            break
        name = getattr(cause, "constraint_name", None)
        if isinstance(name, str):
            return name
        cause = cause.__cause__
    return _SQLITE.get(str(error.orig))
