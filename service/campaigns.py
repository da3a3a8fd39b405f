"""create.campaigns against the database, and what a lost race on a number means.

Steps 9 and 10 of the contract's order of checks (campaign_facts.py) run inside
the write transaction that stores the campaign, so what was checked is what gets
written; step 11 (the quota) is taken in the same transaction with the call's
charge (points.charge). update and delete are campaign_changes.py.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from sqlalchemy.exc import IntegrityError

from contract.wire import wire_name
from service.access import Caller
from service.campaign_facts import Number, check_block_entities, check_combinations, read_facts
from service.campaign_pools import reserve_pools
from service.campaign_rows import dct_columns, insert_blocks
from service.condition_documents import to_document
from service.errors import ServiceError
from service.storage import direct, lock_account
from service.storage import schema as t
from service.storage.constraints import EXCLUSIVE_NUMBER, POOL_NUMBER, violated_constraint

INSERT_CAMPAIGN = direct.fast(t.campaigns.insert().returning(t.campaigns.c.id))


def lost_race(error: IntegrityError) -> bool:
    """A concurrent change took a call_tracking or pool number first; a retry reports it properly."""
    return violated_constraint(error) in (EXCLUSIVE_NUMBER, POOL_NUMBER)


def conflict_error(blocks: Sequence[pb.SiteBlock]) -> ServiceError:
    """What to say when every retry lost its race (not seen in practice: retries see the winner)."""
    first = next((index for index, block in enumerate(blocks) if block.HasField("phone_number_id")), 0)
    return ServiceError("already_in_use", path=f"site_blocks[{first}].phone_number_id")


def create(conn: sa.Connection, caller: Caller, request: spb.CreateCampaignRequest) -> int:
    account_id = caller.account.id
    blocks = request.site_blocks
    # Before looking at the site, blocks and numbers: a delete of one of them waits for this commit.
    lock_account(conn, account_id, exclusive=False)
    facts = read_facts(conn, account_id, request.site_id, blocks, campaign_id=None)
    check_combinations(
        inactive=request.status == pb.CAMPAIGN_STATUS_INACTIVE,
        blocks=blocks,
        numbers=facts.numbers,
        has_dct_settings=request.HasField("dynamic_call_tracking"),
    )
    # Step 10: entities.
    if not facts.site_found:
        raise ServiceError("entity_not_found", path="site_id", value=str(request.site_id))
    check_block_entities(blocks, facts)
    # Step 11, the plan quota, is taken with the call's charge (calls.Calls.run).
    if request.validate_only:
        # Every check is above: _write raises nothing of its own (only a lost race, which a retry
        # reports as already_in_use through the checks). No id is assigned: 0.
        return 0
    return _write(conn, account_id, request, facts.numbers)


def _write(
    conn: sa.Connection,
    account_id: int,
    request: spb.CreateCampaignRequest,
    numbers: dict[int, Number],
) -> int:
    values: dict[str, Any] = {
        "account_id": account_id,
        "name": request.name,
        "description": request.description if request.HasField("description") else None,
        "status": wire_name(pb.CampaignStatus.DESCRIPTOR, request.status) or "active",
        "type": "basic",
        "site_id": request.site_id,
        "created_at": int(time.time()),
        **dct_columns(request.dynamic_call_tracking if request.HasField("dynamic_call_tracking") else None),
        "conditions": to_document(request.campaign_conditions),
    }
    campaign_id: int = INSERT_CAMPAIGN.fetch(conn, values).scalar_one()
    insert_blocks(conn, campaign_id, request.site_blocks, numbers)
    if request.HasField("dynamic_call_tracking"):
        reserve_pools(conn, account_id, campaign_id, request.site_blocks, request.dynamic_call_tracking)
    return campaign_id
