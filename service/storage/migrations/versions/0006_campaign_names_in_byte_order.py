"""campaign names compare in byte order on PostgreSQL too

get.campaigns sorts text in byte order on both engines (COLLATE "C" on
PostgreSQL). With the column in the database's own collation, the index on
(account_id, name) could serve neither that sort nor a LIKE prefix, and an
account with 100,000 campaigns was sorted in full for every page. SQLite's
default collation (BINARY) is byte order already.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 18:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Rewrites the table and rebuilds its indexes, ix_campaigns_account_name with the new collation.
        op.execute('ALTER TABLE campaigns ALTER COLUMN name TYPE text COLLATE "C"')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE campaigns ALTER COLUMN name TYPE text COLLATE "default"')
