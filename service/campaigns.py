"""create.campaigns against the database: entities, quota, and the write.

Steps 9 (combinations that depend on a number's type), 10 (entities) and 11
(quota) of the contract's order of checks run inside the write transaction
that stores the campaign, so what was checked is what gets written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from sqlalchemy.exc import IntegrityError

from service import points
from service.access import Caller
from service.errors import ServiceError
from service.rules import display_bool
from service.storage import Storage
from service.storage import schema as t
from service.wire import wire_name

DEFAULT_RESERVATION_TIME = pb.RESERVATION_TIME_15M
# Prefix of the numbers bought for dynamic call tracking pools.
PURCHASED_NUMBER_PREFIX = "7800"
# A lost race on a call_tracking number is retried once the winner has committed:
# the retry then reports already_in_use through the ordinary checks.
_CONFLICT_RETRIES = 3


@dataclass(frozen=True, slots=True)
class _Number:
    id: int
    type: str


async def create_campaign(
    storage: Storage,
    request: spb.CreateCampaignRequest,
    admit: Callable[[sa.Connection], Caller],
) -> int:
    """Create the campaign in one transaction with the caller's checks.

    `admit` runs first in that transaction: identity, access, limits and the
    parameter rules (steps 2 to 8), returning the caller. One transaction for
    the whole call keeps a create to a handful of round trips.
    """

    def work(conn: sa.Connection) -> int:
        caller = admit(conn)
        return _create(conn, caller, request)

    for _attempt in range(_CONFLICT_RETRIES):
        try:
            return await storage.write(work)
        except IntegrityError as error:
            if "exclusive" not in str(error.orig) and "pool_numbers" not in str(error.orig):
                raise
    first_call_tracking = next(
        (index for index, block in enumerate(request.site_blocks) if block.HasField("phone_number_id")), 0
    )
    raise ServiceError("already_in_use", path=f"site_blocks[{first_call_tracking}].phone_number_id")


# The hot path's statements are built once: building Core constructs per call
# costs more than SQLite takes to run them.
_SITE = sa.select(t.sites.c.id).where(
    t.sites.c.id == sa.bindparam("site_id"), t.sites.c.account_id == sa.bindparam("account_id")
)
# Step 11 and the account's turn in one statement: the counter moves only while
# under the quota, and on PostgreSQL the row lock it takes makes concurrent
# creates of one account wait here, so the quota cannot be raced past.
_TAKE_QUOTA = (
    t.accounts.update()
    .where(
        t.accounts.c.id == sa.bindparam("account_id"),
        t.accounts.c.basic_campaigns < t.accounts.c.campaign_quota,
    )
    .values(basic_campaigns=t.accounts.c.basic_campaigns + 1)
    .returning(t.accounts.c.id)
)
_SITE_BLOCKS = sa.select(t.site_blocks.c.id).where(
    t.site_blocks.c.site_id == sa.bindparam("site_id"), t.site_blocks.c.id.in_(sa.bindparam("ids", expanding=True))
)
_REDIRECTIONS = sa.select(t.redirection_numbers.c.id).where(
    t.redirection_numbers.c.account_id == sa.bindparam("account_id"),
    t.redirection_numbers.c.id.in_(sa.bindparam("ids", expanding=True)),
)
_NUMBERS = sa.select(t.phone_numbers.c.id, t.phone_numbers.c.type).where(
    t.phone_numbers.c.account_id == sa.bindparam("account_id"),
    t.phone_numbers.c.id.in_(sa.bindparam("ids", expanding=True)),
    t.phone_numbers.c.is_pool_stock.is_(False),
)
_TAKEN = sa.select(t.campaign_site_blocks.c.exclusive_phone_number_id).where(
    t.campaign_site_blocks.c.exclusive_phone_number_id.in_(sa.bindparam("ids", expanding=True))
)
_INSERT_CAMPAIGN = t.campaigns.insert().returning(t.campaigns.c.id)


def _create(conn: sa.Connection, caller: Caller, request: spb.CreateCampaignRequest) -> int:
    account_id = caller.account.id
    blocks = request.site_blocks
    numbers = _numbers(conn, account_id, [b.phone_number_id for b in blocks])
    _check_combinations(request, numbers)

    # Step 10: entities.
    site_ok = conn.scalar(_SITE, {"site_id": request.site_id, "account_id": account_id})
    if site_ok is None:
        raise ServiceError("entity_not_found", path="site_id", value=str(request.site_id))
    if blocks:
        block_ids = set(
            conn.scalars(_SITE_BLOCKS, {"site_id": request.site_id, "ids": [b.site_block_id for b in blocks]}).all()
        )
        for index, block in enumerate(blocks):
            if block.site_block_id not in block_ids:
                raise ServiceError(
                    "entity_not_found", path=f"site_blocks[{index}].site_block_id", value=str(block.site_block_id)
                )
        for index, block in enumerate(blocks):
            if block.phone_number_id not in numbers:
                raise ServiceError(
                    "entity_not_found", path=f"site_blocks[{index}].phone_number_id", value=str(block.phone_number_id)
                )
        redirections = [b.redirection_phone_number_id for b in blocks if b.HasField("redirection_phone_number_id")]
        if redirections:
            known = set(conn.scalars(_REDIRECTIONS, {"account_id": account_id, "ids": redirections}).all())
            for index, block in enumerate(blocks):
                if block.HasField("redirection_phone_number_id") and block.redirection_phone_number_id not in known:
                    raise ServiceError(
                        "invalid_parameter_value",
                        path=f"site_blocks[{index}].redirection_phone_number_id",
                        value=str(block.redirection_phone_number_id),
                    )
        for index, block in enumerate(blocks):
            if numbers[block.phone_number_id].type == "call_tracking" and not block.HasField(
                "redirection_phone_number_id"
            ):
                raise ServiceError(
                    "required_parameter_missed", path=f"site_blocks[{index}].redirection_phone_number_id"
                )
        _check_exclusive_numbers(conn, request, numbers)

    # Step 11: the plan quota.
    if conn.execute(_TAKE_QUOTA, {"account_id": account_id}).first() is None:
        raise ServiceError("tariff_restrictions")

    campaign_id = _write(conn, account_id, request, numbers)
    points.charge(conn, account_id)
    return campaign_id


def _numbers(conn: sa.Connection, account_id: int, ids: Sequence[int]) -> dict[int, _Number]:
    """The caller's numbers among `ids` that campaigns may use (pool stock is not offered)."""
    if not ids:
        return {}
    rows = conn.execute(_NUMBERS, {"account_id": account_id, "ids": list(set(ids))})
    return {row.id: _Number(row.id, row.type) for row in rows}


def _check_combinations(request: spb.CreateCampaignRequest, numbers: dict[int, _Number]) -> None:
    """Step 9: parameters that exclude or require each other."""
    if request.status == pb.CAMPAIGN_STATUS_INACTIVE and request.site_blocks:
        raise ServiceError("invalid_parameters_combination", path="site_blocks")
    for index, block in enumerate(request.site_blocks):
        number = numbers.get(block.phone_number_id)
        if number is None:
            continue  # reported as entity_not_found in step 10
        if block.HasField("redirection_phone_number_id") and number.type != "call_tracking":
            raise ServiceError(
                "invalid_parameters_combination",
                path=f"site_blocks[{index}].redirection_phone_number_id",
                value=str(block.redirection_phone_number_id),
            )
        if block.dynamic_call_tracking_enabled and number.type not in ("call_tracking", "va"):
            raise ServiceError(
                "invalid_parameters_combination",
                path=f"site_blocks[{index}].dynamic_call_tracking_enabled",
                value=display_bool(block.dynamic_call_tracking_enabled),
            )
    if any(b.dynamic_call_tracking_enabled for b in request.site_blocks) and not request.HasField(
        "dynamic_call_tracking"
    ):
        raise ServiceError("invalid_parameters_combination", path="dynamic_call_tracking")


def _check_exclusive_numbers(
    conn: sa.Connection, request: spb.CreateCampaignRequest, numbers: dict[int, _Number]
) -> None:
    """A call_tracking number serves one block of one campaign."""
    wanted = [b.phone_number_id for b in request.site_blocks if numbers[b.phone_number_id].type == "call_tracking"]
    if not wanted:
        return
    taken = set(conn.scalars(_TAKEN, {"ids": wanted}).all())
    seen: set[int] = set()
    for index, block in enumerate(request.site_blocks):
        if numbers[block.phone_number_id].type != "call_tracking":
            continue
        if block.phone_number_id in taken or block.phone_number_id in seen:
            raise ServiceError(
                "already_in_use", path=f"site_blocks[{index}].phone_number_id", value=str(block.phone_number_id)
            )
        seen.add(block.phone_number_id)


def _write(
    conn: sa.Connection,
    account_id: int,
    request: spb.CreateCampaignRequest,
    numbers: dict[int, _Number],
) -> int:
    dct = request.dynamic_call_tracking if request.HasField("dynamic_call_tracking") else None
    values: dict[str, Any] = {
        "account_id": account_id,
        "name": request.name,
        "description": request.description if request.HasField("description") else None,
        "status": wire_name(pb.CampaignStatus.DESCRIPTOR, request.status) or "active",
        "type": "basic",
        "site_id": request.site_id,
        "created_at": int(time.time()),
    }
    if dct is not None:
        reservation = dct.reservation_time if dct.HasField("reservation_time") else DEFAULT_RESERVATION_TIME
        values["dct_reservation_time"] = wire_name(pb.ReservationTime.DESCRIPTOR, reservation)
        values["dct_count_virtual_numbers"] = dct.count_virtual_numbers
        values["dct_count_visits"] = dct.count_visits
    campaign_id: int = conn.execute(_INSERT_CAMPAIGN, values).scalar_one()

    if request.site_blocks:
        conn.execute(
            t.campaign_site_blocks.insert(),
            [
                {
                    "campaign_id": campaign_id,
                    "site_block_id": block.site_block_id,
                    "position": position,
                    "phone_number_id": block.phone_number_id,
                    "redirection_phone_number_id": (
                        block.redirection_phone_number_id if block.HasField("redirection_phone_number_id") else None
                    ),
                    "dynamic_call_tracking_enabled": block.dynamic_call_tracking_enabled,
                    "exclusive_phone_number_id": (
                        block.phone_number_id if numbers[block.phone_number_id].type == "call_tracking" else None
                    ),
                }
                for position, block in enumerate(request.site_blocks)
            ],
        )
    if dct is not None:
        for block in request.site_blocks:
            if block.dynamic_call_tracking_enabled:
                _reserve_pool(conn, account_id, campaign_id, block.site_block_id, dct.count_virtual_numbers)

    rows = [
        {
            "campaign_id": campaign_id,
            "group_index": group_index,
            "position": position,
            "type": wire_name(pb.ConditionType.DESCRIPTOR, condition.type),
            "campaign_parameter": wire_name(pb.CampaignParameter.DESCRIPTOR, condition.campaign_parameter),
            "operator": wire_name(pb.ConditionOperator.DESCRIPTOR, condition.operator),
            "value": condition.value,
        }
        for group_index, group in enumerate(request.campaign_conditions.group_conditions)
        for position, condition in enumerate(group.conditions)
    ]
    if rows:
        conn.execute(t.campaign_conditions.insert(), rows)
    return campaign_id


def _reserve_pool(conn: sa.Connection, account_id: int, campaign_id: int, site_block_id: int, count: int) -> None:
    """Put `count` numbers in the block's pool: vacant stock first, then purchased ones."""
    in_a_pool = sa.select(t.pool_numbers.c.phone_number_id)
    vacant = (
        sa.select(t.phone_numbers.c.id)
        .where(
            t.phone_numbers.c.account_id == account_id,
            t.phone_numbers.c.is_pool_stock.is_(True),
            t.phone_numbers.c.is_hosted_pbx.is_(False),
            t.phone_numbers.c.id.not_in(in_a_pool),
        )
        .order_by(t.phone_numbers.c.id)
        .limit(count)
    )
    if conn.dialect.name == "postgresql":
        # Two creates never pick the same vacant number; the pool's primary key backs this up.
        vacant = vacant.with_for_update(skip_locked=True)
    chosen = list((conn.scalars(vacant)).all())
    shortfall = count - len(chosen)
    if shortfall > 0:
        purchased = (
            (
                conn.execute(
                    t.phone_numbers.insert().returning(t.phone_numbers.c.id),
                    [
                        {
                            "account_id": account_id,
                            # Placeholder until the id is known; replaced just below.
                            "phone_number": f"pending:{campaign_id}:{site_block_id}:{n}",
                            "type": "call_tracking",
                            "is_pool_stock": True,
                            "is_hosted_pbx": False,
                        }
                        for n in range(shortfall)
                    ],
                )
            )
            .scalars()
            .all()
        )
        conn.execute(
            t.phone_numbers.update()
            .where(t.phone_numbers.c.id == sa.bindparam("number_id"))
            .values(phone_number=sa.bindparam("new_number")),
            [{"number_id": n, "new_number": f"{PURCHASED_NUMBER_PREFIX}{n:07d}"} for n in purchased],
        )
        chosen.extend(purchased)
    conn.execute(
        t.pool_numbers.insert(),
        [{"phone_number_id": n, "campaign_id": campaign_id, "site_block_id": site_block_id} for n in chosen],
    )
