"""point counters move onto the account row

The charge of a call and the campaign quota of a create become one UPDATE of
one row (one round trip and one row lock per call) instead of an upsert of two
point_counters rows plus an update of the account.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_PERIODS = ("day", "minute")


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        for period in _PERIODS:
            batch.add_column(sa.Column(f"{period}_window_start", sa.BigInteger(), nullable=False, server_default="0"))
            batch.add_column(sa.Column(f"{period}_points_used", sa.BigInteger(), nullable=False, server_default="0"))
    for period in _PERIODS:
        op.execute(
            f"UPDATE accounts SET "
            f"{period}_window_start = COALESCE((SELECT window_start FROM point_counters "
            f"WHERE account_id = accounts.id AND period = '{period}'), 0), "
            f"{period}_points_used = COALESCE((SELECT used FROM point_counters "
            f"WHERE account_id = accounts.id AND period = '{period}'), 0)"
        )
    op.drop_table("point_counters")


def downgrade() -> None:
    op.create_table(
        "point_counters",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("account_id", "period"),
    )
    for period in _PERIODS:
        op.execute(
            f"INSERT INTO point_counters (account_id, period, window_start, used) "
            f"SELECT id, '{period}', {period}_window_start, {period}_points_used FROM accounts "
            f"WHERE {period}_window_start > 0"
        )
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of accounts would break the foreign keys into it.
    for period in _PERIODS:
        for column in ("points_used", "window_start"):
            op.execute(f"ALTER TABLE accounts DROP COLUMN {period}_{column}")
