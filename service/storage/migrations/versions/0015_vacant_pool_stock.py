"""vacant pool stock by index: phone_numbers.in_pool and a partial index

A create with dynamic call tracking takes the account's vacant pool stock first:
pool-stock numbers in no pool. Found by looking up every pool-stock number of the
account in pool_numbers, that cost grew with the numbers already in pools (every
number bought for a pool stays pool stock): 0.27 ms a create at 1,000 of them on
SQLite, and so on up. phone_numbers.in_pool says what pool_numbers says, kept
with it by the pools' writers, and a partial index on (account_id, id) holds the
vacant stock alone.

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


def upgrade() -> None:
    # In place (SQLite 3.35 and later): phone_numbers is referenced, never rebuilt (migration 0014 says why).
    op.add_column("phone_numbers", sa.Column("in_pool", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute(_numbers.update().where(_numbers.c.id.in_(sa.select(_pooled.c.phone_number_id))).values(in_pool=True))
    op.create_index(
        "ix_phone_numbers_vacant_stock",
        "phone_numbers",
        ["account_id", "id"],
        sqlite_where=_VACANT,
        postgresql_where=_VACANT,
    )


def downgrade() -> None:
    op.drop_index("ix_phone_numbers_vacant_stock", table_name="phone_numbers")
    op.drop_column("phone_numbers", "in_pool")
