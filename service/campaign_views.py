"""get.campaigns: the listing of an account's campaigns, and how each is shown."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Final

import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from contract.wire import wire_number
from service.condition_documents import read_document
from service.listing import Field, Listing, Query, format_time, run_query
from service.storage import direct
from service.storage import schema as t
from service.storage.id_lists import in_ids
from service.storage.schema import STATIC_UTM_PARTS, SYSTEM_CAMPAIGN_API_ID

# The campaign's static UTM columns, named as the fields that show them.
_UTM_FIELDS: Final = tuple(f"static_utm_{part}" for part in STATIC_UTM_PARTS)

# Filterable and sortable as the original API's get.campaigns page says; the
# array and object fields (site_blocks, dynamic_call_tracking) are not filtered
# here (the original offers them only through jsquery).
CAMPAIGNS: Final = Listing(
    (
        Field("id", "int", filterable=True),
        Field("name", "text", filterable=True, sortable=True),
        Field("description"),
        Field("status", "text", filterable=True),
        Field("creation_time", "time", filterable=True, sortable=True),
        Field("engine", "text", filterable=True, sortable=True),
        Field("type", "text", filterable=True, sortable=True),
        Field("costs", "number", filterable=True, sortable=True),
        Field("cost_ratio"),
        Field("cost_ratio_operator"),
        Field("site_id", "int", filterable=True, sortable=True),
        Field("site_domain_name", "text", filterable=True),
        Field("site_blocks"),
        Field("dynamic_call_tracking"),
        Field("campaign_conditions"),
        *(Field(name, "text", filterable=True, default=False) for name in _UTM_FIELDS),
    )
)

_c = t.campaigns.c
# The system campaign is -1 in every account.
_API_ID = sa.case((_c.type == "system", sa.literal(SYSTEM_CAMPAIGN_API_ID)), else_=_c.id)
_cc = t.campaign_costs.c


def _costs() -> Any:
    """The costs column (METHODS.md §11.1): the campaign's stored cents, with cost_ratio, in units.

    A correlated sum, as site_domain_name is: only the rows a page shows (or a filter or sort on costs)
    pay for it, by the primary key's campaign_id prefix, and the count does not. Summed as doubles:
    exact up to 2**53 cents on both engines, and no integer overflow (SQLite's sum of integers raises
    one) past that. Then cost_ratio, rounded half up to whole cents as floor(x + 0.5), on doubles too,
    so both engines compute the same number and the filter, the sort and the answer agree on it. No
    stored day: null.

    A product or quotient that is a tie in decimal (342050 cents x 3.05 = 1043252.5) may come out of the
    doubles a few units in the last place below it (1043252.4999999999) and would round down. Raising it
    by 2**-51 of itself first (more than the two roundings can have taken off, far less than the distance
    from a tie of any other product of a ratio the client wrote with a few decimals) makes the tie round
    up, as METHODS.md §11.1's "half up" says.
    """
    cents = sa.select(sa.func.sum(sa.cast(_cc.cents, sa.Float))).where(_cc.campaign_id == _c.id).scalar_subquery()
    nudge = sa.literal(_TIE_NUDGE, sa.Float)
    scaled = sa.case(
        (_c.cost_ratio_operator == "multiply", _HalfUp(cents * _c.cost_ratio * nudge)),
        (_c.cost_ratio_operator == "divide", _HalfUp(cents / _c.cost_ratio * nudge)),
        else_=cents,
    )
    return scaled / sa.literal(100.0, sa.Float)


# 1 + 2**-51: exact as a double; see _costs.
_TIE_NUDGE: Final = 1 + 2**-51


class _HalfUp(FunctionElement[float]):
    """floor(x + 0.5) of a double x >= 0 (or null), the same number on both engines.

    Not floor() on SQLite: SQLAlchemy's driver replaces it with Python's math.floor, which fails on a
    null and returns integers past 64 bits. SQLite's own round(x) is (double)(int64)(x + 0.5) below
    2**63 and x itself above 2**53, which is floor(x + 0.5) computed in the same IEEE doubles.
    (PostgreSQL's round(double) rounds half to even, hence floor there.)
    """

    type = sa.Float()
    inherit_cache = True
    name = "half_up"


@compiles(_HalfUp)
def _half_up(element: _HalfUp, compiler: Any, **kw: Any) -> str:
    return f"floor({compiler.process(element.clauses, **kw)} + 0.5)"


@compiles(_HalfUp, "sqlite")
def _half_up_sqlite(element: _HalfUp, compiler: Any, **kw: Any) -> str:
    return f"round({compiler.process(element.clauses, **kw)})"


COLUMNS: Final[dict[str, Any]] = {
    "id": _API_ID,
    "name": _c.name,
    "status": _c.status,
    "creation_time": _c.created_at,
    "engine": _c.engine,
    "type": _c.type,
    "costs": _costs(),
    "site_id": _c.site_id,
    # A correlated look-up rather than a join: only the rows a page shows (or a filter
    # on it) pay for it, not the count.
    "site_domain_name": sa.select(t.sites.c.domain_name).where(t.sites.c.id == _c.site_id).scalar_subquery(),
    **{name: _c[name] for name in _UTM_FIELDS},
}


def _campaigns(*, utm: bool, conditions: bool) -> sa.Select[Any]:
    shown = {name: expression for name, expression in COLUMNS.items() if utm or name not in _UTM_FIELDS}
    return sa.select(
        *((_c.conditions,) if conditions else ()),
        _c.id.label("row_id"),
        *(expression.label(name) for name, expression in shown.items()),
        _c.description,
        _c.cost_ratio,
        _c.cost_ratio_operator,
        _c.dct_reservation_time,
        _c.dct_count_virtual_numbers,
        _c.dct_count_visits,
    ).where(_c.account_id == sa.bindparam("account_id"))


# The static_utm_* columns are read only when a client asks for one of them (they are not in the default
# fields): on a page of 10,000 they cost about 3.5 ms of SQLite's time. A filter on one needs no column.
# The conditions' document, only when campaign_conditions is asked for. By (utm, conditions).
_CAMPAIGNS: Final = {
    (utm, conditions): _campaigns(utm=utm, conditions=conditions)
    for utm in (False, True)
    for conditions in (False, True)
}


def _columns_read(wanted: set[str]) -> tuple[bool, bool]:
    """Whether a page with these fields reads the static_utm_* columns, and the conditions' document."""
    return not wanted.isdisjoint(_UTM_FIELDS), "campaign_conditions" in wanted


def page_rows(conn: sa.Connection, account_id: int, query: Query) -> tuple[list[Any], int]:
    """The page's rows (the columns its fields need) and the number of campaigns the filter matches."""
    statement = _CAMPAIGNS[_columns_read(set(query.fields))]
    return run_query(conn, statement, {"account_id": account_id}, COLUMNS, _c.id, query)


def get_campaigns(conn: sa.Connection, account_id: int, query: Query) -> spb.GetCampaignsResponse:
    wanted = set(query.fields)
    utm, with_conditions = _columns_read(wanted)
    rows, total = page_rows(conn, account_id, query)
    ids = [row.row_id for row in rows]
    blocks = _blocks(conn, ids) if "site_blocks" in wanted else {}
    response = spb.GetCampaignsResponse(total_items=total, fields=query.fields)
    optional = _OPTIONAL[utm]
    for row in rows:
        _add_view(response.data, row, optional, blocks.get(row.row_id, []), row.conditions if with_conditions else None)
    return response


# Spelling -> enum number, for the columns a page of thousands of rows converts (wire_number's table,
# looked up once here rather than per row).
_STATUSES: Final = {name: wire_number(pb.CampaignStatus.DESCRIPTOR, name) for name in ("active", "inactive")}
_TYPES: Final = {name: wire_number(pb.CampaignType.DESCRIPTOR, name) for name in ("basic", "integrated", "system")}
_RATIO_OPERATORS: Final = {
    name: wire_number(pb.CostRatioOperator.DESCRIPTOR, name) for name in ("wo_changes", "multiply", "divide")
}
# The view's fields set only when the row has them, without and with the static_utm_* columns.
_OPTIONAL_SHOWN: Final = ("description", "engine", "costs", "site_id", "site_domain_name")
_OPTIONAL: Final = {False: _OPTIONAL_SHOWN, True: (*_OPTIONAL_SHOWN, *_UTM_FIELDS)}


def _add_view(
    views: Any,
    row: Any,
    optional: tuple[str, ...],
    blocks: Sequence[pb.SiteBlockView],
    conditions: str | None,
) -> None:
    """Add the row's view to `views` (built in place: appending a view made apart copies it). Its fields are
    set one by one: `add` with keyword arguments builds and reads a dict for each of a page's 10,000 rows."""
    status, kind = row.status, row.type
    view = views.add()
    view.id = row.id
    view.name = row.name
    view.status = _STATUSES.get(status) or wire_number(pb.CampaignStatus.DESCRIPTOR, status)
    view.creation_time = format_time(row.creation_time)
    view.type = _TYPES.get(kind) or wire_number(pb.CampaignType.DESCRIPTOR, kind)
    view.cost_ratio = row.cost_ratio
    view.cost_ratio_operator = _RATIO_OPERATORS.get(row.cost_ratio_operator) or wire_number(
        pb.CostRatioOperator.DESCRIPTOR, row.cost_ratio_operator
    )
    if blocks:
        view.site_blocks.extend(blocks)
    for name in optional:
        value = getattr(row, name)
        if value is not None:
            setattr(view, name, value)
    if row.dct_count_virtual_numbers is not None:
        view.dynamic_call_tracking.CopyFrom(
            pb.DynamicCallTrackingView(
                reservation_time=wire_number(pb.ReservationTime.DESCRIPTOR, row.dct_reservation_time),
                count_virtual_numbers=row.dct_count_virtual_numbers,
                count_visits=row.dct_count_visits,
            )
        )
    if kind == "basic":
        # System and integrated campaigns have no conditions: the key is left out for them. None: the
        # key with an empty list.
        view.campaign_conditions.SetInParent()
        read_document(conditions, view.campaign_conditions)


_numbers = t.phone_numbers.alias("number")
# On the storage's fast path (storage/direct.py): every get.campaigns with these fields runs them.
_BLOCKS = direct.fast(
    sa.select(
        t.campaign_site_blocks.c.campaign_id,
        t.campaign_site_blocks.c.site_block_id,
        t.site_blocks.c.name.label("site_block_name"),
        _numbers.c.type.label("phone_number_type"),
        t.campaign_site_blocks.c.phone_number_id,
        _numbers.c.phone_number,
        t.campaign_site_blocks.c.redirection_phone_number_id,
        t.redirection_numbers.c.phone_number.label("redirection_phone_number"),
        t.campaign_site_blocks.c.dynamic_call_tracking_enabled,
    )
    .select_from(
        t.campaign_site_blocks.join(t.site_blocks, t.site_blocks.c.id == t.campaign_site_blocks.c.site_block_id)
        .join(_numbers, _numbers.c.id == t.campaign_site_blocks.c.phone_number_id)
        .outerjoin(
            t.redirection_numbers, t.redirection_numbers.c.id == t.campaign_site_blocks.c.redirection_phone_number_id
        )
    )
    .where(in_ids(t.campaign_site_blocks.c.campaign_id, "ids"))
    .order_by(t.campaign_site_blocks.c.campaign_id, t.campaign_site_blocks.c.position)
)


def _blocks(conn: sa.Connection, ids: list[int]) -> dict[int, list[pb.SiteBlockView]]:
    found: dict[int, list[pb.SiteBlockView]] = defaultdict(list)
    if not ids:
        return found
    for row in _BLOCKS.fetch(conn, {"ids": ids}):
        view = pb.SiteBlockView(
            site_block_id=row.site_block_id,
            site_block_name=row.site_block_name,
            phone_number_type=wire_number(pb.PhoneNumberType.DESCRIPTOR, row.phone_number_type),
            phone_number_id=row.phone_number_id,
            phone_number=row.phone_number,
            dynamic_call_tracking_enabled=row.dynamic_call_tracking_enabled,
        )
        if row.redirection_phone_number_id is not None:
            view.redirection_phone_number_id = row.redirection_phone_number_id
            view.redirection_phone_number = row.redirection_phone_number
        found[row.campaign_id].append(view)
    return found
