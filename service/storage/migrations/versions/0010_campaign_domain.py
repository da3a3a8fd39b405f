"""the rest of the campaign domain: site settings, parameter weights, campaign costs, number attributes

Issue 14 brings the methods that manage what a campaign stands on (METHODS.md):

- sites get every setting get.sites shows and create.sites / update.sites
  change, each with the documented default, so existing sites read as the
  demo's (`state` work, created 2026-01-15 10:00:00 UTC, editable);
- `id_counters` hands out the ids of sites and site blocks the service creates:
  above every id the directory gave (1001 at least), never reused;
- `site_parameter_weights` holds the weights a client changed (NULL: the
  default), one row per site at most;
- `campaign_costs` holds uploaded spend as spans of days with a total in cents
  (METHODS.md §11 allows spans; a span splits exactly, see service/costs.py);
- phone numbers get the activation date and category get.virtual_numbers shows.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 20:30:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# 2026-01-15 10:00:00 UTC: when the demo's sites and numbers were set up.
_DEMO_DAY = "1768471200"

SITE_COLUMNS: tuple[sa.Column[Any], ...] = (
    sa.Column("is_editable", sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.Column("state", sa.Text(), nullable=False, server_default="work"),
    sa.Column("created_at", sa.BigInteger(), nullable=False, server_default=_DEMO_DAY),
    sa.Column("default_phone_number", sa.Text(), nullable=True),
    sa.Column("industry_id", sa.BigInteger(), nullable=True),
    sa.Column("target_call_min_duration", sa.BigInteger(), nullable=False, server_default="30"),
    sa.Column("track_subdomains", sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.Column("cookie_lifetime", sa.BigInteger(), nullable=False, server_default="90"),
    sa.Column("campaign_lifetime", sa.BigInteger(), nullable=False, server_default="90"),
    sa.Column("sales_enabled", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("second_communication_period", sa.BigInteger(), nullable=False, server_default="1"),
    sa.Column("services_enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.Column("replacement_dynamical_block_enabled", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("is_support_web_directory", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("is_block_robot_traffic", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("widget_link_enabled", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("widget_link_text", sa.Text(), nullable=True),
    sa.Column("widget_link_url", sa.Text(), nullable=True),
    sa.Column("show_visitor_id_enabled", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("show_visitor_id_element_id_value", sa.Text(), nullable=True),
    sa.Column("show_visitor_id_message", sa.Text(), nullable=True),
    sa.Column("show_visitor_id_length", sa.BigInteger(), nullable=False, server_default="6"),
)

WEIGHTS = (
    "entrance_page",
    "referrer_domain",
    "search_engine",
    "search_query",
    "engine",
    "referrer",
    "channel",
    "location",
    "utm_tags",
    "os_tags",
    "other_tags",
)


def upgrade() -> None:
    for column in SITE_COLUMNS:
        op.add_column("sites", column)
    op.add_column(
        "phone_numbers", sa.Column("activation_date", sa.BigInteger(), nullable=False, server_default=_DEMO_DAY)
    )
    op.add_column("phone_numbers", sa.Column("category", sa.Text(), nullable=False, server_default="usual"))
    op.create_table(
        "id_counters",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("next_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    for table in ("sites", "site_blocks"):
        op.execute(
            f"INSERT INTO id_counters (name, next_id) "
            f"SELECT '{table}', CASE WHEN max(id) >= 1001 THEN max(id) + 1 ELSE 1001 END FROM {table}"
        )
    op.create_table(
        "site_parameter_weights",
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=True) for name in WEIGHTS),
        sa.PrimaryKeyConstraint("site_id"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
    )
    op.create_table(
        "campaign_costs",
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        # Days since 1970-01-01, both inclusive.
        sa.Column("day_from", sa.BigInteger(), nullable=False),
        sa.Column("day_till", sa.BigInteger(), nullable=False),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "site_id", "day_from"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("campaign_costs")
    op.drop_table("site_parameter_weights")
    op.drop_table("id_counters")
    for name in ("category", "activation_date"):
        op.execute(f"ALTER TABLE phone_numbers DROP COLUMN {name}")
    for column in reversed(SITE_COLUMNS):
        op.execute(f"ALTER TABLE sites DROP COLUMN {column.name}")
