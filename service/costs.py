"""upload.campaign_costs: a campaign's spend per site and day (METHODS.md §11).

Spend is stored as spans: (campaign, site, first day, last day, cents), the
spans of one campaign and site never overlapping. A span of n days holding C
cents gives each day floor(C / n) cents and its first C mod n days one cent
more. A prefix or suffix of a span is again such a span (`split`), so an upload
that covers part of a stored span cuts it exactly, and a period of a hundred
years is one row, not 36,500.

Order of checks: step 7 (structure, cost range, date forms) runs on the table
below; step 9 (a period that ends before it starts) and step 10 (campaigns, then
sites, then a site that is not the campaign's own, each over the whole list)
run in `upload`, before anything is written.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

import sqlalchemy as sa
from campaigns.v1 import campaign_service_pb2 as spb

from service.access import Caller
from service.errors import ServiceError
from service.rules import Bounds, Param, Rule
from service.storage import lock_account
from service.storage import schema as t
from service.storage.schema import SYSTEM_CAMPAIGN_API_ID, system_campaign_id

MAX_ITEMS: Final = 500
MAX_COST: Final = 999_999_999_999.99
FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100
_EPOCH: Final = dt.date(1970, 1, 1).toordinal()
# YYYY-MM-DD, optionally followed by " hh:mm:ss"; ASCII digits only (\d would take any script's).
_DATE: Final = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?: ([0-9]{2}):([0-9]{2}):([0-9]{2}))?")


# ---------------------------------------------------------------- spans


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Days day_from..day_till (inclusive, days since 1970-01-01) holding `cents` between them."""

    day_from: int
    day_till: int
    cents: int

    @property
    def days(self) -> int:
        return self.day_till - self.day_from + 1


def split(span: Span, day: int) -> tuple[Span, Span]:
    """The span cut before `day` (day_from < day <= day_till): its days before `day`, and the rest.

    The first m days hold m*floor(C/n) + min(m, C mod n) cents: exactly what the
    spreading rule gave them, and both parts spread again by the same rule.
    """
    if not span.day_from < day <= span.day_till:
        raise ValueError(f"day {day} does not cut {span}")
    share, extra = divmod(span.cents, span.days)
    before = day - span.day_from
    head = before * share + min(before, extra)
    return Span(span.day_from, day - 1, head), Span(day, span.day_till, span.cents - head)


def cents_between(span: Span, first: int, last: int) -> int:
    """What the days first..last of a span hold (0 outside it): for tests and reasoning."""
    first, last = max(first, span.day_from), min(last, span.day_till)
    if first > last:
        return 0
    share, extra = divmod(span.cents, span.days)

    def upto(days: int) -> int:  # what the span's first `days` days hold
        return days * share + min(days, extra)

    return upto(last - span.day_from + 1) - upto(first - span.day_from)


def overlay(spans: Iterable[Span], day_from: int, day_till: int, cents: int) -> list[Span]:
    """The spans after an item replaces days day_from..day_till with `cents` (0: removes them)."""
    kept: list[Span] = []
    for span in spans:
        if span.day_till < day_from or span.day_from > day_till:
            kept.append(span)
            continue
        # The parts of an overlapping span outside the period stay, with what they held.
        if span.day_from < day_from:
            kept.append(split(span, day_from)[0])
        if span.day_till > day_till:
            kept.append(split(span, day_till + 1)[1])
    if cents:
        kept.append(Span(day_from, day_till, cents))
    return sorted(kept)


# ---------------------------------------------------------------- values


def day_of(text: str) -> int | None:
    """Days since 1970-01-01 of `YYYY-MM-DD[ hh:mm:ss]` (the time must exist, and is then ignored);
    None for another form, a date or time that does not exist, or a year outside 2000..2100."""
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = match.groups()
    if not FIRST_YEAR <= int(year) <= LAST_YEAR:
        return None
    if hour is not None and not (int(hour) <= 23 and int(minute) <= 59 and int(second) <= 59):
        return None
    try:
        return dt.date(int(year), int(month), int(day)).toordinal() - _EPOCH
    except ValueError:
        return None


_is_date: Final = Rule(lambda text: day_of(text) is not None, Bounds(pattern=_DATE.pattern))
_is_cost: Final = Rule(
    lambda value: math.isfinite(value) and 0 <= value <= MAX_COST, Bounds(minimum=0, maximum=MAX_COST)
)


def cents_of(cost: float) -> int:
    """A cost in cents, rounded half up as the client wrote it: the shortest text that reads back
    as the double (repr) is the client's decimal whenever it had at most 15 significant digits,
    so 1.005 is 101 cents, not the 100 its binary value (1.00499...) would round to."""
    return int((Decimal(repr(cost)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


COST_ITEM: Final = (
    Param("campaign_id", required=True),
    Param("site_id", required=True),
    Param("cost", required=True, valid=_is_cost),
    Param("date_from", required=True, valid=_is_date, invalid="invalid_date_time"),
    Param("date_till", required=True, valid=_is_date, invalid="invalid_date_time"),
)
UPLOAD_COSTS: Final = (
    Param("user_id"),
    Param("costs", required=True, fields=COST_ITEM, max_items=MAX_ITEMS),
)


# ---------------------------------------------------------------- the upload


@dataclass(frozen=True, slots=True)
class _Item:
    campaign_row: int  # campaigns.id (the system campaign's row for -1)
    site_id: int
    span: Span


_c = t.campaigns.c
_cc = t.campaign_costs.c
_DELETE_SPAN = t.campaign_costs.delete().where(
    _cc.campaign_id == sa.bindparam("c"), _cc.site_id == sa.bindparam("s"), _cc.day_from == sa.bindparam("d")
)


def upload(conn: sa.Connection, caller: Caller, request: spb.UploadCampaignCostsRequest) -> None:
    """Check every item (steps 9 and 10), then apply them in order: all of them or none."""
    account_id = caller.account.id
    items = request.costs
    days = [_period(item) for item in items]
    # Step 9.
    for index, (first, last) in enumerate(days):
        if last < first:
            raise ServiceError("invalid_date_time", path=f"costs[{index}].date_till", value=items[index].date_till)
    # Step 10: before looking at sites, as every write that relies on them (see storage.lock_account).
    lock_account(conn, account_id, exclusive=False)
    campaigns = _campaigns(conn, account_id, {item.campaign_id for item in items})
    for index, item in enumerate(items):
        if item.campaign_id not in campaigns:
            raise ServiceError("entity_not_found", path=f"costs[{index}].campaign_id", value=str(item.campaign_id))
    sites = _sites(conn, account_id, {item.site_id for item in items})
    for index, item in enumerate(items):
        if item.site_id not in sites:
            raise ServiceError("entity_not_found", path=f"costs[{index}].site_id", value=str(item.site_id))
    for index, item in enumerate(items):
        own_site = campaigns[item.campaign_id][1]
        # The system campaign has no site of its own: it takes any of the account's.
        if item.campaign_id != SYSTEM_CAMPAIGN_API_ID and item.site_id != own_site:
            raise ServiceError("invalid_parameter_value", path=f"costs[{index}].site_id", value=str(item.site_id))
    planned = [
        _Item(campaigns[item.campaign_id][0], item.site_id, Span(first, last, cents_of(item.cost)))
        for item, (first, last) in zip(items, days, strict=True)
    ]
    _apply(conn, planned)


def _period(item: spb.CampaignCost) -> tuple[int, int]:
    first, last = day_of(item.date_from), day_of(item.date_till)
    if first is None or last is None:
        raise AssertionError("step 7 lets only dates that exist through")
    return first, last


def _campaigns(conn: sa.Connection, account_id: int, api_ids: set[int]) -> dict[int, tuple[int, int | None]]:
    """API id -> (row id, own site) of the account's campaigns among `api_ids`."""
    found: dict[int, tuple[int, int | None]] = {}
    if SYSTEM_CAMPAIGN_API_ID in api_ids:
        system = system_campaign_id(account_id)
        if conn.scalar(sa.select(_c.id).where(_c.id == system, _c.account_id == account_id)) is not None:
            found[SYSTEM_CAMPAIGN_API_ID] = (system, None)
    # Only the system campaign has a negative row id, and the API calls it -1, never by that id.
    positive = sorted(api_id for api_id in api_ids if api_id > 0)
    if positive:
        rows = conn.execute(
            sa.select(_c.id, _c.site_id).where(_c.account_id == account_id, _c.type != "system", _c.id.in_(positive))
        )
        found.update({row.id: (row.id, row.site_id) for row in rows})
    return found


def _sites(conn: sa.Connection, account_id: int, ids: set[int]) -> set[int]:
    s = t.sites.c
    return set(conn.scalars(sa.select(s.id).where(s.account_id == account_id, s.id.in_(sorted(ids)))))


def _apply(conn: sa.Connection, items: Sequence[_Item]) -> None:
    """Read the stored spans the items touch, overlay the items in order, write the difference."""
    reach: dict[tuple[int, int], tuple[int, int]] = {}
    for item in items:
        key = (item.campaign_row, item.site_id)
        low, high = reach.get(key, (item.span.day_from, item.span.day_till))
        reach[key] = (min(low, item.span.day_from), max(high, item.span.day_till))
    stored: dict[tuple[int, int], list[Span]] = defaultdict(list)
    # One pair's reach is one condition; 500 items bind at most 2,000 values.
    touching = sa.or_(
        *(
            sa.and_(_cc.campaign_id == c, _cc.site_id == s, _cc.day_till >= low, _cc.day_from <= high)
            for (c, s), (low, high) in reach.items()
        )
    )
    for row in conn.execute(
        sa.select(_cc.campaign_id, _cc.site_id, _cc.day_from, _cc.day_till, _cc.cents).where(touching)
    ):
        stored[(row.campaign_id, row.site_id)].append(Span(row.day_from, row.day_till, row.cents))
    after = {key: sorted(stored[key]) for key in reach}
    for item in items:
        key = (item.campaign_row, item.site_id)
        after[key] = overlay(after[key], item.span.day_from, item.span.day_till, item.span.cents)
    removed, added = [], []
    for key in reach:
        old, new = set(stored[key]), set(after[key])
        removed += [{"c": key[0], "s": key[1], "d": span.day_from} for span in sorted(old - new)]
        added += [
            {"campaign_id": key[0], "site_id": key[1], "day_from": s.day_from, "day_till": s.day_till, "cents": s.cents}
            for s in sorted(new - old)
        ]
    # Deletes first: a changed span may keep its first day, which is part of the key.
    if removed:
        conn.execute(_DELETE_SPAN, removed)
    if added:
        conn.execute(t.campaign_costs.insert(), added)
