"""Dynamic call tracking pools: each enabled block gets its numbers, vacant stock first, then bought ones."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb

from service.storage import direct
from service.storage import schema as t

# Prefix of the numbers bought for dynamic call tracking pools.
PURCHASED_NUMBER_PREFIX = "7800"


def reserve_pools(
    conn: sa.Connection,
    account_id: int,
    campaign_id: int,
    blocks: Sequence[pb.SiteBlock],
    dct: pb.DynamicCallTracking,
) -> None:
    for block in blocks:
        if block.dynamic_call_tracking_enabled:
            _reserve_pool(conn, account_id, campaign_id, block.site_block_id, dct.count_virtual_numbers)


def _vacant(*, skip_locked: bool) -> sa.Select[tuple[int]]:
    """The account's first :count vacant pool-stock numbers, read from the partial index that holds them
    alone: schema.VACANT_STOCK's terms, as the index states them (phone_numbers.in_pool is kept by
    triggers on pool_numbers, migration 0015)."""
    vacant = (
        sa.select(t.phone_numbers.c.id)
        .where(t.phone_numbers.c.account_id == sa.bindparam("account_id"), t.VACANT_STOCK)
        .order_by(t.phone_numbers.c.id)
        .limit(sa.bindparam("count", type_=sa.Integer))
    )
    # PostgreSQL: two creates never pick the same vacant number; the pool's primary key backs this up.
    return vacant.with_for_update(skip_locked=True) if skip_locked else vacant


# Built once (storage/direct.py): a create with dynamic call tracking runs them for each block.
_VACANT = {engine: direct.fast(_vacant(skip_locked=engine == "postgresql")) for engine in ("sqlite", "postgresql")}
_INSERT_POOL = direct.fast(t.pool_numbers.insert())
_PURCHASE = direct.fast(t.phone_numbers.insert().returning(t.phone_numbers.c.id))
_NUMBER_PURCHASED = direct.fast(
    t.phone_numbers.update()
    .where(t.phone_numbers.c.id == sa.bindparam("number_id"))
    .values(phone_number=sa.bindparam("new_number"))
)


def _reserve_pool(conn: sa.Connection, account_id: int, campaign_id: int, site_block_id: int, count: int) -> None:
    """Put `count` numbers in the block's pool: vacant stock first, then purchased ones."""
    vacant = _VACANT["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
    chosen = [row[0] for row in vacant.fetch(conn, {"account_id": account_id, "count": count})]
    shortfall = count - len(chosen)
    if shortfall > 0:
        # One statement a number (at most MAX_POOL_NUMBERS), each compiled once: a number is bought for
        # most creates with dynamic call tracking once the account's stock is in pools.
        purchased = [
            _PURCHASE.fetch(
                conn,
                {
                    "account_id": account_id,
                    # Placeholder until the id is known; replaced just below.
                    "phone_number": f"pending:{campaign_id}:{site_block_id}:{n}",
                    "type": "call_tracking",
                    "is_pool_stock": True,
                    "is_hosted_pbx": False,
                },
            ).scalar_one()
            for n in range(shortfall)
        ]
        _NUMBER_PURCHASED.execute_many(
            conn, [{"number_id": n, "new_number": f"{PURCHASED_NUMBER_PREFIX}{n:07d}"} for n in purchased]
        )
        chosen.extend(purchased)
    if chosen:
        _INSERT_POOL.execute_many(
            conn, [{"phone_number_id": n, "campaign_id": campaign_id, "site_block_id": site_block_id} for n in chosen]
        )
