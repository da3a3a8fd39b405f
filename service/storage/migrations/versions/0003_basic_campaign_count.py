"""accounts.basic_campaigns: the count the plan quota is checked against

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 15:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("basic_campaigns", sa.BigInteger(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE accounts SET basic_campaigns = "
        "(SELECT count(*) FROM campaigns WHERE campaigns.account_id = accounts.id AND campaigns.type = 'basic')"
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of accounts drops the table, which the campaigns'
    # foreign keys into it refuse.
    op.execute("ALTER TABLE accounts DROP COLUMN basic_campaigns")
