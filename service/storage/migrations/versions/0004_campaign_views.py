"""what get/update.campaigns need: cost ratio, static UTM fields, system campaign rows

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 15:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_UTM = ("source", "medium", "campaign", "term", "content", "referrer", "expid")


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("cost_ratio", sa.Float(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("cost_ratio_operator", sa.Text(), nullable=False, server_default="wo_changes"))
        for part in _UTM:
            batch.add_column(sa.Column(f"static_utm_{part}", sa.Text(), nullable=True))
        batch.create_index("ix_campaigns_account_name", ["account_id", "name"])
    # Every account has its system campaign; its row id is minus the account's id.
    op.execute(
        "INSERT INTO campaigns (id, account_id, name, status, type, created_at) "
        "SELECT -a.id, a.id, 'Visitors without advertising campaign', 'active', 'system', 0 FROM accounts a "
        "WHERE NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = -a.id)"
    )


def downgrade() -> None:
    op.execute("DELETE FROM campaigns WHERE type = 'system'")
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of campaigns drops the table, and on SQLite that
    # deletes its rows first, which cascades to every campaign's blocks, pool and conditions.
    op.drop_index("ix_campaigns_account_name", table_name="campaigns")
    for column in (*(f"static_utm_{part}" for part in _UTM), "cost_ratio_operator", "cost_ratio"):
        op.execute(f"ALTER TABLE campaigns DROP COLUMN {column}")
