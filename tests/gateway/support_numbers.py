"""Shared pieces of the virtual-number tests (test_virtual_numbers_read.py, test_virtual_numbers_enable.py,
test_virtual_numbers_disable.py): the demo's numbers and stock as the gets show them, and calls that must succeed.

Account 1008 (tok_sites) holds 392 (call_tracking, in campaign 70, block 211), 393 (call_tracking, free)
and 394 (va); the stock holds 901 (usual, msk), 902 (bronze, msk) and 903 (usual, spb). Account 1006
(tok_quota) may hold one number and holds 361. Account 1001 (tok_nova) has no va.
"""

from __future__ import annotations

from typing import Any, Final

from tests.gateway.gets import CUST, Api, get_result
from tests.gateway.wire import limits_of

GET: Final = "get.virtual_numbers"
STOCK: Final = "get.available_virtual_numbers"
ENABLE: Final = "enable.virtual_numbers"
DISABLE: Final = "disable.virtual_numbers"
SITES: Final[dict[str, Any]] = {"access_token": "tok_sites"}
QUOTA: Final[dict[str, Any]] = {"access_token": "tok_quota"}
NOVA: Final[dict[str, Any]] = {"access_token": "tok_nova"}
DEMO_DAY: Final = "2026-01-15 10:00:00"

NUMBER_FIELDS: Final = (
    "id",
    "child_customer_id",
    "virtual_phone_number",
    "redirection_phone_number",
    "activation_date",
    "status",
    "category",
    "type",
    "comment",
    "name",
    "campaigns",
    "scenarios",
)


def number(
    number_id: int, digits: str, kind: str, campaigns: list[dict[str, Any]] | None = None, **changes: Any
) -> dict[str, Any]:
    """An item of get.virtual_numbers as a demo number shows it."""
    item = {
        "id": number_id,
        "child_customer_id": None,
        "virtual_phone_number": digits,
        "redirection_phone_number": None,
        "activation_date": DEMO_DAY,
        "status": "active",
        "category": "usual",
        "type": kind,
        "comment": None,
        "name": None,
        "campaigns": campaigns or [],
        "scenarios": [],
    }
    return {**item, **changes}


LAB_CAMPAIGN: Final = {
    "campaign_id": 70,
    "campaign_name": "Lab campaign",
    "site_id": 21,
    "site_domain_name": "lab.example",
    "site_blocks": [{"site_block_id": 211, "site_block_name": "Hero", "is_tracking": False}],
}
SITES_NUMBERS: Final = [
    number(392, "74950000392", "call_tracking", [LAB_CAMPAIGN]),
    number(393, "74950000393", "call_tracking"),
    number(394, "74950000394", "va"),
]
STOCK_901: Final = {
    "phone_number": "74959000901",
    "category": "usual",
    "location_mnemonic": "msk",
    "location_name": "Moscow",
    "onetime_payment": 0.0,
    "monthly_charge": 300.0,
    "min_charge": 0.0,
}
STOCK_902: Final = {**STOCK_901, "phone_number": "74959000902", "category": "bronze", "onetime_payment": 500.0}
STOCK_902["monthly_charge"] = 600.0
STOCK_903: Final = {**STOCK_901, "phone_number": "78129000903", "location_mnemonic": "spb"}
STOCK_903["location_name"] = "Saint Petersburg"
DEMO_STOCK: Final = [STOCK_901, STOCK_902, STOCK_903]


async def succeeded(api: Api, method: str, params: dict[str, Any], request_id: Any = 1) -> None:
    """The success shape of METHODS.md §0.5, exactly: result.success, data.success, metadata.limits."""
    body = await api.call(method, params, request_id)
    assert set(body) == {"jsonrpc", "id", "result"}, body
    assert body["id"] == request_id
    result = body["result"]
    assert list(result) == ["success", "data", "metadata"], result
    assert result["success"] is True and result["data"] == {"success": True}, result
    assert set(result["metadata"]) == {"limits"}, result
    limits_of(result["metadata"])


async def numbers_of(api: Api, params: dict[str, Any]) -> list[dict[str, Any]]:
    result = await get_result(api, GET, params)
    data: list[dict[str, Any]] = result["data"]
    assert result["metadata"]["total_items"] == len(data)
    return data


async def stock(api: Api) -> list[dict[str, Any]]:
    result = await get_result(api, STOCK, CUST)
    data: list[dict[str, Any]] = result["data"]
    return data


async def available_ids(api: Api, token: str) -> dict[int, str]:
    result = await get_result(api, "get.campaign_available_phone_numbers", {"access_token": token})
    return {item["id"]: item["type"] for item in result["data"]}


def number_in_stock(digits: str) -> dict[str, Any]:
    """A number that never came from the stock enters it as usual, with no location and no charges."""
    return {
        "phone_number": digits,
        "category": "usual",
        "location_mnemonic": None,
        "location_name": None,
        "onetime_payment": 0.0,
        "monthly_charge": 0.0,
        "min_charge": 0.0,
    }
