"""Password guessing is throttled: failed logins are counted per login and per client address.

The counters are rows of login_failures, so every service process on the
database counts against the same budget. Each counts in a fixed window that
starts with its first failure: once a login (or an address) has failed
`per_login` (`per_address`) times in the window, its attempts are refused with
limit_exceeded, without looking at the password, until the window ends.

An attempt is counted before its password is checked, not after: `admit` takes
a place in both counters in one transaction, with one conditional upsert each
(INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING), which takes the
place only while there is room. So concurrent guesses cannot all pass a check
before any of them is counted: at most the limit of them are ever checked in a
window. A right password gives its place back (`forget`): the login's counter
is cleared and the address's place is returned. An attempt that fails, or never
finishes, keeps its place as a failure.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from service.errors import ServiceError
from service.networks import IPAddress
from service.storage import schema as t

# The scopes are also the limit_type of the error: "Limit per login has been exceeded...".
LOGIN: Final = "login"
ADDRESS: Final = "ip"
# An IPv6 client usually has a whole /64 to itself: it is counted as one address.
IPV6_PREFIX: Final = 64

_f = t.login_failures


@dataclass(frozen=True, slots=True)
class Policy:
    window_seconds: int
    per_login: int
    per_address: int


@dataclass(frozen=True, slots=True)
class Attempt:
    """An admitted attempt: the places it holds, to give back if its password is right."""

    login_key: str
    address_key: str
    # The address counter's window the place was taken in (a place is returned to that window only).
    address_window: int
    # The address counter started a new window: a good moment to sweep windows that ended.
    new_window: bool


def login_key(login: str) -> str:
    """The login as sent, whatever its length or characters, as a fixed-size key."""
    return hashlib.sha256(login.encode("utf-8", "surrogatepass")).hexdigest()


def address_key(ip: IPAddress | None) -> str:
    if ip is None:
        # No address to tell callers apart (not a TCP peer): they share one counter.
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False))
    return str(ip)


def _take_place(conn: sa.Connection, scope: str, key: str, limit: int, now: int, window: int) -> tuple[int, int] | None:
    """One more attempt in the counter's window: (window start, attempts counted) or None when it is full."""
    insert = postgresql.insert(_f) if conn.dialect.name == "postgresql" else sqlite.insert(_f)
    ended = _f.c.window_start <= now - window
    statement = (
        insert.values(scope=scope, key=key, window_start=now, failures=1)
        .on_conflict_do_update(
            index_elements=[_f.c.scope, _f.c.key],
            set_={
                "window_start": sa.case((ended, now), else_=_f.c.window_start),
                "failures": sa.case((ended, 1), else_=_f.c.failures + 1),
            },
            # A full counter in its window is left alone: the row comes back empty.
            where=sa.or_(ended, _f.c.failures < limit),
        )
        .returning(_f.c.window_start, _f.c.failures)
    )
    row = conn.execute(statement).one_or_none()
    return None if row is None else (int(row.window_start), int(row.failures))


def admit(conn: sa.Connection, policy: Policy, login: str, ip: IPAddress | None, now: int) -> Attempt:
    """Take a place for this attempt in the login's counter and the address's, or limit_exceeded.

    The login's counter first, then the address's, in every transaction: two attempts
    never wait for each other's rows in opposite orders. Refused on either, the
    transaction rolls back, and the attempt is counted nowhere.
    """
    key = login_key(login)
    if _take_place(conn, LOGIN, key, policy.per_login, now, policy.window_seconds) is None:
        raise ServiceError("limit_exceeded", params={"limit_type": LOGIN, "limit_max_value": policy.per_login})
    address = address_key(ip)
    taken = _take_place(conn, ADDRESS, address, policy.per_address, now, policy.window_seconds)
    if taken is None:
        raise ServiceError("limit_exceeded", params={"limit_type": ADDRESS, "limit_max_value": policy.per_address})
    window_start, failures = taken
    return Attempt(login_key=key, address_key=address, address_window=window_start, new_window=failures == 1)


def forget(conn: sa.Connection, attempt: Attempt) -> None:
    """The password was right: the login starts afresh, and the address gets its place back."""
    conn.execute(sa.delete(_f).where(_f.c.scope == LOGIN, _f.c.key == attempt.login_key))
    conn.execute(
        sa.update(_f)
        .where(
            _f.c.scope == ADDRESS,
            _f.c.key == attempt.address_key,
            _f.c.window_start == attempt.address_window,
            _f.c.failures > 0,
        )
        .values(failures=_f.c.failures - 1)
    )


def sweep(conn: sa.Connection, policy: Policy, now: int) -> int:
    """Delete the counters whose window has ended; returns how many.

    Run in a transaction of its own. On PostgreSQL it skips rows an attempt holds
    right now (SKIP LOCKED): it never waits, so it cannot deadlock with one.
    """
    ended = (
        sa.select(_f.c.scope, _f.c.key)
        .where(_f.c.window_start <= now - policy.window_seconds)
        .with_for_update(skip_locked=True)
    )
    result = conn.execute(sa.delete(_f).where(sa.tuple_(_f.c.scope, _f.c.key).in_(ended)))
    return int(result.rowcount)
