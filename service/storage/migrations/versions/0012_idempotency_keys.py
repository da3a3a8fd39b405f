"""idempotency keys: what a keyed create.campaigns answered, per account

create.campaigns honours an idempotency key (issue 15): the same key with the
same request answers the first call's answer again, without a second campaign
or a second charge, for the service's idempotency TTL (24 hours by default).
The answers live in the database so that every service process, and a process
started after a crash, answers alike.

The rows are transient: a downgrade drops them, an upgrade starts from none.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "key"),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
