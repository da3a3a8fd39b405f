"""The console page (GET /) in a real headless Chromium, in front of a real service and gateway: the
reference rendered from the OpenRPC document, and calls sent from the console as a person sends them.

One browser for the module; each test gets the usual fresh demo database and gateway, on SQLite only (what
is under test is the page, not the engine). Without Debian's chromium and chromium-driver the tests skip
with the reason, except under CI=true, where they fail (scripts/test installs both when it runs as root).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator

import pytest

from contract.openrpc import document
from tests.conftest import Gateway
from tests.gateway.support_console import Console, chromium, missing
from tests.gateway.wire import CATALOGUE

pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def console() -> Iterator[Console]:
    reason = missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: the browser test is mandatory with CI=true")
        pytest.skip(f"{reason}; scripts/test installs them when run as root (mandatory with CI=true)")
    with chromium() as driver:
        yield Console(driver)


def base(gateway: Gateway) -> str:
    return gateway.url.removesuffix("/v2.0")


async def test_the_reference_lists_the_methods_and_renders_params_and_errors(
    gateway: Gateway, console: Console
) -> None:
    await asyncio.to_thread(console.open, base(gateway))
    listed = await asyncio.to_thread(console.listed_methods)
    assert listed == [method["name"] for method in document()["methods"]]
    assert {"create.campaigns", "get.sites"} <= set(listed)

    await asyncio.to_thread(console.pick, "create.campaigns")
    params = await asyncio.to_thread(console.params_table)
    assert params["access_token"][1:3] == ["string", "yes"]
    assert params["site_id"][1:3] == ["integer", "yes"]
    assert params["description"][2] == "no"
    assert "length 1 to 255" in params["name"][3]
    assert "one of active inactive" in params["status"][3]
    # A list of objects: its members as rows of their own under it, with their own required.
    assert params["site_blocks[].phone_number_id"][0].endswith("phone_number_id")
    assert params["site_blocks[].phone_number_id"][2] == "yes"
    assert params["site_blocks[].redirection_phone_number_id"][2] == "no"
    assert "items: at most 100" in params["site_blocks"][3]

    errors = {row[1]: row for row in await asyncio.to_thread(console.errors_table)}
    code, message = CATALOGUE["required_parameter_missed"]
    assert errors["required_parameter_missed"] == [str(code), "required_parameter_missed", message]
    assert "tariff_restrictions" in errors
    # The console starts from the method's example in the document, the token in its own field.
    example = next(m for m in document()["methods"] if m["name"] == "create.campaigns")["examples"][0]["params"]
    values = {pair["name"]: pair["value"] for pair in example}
    token = values.pop("access_token")
    assert json.loads(await asyncio.to_thread(console.params_text)) == values
    assert await asyncio.to_thread(console.field, "token") == token
    assert await asyncio.to_thread(console.browser_errors) == []


async def test_get_sites_with_tok_cust_shows_the_demo_sites_and_the_point_limits(
    gateway: Gateway, console: Console
) -> None:
    await asyncio.to_thread(console.open, base(gateway))
    await asyncio.to_thread(console.pick, "get.sites")
    await asyncio.to_thread(console.set_token, "tok_cust")
    shown = await asyncio.to_thread(console.send)

    assert shown.status.startswith("result"), shown.status
    sites = {site["id"]: site["domain_name"] for site in shown.answer["result"]["data"]}
    assert sites == {10: "shop.example", 20: "blog.example"}
    assert "shop.example" in await asyncio.to_thread(console.text, "answer")
    # Account 1000's limits, the first point of the day spent by this call.
    assert shown.limits["day"]["limit"] == "100000000"
    assert shown.limits["day"]["remaining"] == "99999999"
    assert shown.limits["minute"]["limit"] == "10000000"
    assert shown.limits["minute"]["resets in"].endswith(" s")
    assert await asyncio.to_thread(console.browser_errors) == []


async def test_a_create_without_site_id_shows_required_parameter_missed(gateway: Gateway, console: Console) -> None:
    await asyncio.to_thread(console.open, base(gateway))
    await asyncio.to_thread(console.pick, "create.campaigns")
    await asyncio.to_thread(console.set_token, "tok_cust")
    await asyncio.to_thread(console.set_params, '{"name": "Spring sale"}')
    shown = await asyncio.to_thread(console.send)

    assert "required_parameter_missed" in shown.status, shown.status
    error = shown.answer["error"]
    assert (error["code"], error["message"]) == CATALOGUE["required_parameter_missed"]
    assert error["data"]["field"] == "site_id"
    # An error carries the limits too (error.data.metadata.limits), and a failed call costs nothing.
    assert shown.limits["day"]["remaining"] == "100000000"


async def test_params_that_are_not_json_are_shown_and_not_sent(gateway: Gateway, console: Console) -> None:
    await asyncio.to_thread(console.open, base(gateway))
    await asyncio.to_thread(console.pick, "get.sites")
    await asyncio.to_thread(console.set_token, "tok_cust")
    await asyncio.to_thread(console.set_params, '{"limit": 1,')
    await asyncio.to_thread(console.press_send)

    assert "not valid JSON" in await asyncio.to_thread(console.problem)
    assert await asyncio.to_thread(console.answer_id) is None
    assert await asyncio.to_thread(console.text, "status") == ""
    # Put right, it is sent, and the problem goes away.
    await asyncio.to_thread(console.set_params, '{"limit": 1}')
    shown = await asyncio.to_thread(console.send)
    assert await asyncio.to_thread(console.problem) == ""
    assert len(shown.answer["result"]["data"]) == 1


async def test_a_create_sent_twice_with_one_key_is_replayed(gateway: Gateway, console: Console) -> None:
    await asyncio.to_thread(console.open, base(gateway))
    await asyncio.to_thread(console.pick, "get.sites")
    assert not await asyncio.to_thread(console.shows_key_field)
    await asyncio.to_thread(console.pick, "create.campaigns")
    assert await asyncio.to_thread(console.shows_key_field)
    await asyncio.to_thread(console.set_token, "tok_cust")
    await asyncio.to_thread(console.set_params, '{"name": "From the console", "site_id": 10}')
    key = await asyncio.to_thread(console.new_idempotency_key)
    assert len(key) == 36, key  # a UUID: the page is served from loopback, a secure context

    first = await asyncio.to_thread(console.send)
    again = await asyncio.to_thread(console.send)
    assert first.status.startswith("result ·"), first.status
    assert again.status.startswith("result · replayed"), again.status
    assert again.answer["result"]["data"] == first.answer["result"]["data"]
    assert await asyncio.to_thread(console.browser_errors) == []
