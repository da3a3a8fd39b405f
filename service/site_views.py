"""get.sites and get.site_blocks (METHODS.md §1, §5): the listings of the account's sites and their blocks.

They follow listing.py; nested lists are read for the page's ids only. The writes are sites.py.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any, Final

import sqlalchemy as sa
from campaigns.v1 import site_service_pb2 as sspb

from service.listing import Field, Listing, Query, format_time, run_query
from service.sites import INDUSTRIES
from service.storage import direct
from service.storage import schema as t
from service.storage.id_lists import in_ids
from service.storage.schema import SYSTEM_CAMPAIGN_API_ID

# ---------------------------------------------------------------- keys of the tracking code


def app_key(account_id: int) -> str:
    """The account's key in the tracking-code template: 32 hex characters, stable, the same for all its sites.

    Derived, not stored: it identifies, it does not authenticate, so no secret goes into it.
    """
    return hashlib.blake2b(f"app_key:{account_id}".encode(), digest_size=16).hexdigest()


def site_key(site_id: int) -> str:
    """The site's key in the same template; site ids are never reused (counters.py), so neither is it."""
    return hashlib.blake2b(f"site_key:{site_id}".encode(), digest_size=16).hexdigest()


# ---------------------------------------------------------------- get.sites

SITES: Final = Listing(
    (
        Field("id", "int", filterable=True),
        Field("domain_name", "text", filterable=True),
        Field("name", "text", filterable=True),
        Field("default_phone_number", "text", filterable=True),
        # Filterable on the vendor's side only through its nested scenario_name: filter_prohibited here.
        Field("default_scenario"),
        Field("app_key"),
        Field("site_key"),
        Field("is_editable"),
        Field("creation_date", "time", filterable=True),
        Field("target_call_min_duration", "int", filterable=True),
        Field("track_subdomains", "bool", filterable=True),
        Field("cookie_lifetime", "int", filterable=True),
        Field("campaign_lifetime", "int", filterable=True),
        Field("sales_enabled", "bool", filterable=True),
        Field("second_communication_period", "int", filterable=True),
        Field("services_enabled", "bool", filterable=True),
        Field("replacement_dynamical_block_enabled"),
        Field("is_support_web_directory", "bool", filterable=True),
        Field("widget_link"),
        Field("state"),
        Field("industry_id"),
        Field("industry_name"),
        Field("child_customer_id", "int", filterable=True, sortable=True),
        Field("show_visitor_id"),
        Field("site_blocks"),
        Field("connected_integrations"),
        Field("parent_id", "int", filterable=True, sortable=True),
    )
)
_s = t.sites.c
# Branches and parent sites are not modelled: both are null for every site, yet filter and sort as numbers.
_ALWAYS_NULL: Final = sa.cast(sa.null(), sa.BigInteger)
_SITE_COLUMNS: Final = {
    "id": _s.id,
    "domain_name": _s.domain_name,
    "name": _s.name,
    "default_phone_number": _s.default_phone_number,
    "creation_date": _s.created_at,
    "target_call_min_duration": _s.target_call_min_duration,
    "track_subdomains": _s.track_subdomains,
    "cookie_lifetime": _s.cookie_lifetime,
    "campaign_lifetime": _s.campaign_lifetime,
    "sales_enabled": _s.sales_enabled,
    "second_communication_period": _s.second_communication_period,
    "services_enabled": _s.services_enabled,
    "is_support_web_directory": _s.is_support_web_directory,
    "child_customer_id": _ALWAYS_NULL,
    "parent_id": _ALWAYS_NULL,
}
_SITE_ROW: Final = (
    _s.id,
    _s.domain_name,
    _s.name,
    _s.default_phone_number,
    _s.is_editable,
    _s.created_at,
    _s.target_call_min_duration,
    _s.track_subdomains,
    _s.cookie_lifetime,
    _s.campaign_lifetime,
    _s.sales_enabled,
    _s.second_communication_period,
    _s.services_enabled,
    _s.replacement_dynamical_block_enabled,
    _s.is_support_web_directory,
    _s.widget_link_enabled,
    _s.widget_link_text,
    _s.widget_link_url,
    _s.state,
    _s.industry_id,
    _s.show_visitor_id_enabled,
    _s.show_visitor_id_element_id_value,
    _s.show_visitor_id_message,
    _s.show_visitor_id_length,
)
# On the storage's fast path (storage/direct.py): every get.sites runs them.
_BLOCKS_OF_SITES = direct.fast(
    sa.select(t.site_blocks.c.site_id, t.site_blocks.c.id, t.site_blocks.c.name)
    .where(in_ids(t.site_blocks.c.site_id, "ids"))
    .order_by(t.site_blocks.c.site_id, t.site_blocks.c.id)
)
_c = t.campaigns.c
_ENGINES_OF_SITES = direct.fast(
    sa.select(_c.site_id, _c.engine)
    .where(in_ids(_c.site_id, "ids"), _c.type == "integrated", _c.engine.is_not(None))
    .distinct()
)


_SITES: Final = sa.select(*_SITE_ROW).where(_s.account_id == sa.bindparam("account_id"))


def get_sites(conn: sa.Connection, account_id: int, query: Query) -> sspb.GetSitesResponse:
    rows, total = run_query(conn, _SITES, {"account_id": account_id}, _SITE_COLUMNS, _s.id, query)
    ids = [row.id for row in rows]
    blocks: dict[int, list[sspb.SiteBlockRef]] = defaultdict(list)
    if ids and "site_blocks" in query.fields:
        for block in _BLOCKS_OF_SITES.fetch(conn, {"ids": ids}):
            blocks[block.site_id].append(sspb.SiteBlockRef(site_block_id=block.id, site_block_name=block.name))
    engines: dict[int, list[str]] = defaultdict(list)
    if ids and "connected_integrations" in query.fields:
        for item in _ENGINES_OF_SITES.fetch(conn, {"ids": ids}):
            engines[item.site_id].append(item.engine)
    key = app_key(account_id)
    response = sspb.GetSitesResponse(total_items=total, fields=query.fields)
    for row in rows:
        site = response.data.add(
            id=row.id,
            domain_name=row.domain_name,
            site_blocks=blocks[row.id],
            app_key=key,
            site_key=site_key(row.id),
            is_editable=row.is_editable,
            creation_date=format_time(row.created_at),
            target_call_min_duration=row.target_call_min_duration,
            track_subdomains=row.track_subdomains,
            cookie_lifetime=row.cookie_lifetime,
            campaign_lifetime=row.campaign_lifetime,
            sales_enabled=row.sales_enabled,
            second_communication_period=row.second_communication_period,
            services_enabled=row.services_enabled,
            replacement_dynamical_block_enabled=row.replacement_dynamical_block_enabled,
            is_support_web_directory=row.is_support_web_directory,
            state=row.state,
            connected_integrations=sorted(engines[row.id]),
        )
        for optional in ("name", "default_phone_number", "industry_id"):
            if getattr(row, optional) is not None:
                setattr(site, optional, getattr(row, optional))
        if row.industry_id is not None:
            site.industry_name = INDUSTRIES.get(row.industry_id, "")
        site.widget_link.enabled = row.widget_link_enabled
        if row.widget_link_text is not None:
            site.widget_link.text = row.widget_link_text
        if row.widget_link_url is not None:
            site.widget_link.url = row.widget_link_url
        visitor = site.show_visitor_id
        visitor.enabled = row.show_visitor_id_enabled
        visitor.length_visitor_id = row.show_visitor_id_length
        if row.show_visitor_id_element_id_value is not None:
            visitor.element_id_value = row.show_visitor_id_element_id_value
        if row.show_visitor_id_message is not None:
            visitor.message = row.show_visitor_id_message
    return response


# ---------------------------------------------------------------- get.site_blocks

SITE_BLOCKS: Final = Listing(
    (
        Field("id", "int", filterable=True),
        Field("name", "text", filterable=True),
        Field("site_id", "int", filterable=True, sortable=True),
        Field("site_domain_name", "text", filterable=True),
        Field("templates"),
        Field("phone_numbers"),
    )
)
_b = t.site_blocks.c
_BLOCK_COLUMNS: Final = {"id": _b.id, "name": _b.name, "site_id": _b.site_id, "site_domain_name": _s.domain_name}
_n = t.phone_numbers.c


def _numbers_linked_by(link: sa.Table) -> sa.Select[Any]:
    """The numbers a link table (campaign_site_blocks, pool_numbers) puts on the blocks named by :ids."""
    return (
        sa.select(
            link.c.site_block_id,
            link.c.phone_number_id,
            _n.phone_number,
            _c.id.label("campaign_id"),
            _c.type.label("campaign_type"),
            _c.name.label("campaign_name"),
        )
        .select_from(
            link.join(t.phone_numbers, _n.id == link.c.phone_number_id).join(t.campaigns, _c.id == link.c.campaign_id)
        )
        .where(in_ids(link.c.site_block_id, "ids"))
    )


# The numbers serving a block, in one round trip: its fixed number in each campaign that has it, and its
# pool's numbers.
_BLOCK_NUMBERS: Final = direct.fast(
    sa.union_all(_numbers_linked_by(t.campaign_site_blocks), _numbers_linked_by(t.pool_numbers))
)


_BLOCKS: Final = (
    sa.select(*(expression.label(name) for name, expression in _BLOCK_COLUMNS.items()))
    .select_from(t.site_blocks.join(t.sites, _s.id == _b.site_id))
    .where(_s.account_id == sa.bindparam("account_id"))
)


def get_site_blocks(conn: sa.Connection, account_id: int, query: Query) -> sspb.GetSiteBlocksResponse:
    rows, total = run_query(conn, _BLOCKS, {"account_id": account_id}, _BLOCK_COLUMNS, _b.id, query)
    numbers: dict[int, list[sspb.BlockPhoneNumber]] = defaultdict(list)
    ids = [row.id for row in rows]
    if ids and "phone_numbers" in query.fields:
        found: dict[int, dict[tuple[int, int], sspb.BlockPhoneNumber]] = defaultdict(dict)
        for item in _BLOCK_NUMBERS.fetch(conn, {"ids": ids}):
            # The API names the system campaign -1 everywhere.
            campaign_id = SYSTEM_CAMPAIGN_API_ID if item.campaign_type == "system" else item.campaign_id
            found[item.site_block_id][(campaign_id, item.phone_number_id)] = sspb.BlockPhoneNumber(
                phone_number_id=item.phone_number_id,
                phone_number=item.phone_number,
                campaign_id=campaign_id,
                campaign_name=item.campaign_name,
            )
        for block_id, entries in found.items():
            numbers[block_id] = [entries[key] for key in sorted(entries)]
    return sspb.GetSiteBlocksResponse(
        data=[
            sspb.SiteBlockDetails(
                id=row.id,
                name=row.name,
                site_id=row.site_id,
                site_domain_name=row.site_domain_name,
                phone_numbers=numbers[row.id],
            )
            for row in rows
        ],
        total_items=total,
        fields=query.fields,
    )
