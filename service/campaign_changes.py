"""update.campaigns and delete.campaigns against the database.

An update's blocks are checked as a create's (campaign_facts.py), except that its
own numbers are not "in use"; system and integrated campaigns keep everything but
their blocks and pool settings, and cannot be deleted.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from google.protobuf.message import Message

from contract.wire import wire_name
from service.access import Caller
from service.campaign_facts import Number, check_block_entities, check_combinations, read_facts
from service.campaign_pools import reserve_pools
from service.campaign_rows import dct_columns, insert_blocks
from service.condition_documents import to_document
from service.errors import ServiceError
from service.storage import direct, lock_account
from service.storage import schema as t
from service.storage.schema import SYSTEM_CAMPAIGN_API_ID, system_campaign_id

# Parameters an update may clear by sending null; for the others null means "not sent".
CLEARABLE: Final = frozenset(
    {"description", "campaign_conditions", "site_blocks", "dynamic_call_tracking", "cost_ratio", "cost_ratio_operator"}
)
_NULL_MEANS_NOT_SENT: Final = frozenset({"user_id", "id", "name", "status", "site_id", "validate_only"})
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

# On the storage's fast path (storage/direct.py): every update and delete runs them.
_STORED = direct.fast(
    sa.select(
        t.campaigns.c.id,
        t.campaigns.c.type,
        t.campaigns.c.status,
        t.campaigns.c.site_id,
        t.campaigns.c.dct_count_virtual_numbers,
    ).where(t.campaigns.c.id == sa.bindparam("row_id"), t.campaigns.c.account_id == sa.bindparam("account_id"))
)
_STORED_BLOCKS = direct.fast(
    sa.select(
        t.campaign_site_blocks.c.site_block_id,
        t.campaign_site_blocks.c.phone_number_id,
        t.campaign_site_blocks.c.redirection_phone_number_id,
        t.campaign_site_blocks.c.dynamic_call_tracking_enabled,
    )
    .where(t.campaign_site_blocks.c.campaign_id == sa.bindparam("campaign_id"))
    .order_by(t.campaign_site_blocks.c.position)
)
_DELETE_CAMPAIGN = direct.fast(
    t.campaigns.delete().where(t.campaigns.c.id == sa.bindparam("row_id")).returning(t.campaigns.c.id)
)
_GIVE_BACK_QUOTA = direct.fast(
    t.accounts.update()
    .where(t.accounts.c.id == sa.bindparam("account_id"))
    .values(basic_campaigns=t.accounts.c.basic_campaigns - 1)
)


class Stored(NamedTuple):
    """The stored campaign an update or delete names."""

    id: int
    type: str
    status: str
    site_id: int | None
    dct_count_virtual_numbers: int | None


def _stored(conn: sa.Connection, account_id: int, api_id: int) -> Stored:
    """The caller's campaign with this API id (-1: its system campaign), or entity_not_found on `id`."""
    row_id = system_campaign_id(account_id) if api_id == SYSTEM_CAMPAIGN_API_ID else api_id
    row = (
        _STORED.fetch(conn, {"row_id": row_id, "account_id": account_id}).first()
        if row_id > 0 or api_id == -1
        else None
    )
    if row is None:
        raise ServiceError("entity_not_found", path="id", value=str(api_id))
    return Stored(
        id=row.id,
        type=row.type,
        status=row.status,
        site_id=row.site_id,
        dct_count_virtual_numbers=row.dct_count_virtual_numbers,
    )


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
    lock_account(conn, account_id, exclusive=False)  # as create does: see storage.lock_account
    facts = read_facts(conn, account_id, request.site_id, blocks, campaign_id=stored.id)
    # Step 9. While a campaign is (or becomes) inactive its blocks cannot be set.
    check_combinations(
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
    check_block_entities(blocks, facts)

    if request.validate_only:
        return  # every check is above: _apply_update only writes (see campaigns.create)
    _apply_update(conn, account_id, stored, request, cleared, status, facts.numbers, kept_blocks)


def _sent(message: Message, name: str) -> bool:
    return message.HasField(name)


def _stored_blocks(conn: sa.Connection, campaign_id: int) -> list[pb.SiteBlock]:
    found = []
    for row in _STORED_BLOCKS.fetch(conn, {"campaign_id": campaign_id}):
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
    stored: Stored,
    request: spb.UpdateCampaignRequest,
    cleared: set[str],
    status: str,
    numbers: dict[int, Number],
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
        values.update(dct_columns(request.dynamic_call_tracking if request.HasField("dynamic_call_tracking") else None))
    if request.HasField("campaign_conditions") or "campaign_conditions" in cleared:
        values["conditions"] = to_document(request.campaign_conditions)
    if values:
        conn.execute(t.campaigns.update().where(t.campaigns.c.id == stored.id).values(values))

    blocks_sent = bool(request.site_blocks) or "site_blocks" in cleared
    deactivated = status == "inactive" and stored.status != "inactive"
    if blocks_sent or deactivated:
        # The old blocks go, and with them their numbers and pools; going inactive keeps none.
        conn.execute(t.pool_numbers.delete().where(t.pool_numbers.c.campaign_id == stored.id))
        conn.execute(t.campaign_site_blocks.delete().where(t.campaign_site_blocks.c.campaign_id == stored.id))
        if not deactivated:
            insert_blocks(conn, stored.id, request.site_blocks, numbers)
    elif dct_changed:
        conn.execute(t.pool_numbers.delete().where(t.pool_numbers.c.campaign_id == stored.id))
    if (blocks_sent or dct_changed) and not deactivated:
        settings = _current_dct(conn, stored.id)
        if settings is not None:
            reserve_pools(conn, account_id, stored.id, request.site_blocks if blocks_sent else kept_blocks, settings)


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
    if _DELETE_CAMPAIGN.fetch(conn, {"row_id": stored.id}).first() is None:
        raise ServiceError("entity_not_found", path="id", value=str(request.id))
    # Its blocks and pool go with it (the foreign keys cascade, and these say so); its numbers are
    # free again. Its conditions were in its row.
    conn.execute(t.pool_numbers.delete().where(t.pool_numbers.c.campaign_id == stored.id))
    conn.execute(t.campaign_site_blocks.delete().where(t.campaign_site_blocks.c.campaign_id == stored.id))
    _GIVE_BACK_QUOTA.fetch(conn, {"account_id": account_id})
