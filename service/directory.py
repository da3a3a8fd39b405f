"""The look-ups around campaigns: numbers, sites, site blocks, an agent's customer users, the account.

Each is a Listing (see listing.py) over one SQL select; nested lists are read
for the page's ids only.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Final

import sqlalchemy as sa
from campaigns.v1 import account_service_pb2 as apb
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import site_service_pb2 as sspb
from campaigns.v1 import user_service_pb2 as uspb

from contract.wire import wire_number
from service.listing import Field, Listing, Query, run_query
from service.storage import schema as t
from service.storage.id_lists import in_ids

# The first digits of a number: country and area code.
PREFIX_LENGTH: Final = 4

# ---------------------------------------------------------------- get.campaign_available_phone_numbers

AVAILABLE_NUMBERS: Final = Listing(
    (
        Field("id", "int", filterable=True),
        Field("prefix", "text", filterable=True, sortable=True),
        Field("phone_number", "text", filterable=True),
        Field("type", "text", filterable=True),
    )
)
_n = t.phone_numbers.c
_NUMBER_COLUMNS: Final = {
    "id": _n.id,
    "prefix": sa.func.substr(_n.phone_number, 1, PREFIX_LENGTH),
    "phone_number": _n.phone_number,
    "type": _n.type,
}


def available_numbers(
    conn: sa.Connection, account_id: int, query: Query
) -> spb.GetCampaignAvailablePhoneNumbersResponse:
    """The numbers a block may use; pool stock is not among them (a call_tracking number
    already in a campaign is, and create reports already_in_use for it)."""
    base = sa.select(*(expression.label(name) for name, expression in _NUMBER_COLUMNS.items())).where(
        _n.account_id == account_id, _n.is_pool_stock.is_(False)
    )
    rows, total = run_query(conn, base, _NUMBER_COLUMNS, _n.id, query)
    return spb.GetCampaignAvailablePhoneNumbersResponse(
        data=[pb_available_number(row) for row in rows],
        total_items=total,
        fields=query.fields,
    )


def pb_available_number(row: Any) -> spb.AvailablePhoneNumber:
    return spb.AvailablePhoneNumber(
        id=row["id"],
        prefix=row["prefix"],
        phone_number=row["phone_number"],
        type=wire_number(pb.PhoneNumberType.DESCRIPTOR, row["type"]),
    )


# ---------------------------------------------------------------- get.campaign_available_redirection_phone_numbers

REDIRECTION_NUMBERS: Final = Listing(
    (Field("id", "int", filterable=True), Field("phone_number", "text", filterable=True))
)
_r = t.redirection_numbers.c
_REDIRECTION_COLUMNS: Final = {"id": _r.id, "phone_number": _r.phone_number}


def redirection_numbers(
    conn: sa.Connection, account_id: int, query: Query
) -> spb.GetCampaignAvailableRedirectionPhoneNumbersResponse:
    base = sa.select(_r.id.label("id"), _r.phone_number.label("phone_number")).where(_r.account_id == account_id)
    rows, total = run_query(conn, base, _REDIRECTION_COLUMNS, _r.id, query)
    return spb.GetCampaignAvailableRedirectionPhoneNumbersResponse(
        data=[spb.AvailableRedirectionPhoneNumber(id=row["id"], phone_number=row["phone_number"]) for row in rows],
        total_items=total,
        fields=query.fields,
    )


# ---------------------------------------------------------------- get.sites

SITES: Final = Listing(
    (
        Field("id", "int", filterable=True),
        Field("domain_name", "text", filterable=True),
        Field("name", "text", filterable=True),
        Field("site_blocks"),
    )
)
_s = t.sites.c
_SITE_COLUMNS: Final = {"id": _s.id, "domain_name": _s.domain_name, "name": _s.name}
_BLOCKS_OF_SITES = (
    sa.select(t.site_blocks.c.site_id, t.site_blocks.c.id, t.site_blocks.c.name)
    .where(in_ids(t.site_blocks.c.site_id, "ids"))
    .order_by(t.site_blocks.c.site_id, t.site_blocks.c.id)
)


def sites(conn: sa.Connection, account_id: int, query: Query) -> sspb.GetSitesResponse:
    base = sa.select(*(expression.label(name) for name, expression in _SITE_COLUMNS.items())).where(
        _s.account_id == account_id
    )
    rows, total = run_query(conn, base, _SITE_COLUMNS, _s.id, query)
    blocks: dict[int, list[sspb.SiteBlockRef]] = defaultdict(list)
    ids = [row["id"] for row in rows]
    if ids and "site_blocks" in query.fields:
        for block in conn.execute(_BLOCKS_OF_SITES, {"ids": ids}):
            blocks[block.site_id].append(sspb.SiteBlockRef(site_block_id=block.id, site_block_name=block.name))
    response = sspb.GetSitesResponse(total_items=total, fields=query.fields)
    for row in rows:
        site = response.data.add(id=row["id"], domain_name=row["domain_name"], site_blocks=blocks[row["id"]])
        if row["name"] is not None:
            site.name = row["name"]
    return response


# ---------------------------------------------------------------- get.site_blocks

SITE_BLOCKS: Final = Listing(
    (
        Field("id", "int", filterable=True),
        Field("name", "text", filterable=True),
        Field("site_id", "int", filterable=True, sortable=True),
        Field("site_domain_name", "text", filterable=True),
        Field("phone_numbers"),
    )
)
_b = t.site_blocks.c
_BLOCK_COLUMNS: Final = {"id": _b.id, "name": _b.name, "site_id": _b.site_id, "site_domain_name": _s.domain_name}
_NUMBERS_OF_BLOCKS = (
    sa.select(
        t.campaign_site_blocks.c.site_block_id,
        t.campaign_site_blocks.c.phone_number_id,
        t.phone_numbers.c.phone_number,
        t.campaign_site_blocks.c.campaign_id,
        t.campaigns.c.type.label("campaign_type"),
        t.campaigns.c.name.label("campaign_name"),
    )
    .select_from(
        t.campaign_site_blocks.join(
            t.phone_numbers, t.phone_numbers.c.id == t.campaign_site_blocks.c.phone_number_id
        ).join(t.campaigns, t.campaigns.c.id == t.campaign_site_blocks.c.campaign_id)
    )
    .where(in_ids(t.campaign_site_blocks.c.site_block_id, "ids"))
    .order_by(t.campaign_site_blocks.c.site_block_id, t.campaign_site_blocks.c.campaign_id)
)


def site_blocks(conn: sa.Connection, account_id: int, query: Query) -> sspb.GetSiteBlocksResponse:
    base = (
        sa.select(*(expression.label(name) for name, expression in _BLOCK_COLUMNS.items()))
        .select_from(t.site_blocks.join(t.sites, t.sites.c.id == _b.site_id))
        .where(_s.account_id == account_id)
    )
    rows, total = run_query(conn, base, _BLOCK_COLUMNS, _b.id, query)
    numbers: dict[int, list[sspb.BlockPhoneNumber]] = defaultdict(list)
    ids = [row["id"] for row in rows]
    if ids and "phone_numbers" in query.fields:
        for item in conn.execute(_NUMBERS_OF_BLOCKS, {"ids": ids}):
            numbers[item.site_block_id].append(
                sspb.BlockPhoneNumber(
                    phone_number_id=item.phone_number_id,
                    phone_number=item.phone_number,
                    # The API names the system campaign -1 everywhere.
                    campaign_id=-1 if item.campaign_type == "system" else item.campaign_id,
                    campaign_name=item.campaign_name,
                )
            )
    return sspb.GetSiteBlocksResponse(
        data=[
            sspb.SiteBlockDetails(
                id=row["id"],
                name=row["name"],
                site_id=row["site_id"],
                site_domain_name=row["site_domain_name"],
                phone_numbers=numbers[row["id"]],
            )
            for row in rows
        ],
        total_items=total,
        fields=query.fields,
    )


# ---------------------------------------------------------------- get.customer_users

CUSTOMER_USERS: Final = Listing(
    (
        Field("id", "int", filterable=True),
        Field("login"),
        Field("name", "text", filterable=True, sortable=True),
        Field("description"),
        Field("customer_id", "int", filterable=True, sortable=True),
    )
)
_u = t.users.c
_USER_COLUMNS: Final = {
    "id": _u.id,
    "login": _u.login,
    "name": _u.name,
    "description": _u.description,
    "customer_id": _u.account_id,
}


def customer_users(conn: sa.Connection, agent_id: int, query: Query) -> uspb.GetCustomerUsersResponse:
    base = (
        sa.select(*(expression.label(name) for name, expression in _USER_COLUMNS.items()))
        .select_from(t.agent_customers.join(t.users, _u.id == t.agent_customers.c.user_id))
        .where(t.agent_customers.c.agent_user_id == agent_id)
    )
    rows, total = run_query(conn, base, _USER_COLUMNS, _u.id, query)
    response = uspb.GetCustomerUsersResponse(total_items=total, fields=query.fields)
    for row in rows:
        user = response.data.add(id=row["id"], name=row["name"], customer_id=row["customer_id"])
        for optional in ("login", "description"):
            if row[optional] is not None:
                setattr(user, optional, row[optional])
    return response


# ---------------------------------------------------------------- get.account

# No field is filterable or sortable (filter_prohibited, sort_prohibited): the listing is of one row.
ACCOUNT: Final = Listing((Field("app_id"), Field("name"), Field("timezone")))
_a = t.accounts.c


def account(conn: sa.Connection, account_id: int, query: Query) -> apb.GetAccountResponse:
    """The account the call acts for, as the one item of a get (limit and offset apply as to any get)."""
    base = sa.select(_a.id.label("app_id"), _a.name.label("name"), _a.timezone.label("timezone")).where(
        _a.id == account_id
    )
    rows, total = run_query(conn, base, {}, _a.id, query)
    return apb.GetAccountResponse(
        data=[apb.Account(app_id=row["app_id"], name=row["name"], timezone=row["timezone"]) for row in rows],
        total_items=total,
        fields=query.fields,
    )
