"""campaigns by site: an index on campaigns (site_id, type)

get.sites lists each site's connected integrations (the engines of its integrated
campaigns), delete.sites looks for the campaigns that use a site, and
get.campaigns filters by site_id. Without an index each walked all of the
account's campaigns: a get.sites on an account with 100,000 campaigns read them
all to answer for two sites. With the type in the key, the integrated campaigns
of a site with thousands of basic ones are found without reading the others.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_campaigns_site_type", "campaigns", ["site_id", "type"])


def downgrade() -> None:
    op.drop_index("ix_campaigns_site_type", table_name="campaigns")
