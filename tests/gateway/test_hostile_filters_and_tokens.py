"""Hostile filters and tokens over real HTTP: deep and huge filters, huge access tokens, NUL bytes, long
like patterns, a byte order mark.

Hostile input over real HTTP: whatever a client sends, the answer is the contract's, promptly, and an
error writes nothing (see tests/gateway/support_hostile.py for the checks every answer passes).
"""

from __future__ import annotations

import httpx
import pytest

from tests.gateway.conftest import LoneGateway
from tests.gateway.strategies_values import Json
from tests.gateway.support_hostile import (
    BOUND,
    MILLION,
    SQLITE_LIKE_PATTERN_MAX,
    SQLITE_ONLY,
    ZEROS,
    Wire,
    _assert_fault,
    _call,
    contract_answer,
    mnemonic_of,
    raw_envelope,
)

# --------------------------------------------------------------------------- known bugs


def _nested_filter(levels: int, leaf: dict[str, Json]) -> dict[str, Json]:
    node = leaf
    for _ in range(levels):
        node = {"filters": [node]}
    return node


def _nested_list(levels: int) -> Json:
    node: Json = 1
    for _ in range(levels):
        node = [node]
    return node


@pytest.mark.parametrize(
    ("token", "query", "mnemonic", "field"),
    [
        pytest.param(
            "tok_cust",
            {"field": "name", "operator": "=", "value": _nested_list(50)},
            "invalid_parameter_value",
            "filter.value",
            id="value-50-deep",
        ),
        pytest.param(
            "tok_cust",
            _nested_filter(99, {"field": "name", "operator": "=", "value": "a"}),
            "invalid_parameter_value",
            "filter" + ".filters" * 12,  # where the gateway stops turning it into protobuf
            id="filters-99-deep",
        ),
        pytest.param(
            "tok_nope",
            {"field": "name", "operator": "=", "value": _nested_list(50)},
            "access_token_invalid",
            None,
            id="bad-token-value-50-deep",
        ),
    ],
)
@SQLITE_ONLY
async def test_deep_filter(wire: Wire, token: str, query: dict[str, Json], mnemonic: str, field: str | None) -> None:
    _assert_fault(await _call(wire, "get.campaigns", {"access_token": token, "filter": query}), mnemonic, field)


@SQLITE_ONLY
async def test_unknown_keys_deep_in_a_filter(wire: Wire) -> None:
    query = _nested_filter(60, {"filters": [{"k" * 200: 1}] * 64})
    answer = await _call(wire, "get.campaigns", {"access_token": "tok_cust", "filter": query})
    # The gateway stops turning a filter into protobuf 12 levels down and says so there.
    _assert_fault(answer, "invalid_parameter_value", "filter" + ".filters" * 12)


@pytest.mark.parametrize("token", [pytest.param("a" * 80_000, id="text"), pytest.param(ZEROS, id="million-zeros")])
@SQLITE_ONLY
async def test_a_huge_access_token(wire: Wire, token: Json) -> None:
    _assert_fault(await _call(wire, "get.campaigns", {"access_token": token}), "access_token_invalid", None)


@pytest.mark.parametrize(
    ("token", "mnemonic", "field"),
    [
        pytest.param("tok_cust", "invalid_parameter_value", "filter.value", id="good-token"),
        pytest.param("tok_nope", "access_token_invalid", None, id="bad-token"),
    ],
)
@SQLITE_ONLY
async def test_a_million_values_in_a_filter(wire: Wire, token: str, mnemonic: str, field: str | None) -> None:
    query = {"field": "id", "operator": "in", "value": ZEROS}
    _assert_fault(await _call(wire, "get.campaigns", {"access_token": token, "filter": query}), mnemonic, field)


@SQLITE_ONLY
async def test_a_million_filter_nodes(wire: Wire) -> None:
    answer = await _call(wire, "get.campaigns", {"access_token": "tok_cust", "filter": {"filters": [{}] * MILLION}})
    assert mnemonic_of(answer) in ("invalid_parameter_value", "required_parameter_missed"), answer


@pytest.mark.parametrize("operator", ["=", "like", "in"])
async def test_nul_in_a_filter_value(wire: Wire, operator: str) -> None:
    value: Json = ["a\x00b"] if operator == "in" else "a\x00b"
    query = {"field": "name", "operator": operator, "value": value}
    answer = await _call(wire, "get.campaigns", {"access_token": "tok_cust", "filter": query})
    _assert_fault(answer, "invalid_parameter_value", "filter.value")


@pytest.mark.parametrize("operator", ["ilike", "not_like"])
async def test_a_long_like_pattern(wire: Wire, operator: str) -> None:
    # A filter's text is at most 1,000 characters on both engines (docs/decisions.md).
    query = {"field": "name", "operator": operator, "value": "%" * (SQLITE_LIKE_PATTERN_MAX + 1)}
    answer = await _call(wire, "get.campaigns", {"access_token": "tok_cust", "filter": query})
    _assert_fault(answer, "invalid_parameter_value", "filter.value")


async def test_many_in_lists(wire: Wire) -> None:
    # At most 10,000 in/not_in values in one filter (PostgreSQL binds at most 32,767; docs/decisions.md).
    node = {"field": "id", "operator": "in", "value": list(range(1000))}
    fits = await _call(wire, "get.campaigns", {"access_token": "tok_cust", "filter": {"filters": [node] * 10}})
    assert "result" in fits, fits
    query = {"filters": [node] * 33, "condition": "or"}
    answer = await _call(wire, "get.campaigns", {"access_token": "tok_cust", "filter": query})
    assert mnemonic_of(answer) == "invalid_parameter_value", answer


async def test_a_byte_order_mark_is_judged_alike(lone_gateway: LoneGateway) -> None:
    bom = b"\xef\xbb\xbf"
    async with httpx.AsyncClient(timeout=BOUND) as http:
        short = await http.post(lone_gateway.url, content=bom + raw_envelope(b"{}", b"1", b"create.campaign"))
        long = await http.post(
            lone_gateway.url, content=bom + raw_envelope(b"{}", b"1234567890123456789012", b"create.campaign")
        )
    assert mnemonic_of(contract_answer(short)) == mnemonic_of(contract_answer(long))
