"""vacant pool stock by index: phone_numbers.in_pool, kept by triggers, and a partial index

A create with dynamic call tracking takes the account's vacant pool stock first:
pool-stock numbers in no pool. Found by looking up every pool-stock number of the
account in pool_numbers, that cost grew with the numbers already in pools (every
number bought for a pool stays pool stock): 0.27 ms a create at 1,000 of them on
SQLite, 24-33 ms at 100,000. phone_numbers.in_pool says what pool_numbers says,
and a partial index on (account_id, id) holds the vacant stock alone.

Triggers on pool_numbers keep the flag, in the statement that adds or removes a
pool's row, so that every writer does, a foreign key's cascade from campaigns
included, and two transactions on PostgreSQL cannot leave it out of step (the
row's lock orders them). Each engine has its own trigger language; they do the
same thing.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_numbers = sa.table(
    "phone_numbers",
    sa.column("id", sa.BigInteger),
    sa.column("is_pool_stock", sa.Boolean),
    sa.column("is_hosted_pbx", sa.Boolean),
    sa.column("in_pool", sa.Boolean),
)
_pooled = sa.table("pool_numbers", sa.column("phone_number_id", sa.BigInteger))
_VACANT = sa.and_(
    _numbers.c.is_pool_stock.is_(True),
    _numbers.c.is_hosted_pbx.is_(False),
    _numbers.c.in_pool.is_(False),
)


# SQLite: a trigger per event. PostgreSQL: one function for all three.
_SQLITE_TRIGGERS = {
    "pool_numbers_taken": "AFTER INSERT ON pool_numbers BEGIN "
    "UPDATE phone_numbers SET in_pool = 1 WHERE id = NEW.phone_number_id; END",
    "pool_numbers_given_back": "AFTER DELETE ON pool_numbers BEGIN "
    "UPDATE phone_numbers SET in_pool = 0 WHERE id = OLD.phone_number_id; END",
    "pool_numbers_moved": "AFTER UPDATE OF phone_number_id ON pool_numbers BEGIN "
    "UPDATE phone_numbers SET in_pool = 0 WHERE id = OLD.phone_number_id; "
    "UPDATE phone_numbers SET in_pool = 1 WHERE id = NEW.phone_number_id; END",
}
_PG_FUNCTION = """
CREATE FUNCTION pool_numbers_mark_in_pool() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE phone_numbers SET in_pool = false WHERE id = OLD.phone_number_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE phone_numbers SET in_pool = true WHERE id = NEW.phone_number_id;
    END IF;
    RETURN NULL;
END
$$
"""
_PG_TRIGGER = (
    "CREATE TRIGGER pool_numbers_mark_in_pool AFTER INSERT OR DELETE OR UPDATE OF phone_number_id "
    "ON pool_numbers FOR EACH ROW EXECUTE FUNCTION pool_numbers_mark_in_pool()"
)


def upgrade() -> None:
    # In place: phone_numbers is referenced, never rebuilt (migration 0014 says why).
    op.add_column("phone_numbers", sa.Column("in_pool", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute(_numbers.update().where(_numbers.c.id.in_(sa.select(_pooled.c.phone_number_id))).values(in_pool=True))
    op.create_index(
        "ix_phone_numbers_vacant_stock",
        "phone_numbers",
        ["account_id", "id"],
        sqlite_where=_VACANT,
        postgresql_where=_VACANT,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER pool_numbers_mark_in_pool ON pool_numbers")
        op.execute("DROP FUNCTION pool_numbers_mark_in_pool()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_phone_numbers_vacant_stock", table_name="phone_numbers")
    # SQLite 3.35 and later drop a column in place.
    op.drop_column("phone_numbers", "in_pool")
