"""Identity and access: who is calling, for which account, and may they.

Steps 2 to 5 of the contract's order of checks: the token, the account's state
and IP whitelist, agent resolution, then method components and permission.
Logging in is sessions.py, password hashes passwords.py, the client's address
networks.py.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from contract.methods import AccessPolicy
from service.errors import ServiceError
from service.networks import IPAddress, parse_networks
from service.storage import direct
from service.storage import schema as t

# The component of "simple dynamic call tracking": while an account has it, the rpcs whose policy says
# refused_under_simple_dt answer forbidden (METHODS.md §0.1).
SIMPLE_DT = "simple_dt"


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    components: frozenset[str]
    day_limit: int
    minute_limit: int
    # The point counters as stored, by period: (window start, points used in it).
    # Read with the account so that admission costs one round trip; points.py reads them.
    counters: Mapping[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Caller:
    """The resolved identity a request acts as."""

    account: Account


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def bearer_token(authorization: str | None) -> str | None:
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    # Exactly as sent: " tok_cust " is not tok_cust.
    return token


# The periods of points.PERIODS, whose counters are read with the account.
COUNTER_PERIODS = ("day", "minute")


_ACCOUNT_COLUMNS = (
    t.accounts.c.id,
    t.accounts.c.components,
    (t.accounts.c.state == "active").label("is_active"),
    t.accounts.c.ip_whitelist,
    t.accounts.c.day_limit,
    t.accounts.c.minute_limit,
    *(t.accounts.c[f"{period}_{column}"] for period in COUNTER_PERIODS for column in ("window_start", "points_used")),
)
# Built once, on the storage's fast path (storage/direct.py): every call runs them. One round trip
# for the common case: the token, its user and (for a customer) the account.
_TOKEN_USER_ACCOUNT = direct.fast(
    sa.select(
        t.access_tokens.c.expires_at,
        t.access_tokens.c.is_blocked,
        t.access_tokens.c.is_temporary,
        t.users.c.id.label("user_id"),
        t.users.c.is_agent,
        t.users.c.can_write,
        t.users.c.account_id,
        *_ACCOUNT_COLUMNS,
    )
    .select_from(
        t.access_tokens.join(t.users, t.users.c.id == t.access_tokens.c.user_id).outerjoin(
            t.accounts, t.accounts.c.id == t.users.c.account_id
        )
    )
    .where(t.access_tokens.c.token_hash == sa.bindparam("token_hash"))
)
_AGENT_CUSTOMER = direct.fast(
    sa.select(*_ACCOUNT_COLUMNS)
    .select_from(
        t.agent_customers.join(t.users, t.users.c.id == t.agent_customers.c.user_id).join(
            t.accounts, t.accounts.c.id == t.users.c.account_id
        )
    )
    .where(t.agent_customers.c.agent_user_id == sa.bindparam("agent"), t.users.c.id == sa.bindparam("user_id"))
)
_SAME_ACCOUNT = direct.fast(
    sa.select(t.users.c.id).where(
        t.users.c.id == sa.bindparam("user_id"), t.users.c.account_id == sa.bindparam("account_id")
    )
)


def _token_row(conn: sa.Connection, token: str | None) -> Any:
    """Step 2: the token names a live session or permanent key."""
    if token is None:
        raise ServiceError("required_parameter_missed", path="access_token")
    # token_hash is the key: at most one row.
    row = _TOKEN_USER_ACCOUNT.fetch(conn, {"token_hash": hash_token(token)}).first()
    if row is None:
        raise ServiceError("access_token_invalid")
    if row.expires_at is not None and row.expires_at <= int(time.time()):
        # A session from login.user that ran out is simply gone; a permanent token "expired".
        raise ServiceError("access_token_invalid" if row.is_temporary else "access_token_expired")
    if row.is_blocked:
        raise ServiceError("access_token_blocked")
    return row


def agent_of(conn: sa.Connection, *, token: str | None) -> int | None:
    """The agent's user id when the token is an agent's (it then acts as itself), else None."""
    row = _token_row(conn, token)
    return int(row.user_id) if row.is_agent else None


def temporary_session(conn: sa.Connection, *, token: str | None) -> str:
    """logout.user's steps 2 and 5: the token is a live session (permanent keys are managed
    in the client area, not here). Returns the token, for end_session once the parameters are checked."""
    row = _token_row(conn, token)
    if not row.is_temporary or token is None:
        raise ServiceError("forbidden")
    return token


def end_session(conn: sa.Connection, token: str) -> None:
    """The session ends."""
    conn.execute(t.access_tokens.delete().where(t.access_tokens.c.token_hash == hash_token(token)))


@dataclass(frozen=True, slots=True)
class Resolved:
    """Who a token acts as, before the checks of steps 3 to 5.

    The account is known from here on, so every later error carries its limits.
    """

    is_agent: bool
    can_write: bool
    # The account of the token's own user (None for an agent), for a customer's user_id.
    home_account_id: int | None
    token_user_id: int
    account: Account
    account_active: bool
    ip_whitelist: str


def resolve(
    conn: sa.Connection, *, token: str | None, user_id: int | None, user_id_fault: str | None = None
) -> Resolved:
    """Steps 2 and (for an agent) 4: the token, and the account the call acts for.

    user_id_fault is the mnemonic of a user_id the JSON layer could not read
    (data_type_error): it is reported where step 4 looks at user_id.
    """
    row = _token_row(conn, token)
    account_row: Any = row
    if row.is_agent:
        # Step 4 first: an agent has no account of its own; the account checks
        # apply to the customer it acts for.
        if user_id_fault is not None:
            raise ServiceError(user_id_fault, path="user_id")
        if user_id is None:
            raise ServiceError("required_parameter_missed", path="user_id")
        account_row = _AGENT_CUSTOMER.fetch(conn, {"agent": row.user_id, "user_id": user_id}).first()
        if account_row is None:
            raise ServiceError("entity_not_found", path="user_id", value=str(user_id))
    account = Account(
        id=account_row.id,
        components=frozenset(c for c in account_row.components.split(",") if c),
        day_limit=account_row.day_limit,
        minute_limit=account_row.minute_limit,
        counters={
            period: (getattr(account_row, f"{period}_window_start"), getattr(account_row, f"{period}_points_used"))
            for period in COUNTER_PERIODS
        },
    )
    return Resolved(
        is_agent=bool(row.is_agent),
        can_write=bool(row.can_write),
        home_account_id=row.account_id,
        token_user_id=row.user_id,
        account=account,
        account_active=bool(account_row.is_active),
        ip_whitelist=account_row.ip_whitelist,
    )


def check(
    conn: sa.Connection,
    resolved: Resolved,
    *,
    user_id: int | None,
    ip: IPAddress | None,
    policy: AccessPolicy,
    user_id_fault: str | None = None,
) -> Caller:
    """Steps 3, (for a customer) 4 and 5 for a resolved caller, in the contract's order."""
    # Step 3: account state and IP whitelist.
    if not resolved.account_active:
        raise ServiceError("account_inactive")
    networks = parse_networks(resolved.ip_whitelist)
    if ip is not None and not any(ip.version == net.version and ip in net for net in networks):
        raise ServiceError("ip_not_whitelisted", params={"ip": str(ip)})

    if not resolved.is_agent and user_id_fault is not None:
        raise ServiceError(user_id_fault, path="user_id")
    if not resolved.is_agent and user_id is not None and user_id != resolved.token_user_id:
        # A customer may name a user of its own account; anything else reveals nothing.
        same_account = _SAME_ACCOUNT.fetch(conn, {"user_id": user_id, "account_id": resolved.home_account_id}).first()
        if same_account is None:
            raise ServiceError("entity_not_found", path="user_id", value=str(user_id))

    # Step 5: the method's components, then simple_dt, then permission, as its access_policy option says.
    components = policy.one_of_components
    if components and not resolved.account.components.intersection(components):
        raise ServiceError("method_component_disabled", params={"components": ", ".join(components)})
    if policy.refused_under_simple_dt and SIMPLE_DT in resolved.account.components:
        raise ServiceError("forbidden")
    if (policy.writes and not resolved.can_write) or policy.agents_only:
        raise ServiceError("forbidden")
    return Caller(account=resolved.account)
