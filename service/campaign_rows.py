"""The rows of a campaign a create or an update writes: its blocks and its pool settings (its conditions
are a column of its own row: condition_documents.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb

from contract.wire import wire_name
from service.campaign_facts import Number
from service.storage import direct
from service.storage import schema as t

DEFAULT_RESERVATION_TIME = pb.RESERVATION_TIME_15M
INSERT_BLOCKS = direct.fast(t.campaign_site_blocks.insert())


def dct_columns(dct: pb.DynamicCallTracking | None) -> dict[str, Any]:
    if dct is None:
        return {"dct_reservation_time": None, "dct_count_virtual_numbers": None, "dct_count_visits": None}
    reservation = dct.reservation_time if dct.HasField("reservation_time") else DEFAULT_RESERVATION_TIME
    return {
        "dct_reservation_time": wire_name(pb.ReservationTime.DESCRIPTOR, reservation),
        "dct_count_virtual_numbers": dct.count_virtual_numbers,
        "dct_count_visits": dct.count_visits,
    }


def insert_blocks(
    conn: sa.Connection, campaign_id: int, blocks: Sequence[pb.SiteBlock], numbers: dict[int, Number]
) -> None:
    if not blocks:
        return
    INSERT_BLOCKS.execute_many(
        conn,
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
