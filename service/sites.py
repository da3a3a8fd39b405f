"""Sites and site blocks: create, update and delete (METHODS.md §2-§4, §6-§8); the gets are site_views.py.

The writes run inside Calls.run's transaction, after step 7 (the parameter tables below). Removals take
the account's exclusive lock before they look for campaigns that use what they remove
(storage.lock_account), and creates and renames of a domain take it before the duplicate check, so two
concurrent calls cannot both pass it.
"""

from __future__ import annotations

import re
import time
from typing import Any, Final

import sqlalchemy as sa
from campaigns.v1 import site_service_pb2 as sspb
from google.protobuf.message import Message

from service.access import Caller
from service.errors import ServiceError
from service.rules import NAME_MAX, PHONE_NUMBER, Bounds, Param, Rule, between, phone_digits, text
from service.storage import lock_account
from service.storage import schema as t
from service.storage.counters import next_id
from service.storage.schema import system_campaign_id

# The vendor's industry labels (METHODS.md §2), by industry_id.
INDUSTRIES: Final = {
    1: "Автомобили и трансп. средства",
    2: "Бизнес и услуги",
    3: "Еда и напитки",
    4: "Животные",
    5: "Закон и правительство",
    6: "Интернет и связь",
    7: "Компьютеры и электроника",
    8: "Красота и фитнес",
    9: "Медицина",
    10: "Недвижимость",
    11: "Проживание и отели",
    12: "Промышленность",
    13: "Путешествия и туризм",
    14: "Спорт",
    15: "Строительство, ремонт",
    16: "Учеба и образование",
    17: "Финансы",
    18: "Хобби и развлечения",
    19: "Электронная коммерция и покупки",
}
NEW_SITE_STATE: Final = "new"
FIRST_BLOCK_NAME: Final = "Main"
DOMAIN_MAX: Final = 255
WIDGET_TEXT_MAX: Final = 100
URL_MAX: Final = 2048
ELEMENT_ID_MAX: Final = 255
VISITOR_MESSAGE_MAX: Final = 255
DEFAULT_VISITOR_ID_LENGTH: Final = 6

# The settings with a documented default: parameter -> (column, default). create.sites stores the
# default of what is not sent; update.sites puts it back on null.
DEFAULTS: Final[dict[str, tuple[str, Any]]] = {
    "target_call_min_duration": ("target_call_min_duration", 30),
    "track_subdomains_enabled": ("track_subdomains", True),
    "cookie_lifetime": ("cookie_lifetime", 90),
    "campaign_lifetime": ("campaign_lifetime", 90),
    "sales_enabled": ("sales_enabled", False),
    "second_communication_period": ("second_communication_period", 1),
    "services_enabled": ("services_enabled", True),
    "replacement_dynamical_block_enabled": ("replacement_dynamical_block_enabled", False),
    "is_support_web_directory": ("is_support_web_directory", False),
    "is_block_robot_traffic": ("is_block_robot_traffic", False),
}
_NEVER_SET_WIDGET_LINK: Final = {"widget_link_enabled": False, "widget_link_text": None, "widget_link_url": None}
_NEVER_SET_VISITOR_ID: Final = {
    "show_visitor_id_enabled": False,
    "show_visitor_id_element_id_value": None,
    "show_visitor_id_message": None,
    "show_visitor_id_length": DEFAULT_VISITOR_ID_LENGTH,
}

# ---------------------------------------------------------------- step 7: the parameter tables

_SCHEME: Final = re.compile(r"https?://", re.IGNORECASE)
_URL: Final = re.compile(r"https?://[^\s/?#]+([/?#]\S*)?", re.IGNORECASE)


_domain: Final = Rule(
    lambda value: (
        0 < len(value) <= DOMAIN_MAX
        and _SCHEME.match(value) is None
        and "/" not in value
        and not any(character.isspace() for character in value)
    ),
    Bounds(min_length=1, max_length=DOMAIN_MAX),
)
_name: Final = text(NAME_MAX)


def _length(low: int, high: int) -> Rule:
    return Rule(lambda value: low <= len(value) <= high, Bounds(min_length=low, max_length=high))


_url: Final = Rule(
    lambda value: len(value) <= URL_MAX and _URL.fullmatch(value) is not None,
    # Not _URL as a pattern: it ignores case, which a JSON Schema pattern cannot say.
    Bounds(max_length=URL_MAX),
)
_phone: Final = PHONE_NUMBER
_days: Final = between(1, 365)
WIDGET_LINK: Final = (
    Param("enabled", required=True),
    Param("text", required=True, valid=_length(1, WIDGET_TEXT_MAX)),
    Param("url", required=True, valid=_url),
)
SHOW_VISITOR_ID: Final = (
    Param("enabled", required=True),
    Param("element_id_value", required=True, valid=_length(1, ELEMENT_ID_MAX)),
    Param("message", valid=_length(0, VISITOR_MESSAGE_MAX)),
    Param("length_visitor_id", valid=between(1, 20)),
)


def _settings(*, create: bool) -> tuple[Param, ...]:
    """The site parameters create.sites and update.sites share, in the create page's order."""
    return (
        Param("domain_name", required=create, valid=_domain),
        Param("name", valid=_name),
        Param("default_phone_number", required=create, valid=_phone),
        Param("default_scenario_id"),
        Param("industry_id", required=create, valid=between(1, len(INDUSTRIES))),
        Param("target_call_min_duration", valid=between(0, 3600)),
        Param("track_subdomains_enabled"),
        Param("cookie_lifetime", valid=_days),
        Param("campaign_lifetime", valid=_days),
        Param("sales_enabled"),
        Param("second_communication_period", valid=_days),
        Param("services_enabled"),
        Param("replacement_dynamical_block_enabled"),
        Param("widget_link", fields=WIDGET_LINK),
        Param("show_visitor_id", fields=SHOW_VISITOR_ID),
    )


CREATE_SITE: Final = (Param("user_id"), *_settings(create=True))
UPDATE_SITE: Final = (
    Param("user_id"),
    Param("id", required=True),
    *_settings(create=False),
    Param("is_support_web_directory"),
    Param("child_customer_id"),
    Param("is_block_robot_traffic"),
)
DELETE_SITE: Final = (Param("user_id"), Param("id", required=True))
CREATE_SITE_BLOCK: Final = (
    Param("user_id"),
    Param("site_id", required=True),
    Param("name", required=True, valid=_name),
)
UPDATE_SITE_BLOCK: Final = (Param("user_id"), Param("id", required=True), Param("name", valid=_name))
DELETE_SITE_BLOCK: Final = (Param("user_id"), Param("id", required=True))

# update.sites: what null does to each parameter (METHODS.md §3). Those with a default go back to it.
CLEARABLE: Final = frozenset(
    {"name", "default_scenario_id", "child_customer_id", "widget_link", "show_visitor_id", *DEFAULTS}
)
_NULL_MEANS_NOT_SENT: Final = frozenset({"user_id", "id", "domain_name", "default_phone_number", "industry_id"})

_s = t.sites.c
_b = t.site_blocks.c
_c = t.campaigns.c

# ---------------------------------------------------------------- create.sites / update.sites

_SITE_OF_ACCOUNT = sa.select(_s.id, _s.is_editable).where(
    _s.id == sa.bindparam("site_id"), _s.account_id == sa.bindparam("account_id")
)
_SAME_DOMAIN = sa.select(_s.id).where(
    _s.account_id == sa.bindparam("account_id"),
    _s.domain_name == sa.bindparam("domain_name"),
    _s.id != sa.bindparam("site_id"),
)


def _widget_link_columns(link: sspb.WidgetLink) -> dict[str, Any]:
    return {"widget_link_enabled": link.enabled, "widget_link_text": link.text, "widget_link_url": link.url}


def _visitor_id_columns(visitor: sspb.ShowVisitorId) -> dict[str, Any]:
    return {
        "show_visitor_id_enabled": visitor.enabled,
        "show_visitor_id_element_id_value": visitor.element_id_value,
        "show_visitor_id_message": visitor.message if visitor.HasField("message") else None,
        "show_visitor_id_length": (
            visitor.length_visitor_id if visitor.HasField("length_visitor_id") else DEFAULT_VISITOR_ID_LENGTH
        ),
    }


def _sent_settings(request: sspb.CreateSiteRequest | sspb.UpdateSiteRequest) -> dict[str, Any]:
    """The columns of the parameters the request sets (not those it clears)."""
    values: dict[str, Any] = {}
    if request.HasField("domain_name"):
        values["domain_name"] = request.domain_name.lower()
    if request.HasField("name"):
        values["name"] = request.name
    if request.HasField("default_phone_number"):
        values["default_phone_number"] = phone_digits(request.default_phone_number)
    if request.HasField("industry_id"):
        values["industry_id"] = request.industry_id
    for parameter, (column, _default) in DEFAULTS.items():
        if parameter in request.DESCRIPTOR.fields_by_name and _has(request, parameter):
            values[column] = getattr(request, parameter)
    if request.HasField("widget_link"):
        values.update(_widget_link_columns(request.widget_link))
    if request.HasField("show_visitor_id"):
        values.update(_visitor_id_columns(request.show_visitor_id))
    return values


def _has(message: Message, name: str) -> bool:
    return message.HasField(name)


def _check_domain(conn: sa.Connection, account_id: int, domain_name: str, site_id: int) -> None:
    """duplicate_entity when another site of the account has this domain (stored lowercase)."""
    found = conn.execute(
        _SAME_DOMAIN, {"account_id": account_id, "domain_name": domain_name.lower(), "site_id": site_id}
    ).first()
    if found is not None:
        raise ServiceError("duplicate_entity", path="domain_name", value=domain_name)


def create_site(conn: sa.Connection, caller: Caller, request: sspb.CreateSiteRequest) -> int:
    account_id = caller.account.id
    # Step 10: no scenario exists here, then the domain is the account's own.
    if request.HasField("default_scenario_id"):
        raise ServiceError("entity_not_found", path="default_scenario_id", value=str(request.default_scenario_id))
    lock_account(conn, account_id, exclusive=True)
    _check_domain(conn, account_id, request.domain_name, site_id=0)
    site_id = next_id(conn, t.sites)
    values = {column: default for column, default in DEFAULTS.values()}
    values.update(_NEVER_SET_WIDGET_LINK)
    values.update(_NEVER_SET_VISITOR_ID)
    values.update(_sent_settings(request))
    conn.execute(
        t.sites.insert().values(
            id=site_id,
            account_id=account_id,
            is_editable=True,
            state=NEW_SITE_STATE,
            created_at=int(time.time()),
            **values,
        )
    )
    conn.execute(t.site_blocks.insert().values(id=next_id(conn, t.site_blocks), site_id=site_id, name=FIRST_BLOCK_NAME))
    return site_id


def update_site(conn: sa.Connection, caller: Caller, request: sspb.UpdateSiteRequest) -> None:
    account_id = caller.account.id
    cleared = set(request.cleared_fields)
    for name in sorted(cleared - CLEARABLE - _NULL_MEANS_NOT_SENT):
        raise ServiceError("invalid_parameter_value", path="cleared_fields", value=name)
    cleared &= CLEARABLE
    if request.HasField("domain_name"):
        lock_account(conn, account_id, exclusive=True)
    # Step 10: the entities in the page's order, then the protected site, then the duplicate.
    site = conn.execute(_SITE_OF_ACCOUNT, {"site_id": request.id, "account_id": account_id}).first()
    if site is None:
        raise ServiceError("entity_not_found", path="id", value=str(request.id))
    for name in ("default_scenario_id", "child_customer_id"):
        if _has(request, name):
            raise ServiceError("entity_not_found", path=name, value=str(getattr(request, name)))
    if not site.is_editable:
        raise ServiceError("forbidden", path="id", value=str(request.id))
    if request.HasField("domain_name"):
        _check_domain(conn, account_id, request.domain_name, site_id=request.id)

    values: dict[str, Any] = {}
    if "name" in cleared:
        values["name"] = None
    for parameter in cleared & DEFAULTS.keys():
        column, default = DEFAULTS[parameter]
        values[column] = default
    if "widget_link" in cleared:
        values.update(_NEVER_SET_WIDGET_LINK)
    if "show_visitor_id" in cleared:
        values.update(_NEVER_SET_VISITOR_ID)
    # default_scenario_id and child_customer_id cleared: nothing is stored for either.
    values.update(_sent_settings(request))
    if values:
        conn.execute(t.sites.update().where(_s.id == request.id).values(values))


# ---------------------------------------------------------------- delete.sites

_CAMPAIGN_ON_SITE = sa.select(_c.id).where(_c.site_id == sa.bindparam("site_id"), _c.type.in_(("basic", "integrated")))


def delete_site(conn: sa.Connection, caller: Caller, request: sspb.DeleteSiteRequest) -> None:
    account_id = caller.account.id
    # Before looking for campaigns on the site: a campaign being created on it waits, or is seen.
    lock_account(conn, account_id, exclusive=True)
    site = conn.execute(_SITE_OF_ACCOUNT, {"site_id": request.id, "account_id": account_id}).first()
    if site is None:
        raise ServiceError("entity_not_found", path="id", value=str(request.id))
    if not site.is_editable:
        raise ServiceError("protected_entity", path="id", value=str(request.id))
    if conn.execute(_CAMPAIGN_ON_SITE.limit(1), {"site_id": request.id}).first() is not None:
        raise ServiceError("dependency_error", path="id", value=str(request.id))
    # The system campaign belongs to the account, not the site: it stays, without its settings
    # on this site's blocks (their numbers free again) and without its spend on this site.
    system = system_campaign_id(account_id)
    block_ids = sa.select(_b.id).where(_b.site_id == request.id).scalar_subquery()
    conn.execute(
        t.pool_numbers.delete().where(
            t.pool_numbers.c.campaign_id == system, t.pool_numbers.c.site_block_id.in_(block_ids)
        )
    )
    conn.execute(
        t.campaign_site_blocks.delete().where(
            t.campaign_site_blocks.c.campaign_id == system, t.campaign_site_blocks.c.site_block_id.in_(block_ids)
        )
    )
    conn.execute(
        t.campaign_costs.delete().where(
            t.campaign_costs.c.campaign_id == system, t.campaign_costs.c.site_id == request.id
        )
    )
    conn.execute(t.site_parameter_weights.delete().where(t.site_parameter_weights.c.site_id == request.id))
    conn.execute(t.site_blocks.delete().where(_b.site_id == request.id))
    conn.execute(t.sites.delete().where(_s.id == request.id))


# ---------------------------------------------------------------- create / update / delete.site_blocks

_BLOCK_OF_ACCOUNT = (
    sa.select(_b.id)
    .select_from(t.site_blocks.join(t.sites, _s.id == _b.site_id))
    .where(_b.id == sa.bindparam("block_id"), _s.account_id == sa.bindparam("account_id"))
)
_SETTINGS_ON_BLOCK = sa.union_all(
    sa.select(t.campaign_site_blocks.c.campaign_id).where(
        t.campaign_site_blocks.c.site_block_id == sa.bindparam("block_id")
    ),
    sa.select(t.pool_numbers.c.campaign_id).where(t.pool_numbers.c.site_block_id == sa.bindparam("block_id")),
)


def create_site_block(conn: sa.Connection, caller: Caller, request: sspb.CreateSiteBlockRequest) -> int:
    account_id = caller.account.id
    if conn.execute(_SITE_OF_ACCOUNT, {"site_id": request.site_id, "account_id": account_id}).first() is None:
        raise ServiceError("entity_not_found", path="site_id", value=str(request.site_id))
    block_id = next_id(conn, t.site_blocks)
    conn.execute(t.site_blocks.insert().values(id=block_id, site_id=request.site_id, name=request.name))
    return block_id


def _find_block(conn: sa.Connection, account_id: int, block_id: int) -> None:
    if conn.execute(_BLOCK_OF_ACCOUNT, {"block_id": block_id, "account_id": account_id}).first() is None:
        raise ServiceError("entity_not_found", path="id", value=str(block_id))


def update_site_block(conn: sa.Connection, caller: Caller, request: sspb.UpdateSiteBlockRequest) -> None:
    _find_block(conn, caller.account.id, request.id)
    if request.HasField("name"):
        conn.execute(t.site_blocks.update().where(_b.id == request.id).values(name=request.name))


def delete_site_block(conn: sa.Connection, caller: Caller, request: sspb.DeleteSiteBlockRequest) -> None:
    account_id = caller.account.id
    # Before looking for campaigns on the block: a campaign being put on it waits, or is seen.
    lock_account(conn, account_id, exclusive=True)
    _find_block(conn, account_id, request.id)
    if conn.execute(_SETTINGS_ON_BLOCK.limit(1), {"block_id": request.id}).first() is not None:
        raise ServiceError("dependency_error", path="id", value=str(request.id))
    conn.execute(t.site_blocks.delete().where(_b.id == request.id))
