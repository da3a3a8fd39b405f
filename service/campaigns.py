"""create, update and delete campaigns against the database.

Steps 9 (combinations that depend on a number's type) and 10 (entities) of
the contract's order of checks run inside the write transaction that stores
the change, so what was checked is what gets written; step 11 (the quota) is
taken in the same transaction with the call's charge (points.charge). Create and
update share the rules about blocks: an update's blocks are checked as a
create's would be, except that its own numbers are not "in use".
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from google.protobuf.message import Message
from sqlalchemy.exc import IntegrityError

from contract.wire import wire_name
from service.access import Caller
from service.errors import ServiceError
from service.rules import display_bool
from service.storage import direct
from service.storage import schema as t
from service.storage.constraints import EXCLUSIVE_NUMBER, POOL_NUMBER, violated_constraint
from service.storage.id_lists import in_ids
from service.storage.schema import SYSTEM_CAMPAIGN_API_ID, system_campaign_id

DEFAULT_RESERVATION_TIME = pb.RESERVATION_TIME_15M
# Prefix of the numbers bought for dynamic call tracking pools.
PURCHASED_NUMBER_PREFIX = "7800"


@dataclass(frozen=True, slots=True)
class _Number:
    id: int
    type: str


def lost_race(error: IntegrityError) -> bool:
    """A concurrent change took a call_tracking or pool number first; a retry reports it properly."""
    return violated_constraint(error) in (EXCLUSIVE_NUMBER, POOL_NUMBER)


def conflict_error(blocks: Sequence[pb.SiteBlock]) -> ServiceError:
    """What to say when every retry lost its race (not seen in practice: retries see the winner)."""
    first = next((index for index, block in enumerate(blocks) if block.HasField("phone_number_id")), 0)
    return ServiceError("already_in_use", path=f"site_blocks[{first}].phone_number_id")


# The hot path's statements are built once: building Core constructs per call
# costs more than SQLite takes to run them.
def _fact(kind: str, id_column: Any, detail: Any, *where: Any) -> sa.Select[Any]:
    return sa.select(sa.literal_column(f"'{kind}'").label("kind"), id_column.label("id"), detail.label("detail")).where(
        *where
    )


_NO_DETAIL = sa.cast(sa.null(), sa.Text)
# Everything steps 9 and 10 look up about the entities a create or update names,
# in one round trip; the checks then run over it in the contract's order.
_FACTS = sa.union_all(
    _fact(
        "site",
        t.sites.c.id,
        _NO_DETAIL,
        t.sites.c.id == sa.bindparam("site_id"),
        t.sites.c.account_id == sa.bindparam("account_id"),
    ),
    _fact(
        "site_block",
        t.site_blocks.c.id,
        _NO_DETAIL,
        t.site_blocks.c.site_id == sa.bindparam("site_id"),
        in_ids(t.site_blocks.c.id, "site_block_ids"),
    ),
    # Pool stock is not offered to campaigns.
    _fact(
        "number",
        t.phone_numbers.c.id,
        t.phone_numbers.c.type,
        t.phone_numbers.c.account_id == sa.bindparam("account_id"),
        in_ids(t.phone_numbers.c.id, "number_ids"),
        t.phone_numbers.c.is_pool_stock.is_(False),
    ),
    _fact(
        "redirection",
        t.redirection_numbers.c.id,
        _NO_DETAIL,
        t.redirection_numbers.c.account_id == sa.bindparam("account_id"),
        in_ids(t.redirection_numbers.c.id, "redirection_ids"),
    ),
    # Numbers held exclusively (call_tracking ones) by another campaign's block.
    _fact(
        "taken",
        t.campaign_site_blocks.c.exclusive_phone_number_id,
        _NO_DETAIL,
        in_ids(t.campaign_site_blocks.c.exclusive_phone_number_id, "number_ids"),
        t.campaign_site_blocks.c.campaign_id != sa.bindparam("campaign_id"),
    ),
)
_INSERT_CAMPAIGN = t.campaigns.insert().returning(t.campaigns.c.id)
_INSERT_BLOCKS = t.campaign_site_blocks.insert()
_INSERT_CONDITIONS = t.campaign_conditions.insert()


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the database knows of the entities a request names, as far as the checks need it."""

    site_found: bool
    site_blocks: frozenset[int]
    numbers: dict[int, _Number]
    redirections: frozenset[int]
    taken: frozenset[int]


def _facts(
    conn: sa.Connection, account_id: int, site_id: int, blocks: Sequence[pb.SiteBlock], campaign_id: int | None
) -> _Facts:
    found: dict[str, list[Any]] = {"site": [], "site_block": [], "number": [], "redirection": [], "taken": []}
    params = {
        "account_id": account_id,
        "site_id": site_id,
        "site_block_ids": sorted({b.site_block_id for b in blocks}),
        "number_ids": sorted({b.phone_number_id for b in blocks}),
        "redirection_ids": sorted(
            {b.redirection_phone_number_id for b in blocks if b.HasField("redirection_phone_number_id")}
        ),
        "campaign_id": campaign_id or 0,
    }
    for row in direct.fetch(conn, _FACTS, params):
        found[row.kind].append(row)
    return _Facts(
        site_found=bool(found["site"]),
        site_blocks=frozenset(row.id for row in found["site_block"]),
        numbers={row.id: _Number(row.id, row.detail) for row in found["number"]},
        redirections=frozenset(row.id for row in found["redirection"]),
        taken=frozenset(row.id for row in found["taken"]),
    )


def create(conn: sa.Connection, caller: Caller, request: spb.CreateCampaignRequest) -> int:
    account_id = caller.account.id
    blocks = request.site_blocks
    facts = _facts(conn, account_id, request.site_id, blocks, campaign_id=None)
    _check_combinations(
        inactive=request.status == pb.CAMPAIGN_STATUS_INACTIVE,
        blocks=blocks,
        numbers=facts.numbers,
        has_dct_settings=request.HasField("dynamic_call_tracking"),
    )
    # Step 10: entities.
    if not facts.site_found:
        raise ServiceError("entity_not_found", path="site_id", value=str(request.site_id))
    _check_block_entities(blocks, facts)
    # Step 11, the plan quota, is taken with the call's charge (servicers.Calls.run).
    return _write(conn, account_id, request, facts.numbers)


def _check_block_entities(blocks: Sequence[pb.SiteBlock], facts: _Facts) -> None:
    """Step 10 for blocks, one kind of fault at a time across all blocks."""
    for index, block in enumerate(blocks):
        if block.site_block_id not in facts.site_blocks:
            raise ServiceError(
                "entity_not_found", path=f"site_blocks[{index}].site_block_id", value=str(block.site_block_id)
            )
    for index, block in enumerate(blocks):
        if block.phone_number_id not in facts.numbers:
            raise ServiceError(
                "entity_not_found", path=f"site_blocks[{index}].phone_number_id", value=str(block.phone_number_id)
            )
    for index, block in enumerate(blocks):
        if (
            block.HasField("redirection_phone_number_id")
            and block.redirection_phone_number_id not in facts.redirections
        ):
            raise ServiceError(
                "invalid_parameter_value",
                path=f"site_blocks[{index}].redirection_phone_number_id",
                value=str(block.redirection_phone_number_id),
            )
    for index, block in enumerate(blocks):
        if facts.numbers[block.phone_number_id].type == "call_tracking" and not block.HasField(
            "redirection_phone_number_id"
        ):
            raise ServiceError("required_parameter_missed", path=f"site_blocks[{index}].redirection_phone_number_id")
    _check_exclusive_numbers(blocks, facts)


def _check_combinations(
    *, inactive: bool, blocks: Sequence[pb.SiteBlock], numbers: dict[int, _Number], has_dct_settings: bool
) -> None:
    """Step 9: parameters that exclude or require each other."""
    if inactive and blocks:
        raise ServiceError("invalid_parameters_combination", path="site_blocks")
    for index, block in enumerate(blocks):
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
    if any(b.dynamic_call_tracking_enabled for b in blocks) and not has_dct_settings:
        raise ServiceError("invalid_parameters_combination", path="dynamic_call_tracking")


def _check_exclusive_numbers(blocks: Sequence[pb.SiteBlock], facts: _Facts) -> None:
    """A call_tracking number serves one block of one campaign (an update may keep its own)."""
    seen: set[int] = set()
    for index, block in enumerate(blocks):
        if facts.numbers[block.phone_number_id].type != "call_tracking":
            continue
        if block.phone_number_id in facts.taken or block.phone_number_id in seen:
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
    values: dict[str, Any] = {
        "account_id": account_id,
        "name": request.name,
        "description": request.description if request.HasField("description") else None,
        "status": wire_name(pb.CampaignStatus.DESCRIPTOR, request.status) or "active",
        "type": "basic",
        "site_id": request.site_id,
        "created_at": int(time.time()),
        **_dct_columns(request.dynamic_call_tracking if request.HasField("dynamic_call_tracking") else None),
    }
    campaign_id: int = direct.fetch(conn, _INSERT_CAMPAIGN, values).scalar_one()
    _insert_blocks(conn, campaign_id, request.site_blocks, numbers)
    if request.HasField("dynamic_call_tracking"):
        _reserve_pools(conn, account_id, campaign_id, request.site_blocks, request.dynamic_call_tracking)
    _insert_conditions(conn, campaign_id, request.campaign_conditions)
    return campaign_id


def _dct_columns(dct: pb.DynamicCallTracking | None) -> dict[str, Any]:
    if dct is None:
        return {"dct_reservation_time": None, "dct_count_virtual_numbers": None, "dct_count_visits": None}
    reservation = dct.reservation_time if dct.HasField("reservation_time") else DEFAULT_RESERVATION_TIME
    return {
        "dct_reservation_time": wire_name(pb.ReservationTime.DESCRIPTOR, reservation),
        "dct_count_virtual_numbers": dct.count_virtual_numbers,
        "dct_count_visits": dct.count_visits,
    }


def _insert_blocks(
    conn: sa.Connection, campaign_id: int, blocks: Sequence[pb.SiteBlock], numbers: dict[int, _Number]
) -> None:
    if not blocks:
        return
    direct.execute_many(
        conn,
        _INSERT_BLOCKS,
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
            for position, block in enumerate(blocks)
        ],
    )


def _insert_conditions(conn: sa.Connection, campaign_id: int, conditions: pb.CampaignConditions) -> None:
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
        for group_index, group in enumerate(conditions.group_conditions)
        for position, condition in enumerate(group.conditions)
    ]
    if rows:
        direct.execute_many(conn, _INSERT_CONDITIONS, rows)


def _reserve_pools(
    conn: sa.Connection,
    account_id: int,
    campaign_id: int,
    blocks: Sequence[pb.SiteBlock],
    dct: pb.DynamicCallTracking,
) -> None:
    for block in blocks:
        if block.dynamic_call_tracking_enabled:
            _reserve_pool(conn, account_id, campaign_id, block.site_block_id, dct.count_virtual_numbers)


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


# --------------------------------------------------------------------------- update and delete

# Parameters an update may clear by sending null; for the others null means "not sent".
CLEARABLE: Final = frozenset(
    {"description", "campaign_conditions", "site_blocks", "dynamic_call_tracking", "cost_ratio", "cost_ratio_operator"}
)
_NULL_MEANS_NOT_SENT: Final = frozenset({"user_id", "id", "name", "status", "site_id"})
# What system and integrated campaigns keep: only their blocks and pool settings change.
_LOCKED_WHEN_PROTECTED: Final = (
    "name",
    "description",
    "status",
    "campaign_conditions",
    "cost_ratio",
    "cost_ratio_operator",
)
DEFAULT_COST_RATIO: Final = 1.0
DEFAULT_COST_RATIO_OPERATOR: Final = "wo_changes"

_STORED = sa.select(
    t.campaigns.c.id,
    t.campaigns.c.type,
    t.campaigns.c.status,
    t.campaigns.c.site_id,
    t.campaigns.c.dct_count_virtual_numbers,
).where(t.campaigns.c.id == sa.bindparam("row_id"), t.campaigns.c.account_id == sa.bindparam("account_id"))
_STORED_BLOCKS = (
    sa.select(
        t.campaign_site_blocks.c.site_block_id,
        t.campaign_site_blocks.c.phone_number_id,
        t.campaign_site_blocks.c.redirection_phone_number_id,
        t.campaign_site_blocks.c.dynamic_call_tracking_enabled,
    )
    .where(t.campaign_site_blocks.c.campaign_id == sa.bindparam("campaign_id"))
    .order_by(t.campaign_site_blocks.c.position)
)
_DELETE_CAMPAIGN = t.campaigns.delete().where(t.campaigns.c.id == sa.bindparam("row_id")).returning(t.campaigns.c.id)
_GIVE_BACK_QUOTA = (
    t.accounts.update()
    .where(t.accounts.c.id == sa.bindparam("account_id"))
    .values(basic_campaigns=t.accounts.c.basic_campaigns - 1)
)


def _stored(conn: sa.Connection, account_id: int, api_id: int) -> Any:
    """The caller's campaign with this API id (-1: its system campaign), or entity_not_found on `id`."""
    row_id = system_campaign_id(account_id) if api_id == SYSTEM_CAMPAIGN_API_ID else api_id
    row = (
        conn.execute(_STORED, {"row_id": row_id, "account_id": account_id}).first()
        if row_id > 0 or api_id == -1
        else None
    )
    if row is None:
        raise ServiceError("entity_not_found", path="id", value=str(api_id))
    return row


def update(conn: sa.Connection, caller: Caller, request: spb.UpdateCampaignRequest) -> None:
    account_id = caller.account.id
    cleared = set(request.cleared_fields)
    for name in sorted(cleared - CLEARABLE - _NULL_MEANS_NOT_SENT):
        raise ServiceError("invalid_parameter_value", path="cleared_fields", value=name)
    cleared &= CLEARABLE
    stored = _stored(conn, account_id, request.id)
    protected = stored.type in ("system", "integrated")
    if protected:
        for name in _LOCKED_WHEN_PROTECTED:
            if _sent(request, name) or name in cleared:
                raise ServiceError("forbidden", path=name)

    blocks = request.site_blocks
    blocks_sent = bool(blocks) or "site_blocks" in cleared
    sent_status = wire_name(pb.CampaignStatus.DESCRIPTOR, request.status) if request.HasField("status") else None
    status: str = sent_status or stored.status
    if request.HasField("dynamic_call_tracking"):
        has_dct_settings = True
    elif "dynamic_call_tracking" in cleared:
        has_dct_settings = False
    else:
        has_dct_settings = stored.dct_count_virtual_numbers is not None
    facts = _facts(conn, account_id, request.site_id, blocks, campaign_id=stored.id)
    # Step 9. While a campaign is (or becomes) inactive its blocks cannot be set.
    _check_combinations(
        inactive=status == "inactive" and blocks_sent,
        blocks=blocks,
        numbers=facts.numbers,
        has_dct_settings=has_dct_settings,
    )
    kept_blocks = [] if blocks_sent else _stored_blocks(conn, stored.id)
    if not has_dct_settings and any(b.dynamic_call_tracking_enabled for b in kept_blocks):
        raise ServiceError("invalid_parameters_combination", path="dynamic_call_tracking")

    # Step 10. A campaign does not move: site_id names its site (any site of the account
    # for the system campaign, which belongs to none).
    if stored.type == "system":
        if not facts.site_found:
            raise ServiceError("entity_not_found", path="site_id", value=str(request.site_id))
    elif request.site_id != stored.site_id:
        raise ServiceError("invalid_parameter_value", path="site_id", value=str(request.site_id))
    _check_block_entities(blocks, facts)

    _apply_update(conn, account_id, stored, request, cleared, status, facts.numbers, kept_blocks)


def _sent(message: Message, name: str) -> bool:
    return message.HasField(name)


def _stored_blocks(conn: sa.Connection, campaign_id: int) -> list[pb.SiteBlock]:
    found = []
    for row in conn.execute(_STORED_BLOCKS, {"campaign_id": campaign_id}):
        block = pb.SiteBlock(
            site_block_id=row.site_block_id,
            phone_number_id=row.phone_number_id,
            dynamic_call_tracking_enabled=row.dynamic_call_tracking_enabled,
        )
        if row.redirection_phone_number_id is not None:
            block.redirection_phone_number_id = row.redirection_phone_number_id
        found.append(block)
    return found


def _apply_update(
    conn: sa.Connection,
    account_id: int,
    stored: Any,
    request: spb.UpdateCampaignRequest,
    cleared: set[str],
    status: str,
    numbers: dict[int, _Number],
    kept_blocks: list[pb.SiteBlock],
) -> None:
    values: dict[str, Any] = {}
    for name in ("name", "description"):
        if request.HasField(name):
            values[name] = getattr(request, name)
    if "description" in cleared:
        values["description"] = None
    if request.HasField("status"):
        values["status"] = status
    if request.HasField("cost_ratio"):
        values["cost_ratio"] = request.cost_ratio
    elif "cost_ratio" in cleared:
        values["cost_ratio"] = DEFAULT_COST_RATIO
    if request.HasField("cost_ratio_operator"):
        values["cost_ratio_operator"] = wire_name(pb.CostRatioOperator.DESCRIPTOR, request.cost_ratio_operator)
    elif "cost_ratio_operator" in cleared:
        values["cost_ratio_operator"] = DEFAULT_COST_RATIO_OPERATOR
    dct_changed = request.HasField("dynamic_call_tracking") or "dynamic_call_tracking" in cleared
    if dct_changed:
        values.update(
            _dct_columns(request.dynamic_call_tracking if request.HasField("dynamic_call_tracking") else None)
        )
    if values:
        conn.execute(t.campaigns.update().where(t.campaigns.c.id == stored.id).values(values))

    if request.HasField("campaign_conditions") or "campaign_conditions" in cleared:
        conn.execute(t.campaign_conditions.delete().where(t.campaign_conditions.c.campaign_id == stored.id))
        _insert_conditions(conn, stored.id, request.campaign_conditions)

    blocks_sent = bool(request.site_blocks) or "site_blocks" in cleared
    deactivated = status == "inactive" and stored.status != "inactive"
    if blocks_sent or deactivated:
        # The old blocks go, and with them their numbers and pools; going inactive keeps none.
        conn.execute(t.pool_numbers.delete().where(t.pool_numbers.c.campaign_id == stored.id))
        conn.execute(t.campaign_site_blocks.delete().where(t.campaign_site_blocks.c.campaign_id == stored.id))
        if not deactivated:
            _insert_blocks(conn, stored.id, request.site_blocks, numbers)
    elif dct_changed:
        conn.execute(t.pool_numbers.delete().where(t.pool_numbers.c.campaign_id == stored.id))
    if (blocks_sent or dct_changed) and not deactivated:
        settings = _current_dct(conn, stored.id)
        if settings is not None:
            _reserve_pools(conn, account_id, stored.id, request.site_blocks if blocks_sent else kept_blocks, settings)


def _current_dct(conn: sa.Connection, campaign_id: int) -> pb.DynamicCallTracking | None:
    count = conn.scalar(sa.select(t.campaigns.c.dct_count_virtual_numbers).where(t.campaigns.c.id == campaign_id))
    return None if count is None else pb.DynamicCallTracking(count_virtual_numbers=count)


def delete(conn: sa.Connection, caller: Caller, request: spb.DeleteCampaignRequest) -> None:
    account_id = caller.account.id
    stored = _stored(conn, account_id, request.id)
    if stored.type != "basic":
        raise ServiceError("protected_entity", path="id", value=str(request.id))
    # The row goes first and says whether this call deleted it: of two concurrent
    # deletes one finds it gone and fails, so the quota gets one campaign back.
    if conn.execute(_DELETE_CAMPAIGN, {"row_id": stored.id}).first() is None:
        raise ServiceError("entity_not_found", path="id", value=str(request.id))
    # Its blocks, pool and conditions go with it (the foreign keys cascade, and these
    # say so); its numbers are free again.
    conn.execute(t.pool_numbers.delete().where(t.pool_numbers.c.campaign_id == stored.id))
    conn.execute(t.campaign_site_blocks.delete().where(t.campaign_site_blocks.c.campaign_id == stored.id))
    conn.execute(t.campaign_conditions.delete().where(t.campaign_conditions.c.campaign_id == stored.id))
    conn.execute(_GIVE_BACK_QUOTA, {"account_id": account_id})
