"""Point limits: each account has a day and a minute budget; a successful call costs 1.

The counters live on the account row, so every replica spends from the same
budget, and a create's campaign quota is taken in the same statement. A call
is checked against the counters before its parameters (step 6 of the order of
checks) and charged in the transaction of its own writes, so a failed call
costs nothing. Concurrent calls may overshoot a budget by at most their
number: the check does not hold a lock until the charge.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Final

import sqlalchemy as sa

from contract.limits import Limits
from service.access import Account
from service.errors import ServiceError
from service.storage import direct
from service.storage import schema as t

PERIODS: Final = (("day", 86_400), ("minute", 60))


def spent(limits: Limits, points: int) -> Limits:
    """The limits after `points` more are spent."""
    return limits._replace(
        day_remaining=max(limits.day_remaining - points, 0), minute_remaining=max(limits.minute_remaining - points, 0)
    )


def _spend(*, with_campaign: bool, take: bool = True) -> Any:
    account = t.accounts.c
    values: dict[str, Any] = {}
    for period, _length in PERIODS:
        window_start, used = account[f"{period}_window_start"], account[f"{period}_points_used"]
        current: sa.BindParameter[int] = sa.bindparam(f"{period}_start")
        # A new window starts from zero; the current one adds up. (SET reads the row as it was.)
        values[used.name] = sa.case(
            (window_start == current, used + sa.bindparam("points")), else_=sa.bindparam("points")
        )
        values[window_start.name] = current
    statement = t.accounts.update().where(account.id == sa.bindparam("account_id"))
    if with_campaign:
        # Step 11: the counter moves only while under the quota; on PostgreSQL the
        # row lock makes concurrent creates of one account take turns here.
        statement = statement.where(account.basic_campaigns < account.campaign_quota)
        if take:
            values["basic_campaigns"] = account.basic_campaigns + 1
    return statement.values(values).returning(account.id)


# Built once: building Core constructs per call costs more than SQLite takes to run them.
_SPEND = {False: direct.fast(_spend(with_campaign=False)), True: direct.fast(_spend(with_campaign=True))}
# A validate_only create: the same room test under the same row lock, the campaign not taken.
_SPEND_QUOTA_KEPT = direct.fast(_spend(with_campaign=True, take=False))


def _window_start(now: int, length: int) -> int:
    return now - now % length


def _used_in_window(account: Account, period: str, length: int, now: int) -> int:
    window_start, used = account.counters.get(period, (None, 0))
    return used if window_start == _window_start(now, length) else 0


def limits_of(account: Account, *, now: int | None = None) -> Limits:
    """The account's limits from the counters read with it (a counter of an earlier window counts 0)."""
    now = int(time.time()) if now is None else now
    day_used, minute_used = (_used_in_window(account, period, length, now) for period, length in PERIODS)
    return Limits(
        day_limit=account.day_limit,
        day_remaining=max(account.day_limit - day_used, 0),
        day_reset=_window_start(now, 86_400) + 86_400 - now,
        minute_limit=account.minute_limit,
        minute_remaining=max(account.minute_limit - minute_used, 0),
        minute_reset=_window_start(now, 60) + 60 - now,
    )


def check_budget(limits: Limits) -> None:
    """Step 6: refuse a call when a budget is spent (the day's first)."""
    if limits.day_remaining <= 0:
        raise ServiceError("limit_exceeded", params={"limit_type": "day", "limit_max_value": limits.day_limit})
    if limits.minute_remaining <= 0:
        raise ServiceError("limit_exceeded", params={"limit_type": "minute", "limit_max_value": limits.minute_limit})


def charge(
    conn: sa.Connection,
    account_id: int,
    *,
    points: int = 1,
    campaign: bool = False,
    take: bool = True,
    now: int | None = None,
) -> bool:
    """Spend points (and, for a create, one campaign of the plan's quota) in the caller's transaction.

    They are spent only if it commits. Returns False, spending nothing, when a
    campaign was asked for and the quota has no room. take=False (a validate_only
    create): the quota must have room, but keeps it.
    """
    now = int(time.time()) if now is None else now
    params: dict[str, Any] = {"account_id": account_id, "points": points}
    for period, length in PERIODS:
        params[f"{period}_start"] = _window_start(now, length)
    statement = _SPEND_QUOTA_KEPT if campaign and not take else _SPEND[campaign]
    return statement.fetch(conn, params).first() is not None


__all__: Sequence[str] = ("Limits", "charge", "check_budget", "limits_of", "spent")
