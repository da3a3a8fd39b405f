"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 14:50:22.293910
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("components", sa.Text(), server_default="", nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("campaign_quota", sa.BigInteger(), nullable=False),
        sa.Column("ip_whitelist", sa.Text(), nullable=False),
        sa.Column("day_limit", sa.BigInteger(), nullable=False),
        sa.Column("minute_limit", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "phone_numbers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1001),
            nullable=False,
        ),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_number", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("is_pool_stock", sa.Boolean(), nullable=False),
        sa.Column("is_hosted_pbx", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("phone_number"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("phone_numbers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phone_numbers_account_id"), ["account_id"], unique=False)

    op.create_table(
        "redirection_numbers",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_number", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("redirection_numbers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_redirection_numbers_account_id"), ["account_id"], unique=False)

    op.create_table(
        "sites",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("domain_name", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sites_account_id"), ["account_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("is_agent", sa.Boolean(), nullable=False),
        sa.Column("login", sa.Text(), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("can_write", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("login"),
    )
    op.create_table(
        "access_tokens",
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("is_blocked", sa.Boolean(), nullable=False),
        sa.Column("is_temporary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_table(
        "agent_customers",
        sa.Column("agent_user_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_user_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("agent_user_id", "user_id"),
    )
    op.create_table(
        "campaigns",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1001),
            nullable=False,
        ),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=True),
        sa.Column("engine", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("dct_reservation_time", sa.Text(), nullable=True),
        sa.Column("dct_count_virtual_numbers", sa.BigInteger(), nullable=True),
        sa.Column("dct_count_visits", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_account_id"), ["account_id"], unique=False)

    op.create_table(
        "site_blocks",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("site_blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_blocks_site_id"), ["site_id"], unique=False)

    op.create_table(
        "campaign_conditions",
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("group_index", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("campaign_parameter", sa.Text(), nullable=False),
        sa.Column("operator", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id", "group_index", "position"),
    )
    op.create_table(
        "campaign_site_blocks",
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("site_block_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("phone_number_id", sa.BigInteger(), nullable=False),
        sa.Column("redirection_phone_number_id", sa.BigInteger(), nullable=True),
        sa.Column("dynamic_call_tracking_enabled", sa.Boolean(), nullable=False),
        sa.Column("exclusive_phone_number_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["phone_number_id"],
            ["phone_numbers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_block_id"],
            ["site_blocks.id"],
        ),
        sa.PrimaryKeyConstraint("campaign_id", "site_block_id"),
        sa.UniqueConstraint("exclusive_phone_number_id", name="uq_campaign_site_blocks_exclusive_number"),
    )
    op.create_table(
        "pool_numbers",
        sa.Column("phone_number_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("site_block_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["phone_number_id"],
            ["phone_numbers.id"],
        ),
        sa.PrimaryKeyConstraint("phone_number_id"),
    )
    if op.get_bind().dialect.name == "sqlite":
        # Generated ids start above the demo data's range on SQLite too
        # (PostgreSQL gets this from the identity's START WITH).
        op.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('campaigns', 1000), ('phone_numbers', 1000)")


def downgrade() -> None:
    op.drop_table("pool_numbers")
    op.drop_table("campaign_site_blocks")
    op.drop_table("campaign_conditions")
    with op.batch_alter_table("site_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_blocks_site_id"))

    op.drop_table("site_blocks")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_account_id"))

    op.drop_table("campaigns")
    op.drop_table("agent_customers")
    op.drop_table("access_tokens")
    op.drop_table("users")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sites_account_id"))

    op.drop_table("sites")
    with op.batch_alter_table("redirection_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_redirection_numbers_account_id"))

    op.drop_table("redirection_numbers")
    with op.batch_alter_table("phone_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_numbers_account_id"))

    op.drop_table("phone_numbers")
    op.drop_table("accounts")
