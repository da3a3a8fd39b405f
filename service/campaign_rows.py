"""The rows of a campaign a create or an update writes: its blocks, its conditions, its pool settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb

from contract.wire import wire_name, wire_names
from service.campaign_facts import Number
from service.storage import direct
from service.storage import schema as t

DEFAULT_RESERVATION_TIME = pb.RESERVATION_TIME_15M
INSERT_BLOCKS = direct.fast(t.campaign_site_blocks.insert())
INSERT_CONDITIONS = direct.fast(t.campaign_conditions.insert())


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


def insert_conditions(conn: sa.Connection, campaign_id: int, conditions: pb.CampaignConditions) -> None:
    types = wire_names(pb.ConditionType.DESCRIPTOR)
    parameters = wire_names(pb.CampaignParameter.DESCRIPTOR)
    operators = wire_names(pb.ConditionOperator.DESCRIPTOR)
    rows = [
        {
            "campaign_id": campaign_id,
            "group_index": group_index,
            "position": position,
            "type": types[condition.type],
            "campaign_parameter": parameters[condition.campaign_parameter],
            "operator": operators[condition.operator],
            "value": condition.value,
        }
        for group_index, group in enumerate(conditions.group_conditions)
        for position, condition in enumerate(group.conditions)
    ]
    if rows:
        INSERT_CONDITIONS.execute_many(conn, rows)
