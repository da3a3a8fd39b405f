"""accounts get a state, a timezone and a number quota; the platform's number stock

The admin API (service/admin.py) provisions accounts from a directory file.
Accounts were active or not; the platform knows three states (active, disabled
by the customer's operator, blocked by the platform), all but active answering
account_inactive. get.account answers the account's IANA timezone. The
virtual-number quota (NULL: unlimited) and the stock, the platform's numbers
that no account holds yet, are what enable.virtual_numbers draws on.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("state", sa.Text(), nullable=False, server_default="active"))
    op.add_column("accounts", sa.Column("timezone", sa.Text(), nullable=False, server_default="UTC"))
    op.add_column("accounts", sa.Column("virtual_number_quota", sa.BigInteger(), nullable=True))
    op.execute("UPDATE accounts SET state = 'disabled' WHERE NOT is_active")
    # Both engines drop a plain column in place (SQLite since 3.35); a batch copy of
    # accounts would trip the foreign keys that point at it.
    op.execute("ALTER TABLE accounts DROP COLUMN is_active")
    op.create_table(
        "number_stock",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("phone_number", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False, server_default="usual"),
        sa.Column("location_mnemonic", sa.Text(), nullable=True),
        sa.Column("location_name", sa.Text(), nullable=True),
        sa.Column("onetime_payment", sa.Float(), nullable=False, server_default="0"),
        sa.Column("monthly_charge", sa.Float(), nullable=False, server_default="0"),
        sa.Column("min_charge", sa.Float(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("phone_number", name="uq_number_stock_phone_number"),
    )


def downgrade() -> None:
    op.drop_table("number_stock")
    op.add_column("accounts", sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute("UPDATE accounts SET is_active = (state = 'active')")
    for column in ("virtual_number_quota", "timezone", "state"):
        op.execute(f"ALTER TABLE accounts DROP COLUMN {column}")
