"""The demo data set of docs/demo-data.md: every account shows one behaviour of the contract.

load_demo inserts whatever rows of the set are missing, by primary key, and
never overwrites: loading twice, or after campaigns were created, is harmless,
and so is loading from several processes at once (replicas started together
with --demo): loaders take turns, and each one looks for the missing rows only
once the previous one has committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from service.access import hash_token
from service.passwords import hash_password
from service.storage import Storage, take_turns
from service.storage import schema as t
from service.storage.schema import system_campaign_id

ALL_NETWORKS = "0.0.0.0/0,::/0"
ALL_COMPONENTS = "call_tracking,va,dynamic_call_tracking"
DAY_POINTS = 100_000_000
MINUTE_POINTS = 10_000_000
# A fixed salt keeps the demo's password hashes stable between loads.
_DEMO_SALT = b"campaigns-demo-1"
# Names the lock loaders take turns on (any constant other than the migrations' will do).
_LOAD_LOCK = 0x64656D6F


def _account(
    id: int, name: str, components: str, *, active: bool = True, quota: int = 1000, **kw: Any
) -> dict[str, Any]:
    return {
        "id": id,
        "name": name,
        "components": components,
        "state": "active" if active else "disabled",
        "campaign_quota": quota,
        "ip_whitelist": kw.get("ip_whitelist", ALL_NETWORKS),
        "day_limit": kw.get("day_limit", DAY_POINTS),
        "minute_limit": kw.get("minute_limit", MINUTE_POINTS),
    }


ACCOUNTS = [
    _account(1000, "Demo Shop", ALL_COMPONENTS),
    _account(1001, "No VA Ltd", "call_tracking,dynamic_call_tracking"),
    _account(1002, "No DCT Ltd", "call_tracking,va"),
    _account(1003, "Bare Account", ""),
    _account(1004, "Locked IP Ltd", ALL_COMPONENTS, ip_whitelist="203.0.113.0/24"),
    _account(1005, "Disabled Ltd", ALL_COMPONENTS, active=False),
    _account(1006, "Full Quota Ltd", ALL_COMPONENTS, quota=1),
    _account(1007, "Throttled Ltd", ALL_COMPONENTS, day_limit=1000, minute_limit=0),
]


def _user(id: int, account: int | None, name: str, *, login: str | None = None, writes: bool = True) -> dict[str, Any]:
    return {
        "id": id,
        "account_id": account,
        "is_agent": account is None,
        "login": login,
        "password_hash": hash_password("secret", salt=_DEMO_SALT) if login else None,
        "name": name,
        "description": None,
        "can_write": writes,
    }


USERS = [
    _user(5001, 1000, "Demo Shop owner", login="demo"),
    _user(5002, 1001, "No VA user"),
    _user(5003, 1002, "No DCT user"),
    _user(5004, 1003, "Bare user"),
    _user(5005, 1000, "Demo Shop reader", writes=False),
    _user(5006, 1004, "Locked IP user"),
    _user(5007, 1005, "Disabled user"),
    _user(5008, 1006, "Full Quota user"),
    _user(5009, 1007, "Throttled user"),
    _user(9000, None, "Demo Agency", login="agency"),
]

AGENT_CUSTOMERS = [{"agent_user_id": 9000, "user_id": 5001}, {"agent_user_id": 9000, "user_id": 5002}]


def _token(token: str, user_id: int, *, expires_at: int | None = None, blocked: bool = False) -> dict[str, Any]:
    return {
        "token_hash": hash_token(token),
        "user_id": user_id,
        "expires_at": expires_at,
        "is_blocked": blocked,
        "is_temporary": False,
    }


TOKENS = [
    _token("tok_cust", 5001),
    _token("tok_expired", 5001, expires_at=1_000_000_000),  # 2001-09-09
    _token("tok_blocked", 5001, blocked=True),
    _token("tok_nova", 5002),
    _token("tok_nodct", 5003),
    _token("tok_nocomp", 5004),
    _token("tok_noperm", 5005),
    _token("tok_ipdeny", 5006),
    _token("tok_disabled", 5007),
    _token("tok_quota", 5008),
    _token("tok_ratelimited", 5009),
    _token("tok_agent", 9000),
]

SITES = [
    {"id": 10, "account_id": 1000, "domain_name": "shop.example", "name": "Shop"},
    {"id": 20, "account_id": 1000, "domain_name": "blog.example", "name": "Blog"},
    *(
        {"id": site, "account_id": account, "domain_name": f"{domain}.example", "name": domain.title()}
        for site, account, domain in [
            (11, 1001, "nova"),
            (12, 1002, "nodct"),
            (13, 1003, "bare"),
            (14, 1004, "locked"),
            (15, 1005, "disabled"),
            (16, 1006, "quota"),
            (17, 1007, "throttled"),
        ]
    ),
]

SITE_BLOCKS = [
    {"id": 101, "site_id": 10, "name": "Header"},
    {"id": 102, "site_id": 10, "name": "Footer"},
    {"id": 201, "site_id": 20, "name": "Sidebar"},
    *({"id": site * 10 + 1, "site_id": site, "name": "Main"} for site in range(11, 18)),
]


def _number(id: int, account: int, type: str, *, pool: bool = False, pbx: bool = False) -> dict[str, Any]:
    return {
        "id": id,
        "account_id": account,
        "phone_number": f"7495000{id:04d}",
        "type": type,
        "is_pool_stock": pool,
        "is_hosted_pbx": pbx,
    }


PHONE_NUMBERS = [
    _number(301, 1000, "call_tracking"),
    _number(302, 1000, "va"),
    _number(303, 1000, "user"),
    *(_number(n, 1000, "call_tracking") for n in range(304, 311)),
    _number(311, 1001, "call_tracking"),
    _number(312, 1001, "va"),
    _number(321, 1002, "call_tracking"),
    _number(322, 1002, "va"),
    *(_number(n, account, "va") for n, account in [(331, 1003), (341, 1004), (351, 1005), (361, 1006), (371, 1007)]),
    *(_number(n, 1000, "call_tracking", pool=True) for n in (381, 382, 383)),
    _number(384, 1000, "call_tracking", pool=True, pbx=True),
]

REDIRECTION_NUMBERS = [
    {"id": n, "account_id": account, "phone_number": f"7495111{n:04d}"}
    for n, account in [(401, 1000), (402, 1000), (411, 1001), (421, 1002)]
]

# Timestamps of the demo campaigns: 2026-01-15 10:00:00 UTC.
_CREATED = 1_768_471_200


SYSTEM_NAME = "Visitors without advertising campaign"


def _campaign(id: int, account: int, type: str, name: str, status: str, site: int | None, **kw: Any) -> dict[str, Any]:
    return {
        "id": id,
        "account_id": account,
        "name": name,
        "description": None,
        "status": status,
        "type": type,
        "site_id": site,
        "engine": kw.get("engine"),
        "created_at": _CREATED,
    }


CAMPAIGNS = [
    *(_campaign(system_campaign_id(a["id"]), a["id"], "system", SYSTEM_NAME, "active", None) for a in ACCOUNTS),
    _campaign(7, 1000, "basic", "Existing call tracking", "active", 10),
    _campaign(8, 1000, "integrated", "Yandex.Direct", "active", 10, engine="yandex.direct"),
    _campaign(9, 1000, "basic", "Paused", "inactive", 20),
    _campaign(60, 1006, "basic", "Only campaign", "active", 16),
]

CAMPAIGN_SITE_BLOCKS = [
    {
        "campaign_id": 7,
        "site_block_id": 102,
        "position": 0,
        "phone_number_id": 304,
        "redirection_phone_number_id": 402,
        "dynamic_call_tracking_enabled": False,
        "exclusive_phone_number_id": 304,
    }
]

# In foreign-key order.
DATA_SET: Sequence[tuple[sa.Table, list[dict[str, Any]]]] = (
    (t.accounts, ACCOUNTS),
    (t.users, USERS),
    (t.agent_customers, AGENT_CUSTOMERS),
    (t.access_tokens, TOKENS),
    (t.sites, SITES),
    (t.site_blocks, SITE_BLOCKS),
    (t.phone_numbers, PHONE_NUMBERS),
    (t.redirection_numbers, REDIRECTION_NUMBERS),
    (t.campaigns, CAMPAIGNS),
    (t.campaign_site_blocks, CAMPAIGN_SITE_BLOCKS),
)


async def load_demo(storage: Storage) -> int:
    """Insert the missing rows of the demo set; returns how many were inserted."""
    return await storage.write(insert_demo)


def insert_demo(conn: sa.Connection) -> int:
    # Without turns, two loaders on PostgreSQL both find a row missing and both insert it:
    # the second fails on the primary key.
    take_turns(conn, _LOAD_LOCK)
    inserted = sum(_insert_missing(conn, table, rows) for table, rows in DATA_SET)
    # The demo's campaigns were written directly: bring the quota counters in line.
    demo_accounts = [account["id"] for account in ACCOUNTS]
    conn.execute(
        t.accounts.update()
        .where(t.accounts.c.id.in_(demo_accounts))
        .values(
            basic_campaigns=sa.select(sa.func.count())
            .select_from(t.campaigns)
            .where(t.campaigns.c.account_id == t.accounts.c.id, t.campaigns.c.type == "basic")
            .scalar_subquery()
        )
    )
    return inserted


def _insert_missing(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    key = list(table.primary_key.columns)
    existing = {tuple(row) for row in conn.execute(sa.select(*key))}
    missing = [row for row in rows if tuple(row[c.name] for c in key) not in existing]
    if missing:
        conn.execute(table.insert(), missing)
    return len(missing)
