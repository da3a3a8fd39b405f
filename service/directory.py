"""The look-ups around campaigns: numbers, an agent's customer users, the account (sites and blocks: sites.py).

Each is a Listing (see listing.py) over one SQL select; nested lists are read
for the page's ids only.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa
from campaigns.v1 import account_service_pb2 as apb
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import user_service_pb2 as uspb

from contract.wire import wire_number
from service.listing import Field, Listing, Query, run_query
from service.storage import schema as t

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

_AVAILABLE: Final = sa.select(*(expression.label(name) for name, expression in _NUMBER_COLUMNS.items())).where(
    _n.account_id == sa.bindparam("account_id"), _n.is_pool_stock.is_(False)
)


def available_numbers(
    conn: sa.Connection, account_id: int, query: Query
) -> spb.GetCampaignAvailablePhoneNumbersResponse:
    """The numbers a block may use; pool stock is not among them (a call_tracking number
    already in a campaign is, and create reports already_in_use for it)."""
    rows, total = run_query(conn, _AVAILABLE, {"account_id": account_id}, _NUMBER_COLUMNS, _n.id, query)
    return spb.GetCampaignAvailablePhoneNumbersResponse(
        data=[pb_available_number(row) for row in rows],
        total_items=total,
        fields=query.fields,
    )


def pb_available_number(row: Any) -> spb.AvailablePhoneNumber:
    return spb.AvailablePhoneNumber(
        id=row.id,
        prefix=row.prefix,
        phone_number=row.phone_number,
        type=wire_number(pb.PhoneNumberType.DESCRIPTOR, row.type),
    )


# ---------------------------------------------------------------- get.campaign_available_redirection_phone_numbers

REDIRECTION_NUMBERS: Final = Listing(
    (Field("id", "int", filterable=True), Field("phone_number", "text", filterable=True))
)
_r = t.redirection_numbers.c
_REDIRECTION_COLUMNS: Final = {"id": _r.id, "phone_number": _r.phone_number}
_REDIRECTIONS: Final = sa.select(_r.id.label("id"), _r.phone_number.label("phone_number")).where(
    _r.account_id == sa.bindparam("account_id")
)


def redirection_numbers(
    conn: sa.Connection, account_id: int, query: Query
) -> spb.GetCampaignAvailableRedirectionPhoneNumbersResponse:
    rows, total = run_query(conn, _REDIRECTIONS, {"account_id": account_id}, _REDIRECTION_COLUMNS, _r.id, query)
    return spb.GetCampaignAvailableRedirectionPhoneNumbersResponse(
        data=[spb.AvailableRedirectionPhoneNumber(id=row.id, phone_number=row.phone_number) for row in rows],
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

_CUSTOMER_USERS: Final = (
    sa.select(*(expression.label(name) for name, expression in _USER_COLUMNS.items()))
    .select_from(t.agent_customers.join(t.users, _u.id == t.agent_customers.c.user_id))
    .where(t.agent_customers.c.agent_user_id == sa.bindparam("agent_id"))
)


def customer_users(conn: sa.Connection, agent_id: int, query: Query) -> uspb.GetCustomerUsersResponse:
    rows, total = run_query(conn, _CUSTOMER_USERS, {"agent_id": agent_id}, _USER_COLUMNS, _u.id, query)
    response = uspb.GetCustomerUsersResponse(total_items=total, fields=query.fields)
    for row in rows:
        user = response.data.add(id=row.id, name=row.name, customer_id=row.customer_id)
        for optional in ("login", "description"):
            if getattr(row, optional) is not None:
                setattr(user, optional, getattr(row, optional))
    return response


# ---------------------------------------------------------------- get.account

# No field is filterable or sortable (filter_prohibited, sort_prohibited): the listing is of one row.
ACCOUNT: Final = Listing((Field("app_id"), Field("name"), Field("timezone")))
_a = t.accounts.c
_ACCOUNT: Final = sa.select(_a.id.label("app_id"), _a.name.label("name"), _a.timezone.label("timezone")).where(
    _a.id == sa.bindparam("account_id")
)


def account(conn: sa.Connection, account_id: int, query: Query) -> apb.GetAccountResponse:
    """The account the call acts for, as the one item of a get (limit and offset apply as to any get)."""
    rows, total = run_query(conn, _ACCOUNT, {"account_id": account_id}, {}, _a.id, query)
    return apb.GetAccountResponse(
        data=[apb.Account(app_id=row.app_id, name=row.name, timezone=row.timezone) for row in rows],
        total_items=total,
        fields=query.fields,
    )
