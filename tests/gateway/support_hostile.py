"""What the hostile-input tests share: the contract's answer checked member by member, the wire under test
(one gateway, one long-lived HTTP client, a reader of the service's database) and the seeds.

The tests are test_hostile_*.py; the `wire` fixture is in tests/gateway/conftest.py.
HOSTILE_INPUT_EXAMPLES=<n> runs more examples per property (the default keeps the files within CI's
budget); the run is derandomized, so CI sees the same examples every time.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from typing import Any, Final

import httpx
import orjson
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, settings

from service.storage import Storage
from service.storage import schema as t
from tests.gateway.strategies_reference import HugeInt, NotStrictJson, Verdict, is_valid_id, same_json, strict_loads
from tests.gateway.strategies_values import Json
from tests.gateway.wire import CATALOGUE, LIMIT_KEYS, JsonRpc, message_for, request

settings.register_profile(
    "hostile-input",
    max_examples=int(os.environ.get("HOSTILE_INPUT_EXAMPLES", "75")),
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
HOSTILE: Final = settings.get_profile("hostile-input")

# No answer may take longer than this (seconds).
BOUND: Final = 10.0
DEFAULT_BODY_LIMIT: Final = 4 * 1024 * 1024
# docs/decisions.md: "A body not received within 10 s is answered with HTTP 408".
BODY_TIMEOUT: Final = 10.0
# For inputs refused by the parameter rules, which run before any query: the engine makes no difference,
# so these seeds run on SQLite alone (the properties, and the seeds that reach the database, run on both).
SQLITE_ONLY: Final = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)

ENVELOPE_MNEMONICS: Final = frozenset(
    {
        "parse_error",
        "invalid_request",
        "method_not_found",
        "batch_opreations_not_supported",
        "notifications_not_supported",
    }
)
# What the state of the database is made of: every table a call may write.
WRITTEN_TABLES: Final = (
    t.campaigns,
    t.campaign_site_blocks,
    t.pool_numbers,
    t.phone_numbers,
    t.access_tokens,
    t.accounts,
)


# --------------------------------------------------------------------------- the contract's answer


def _unique_keys(pairs: list[tuple[str, Json]]) -> dict[str, Json]:
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys in an answer: {keys}"
    return dict(pairs)


def _assert_limits(metadata: Json) -> None:
    assert isinstance(metadata, dict), metadata
    if "limits" in metadata:
        limits = metadata["limits"]
        assert isinstance(limits, dict) and set(limits) == set(LIMIT_KEYS), limits
        assert all(type(limits[key]) is int for key in LIMIT_KEYS), limits


def contract_answer(response: httpx.Response, method: Json = None) -> dict[str, Json]:
    """The JSON-RPC response of contract sections 1 to 4, checked member by member."""
    assert response.status_code == 200, (response.status_code, response.content[:500])
    assert response.headers.get("content-type", "").split(";")[0].strip() == "application/json", response.headers
    try:
        answer = strict_loads(response.content, hook=_unique_keys)
    except NotStrictJson as refusal:
        raise AssertionError(f"the answer is not strict JSON ({refusal}): {response.content[:500]!r}") from None
    assert isinstance(answer, dict), answer
    assert set(answer) in ({"jsonrpc", "id", "result"}, {"jsonrpc", "id", "error"}), answer
    assert answer["jsonrpc"] == "2.0", answer
    assert answer["id"] is None or is_valid_id(answer["id"]), answer
    if "result" in answer:
        result = answer["result"]
        assert isinstance(result, dict) and {"data", "metadata"} <= set(result), result
        _assert_limits(result["metadata"])
        return dict(answer)
    error = answer["error"]
    assert isinstance(error, dict) and set(error) == {"code", "message", "data"}, error
    data = error["data"]
    assert isinstance(data, dict), error
    assert set(data) <= {"mnemonic", "field", "value", "params", "metadata"}, data
    mnemonic = data.get("mnemonic")
    assert mnemonic in CATALOGUE, data
    code = CATALOGUE[mnemonic][0]
    # Contract section 4: `forbidden` of a delete on a protected entity is -32602.
    allowed = {code, -32602} if mnemonic == "forbidden" and str(method).startswith("delete.") else {code}
    assert error["code"] in allowed, error
    params = data.get("params")
    assert isinstance(params, dict), data
    assert error["message"] == message_for(mnemonic, params), error
    if "field" in data:
        assert isinstance(data["field"], str), data
    if "value" in data:
        assert isinstance(data["value"], str), data
    _assert_limits(data.get("metadata", {}))
    return dict(answer)


def mnemonic_of(answer: dict[str, Json]) -> str | None:
    """The error's mnemonic, or None for a result."""
    return answer["error"]["data"]["mnemonic"] if "error" in answer else None


def value_text(value: Json) -> str:
    """Contract section 3: how `data.value` spells a scalar the client sent."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, HugeInt):
        return value.text
    return orjson.dumps(value).decode()


# --------------------------------------------------------------------------- known bugs

# SQLite refuses LIKE patterns longer than this many bytes (SQLITE_MAX_LIKE_PATTERN_LENGTH).
SQLITE_LIKE_PATTERN_MAX: Final = 50_000


def known_bug(method: Json, params: Json, engine: str) -> str | None:
    """Which known bug (see the BUG xfails below) these params would hit, if any: none left."""
    return None


def body_known_bug(body: bytes, engine: str) -> str | None:
    try:
        document = strict_loads(body)
    except NotStrictJson:
        return None
    if isinstance(document, dict):
        return known_bug(document.get("method"), document.get("params"), engine)
    return None


# --------------------------------------------------------------------------- the wire under test


def _state_of(conn: sa.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table.name: sorted((tuple(row) for row in conn.execute(sa.select(table))), key=repr) for table in WRITTEN_TABLES
    }


def _difference(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for name in before:
        gone = [row for row in before[name] if row not in after[name]]
        new = [row for row in after[name] if row not in before[name]]
        if gone or new:
            changed[name] = {"gone": gone[:5], "new": new[:5]}
    return changed


@dataclass(frozen=True)
class Exchange:
    answer: dict[str, Json]
    before: dict[str, list[tuple[Any, ...]]]
    after: dict[str, list[tuple[Any, ...]]]
    elapsed: float


@dataclass(frozen=True)
class Wire:
    """One gateway, one long-lived HTTP client, and a reader of the service's database."""

    url: str
    client: httpx.AsyncClient
    storage: Storage
    engine: str

    async def state(self) -> dict[str, list[tuple[Any, ...]]]:
        return await self.storage.read(_state_of)

    async def post(self, body: bytes) -> tuple[httpx.Response, float]:
        started = time.monotonic()
        try:
            response = await asyncio.wait_for(JsonRpc(self.url, self.client).post(body), BOUND)
        except TimeoutError:
            raise AssertionError(f"no answer within {BOUND} s to a body of {len(body)} bytes") from None
        elapsed = time.monotonic() - started
        assert elapsed < BOUND, f"answered in {elapsed:.1f} s"
        return response, elapsed

    async def exchange(self, body: bytes, method: Json = None) -> Exchange:
        """Post a body; the answer must be the contract's, and an error must have written nothing."""
        before = await self.state()
        response, elapsed = await self.post(body)
        answer = contract_answer(response, method)
        after = await self.state()
        if "error" in answer:
            assert after == before, ("an error changed the database", answer, _difference(before, after))
        return Exchange(answer, before, after, elapsed)


def assert_charged(exchange: Exchange, *, writes: bool, charged: bool = True) -> None:
    """Contract section 2: a successful call costs a point (docs/decisions.md: get.customer_users, the agent's own
    call, costs none); a get writes nothing else."""
    if charged:
        assert exchange.after["accounts"] != exchange.before["accounts"], "a successful call was free"
    if not writes:
        unchanged = {name: rows for name, rows in exchange.after.items() if name != "accounts"}
        assert unchanged == {name: exchange.before[name] for name in unchanged}, _difference(
            exchange.before, exchange.after
        )


def check_envelope_verdict(exchange: Exchange, verdict: Verdict, method: Json) -> None:
    """The answer the envelope layer owes (contract section 2), or a service answer to the same id."""
    answer = exchange.answer
    event(f"answer: {mnemonic_of(answer) or 'result'}")
    assert same_json(answer["id"], verdict.request_id), (answer["id"], verdict.request_id)
    if verdict.mnemonic is not None:
        assert mnemonic_of(answer) == verdict.mnemonic, (verdict, answer)
        data = answer["error"]["data"]
        assert "field" not in data and "value" not in data, data
        assert "limits" not in data.get("metadata", {}), data
        return
    assert mnemonic_of(answer) not in ENVELOPE_MNEMONICS, answer
    assert mnemonic_of(answer) != "internal_error", (method, answer)


# --------------------------------------------------------------------------- seeds as bytes

DEEP: Final = 10_000
HUGE_DIGITS: Final = b"9" * 5000
MILLION_ZEROS: Final = b"[" + b",".join([b"0"] * 1_000_000) + b"]"


def raw_envelope(params: bytes, request_id: bytes = b"1", method: bytes = b"create.campaigns") -> bytes:
    return b'{"jsonrpc":"2.0","id":' + request_id + b',"method":"' + method + b'","params":' + params + b"}"


VALID_PARAMS: Final = b'{"access_token":"tok_cust","name":"Seed","site_id":10}'


# --------------------------------------------------------------------------- seeds: sizes and numbers

MILLION: Final = 1_000_000
ZEROS: Final = [0] * MILLION
CAMPAIGN: Final[dict[str, Json]] = {"access_token": "tok_cust", "name": "Huge", "site_id": 10}
CONDITION: Final[dict[str, Json]] = {
    "type": "include",
    "campaign_parameter": "entrance_page",
    "operator": "=",
    "value": "/x",
}


async def _call(wire: Wire, method: str, params: dict[str, Json], request_id: Json = "h") -> dict[str, Json]:
    body = request(method, params, request_id)
    answer = (await wire.exchange(body, method)).answer
    assert same_json(answer["id"], request_id), answer["id"]
    return answer


def _assert_fault(answer: dict[str, Json], mnemonic: str, field: str | None) -> dict[str, Json]:
    assert mnemonic_of(answer) == mnemonic, answer
    data: dict[str, Json] = answer["error"]["data"]
    assert data.get("field") == field, data
    return data


ZEROS_TEXT: Final = orjson.dumps(ZEROS).decode()
