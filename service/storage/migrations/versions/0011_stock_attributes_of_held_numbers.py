"""phone numbers keep the stock's location and charges while an account holds them

enable.virtual_numbers moves a stock row to phone_numbers under the same id, and
disable.virtual_numbers moves it back (METHODS.md §15-§16), so that each is the
other's inverse. The stock's location and charges have no other place to wait
in while the account holds the number. A number that never came from the stock
has none: it enters the stock without a location and with charges 0.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = (
    ("stock_location_mnemonic", sa.Text(), None),
    ("stock_location_name", sa.Text(), None),
    ("stock_onetime_payment", sa.Float(), "0"),
    ("stock_monthly_charge", sa.Float(), "0"),
    ("stock_min_charge", sa.Float(), "0"),
)


def upgrade() -> None:
    for name, kind, default in COLUMNS:
        op.add_column("phone_numbers", sa.Column(name, kind, nullable=default is None, server_default=default))


def downgrade() -> None:
    for name, _kind, _default in reversed(COLUMNS):
        op.execute(f"ALTER TABLE phone_numbers DROP COLUMN {name}")
