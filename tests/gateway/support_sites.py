"""Shared pieces of the site and site-block tests (test_sites_*.py, test_site_blocks.py): account 1008 "Sites Lab"
(tok_sites, METHODS.md §20) and calls that must succeed or fail with one exact error object."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from tests.gateway.gets import Api, site, site_block
from tests.gateway.support_campaign_calls import assert_error_with_code
from tests.gateway.wire import ABSENT, Absent, assert_error, limits_of

LAB: Final[dict[str, Any]] = {"access_token": "tok_sites"}
LAB_ACCOUNT: Final = 1008
# A create.sites that succeeds: the three required parameters.
NEW_SITE: Final[dict[str, Any]] = {
    **LAB,
    "domain_name": "new.example",
    "default_phone_number": "+74951234567",
    "industry_id": 2,
}

LAB_SITES: Final[list[dict[str, Any]]] = [
    site(LAB_ACCOUNT, 21, "lab.example", "Lab", [(211, "Hero"), (212, "Spare")]),
    site(LAB_ACCOUNT, 22, "empty.example", "Empty", [(221, "Main")]),
    site(LAB_ACCOUNT, 23, "managed.example", "Managed", [(231, "Main")], is_editable=False),
]
LAB_CAMPAIGN: Final = "Lab campaign"
LAB_BLOCKS: Final[list[dict[str, Any]]] = [
    site_block(
        211,
        "Hero",
        21,
        "lab.example",
        [
            {
                "phone_number_id": 392,
                "phone_number": "74950000392",
                "campaign_id": 70,
                "campaign_name": LAB_CAMPAIGN,
                "image_url": None,
            }
        ],
    ),
    site_block(212, "Spare", 21, "lab.example"),
    site_block(221, "Main", 22, "empty.example"),
    site_block(231, "Main", 23, "managed.example"),
]


async def ok(api: Api, method: str, params: dict[str, Any]) -> Any:
    """`result.data` of a call that must succeed (its metadata carrying the limits)."""
    body = await api.call(method, params, "ok")
    assert set(body) == {"jsonrpc", "id", "result"}, body
    assert body["id"] == "ok"
    limits_of(body["result"]["metadata"])
    return body["result"]["data"]


async def fails(
    api: Api,
    method: str,
    params: dict[str, Any],
    mnemonic: str,
    field: str | Absent = ABSENT,
    value: str | Absent = ABSENT,
    *,
    code: int | None = None,
    request_id: Any = "e",
) -> None:
    """The call fails with exactly this error object (code: when it is not the catalogue's)."""
    body = await api.call(method, params, request_id)
    if code is None:
        assert_error(body, mnemonic, request_id=request_id, field=field, value=value)
    else:
        assert_error_with_code(body, code, mnemonic, request_id=request_id, field=field, value=value)


async def sites_of(api: Api, token: str = "tok_sites") -> dict[int, dict[str, Any]]:
    data = await ok(api, "get.sites", {"access_token": token})
    return {item["id"]: item for item in data}


async def blocks_of_account(api: Api, token: str = "tok_sites") -> dict[int, dict[str, Any]]:
    data = await ok(api, "get.site_blocks", {"access_token": token})
    return {item["id"]: item for item in data}


def now_text() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
