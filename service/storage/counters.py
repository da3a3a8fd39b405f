"""Ids of the sites and site blocks the service creates.

A new id is above every id of its table (the directory's explicit ids
included) and above every id handed out before, deleted rows' too: a client
never sees an id come back for a different site. The counter row is the
lock: on PostgreSQL the UPDATE holds it to the commit, so two creates never
draw the same id; on SQLite the write transaction already runs alone.
"""

from __future__ import annotations

import sqlalchemy as sa

from service.storage import schema as t

_c = t.id_counters.c


def next_id(conn: sa.Connection, table: sa.Table) -> int:
    """A fresh id for a row of `table` (sites or site_blocks), reserved by this transaction."""
    held = conn.execute(
        sa.update(t.id_counters).where(_c.name == table.name).values(next_id=_c.next_id).returning(_c.next_id)
    ).scalar_one_or_none()
    if held is None:
        raise LookupError(f"no id counter for {table.name}")
    highest = conn.execute(sa.select(sa.func.max(table.c.id))).scalar_one() or 0
    new_id: int = max(held, highest + 1, t.FIRST_GENERATED_ID)
    conn.execute(sa.update(t.id_counters).where(_c.name == table.name).values(next_id=new_id + 1))
    return new_id
