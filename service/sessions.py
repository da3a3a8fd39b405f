"""login.user: the user a login names, and the session a right password opens.

The throttle in front of it is throttle.py, the password check passwords.py;
logout.user ends a session through access.py, which knows tokens.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa

from service.access import hash_token
from service.errors import ServiceError
from service.networks import IPAddress, parse_networks
from service.storage import schema as t

SESSION_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    expires_at: int
    account_id: int | None


_LOGIN = (
    sa.select(
        t.users.c.id.label("user_id"),
        t.users.c.password_hash,
        t.users.c.is_agent,
        t.accounts.c.id.label("account_id"),
        (t.accounts.c.state == "active").label("is_active"),
        t.accounts.c.ip_whitelist,
    )
    .select_from(t.users.outerjoin(t.accounts, t.accounts.c.id == t.users.c.account_id))
    .where(t.users.c.login == sa.bindparam("login"))
)


class LoginUser(NamedTuple):
    """The user a login names: its password hash, and for a customer its account's state."""

    user_id: int
    password_hash: str
    is_agent: bool
    account_id: int | None  # None for an agent, and then is_active and ip_whitelist too
    is_active: bool | None
    ip_whitelist: str | None


def login_candidate(conn: sa.Connection, login: str) -> LoginUser:
    """The user a login names (its password still to be checked), or auth_error."""
    row = conn.execute(_LOGIN, {"login": login}).one_or_none()
    if row is None or row.password_hash is None:
        raise ServiceError("auth_error")
    return LoginUser(
        user_id=row.user_id,
        password_hash=row.password_hash,
        is_agent=bool(row.is_agent),
        account_id=row.account_id,
        is_active=row.is_active,
        ip_whitelist=row.ip_whitelist,
    )


def open_session(conn: sa.Connection, user: LoginUser, ip: IPAddress | None) -> Session:
    """After the password matched: the account's checks, then a new one-hour token."""
    if not user.is_agent:
        if not user.is_active:
            raise ServiceError("account_inactive")
        assert user.ip_whitelist is not None  # a customer's account has one (it may be empty)
        networks = parse_networks(user.ip_whitelist)
        if ip is not None and not any(ip.version == net.version and ip in net for net in networks):
            raise ServiceError("ip_not_whitelisted", params={"ip": str(ip)})
    token = secrets.token_urlsafe(32)
    expires_at = int(time.time()) + SESSION_SECONDS
    conn.execute(
        t.access_tokens.insert().values(
            token_hash=hash_token(token),
            user_id=user.user_id,
            expires_at=expires_at,
            is_blocked=False,
            is_temporary=True,
        )
    )
    return Session(token, expires_at, None if user.is_agent else user.account_id)
