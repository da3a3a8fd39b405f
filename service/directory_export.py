"""The directory as stored, without secrets: what ExportDirectory and `campaigns export` answer.

Applying it back changes nothing: every field apply reads is written here the
way apply stores it (an account that may call from anywhere exports no
allowed_ips; a user's default name is exported as stored).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from campaigns.admin.v1 import directory_pb2 as dpb

from service.directory_checks import ANY_ADDRESS, NUMBER_TYPES, STATE_ENUMS
from service.storage import schema as t

_NUMBER_TYPE_ENUM = {stored: value for value, stored in NUMBER_TYPES.items()}


def export_directory(conn: sa.Connection, app_id: int | None = None) -> dpb.Directory:
    """Every account (or only app_id's: then no agents and no stock), in id order."""

    def rows(table: sa.Table, *where: Any, order: Any = None) -> list[Any]:
        query = sa.select(table).where(*where).order_by(order if order is not None else table.c.id)
        return list(conn.execute(query))

    def by_account(table: sa.Table) -> dict[int, list[Any]]:
        grouped: dict[int, list[Any]] = defaultdict(list)
        where = [table.c.account_id == app_id] if app_id is not None else []
        for row in rows(table, *where):
            grouped[row.account_id].append(row)
        return grouped

    account_where = [t.accounts.c.id == app_id] if app_id is not None else []
    users = by_account(t.users)
    sites = by_account(t.sites)
    numbers = by_account(t.phone_numbers)
    redirections = by_account(t.redirection_numbers)
    blocks: dict[int, list[Any]] = defaultdict(list)
    for row in rows(t.site_blocks):
        blocks[row.site_id].append(row)

    directory = dpb.Directory()
    for account in rows(t.accounts, *account_where):
        entry = directory.accounts.add(
            app_id=account.id,
            name=account.name,
            timezone=account.timezone,
            state=STATE_ENUMS[account.state],
            components=[each for each in account.components.split(",") if each],
            campaign_quota=account.campaign_quota,
            point_limits=dpb.PointLimits(day=account.day_limit, minute=account.minute_limit),
            allowed_ips=[] if account.ip_whitelist == ANY_ADDRESS else account.ip_whitelist.split(","),
        )
        if account.virtual_number_quota is not None:
            entry.virtual_number_quota = account.virtual_number_quota
        for user in users[account.id]:
            entry.users.add(id=user.id, login=user.login or "", read_only=not user.can_write, name=user.name)
        for site in sites[account.id]:
            entry.sites.add(
                id=site.id,
                domain_name=site.domain_name,
                name=site.name or "",
                managed=not site.is_editable,
                blocks=[dpb.SiteBlock(id=block.id, name=block.name) for block in blocks[site.id]],
            )
        for number in numbers[account.id]:
            entry.phone_numbers.add(
                id=number.id,
                number=number.phone_number,
                type=_NUMBER_TYPE_ENUM[(number.type, bool(number.is_pool_stock))],
                hosted_pbx=bool(number.is_hosted_pbx),
            )
        for number in redirections[account.id]:
            entry.redirection_numbers.add(id=number.id, number=number.phone_number)

    if app_id is None:
        customers: dict[int, list[int]] = defaultdict(list)
        links = t.agent_customers
        for link in conn.execute(sa.select(links).order_by(links.c.agent_user_id, links.c.user_id)):
            customers[link.agent_user_id].append(link.user_id)
        for agent in rows(t.users, t.users.c.is_agent):
            directory.agents.add(
                id=agent.id, name=agent.name, login=agent.login or "", customer_user_ids=customers[agent.id]
            )
        for stock in rows(t.number_stock):
            directory.number_stock.add(
                id=stock.id,
                number=stock.phone_number,
                category=stock.category,
                location_mnemonic=stock.location_mnemonic or "",
                location_name=stock.location_name or "",
                onetime_payment=stock.onetime_payment,
                monthly_charge=stock.monthly_charge,
                min_charge=stock.min_charge,
            )
    return directory
