"""The OpenRPC document over a real gateway and service: rpc.discover and GET /openrpc.json, and every
method called once with the example the document gives, its answer checked against the document's
result schema."""

from __future__ import annotations

from typing import Any, Final

import httpx
import jsonschema
import pytest

from contract.methods import JSONRPC_METHODS
from contract.openrpc import document
from tests.conftest import Gateway

# The one thing the document's examples cannot say: logout.user ends a session, so its token is one that
# login.user (with its own example) has just opened, not a permanent one.
SESSION_FROM_LOGIN: Final = frozenset({"logout.user"})


def example_params(name: str) -> dict[str, Any]:
    entry = next(m for m in document()["methods"] if m["name"] == name)
    return {pair["name"]: pair["value"] for pair in entry["examples"][0]["params"]}


def result_validator(name: str) -> jsonschema.Draft7Validator:
    """The method's result schema, with the document's components for its $refs."""
    entry = next(m for m in document()["methods"] if m["name"] == name)
    schema = {"allOf": [entry["result"]["schema"]], "components": document()["components"]}
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("name", sorted(JSONRPC_METHODS))
async def test_the_example_of_each_method_succeeds_as_the_result_schema_says(gateway: Gateway, name: str) -> None:
    params = example_params(name)
    if name in SESSION_FROM_LOGIN:
        login = await gateway.call("login.user", example_params("login.user"))
        params["access_token"] = login["result"]["data"]["access_token"]
    answer = await gateway.call(name, params)
    assert "result" in answer, answer
    errors = list(result_validator(name).iter_errors(answer["result"]))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


async def test_rpc_discover_needs_no_token_costs_nothing_and_is_served_at_openrpc_json(gateway: Gateway) -> None:
    before = await gateway.call("get.sites", {"access_token": "tok_sites"})
    discovered = await gateway.call("rpc.discover", {}, request_id=7)
    after = await gateway.call("get.sites", {"access_token": "tok_sites"})
    assert discovered["id"] == 7
    assert discovered["result"] == document()
    # Only the second get.sites was charged in between.
    remaining = [call["result"]["metadata"]["limits"]["day_remaining"] for call in (before, after)]
    assert remaining[0] - remaining[1] == 1
    async with httpx.AsyncClient(timeout=30) as client:
        served = await client.get(gateway.url.removesuffix("/v2.0") + "/openrpc.json")
        # As OpenRPC clients send it: no params at all.
        bare = await client.post(gateway.url, json={"jsonrpc": "2.0", "id": 1, "method": "rpc.discover"})
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/json"
    assert served.json() == document()
    assert bare.json()["result"] == document()


async def test_an_unknown_method_is_still_method_not_found(gateway: Gateway) -> None:
    answer = await gateway.call("rpc.nothing", {})
    assert answer["error"]["code"] == -32601
    assert answer["error"]["data"]["mnemonic"] == "method_not_found"
