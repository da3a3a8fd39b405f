"""Virtual numbers: get.virtual_numbers, get.available_virtual_numbers, enable and disable (METHODS.md §13-§16).

A number is either in the platform's stock (number_stock, no account) or held by one account
(phone_numbers), under the same id for good. enable moves stock rows to the account, disable moves the
account's rows back; each runs in the call's one transaction, so a failed call moves nothing.

Which of an account's numbers are its virtual numbers (listed by get.virtual_numbers, counted against
the plan's quota, disconnectable): call_tracking and va numbers, and pool numbers (dynamic call
tracking), vacant or not. User numbers (the customer's own) are not.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from campaigns.v1 import number_service_pb2 as npb

from contract.wire import wire_name, wire_number
from service.access import Caller
from service.errors import ServiceError
from service.listing import Field, Listing, Query, format_time, run_query
from service.rules import PHONE_NUMBER, Param, phone_digits
from service.storage import direct, lock_account
from service.storage import schema as t
from service.storage.id_lists import in_ids
from service.storage.schema import SYSTEM_CAMPAIGN_API_ID

# One request's list of ids: the page's limit (METHODS.md §15).
MAX_IDS: Final = 100
_INT64_MAX: Final = 2**63 - 1
_DIGITS: Final = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() takes other scripts' digits too


# ---------------------------------------------------------------- parameters (step 7)


def id_text(text: str) -> str | None:
    """The decimal text of an id sent as digits ("0901" is 901), None when it is not an id at all."""
    if not _DIGITS.fullmatch(text):
        return None
    canonical = text.lstrip("0") or "0"
    # Past int64 it is no id, as an integer parameter out of range is not (CONTRACT §6).
    if len(canonical) > 19 or int(canonical) > _INT64_MAX:
        return None
    return canonical


def _distinct_ids(ids: Sequence[str], path: str) -> None:
    seen: set[str] = set()
    for index, text in enumerate(ids):
        canonical = id_text(text)
        if canonical in seen:
            raise ServiceError("invalid_parameter_value", path=f"{path}[{index}]", value=text)
        seen.add(str(canonical))


def _without_ids(sent: Callable[[str], bool]) -> bool:
    return not sent("number_capacity_ids")


def _with_ids(sent: Callable[[str], bool]) -> bool:
    return sent("number_capacity_ids")


_NUMBER: Final = Param("virtual_phone_number", required_when=_without_ids, valid=PHONE_NUMBER)
_IDS: Final = Param(
    "number_capacity_ids", max_items=MAX_IDS, valid=lambda v: id_text(v) is not None, list_rule=_distinct_ids
)
ENABLE: Final = (
    Param("user_id"),
    _NUMBER,
    _IDS,
    Param(
        "number_capacity_component",
        required_when=_with_ids,
        valid=lambda v: wire_name(npb.NumberCapacityComponent.DESCRIPTOR, v) is not None,
    ),
)
DISABLE: Final = (Param("user_id"), _NUMBER, _IDS)


# ---------------------------------------------------------------- get.virtual_numbers

VIRTUAL_NUMBERS: Final = Listing(
    (
        Field("id", "int", filterable=True),
        Field("child_customer_id", "int", filterable=True, sortable=True),
        Field("virtual_phone_number", "text", filterable=True),
        Field("redirection_phone_number", "text", filterable=True),
        Field("activation_date", "time", filterable=True),
        Field("status", "text", filterable=True, sortable=True),
        Field("category", "text", filterable=True, sortable=True),
        Field("type", "text", filterable=True, sortable=True),
        Field("comment", "text", filterable=True, sortable=True),
        Field("name", "text", filterable=True, sortable=True),
        # Arrays: filterable on the page only through jsquery, which is not offered (filter_prohibited).
        Field("campaigns"),
        Field("scenarios"),
    )
)
_n = t.phone_numbers.c
_NULL_TEXT: Final = sa.cast(sa.null(), sa.Text)
_VIRTUAL_COLUMNS: Final[dict[str, Any]] = {
    "id": _n.id,
    # Never set here (METHODS.md §13): null, filtered and sorted as null.
    "child_customer_id": sa.cast(sa.null(), sa.BigInteger),
    "virtual_phone_number": _n.phone_number,
    "redirection_phone_number": _NULL_TEXT,
    "activation_date": _n.activation_date,
    "status": sa.literal_column("'active'", sa.Text),
    "category": _n.category,
    "type": sa.case((_n.is_pool_stock.is_(True), sa.literal_column("'dynamic_call_tracking'", sa.Text)), else_=_n.type),
    "comment": _NULL_TEXT,
    "name": _NULL_TEXT,
}


def _virtual(account_id: Any) -> Any:
    """The account's virtual numbers: what get.virtual_numbers lists, the quota counts, disable may take.

    account_id is an id or a bind parameter. (Equalities, not IN: a literal IN list is rendered per
    execution, which keeps a statement off the storage's fast path.)
    """
    return sa.and_(
        _n.account_id == account_id,
        sa.or_(_n.is_pool_stock.is_(True), _n.type == "call_tracking", _n.type == "va"),
    )


_SITE_BLOCK = t.site_blocks.c
_FIXED_USES = sa.select(
    t.campaign_site_blocks.c.phone_number_id.label("number_id"),
    t.campaign_site_blocks.c.site_block_id,
    sa.false().label("is_tracking"),
    t.campaign_site_blocks.c.campaign_id,
).where(in_ids(t.campaign_site_blocks.c.phone_number_id, "ids"))
_POOL_USES = sa.select(
    t.pool_numbers.c.phone_number_id.label("number_id"),
    t.pool_numbers.c.site_block_id,
    sa.true().label("is_tracking"),
    t.pool_numbers.c.campaign_id,
).where(in_ids(t.pool_numbers.c.phone_number_id, "ids"))
_USES_UNION = sa.union_all(_FIXED_USES, _POOL_USES).subquery("uses")
# Every campaign block that uses one of the numbers, fixed or from a pool, with what get.virtual_numbers shows.
_USES = direct.fast(
    sa.select(
        _USES_UNION.c.number_id,
        _USES_UNION.c.is_tracking,
        _USES_UNION.c.site_block_id,
        _SITE_BLOCK.name.label("site_block_name"),
        _SITE_BLOCK.site_id,
        t.sites.c.domain_name.label("site_domain_name"),
        t.campaigns.c.id.label("campaign_id"),
        t.campaigns.c.type.label("campaign_type"),
        t.campaigns.c.name.label("campaign_name"),
    ).select_from(
        _USES_UNION.join(t.campaigns, t.campaigns.c.id == _USES_UNION.c.campaign_id)
        .join(t.site_blocks, _SITE_BLOCK.id == _USES_UNION.c.site_block_id)
        .join(t.sites, t.sites.c.id == _SITE_BLOCK.site_id)
    )
)


def _campaigns_of(conn: sa.Connection, ids: list[int]) -> dict[int, list[npb.VirtualNumberCampaign]]:
    """For each number, the campaigns using it: by campaign id (-1 first), then site, then block."""
    by_number: dict[int, dict[tuple[int, int], npb.VirtualNumberCampaign]] = defaultdict(dict)
    if not ids:
        return {}
    rows = list(_USES.fetch(conn, {"ids": ids}))

    def api_id(row: Any) -> int:
        return SYSTEM_CAMPAIGN_API_ID if row.campaign_type == "system" else int(row.campaign_id)

    for row in sorted(rows, key=lambda r: (r.number_id, api_id(r), r.site_id, r.site_block_id)):
        # A campaign whose blocks are on two sites (the system campaign may be) is listed once per site.
        key = (api_id(row), row.site_id)
        campaign = by_number[row.number_id].get(key)
        if campaign is None:
            campaign = npb.VirtualNumberCampaign(
                campaign_id=key[0],
                campaign_name=row.campaign_name,
                site_id=row.site_id,
                site_domain_name=row.site_domain_name,
            )
            by_number[row.number_id][key] = campaign
        campaign.site_blocks.add(
            site_block_id=row.site_block_id, site_block_name=row.site_block_name, is_tracking=row.is_tracking
        )
    return {number: list(campaigns.values()) for number, campaigns in by_number.items()}


_CATEGORIES: Final = npb.NumberCategory.DESCRIPTOR
_TYPES: Final = npb.VirtualNumberType.DESCRIPTOR


_VIRTUALS: Final = sa.select(*(expression.label(name) for name, expression in _VIRTUAL_COLUMNS.items())).where(
    _virtual(sa.bindparam("account_id"))
)


def virtual_numbers(conn: sa.Connection, account_id: int, query: Query) -> npb.GetVirtualNumbersResponse:
    rows, total = run_query(conn, _VIRTUALS, {"account_id": account_id}, _VIRTUAL_COLUMNS, _n.id, query)
    ids = [row.id for row in rows]
    uses = _campaigns_of(conn, ids) if "campaigns" in query.fields else {}
    response = npb.GetVirtualNumbersResponse(total_items=total, fields=query.fields)
    for row in rows:
        response.data.add(
            id=row.id,
            virtual_phone_number=row.virtual_phone_number,
            activation_date=format_time(row.activation_date),
            status=npb.VIRTUAL_NUMBER_STATUS_ACTIVE,
            category=wire_number(_CATEGORIES, row.category),
            type=wire_number(_TYPES, row.type),
            campaigns=uses.get(row.id, []),
        )
    return response


# ---------------------------------------------------------------- get.available_virtual_numbers

AVAILABLE: Final = Listing(
    (
        Field("phone_number", "text", filterable=True, sortable=True),
        Field("category", "text", filterable=True, sortable=True),
        Field("location_mnemonic", "text", filterable=True, sortable=True),
        Field("location_name", "text", sortable=True),
        Field("onetime_payment"),
        Field("monthly_charge"),
        Field("min_charge"),
    )
)
_s = t.number_stock.c
_STOCK_COLUMNS: Final[dict[str, Any]] = {
    "phone_number": _s.phone_number,
    "category": _s.category,
    "location_mnemonic": _s.location_mnemonic,
    "location_name": _s.location_name,
}

_STOCK: Final = sa.select(
    *(expression.label(name) for name, expression in _STOCK_COLUMNS.items()),
    _s.onetime_payment,
    _s.monthly_charge,
    _s.min_charge,
)


def available(conn: sa.Connection, _account_id: int, query: Query) -> npb.GetAvailableVirtualNumbersResponse:
    """The stock, the same for every account; by phone number unless sorted otherwise."""
    # The phone number is unique in the stock: it is the key that orders pages (METHODS.md §0.3).
    rows, total = run_query(conn, _STOCK, {}, _STOCK_COLUMNS, _s.phone_number, query)
    response = npb.GetAvailableVirtualNumbersResponse(total_items=total, fields=query.fields)
    for row in rows:
        item = response.data.add(
            phone_number=row.phone_number,
            category=wire_number(_CATEGORIES, row.category),
            onetime_payment=row.onetime_payment,
            monthly_charge=row.monthly_charge,
            min_charge=row.min_charge,
        )
        for optional in ("location_mnemonic", "location_name"):
            if getattr(row, optional) is not None:
                setattr(item, optional, getattr(row, optional))
    return response


# ---------------------------------------------------------------- enable and disable


@dataclass(frozen=True, slots=True)
class _Named:
    """A number the request names: by its digits or by its id, and where it was named."""

    path: str
    sent: str
    # What virtual_phone_number_not_found says: the number as sent, or the id's decimal text.
    shown: str
    digits: str | None = None
    id: int | None = None


def _named(request: Any) -> list[_Named]:
    if request.HasField("virtual_phone_number"):
        sent = request.virtual_phone_number
        return [_Named("virtual_phone_number", sent, sent, digits=phone_digits(sent))]
    named = []
    for index, text in enumerate(request.number_capacity_ids):
        canonical = id_text(text)
        assert canonical is not None  # step 7 refused anything else
        named.append(_Named(f"number_capacity_ids[{index}]", text, canonical, id=int(canonical)))
    return named


def _not_found(number: _Named) -> ServiceError:
    return ServiceError(
        "virtual_phone_number_not_found",
        path=number.path,
        value=number.sent,
        params={"virtual_phone_number": number.shown},
    )


def _both_sent(request: Any) -> None:
    """Step 9: a number and a list of ids together."""
    if request.HasField("virtual_phone_number") and request.number_capacity_ids:
        raise ServiceError("invalid_parameters_combination", path="number_capacity_ids")


_COMPONENT_OF: Final = {
    npb.NUMBER_CAPACITY_COMPONENT_VA: "va",
    npb.NUMBER_CAPACITY_COMPONENT_CALL_TRACKING: "call_tracking",
}
_TAKE_FROM_STOCK = t.number_stock.delete().returning(
    _s.id,
    _s.phone_number,
    _s.category,
    _s.location_mnemonic,
    _s.location_name,
    _s.onetime_payment,
    _s.monthly_charge,
    _s.min_charge,
)
# Stock column -> the phone_numbers column that keeps it while an account holds the number.
_KEPT: Final = {
    "location_mnemonic": "stock_location_mnemonic",
    "location_name": "stock_location_name",
    "onetime_payment": "stock_onetime_payment",
    "monthly_charge": "stock_monthly_charge",
    "min_charge": "stock_min_charge",
}


def enable(conn: sa.Connection, caller: Caller, request: npb.EnableVirtualNumbersRequest) -> None:
    account = caller.account
    # Step 8: the type asked for needs its component.
    if request.HasField("number_capacity_component"):
        component = _COMPONENT_OF[request.number_capacity_component]
        if component not in account.components:
            raise ServiceError(
                "parameter_component_disabled",
                path="number_capacity_component",
                value=component,
                params={"components": component},
            )
        kind = component
    else:
        kind = "call_tracking"
    _both_sent(request)
    named = _named(request)
    # Held to the commit: the quota count below and the insert are one step for this account.
    lock_account(conn, account.id, exclusive=True)
    # Step 10. Deleting is the look-up: of two accounts taking the same stock number at once the
    # second waits on the row and then finds nothing, so the database decides who has it.
    taken: dict[int, Any] = {}
    for number in named:
        where = _s.phone_number == number.digits if number.id is None else _s.id == number.id
        row = conn.execute(_TAKE_FROM_STOCK.where(where)).first()
        if row is None:
            raise _not_found(number)
        taken[row.id] = row
    # Step 11: the plan's quota counts what get.virtual_numbers lists.
    quota = _quota(conn, account.id)
    if quota is not None:
        held = conn.execute(sa.select(sa.func.count()).select_from(t.phone_numbers).where(_virtual(account.id)))
        if (held.scalar_one() or 0) + len(taken) > quota:
            raise ServiceError("tariff_restrictions")
    now = int(time.time())
    conn.execute(
        t.phone_numbers.insert(),
        [
            {
                "id": row.id,
                "account_id": account.id,
                "phone_number": row.phone_number,
                "type": kind,
                "is_pool_stock": False,
                "is_hosted_pbx": False,
                "activation_date": now,
                "category": row.category,
                **{kept: getattr(row, name) for name, kept in _KEPT.items()},
            }
            for row in taken.values()
        ],
    )


def _quota(conn: sa.Connection, account_id: int) -> int | None:
    value = conn.execute(
        sa.select(t.accounts.c.virtual_number_quota).where(t.accounts.c.id == account_id)
    ).scalar_one_or_none()
    return None if value is None else int(value)


# The numbers among "ids" that some campaign block uses, fixed or from a pool (the same union as _USES).
_USED = sa.select(_USES_UNION.c.number_id)


def disable(conn: sa.Connection, caller: Caller, request: npb.DisableVirtualNumbersRequest) -> None:
    account_id = caller.account.id
    _both_sent(request)
    named = _named(request)
    # Before looking for campaigns that use the numbers: a create or update naming one waits for this
    # commit, and one already under way is waited for (storage.lock_account).
    lock_account(conn, account_id, exclusive=True)
    mine = sa.select(_n.id, _n.phone_number, _n.category, *(_n[kept] for kept in _KEPT.values())).where(
        _virtual(account_id)
    )
    found: list[Any] = []
    # Step 10, one category at a time over the whole list: the numbers, then what uses them.
    for number in named:
        where = _n.phone_number == number.digits if number.id is None else _n.id == number.id
        row = conn.execute(mine.where(where)).first()
        if row is None:
            raise _not_found(number)
        found.append(row)
    used = set(conn.scalars(_USED, {"ids": [row.id for row in found]}))
    for number, row in zip(named, found, strict=True):
        if row.id in used:
            raise ServiceError("dependency_error", path=number.path, value=number.sent)
    ids = [row.id for row in found]
    conn.execute(t.phone_numbers.delete().where(_n.id.in_(ids)))
    # Back to the stock as it came: id, category, location and charges (a demo number, which never
    # came from the stock, has no location and charges 0).
    conn.execute(
        t.number_stock.insert(),
        [
            {
                "id": row.id,
                "phone_number": row.phone_number,
                "category": row.category,
                **{name: getattr(row, kept) for name, kept in _KEPT.items()},
            }
            for row in found
        ],
    )
