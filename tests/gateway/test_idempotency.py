"""The `Idempotency-Key` header on create.campaigns (and create.sites, create.site_blocks), through real
HTTP, a real gateway and a real service.

A client that lost an answer retries with the same key and gets the first answer (same id) back,
marked `Idempotent-Replayed: true`; other params under the key are refused with the documented
error; a header that cannot be a key is refused after the token; methods that take no key ignore it.
The database engine does not matter to the header's handling (tests/service/test_idempotency.py runs
the rules on both), so most of this runs on SQLite.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.settings import GatewaySettings
from service.storage import schema as t
from tests.conftest import Gateway, Service, start_gateway, stop_gateway
from tests.gateway.support_campaign_calls import UPDATE, block, blocks_of, campaign, upd
from tests.gateway.wire import VALID, assert_error, json_rpc_body, limits_of, request
from tests.holding_proxy import HoldingProxy
from tests.service.helpers import count

KEY = "0b0c3f9e-6f62-4d7e-9a57-2d6f3c1b7e44"


async def send(
    url: str, params: dict[str, Any], *headers: tuple[str, str], method: str = "create.campaigns"
) -> tuple[dict[str, Any], httpx.Headers]:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(url, content=request(method, params), headers=list(headers))
    return json_rpc_body(response), response.headers


def key(value: str) -> tuple[str, str]:
    return ("Idempotency-Key", value)


async def named(service: Service, name: str) -> int:
    return await count(service.database_url, t.campaigns, t.campaigns.c.name == name)


ON_SQLITE = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


@ON_SQLITE
async def test_a_retry_with_the_header_answers_the_same_id_once_charged(gateway: Gateway) -> None:
    params = {**VALID, "name": "Keyed over HTTP"}
    first, first_headers = await send(gateway.url, params, key(KEY))
    # The structured-field form of the same key is the same key.
    again, again_headers = await send(gateway.url, params, key(f'"{KEY}"'))

    assert "idempotent-replayed" not in first_headers
    assert again_headers["idempotent-replayed"] == "true"
    assert again["result"]["data"] == first["result"]["data"] == {"id": first["result"]["data"]["id"]}
    # The replay is not charged: it reports the limits the first call left.
    first_limits = limits_of(first["result"]["metadata"])
    again_limits = limits_of(again["result"]["metadata"])
    assert again_limits["day_remaining"] == first_limits["day_remaining"]
    assert await named(gateway.service, "Keyed over HTTP") == 1


@ON_SQLITE
async def test_other_params_under_the_key_are_refused_with_the_documented_error(gateway: Gateway) -> None:
    await send(gateway.url, {**VALID, "name": "First use"}, key(KEY))
    body, headers = await send(gateway.url, {**VALID, "name": "Second use"}, key(KEY))
    data = assert_error(body, "idempotency_key_reused", request_id=1)
    assert body["error"]["code"] == -32602
    assert body["error"]["message"] == "Idempotency key has already been used with other parameters"
    limits_of(data["metadata"])
    assert "idempotent-replayed" not in headers
    assert await named(gateway.service, "Second use") == 0


@ON_SQLITE
async def test_a_header_that_cannot_be_a_key_is_refused_after_the_token(gateway: Gateway) -> None:
    params = {**VALID, "name": "Bad header"}
    malformed = {
        "empty": [key("")],
        "too long": [key("k" * 256)],
        "a blank inside": [key("two words")],
        "an unclosed quote": [key('"open')],
        "a bad escape": [key('"a\\b"')],
        "a quote inside": [key('"a"b"')],
        "sent twice": [key("one"), key("two")],
    }
    answers = {}
    for what, headers in malformed.items():
        body, _headers = await send(gateway.url, params, *headers)
        answers[what] = body["error"]["data"]["mnemonic"] if "error" in body else body
    assert answers == dict.fromkeys(malformed, "idempotency_key_invalid")
    body, _headers = await send(gateway.url, {**params, "access_token": "nope"}, key(""))
    assert_error(body, "access_token_invalid", request_id=1)
    assert await named(gateway.service, "Bad header") == 0
    # Escapes in the quoted form are undone: this is the key `a"b\`, a key like any other.
    body, _headers = await send(gateway.url, params, key('"a\\"b\\\\"'))
    assert "result" in body


# The other creates that take a key: method -> (params, what another request changes, its table, the column
# that names what it made).
OTHER_CREATES = {
    "create.sites": (
        {
            "access_token": "tok_sites",
            "domain_name": "keyed.example",
            "default_phone_number": "+74951234567",
            "industry_id": 2,
        },
        {"domain_name": "other.example"},
        t.sites,
        t.sites.c.domain_name,
    ),
    "create.site_blocks": (
        {"access_token": "tok_sites", "site_id": 22, "name": "Keyed block"},
        {"name": "Other block"},
        t.site_blocks,
        t.site_blocks.c.name,
    ),
}


@ON_SQLITE
@pytest.mark.parametrize("method", sorted(OTHER_CREATES))
async def test_the_other_creates_honour_a_key_alike(gateway: Gateway, method: str) -> None:
    """create.sites and create.site_blocks: a retry answers the first id once, other params under the key
    are refused and write nothing, a header that cannot be a key is refused."""
    params, changed, table, name = OTHER_CREATES[method]
    first, first_headers = await send(gateway.url, params, key(KEY), method=method)
    again, again_headers = await send(gateway.url, params, key(KEY), method=method)
    assert "idempotent-replayed" not in first_headers and again_headers["idempotent-replayed"] == "true"
    assert again["result"]["data"] == first["result"]["data"] == {"id": first["result"]["data"]["id"]}
    # The replay is not charged: the points the first call left (the resets count seconds, and may tick).
    charged = ("day_limit", "day_remaining", "minute_limit", "minute_remaining")
    first_limits, again_limits = limits_of(first["result"]["metadata"]), limits_of(again["result"]["metadata"])
    assert {k: again_limits[k] for k in charged} == {k: first_limits[k] for k in charged}
    assert await count(gateway.service.database_url, table, name == params[name.key]) == 1

    other = {**params, **changed}
    reused, _headers = await send(gateway.url, other, key(KEY), method=method)
    assert_error(reused, "idempotency_key_reused", request_id=1)
    invalid, _headers = await send(gateway.url, other, key("two words"), method=method)
    assert_error(invalid, "idempotency_key_invalid", request_id=1)
    assert await count(gateway.service.database_url, table, name == changed[name.key]) == 0


@ON_SQLITE
async def test_methods_that_take_no_key_ignore_the_header(gateway: Gateway) -> None:
    body, headers = await send(gateway.url, {"access_token": "tok_cust"}, key(""), method="get.sites")
    assert "result" in body and "idempotent-replayed" not in headers


@ON_SQLITE
async def test_an_update_retried_without_a_key_sets_the_same_state(gateway: Gateway) -> None:
    # docs/contract.md section 15: update needs no key. The second answer is the first's, the campaign
    # as the first left it (its own number is not "already in use" by itself).
    created, _headers = await send(
        gateway.url, {**VALID, "name": "Updated twice", "site_blocks": [block(101, 305, 401)]}
    )
    campaign_id = created["result"]["data"]["id"]
    sent = upd(campaign_id, 10, name="Updated twice, same state", site_blocks=[block(101, 305, 401)])
    answers = [(await send(gateway.url, sent, method=UPDATE))[0] for _ in range(2)]
    views = await campaign(gateway, campaign_id)
    assert [answer["result"]["data"] for answer in answers] == [{}, {}]
    assert views["name"] == "Updated twice, same state"
    assert blocks_of(views) == [(101, 305, 401, False)]


# --------------------------------------------------------------------------- an answer lost on the way


@pytest.fixture
async def held(service: Service) -> AsyncIterator[tuple[HoldingProxy, str]]:
    """A gateway whose calls to the service pass a proxy that can hold the answers back."""
    host, port = service.target.rsplit(":", 1)
    proxy = await HoldingProxy(host, int(port)).start()
    server, task, gateway_port = await start_gateway(proxy.target, call_timeout=1.0)
    try:
        yield proxy, f"http://127.0.0.1:{gateway_port}/v2.0"
    finally:
        await stop_gateway(server, task)
        await proxy.close()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"], indirect=True)
async def test_a_create_whose_answer_was_lost_is_answered_on_retry(
    service: Service, held: tuple[HoldingProxy, str]
) -> None:
    proxy, url = held
    params = {**VALID, "name": "Answer lost"}
    # Every connection of the gateway's to the service is up (calls one at a time go round them).
    for _ in range(GatewaySettings().target_connections):
        await send(url, {"access_token": "tok_cust"}, method="get.sites")

    proxy.hold()
    lost, _headers = await send(url, params, key(KEY))
    # The gateway gave up on the service (its call timeout): the client cannot know what happened.
    assert_error(lost, "internal_error", request_id=1)
    # It happened: the campaign was committed.
    assert await named(service, "Answer lost") == 1

    await proxy.cut()
    for _attempt in range(50):
        retried, headers = await send(url, params, key(KEY))
        if "result" in retried:
            break
        await asyncio.sleep(0.1)  # the gateway's channel reconnecting through the proxy
    assert headers["idempotent-replayed"] == "true"
    ids = await count(service.database_url, t.campaigns, t.campaigns.c.name == "Answer lost")
    assert ids == 1
    assert retried["result"]["data"]["id"] > 1000
