"""conditions in the campaign's row: campaign_conditions becomes campaigns.conditions

A campaign's conditions are written and read only whole, with the campaign. As a
row each, a maximal campaign (30 groups of 50) cost 1,500 rows of two B-tree
inserts and was a third of its create; as one JSON document in the campaign's
row (service/condition_documents.py) it is one value. The document is a list of
groups, each a list of [type, campaign_parameter, operator, value] in the API's
spellings, in the order of the old rows' (group_index, position).

Data moves both ways, in Python so that both engines run the same code; the
columns are added and dropped with plain ALTER TABLE (SQLite 3.35 and later),
never by rebuilding campaigns, whose dependents' foreign keys cascade on a drop.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_BATCH = 1000

_campaigns = sa.table("campaigns", sa.column("id", sa.BigInteger), sa.column("conditions", sa.Text))
_rows = sa.table(
    "campaign_conditions",
    sa.column("campaign_id", sa.BigInteger),
    sa.column("group_index", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("type", sa.Text),
    sa.column("campaign_parameter", sa.Text),
    sa.column("operator", sa.Text),
    sa.column("value", sa.Text),
)


def _batches(items: Iterable[Any]) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, _BATCH)):
        yield batch


def upgrade() -> None:
    conn = op.get_bind()
    op.execute("ALTER TABLE campaigns ADD COLUMN conditions TEXT")
    update = (
        _campaigns.update().where(_campaigns.c.id == sa.bindparam("row_id")).values(conditions=sa.bindparam("document"))
    )
    # A batch of campaigns at a time: the rows of a whole database need not fit in memory at once.
    campaign_ids = conn.execute(sa.select(_rows.c.campaign_id).distinct().order_by(_rows.c.campaign_id)).scalars()
    for batch in _batches(campaign_ids.all()):
        ordered = conn.execute(
            sa.select(
                _rows.c.campaign_id,
                _rows.c.group_index,
                _rows.c.type,
                _rows.c.campaign_parameter,
                _rows.c.operator,
                _rows.c.value,
            )
            .where(_rows.c.campaign_id.between(batch[0], batch[-1]))
            .order_by(_rows.c.campaign_id, _rows.c.group_index, _rows.c.position)
        ).all()
        conn.execute(
            update,
            [
                {"row_id": campaign_id, "document": _document(rows)}
                for campaign_id, rows in itertools.groupby(ordered, key=lambda row: row[0])
            ],
        )
    op.drop_table("campaign_conditions")


def _document(rows: Iterable[Any]) -> str:
    """One campaign's rows, in (group_index, position) order, as the document service/condition_documents.py
    reads: a list of groups of [type, campaign_parameter, operator, value]."""
    groups = itertools.groupby(rows, key=lambda row: row[1])
    return json.dumps(
        [[[kind, parameter, operator, value] for *_, kind, parameter, operator, value in group] for _, group in groups],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def downgrade() -> None:
    conn = op.get_bind()
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
    stored = conn.execute(
        sa.select(_campaigns.c.id, _campaigns.c.conditions).where(_campaigns.c.conditions.is_not(None))
    ).all()
    rows = (
        {
            "campaign_id": campaign_id,
            "group_index": group_index,
            "position": position,
            "type": kind,
            "campaign_parameter": parameter,
            "operator": operator,
            "value": value,
        }
        for campaign_id, document in stored
        for group_index, group in enumerate(json.loads(document))
        for position, (kind, parameter, operator, value) in enumerate(group)
    )
    for batch in _batches(rows):
        conn.execute(_rows.insert(), batch)
    op.execute("ALTER TABLE campaigns DROP COLUMN conditions")
