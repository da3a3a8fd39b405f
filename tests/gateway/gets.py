"""Helpers for the get.* tests: successful answers checked for shape, and the demo data as clients see it.

The expected items are written out from docs/demo-data.md (ids, names, domains, blocks, numbers) and from the
demo loader's fixed values (creation time 2026-01-15 10:00:00 UTC, numbers 7495000NNNN, redirection
numbers 7495111NNNN), not read from the service.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any, Final, Protocol

from tests.gateway.wire import ABSENT, JsonRpc, limits_of


class Caller(Protocol):
    """What the helpers need: Gateway.call's signature."""

    async def call(self, method: str, params: dict[str, object], request_id: object = 1) -> dict[str, Any]: ...


# The kept-alive client the get tests call through.
Api = JsonRpc


DEMO_CREATED: Final = "2026-01-15 10:00:00"
SYSTEM_NAME: Final = "Visitors without advertising campaign"
TIME_PATTERN: Final = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"

# get.campaigns: the default field set (every field but static_utm_*).
CAMPAIGN_FIELDS: Final = (
    "id",
    "name",
    "description",
    "status",
    "creation_time",
    "engine",
    "type",
    "costs",
    "cost_ratio",
    "cost_ratio_operator",
    "site_id",
    "site_domain_name",
    "site_blocks",
    "dynamic_call_tracking",
    "campaign_conditions",
)
STATIC_UTM_FIELDS: Final = tuple(
    f"static_utm_{part}" for part in ("source", "medium", "campaign", "term", "content", "referrer", "expid")
)


def number(number_id: int) -> str:
    """A demo virtual number's digits."""
    return f"7495000{number_id:04d}"


def redirection(number_id: int) -> str:
    """A demo redirection number's digits."""
    return f"7495111{number_id:04d}"


def _campaign(
    campaign_id: int, name: str, campaign_type: str, status: str, site: tuple[int, str] | None, **extra: Any
) -> dict[str, Any]:
    """A demo campaign as get.campaigns shows it by default; dynamic_call_tracking is left out
    (see test_campaign_without_dynamic_call_tracking_shows_an_empty_object)."""
    item: dict[str, Any] = {
        "id": campaign_id,
        "name": name,
        "description": None,
        "status": status,
        "creation_time": DEMO_CREATED,
        "engine": None,
        "type": campaign_type,
        "costs": None,
        "cost_ratio": 1,
        "cost_ratio_operator": "wo_changes",
        "site_id": site[0] if site else None,
        "site_domain_name": site[1] if site else None,
        "site_blocks": [],
    }
    if campaign_type == "basic":
        item["campaign_conditions"] = {"group_conditions": []}
    item.update(extra)
    return item


def system_campaign() -> dict[str, Any]:
    return _campaign(-1, SYSTEM_NAME, "system", "active", None)


# Account 1000 (tok_cust), in the default order (by id).
DEMO_CAMPAIGNS: Final[list[dict[str, Any]]] = [
    system_campaign(),
    _campaign(
        7,
        "Existing call tracking",
        "basic",
        "active",
        (10, "shop.example"),
        site_blocks=[
            {
                "site_block_id": 102,
                "site_block_name": "Footer",
                "phone_number_type": "call_tracking",
                "phone_number_id": 304,
                "phone_number": number(304),
                "redirection_phone_number_id": 402,
                "redirection_phone_number": redirection(402),
                "dynamic_call_tracking_enabled": False,
            }
        ],
    ),
    _campaign(8, "Yandex.Direct", "integrated", "active", (10, "shop.example"), engine="yandex.direct"),
    _campaign(9, "Paused", "basic", "inactive", (20, "blog.example")),
]

DEMO_NUMBERS: Final[list[dict[str, Any]]] = [
    {"id": n, "prefix": "7495", "phone_number": number(n), "type": kind}
    for n, kind in [
        (301, "call_tracking"),
        (302, "va"),
        (303, "user"),
        *((n, "call_tracking") for n in range(304, 311)),
    ]
]
DEMO_REDIRECTIONS: Final[list[dict[str, Any]]] = [{"id": n, "phone_number": redirection(n)} for n in (401, 402)]


def app_key(account_id: int) -> str:
    """get.sites' app_key as docs/decisions.md derives it: blake2b-128 of "app_key:<account id>", in hex."""
    return hashlib.blake2b(f"app_key:{account_id}".encode(), digest_size=16).hexdigest()


def site_key(site_id: int) -> str:
    """get.sites' site_key as docs/decisions.md derives it: blake2b-128 of "site_key:<site id>", in hex."""
    return hashlib.blake2b(f"site_key:{site_id}".encode(), digest_size=16).hexdigest()


def site(
    account_id: int,
    site_id: int,
    domain_name: str,
    name: str | None,
    blocks: list[tuple[int, str]],
    *,
    integrations: list[str] | None = None,
    **changed: Any,
) -> dict[str, Any]:
    """A get.sites item: a demo site's fixed values (METHODS.md §20) and every default of §1, with `changed`."""
    item: dict[str, Any] = {
        "id": site_id,
        "domain_name": domain_name,
        "name": name,
        "default_phone_number": None,
        "default_scenario": None,
        "app_key": app_key(account_id),
        "site_key": site_key(site_id),
        "is_editable": True,
        "creation_date": DEMO_CREATED,
        "target_call_min_duration": 30,
        "track_subdomains": True,
        "cookie_lifetime": 90,
        "campaign_lifetime": 90,
        "sales_enabled": False,
        "second_communication_period": 1,
        "services_enabled": True,
        "replacement_dynamical_block_enabled": False,
        "is_support_web_directory": False,
        "widget_link": {"enabled": False, "text": None, "url": None},
        "state": "work",
        "industry_id": None,
        "industry_name": None,
        "child_customer_id": None,
        "show_visitor_id": {"enabled": False, "element_id_value": None, "message": None, "length_visitor_id": 6},
        "site_blocks": [{"site_block_id": block_id, "site_block_name": block_name} for block_id, block_name in blocks],
        "connected_integrations": integrations or [],
        "parent_id": None,
    }
    assert set(changed) <= set(item), changed
    item.update(changed)
    return item


# Campaign 8 (integrated, yandex.direct) is on site 10.
DEMO_SITES: Final[list[dict[str, Any]]] = [
    site(1000, 10, "shop.example", "Shop", [(101, "Header"), (102, "Footer")], integrations=["yandex.direct"]),
    site(1000, 20, "blog.example", "Blog", [(201, "Sidebar")]),
]


def block_number(number_id: int, campaign_id: int, campaign_name: str, digits: str | None = None) -> dict[str, Any]:
    """One phone_numbers item of get.site_blocks."""
    return {
        "phone_number_id": number_id,
        "phone_number": digits or number(number_id),
        "campaign_id": campaign_id,
        "campaign_name": campaign_name,
        "image_url": None,
    }


def site_block(
    block_id: int, name: str, site_id: int, domain: str, numbers: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A get.site_blocks item."""
    return {
        "id": block_id,
        "name": name,
        "site_id": site_id,
        "site_domain_name": domain,
        "templates": [],
        "phone_numbers": numbers or [],
    }


CAMPAIGN_7_ON_BLOCK_102: Final = block_number(304, 7, "Existing call tracking")
DEMO_SITE_BLOCKS: Final[list[dict[str, Any]]] = [
    site_block(101, "Header", 10, "shop.example"),
    site_block(102, "Footer", 10, "shop.example", [CAMPAIGN_7_ON_BLOCK_102]),
    site_block(201, "Sidebar", 20, "blog.example"),
]
CUSTOMER_USERS: Final[list[dict[str, Any]]] = [
    {"id": 5001, "login": "demo", "name": "Demo Shop owner", "description": None, "customer_id": 1000},
    {"id": 5002, "login": None, "name": "No VA user", "description": None, "customer_id": 1001},
]

# Account 1001 (tok_nova).
NOVA_NUMBERS: Final[list[dict[str, Any]]] = [
    {"id": 311, "prefix": "7495", "phone_number": number(311), "type": "call_tracking"},
    {"id": 312, "prefix": "7495", "phone_number": number(312), "type": "va"},
]
NOVA_REDIRECTIONS: Final[list[dict[str, Any]]] = [{"id": 411, "phone_number": redirection(411)}]
NOVA_SITES: Final[list[dict[str, Any]]] = [site(1001, 11, "nova.example", "Nova", [(111, "Main")])]
NOVA_SITE_BLOCKS: Final[list[dict[str, Any]]] = [site_block(111, "Main", 11, "nova.example")]


def without(item: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key not in keys}


async def get_result(
    api: Caller,
    method: str,
    params: dict[str, Any],
    request_id: Any = 1,
    *,
    limits: bool = True,
) -> dict[str, Any]:
    """`result` of a successful get call, its envelope checked: data a list of objects,
    metadata.total_items an integer, and (unless limits=False) metadata.limits with its six integers."""
    body = await api.call(method, params, request_id)
    assert set(body) == {"jsonrpc", "id", "result"}, body
    assert body["jsonrpc"] == "2.0"
    assert body["id"] == request_id
    result = body["result"]
    assert set(result) == {"data", "metadata"}, result
    assert isinstance(result["data"], list), result
    assert all(isinstance(item, dict) for item in result["data"]), result
    metadata = result["metadata"]
    assert type(metadata.get("total_items")) is int, metadata
    if limits:
        assert set(metadata) == {"total_items", "limits"}, metadata
        limits_of(metadata)
    assert len(result["data"]) <= metadata["total_items"], result
    data: dict[str, Any] = result
    return data


async def get_ids(api: Caller, method: str, params: dict[str, Any], key: str = "id") -> tuple[list[Any], int]:
    """The `key` of each item (in the order received) and total_items."""
    result = await get_result(api, method, params)
    return [item[key] for item in result["data"]], result["metadata"]["total_items"]


async def create_campaign(api: Caller, params: dict[str, Any]) -> int:
    body = await api.call("create.campaigns", {"access_token": "tok_cust", **params})
    assert "result" in body, body
    campaign_id = body["result"]["data"]["id"]
    assert type(campaign_id) is int
    return campaign_id


async def error_limits(api: Caller, method: str, params: dict[str, Any]) -> dict[str, int]:
    body = await api.call(method, params)
    assert "error" in body, body
    return limits_of(body["error"]["data"]["metadata"])


async def success_limits(api: Caller, method: str, params: dict[str, Any]) -> dict[str, int]:
    body = await api.call(method, params)
    assert "result" in body, body
    return limits_of(body["result"]["metadata"])


async def quiet_window(api: Caller, method: str, failing: dict[str, Any]) -> dict[str, int]:
    """The limits now (read with a failing call), after waiting out a minute or day that ends within 5 s,
    so that a test counting points does not straddle a counter reset."""
    limits = await error_limits(api, method, failing)
    soonest = min(limits["minute_reset"], limits["day_reset"])
    if soonest <= 5:
        await asyncio.sleep(soonest + 1)
        limits = await error_limits(api, method, failing)
    return limits


# ---------------------------------------------------------------- params the get tests share

CUST: Final[dict[str, Any]] = {"access_token": "tok_cust"}
AGENT: Final[dict[str, Any]] = {"access_token": "tok_agent"}
NOVA: Final[dict[str, Any]] = {"access_token": "tok_nova"}

# The get methods of a customer's account, and what each lists for tok_cust on the demo data.
ACCOUNT_GETS: Final[dict[str, list[dict[str, Any]]]] = {
    "get.campaign_available_phone_numbers": DEMO_NUMBERS,
    "get.campaign_available_redirection_phone_numbers": DEMO_REDIRECTIONS,
    "get.sites": DEMO_SITES,
    "get.site_blocks": DEMO_SITE_BLOCKS,
}
ALL_ACCOUNT_GETS: Final = ("get.campaigns", *ACCOUNT_GETS)

# Account 1000's campaigns in the default order (by id): -1 system, 7 basic, 8 integrated, 9 basic inactive.
ALL_IDS: Final = [-1, 7, 8, 9]


def _filter(field: str, operator: str, value: Any = ABSENT) -> dict[str, Any]:
    node: dict[str, Any] = {"field": field, "operator": operator}
    if value is not ABSENT:
        node["value"] = value
    return node


def _any(*filters: dict[str, Any]) -> dict[str, Any]:
    return {"filters": list(filters), "condition": "or"}


def _all(*filters: dict[str, Any]) -> dict[str, Any]:
    return {"filters": list(filters), "condition": "and"}


def _nested(depth: int, leaf: dict[str, Any]) -> dict[str, Any]:
    """A filter whose leaf sits at level `depth` (the top of the filter is level 1)."""
    node = leaf
    for _ in range(depth - 1):
        node = {"filters": [node]}
    return node
