"""What a create or an update names, as the database knows it, and the checks over it.

Steps 9 (combinations that depend on a number's type) and 10 (entities) of the
contract's order of checks. One query reads everything the request names; the
checks then run over it in the contract's order, one kind of fault at a time
across all blocks. Create and update share them: an update's blocks are checked
as a create's would be, except that its own numbers are not "in use".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb

from service.errors import ServiceError
from service.rules import display_bool
from service.storage import direct
from service.storage import schema as t
from service.storage.id_lists import in_ids


@dataclass(frozen=True, slots=True)
class Number:
    id: int
    type: str


# The hot path's statements are built once: building Core constructs per call
# costs more than SQLite takes to run them.
def _fact(kind: str, id_column: Any, detail: Any, *where: Any) -> sa.Select[Any]:
    return sa.select(sa.literal_column(f"'{kind}'").label("kind"), id_column.label("id"), detail.label("detail")).where(
        *where
    )


_NO_DETAIL = sa.cast(sa.null(), sa.Text)
# Everything steps 9 and 10 look up about the entities a create or update names,
# in one round trip; the checks then run over it in the contract's order.
FACTS = direct.fast(
    sa.union_all(
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
)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the database knows of the entities a request names, as far as the checks need it."""

    site_found: bool
    site_blocks: frozenset[int]
    numbers: dict[int, Number]
    redirections: frozenset[int]
    taken: frozenset[int]


def read_facts(
    conn: sa.Connection, account_id: int, site_id: int, blocks: Sequence[pb.SiteBlock], campaign_id: int | None
) -> Facts:
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
    for row in FACTS.fetch(conn, params):
        found[row.kind].append(row)
    return Facts(
        site_found=bool(found["site"]),
        site_blocks=frozenset(row.id for row in found["site_block"]),
        numbers={row.id: Number(row.id, row.detail) for row in found["number"]},
        redirections=frozenset(row.id for row in found["redirection"]),
        taken=frozenset(row.id for row in found["taken"]),
    )


def check_block_entities(blocks: Sequence[pb.SiteBlock], facts: Facts) -> None:
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


def check_combinations(
    *, inactive: bool, blocks: Sequence[pb.SiteBlock], numbers: dict[int, Number], has_dct_settings: bool
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


def _check_exclusive_numbers(blocks: Sequence[pb.SiteBlock], facts: Facts) -> None:
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
