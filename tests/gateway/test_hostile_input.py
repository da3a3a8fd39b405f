"""Hostile input over real HTTP: whatever a client sends, the answer is the contract's, promptly, and an
error writes nothing.

Hypothesis drives a real uvicorn gateway in front of a real service (both engines) with any JSON
document and almost-JSON bytes, with envelopes whose members are of any type, and with params of
create/update/get.campaigns built from the proto request descriptors and then mutated. Every answer
must be a JSON-RPC response (HTTP 200, application/json, exactly one of result/error, a catalogue
error with its exact message, `data.value` a string) within BOUND seconds, and a request answered
with an error must leave the database as it was. Against a healthy service `internal_error` is never
the answer: it would mean the service or the gateway failed on the input instead of naming its fault.

The seed corpus (deep nesting, huge integers, NaN, lone surrogates, bodies over the cap, bodies that
never finish, million-element arrays, too many conditions) runs as examples and plain tests. A known
bug becomes a strict xfail whose reason starts with "BUG:" (none left); the properties step around those
inputs (`known_bug`), so that they keep guarding everything else.

HOSTILE_INPUT_EXAMPLES=<n> runs more examples per property (the default keeps the file within CI's
budget); the run is derandomized, so CI sees the same examples every time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

import httpx
import orjson
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from service.storage import Storage
from service.storage import schema as t
from tests.conftest import Gateway, start_gateway, stop_gateway
from tests.gateway import strategies as hs
from tests.gateway.conftest import LoneGateway
from tests.gateway.strategies import HugeInt, Json
from tests.gateway.wire import CATALOGUE, LIMIT_KEYS, free_port, message_for

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
# README: "A body not received within 10 s is answered with HTTP 408".
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
    t.campaign_conditions,
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
        answer = hs.strict_loads(response.content, hook=_unique_keys)
    except hs.NotStrictJson as refusal:
        raise AssertionError(f"the answer is not strict JSON ({refusal}): {response.content[:500]!r}") from None
    assert isinstance(answer, dict), answer
    assert set(answer) in ({"jsonrpc", "id", "result"}, {"jsonrpc", "id", "error"}), answer
    assert answer["jsonrpc"] == "2.0", answer
    assert answer["id"] is None or hs.is_valid_id(answer["id"]), answer
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
        document = hs.strict_loads(body)
    except hs.NotStrictJson:
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
            response = await asyncio.wait_for(self.client.post(self.url, content=body), BOUND)
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


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=BOUND + 5) as http:
        yield http


@pytest.fixture
async def wire(gateway: Gateway, client: httpx.AsyncClient) -> AsyncIterator[Wire]:
    database_url = gateway.service.database_url
    storage = await Storage.open(database_url, migrate=False, pool_size=1)
    try:
        yield Wire(gateway.url, client, storage, "postgresql" if database_url.startswith("postgresql") else "sqlite")
    finally:
        await storage.close()


def assert_charged(exchange: Exchange, *, writes: bool, charged: bool = True) -> None:
    """Contract section 2: a successful call costs a point (README: get.customer_users, the agent's own
    call, costs none); a get writes nothing else."""
    if charged:
        assert exchange.after["accounts"] != exchange.before["accounts"], "a successful call was free"
    if not writes:
        unchanged = {name: rows for name, rows in exchange.after.items() if name != "accounts"}
        assert unchanged == {name: exchange.before[name] for name in unchanged}, _difference(
            exchange.before, exchange.after
        )


def check_envelope_verdict(exchange: Exchange, verdict: hs.Verdict, method: Json) -> None:
    """The answer the envelope layer owes (contract section 2), or a service answer to the same id."""
    answer = exchange.answer
    event(f"answer: {mnemonic_of(answer) or 'result'}")
    assert hs.same_json(answer["id"], verdict.request_id), (answer["id"], verdict.request_id)
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


# --------------------------------------------------------------------------- properties


@HOSTILE
@given(body=hs.bodies())
@example(body=b"[" * DEEP + b"]" * DEEP)
@example(body=raw_envelope(b'{"access_token":"tok_cust","name":' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"}"))
@example(body=raw_envelope(b'{"access_token":"tok_cust","name":"x","site_id":' + HUGE_DIGITS + b"}"))
@example(body=raw_envelope(VALID_PARAMS, request_id=HUGE_DIGITS))
@example(body=raw_envelope(VALID_PARAMS, request_id=b"-" + HUGE_DIGITS, method=b"create.campaign"))
@example(body=raw_envelope(VALID_PARAMS, request_id=b"NaN"))
@example(body=raw_envelope(b'{"access_token":"tok_cust","name":"x","site_id":NaN}'))
@example(body=raw_envelope(b'{"access_token":"tok_cust","name":"\\ud800","site_id":10}'))
@example(body=raw_envelope(VALID_PARAMS, request_id=b'"\\udc00"'))
@example(body=raw_envelope(b'{"access_token":"tok_cust","name":"\xed\xa0\x80","site_id":10}'))
@example(body=raw_envelope(b'["tok_cust"]'))
@example(body=MILLION_ZEROS)
@example(body=raw_envelope(b'{"access_token":"tok_cust","name":"x","site_id":10,"junk":' + MILLION_ZEROS + b"}"))
async def test_any_body_gets_a_contract_answer(wire: Wire, body: bytes) -> None:
    """Bytes that are JSON or almost: a parse_error exactly when a strict parser refuses them, else the
    envelope's verdict (or the service's answer to the same id)."""
    assume(body_known_bug(body, wire.engine) is None)
    exchange = await wire.exchange(body)
    try:
        document = hs.strict_loads(body)
    except hs.NotStrictJson:
        check_envelope_verdict(exchange, hs.Verdict("parse_error", None), None)
        return
    method = document.get("method") if isinstance(document, dict) else None
    check_envelope_verdict(exchange, hs.envelope_verdict(document), method)


@HOSTILE
@given(document=hs.envelopes(), ascii_only=st.booleans())
@example(document={"jsonrpc": "2.0", "id": 5, "method": "create.campaigns", "params": ["tok_cust"]}, ascii_only=False)
@example(document={"jsonrpc": "2.0", "id": "l", "method": "get.campaigns", "params": []}, ascii_only=True)
@example(document={"jsonrpc": "2.0", "id": [], "method": "create.campaigns", "params": {}}, ascii_only=False)
@example(document={"jsonrpc": "2.0", "id": 2**64, "method": "create.campaigns", "params": {}}, ascii_only=False)
@example(
    document={"jsonrpc": "2.0", "id": 1.5, "method": "logout.user", "params": {"access_token": 7}}, ascii_only=True
)
async def test_any_envelope_gets_its_answer(wire: Wire, document: dict[str, Json], ascii_only: bool) -> None:
    """Members missing or of any type, real and made-up method names: section 2's table, in its order."""
    assume(known_bug(document.get("method"), document.get("params"), wire.engine) is None)
    exchange = await wire.exchange(hs.encode(document, ascii_only=ascii_only), document.get("method"))
    check_envelope_verdict(exchange, hs.envelope_verdict(document), document.get("method"))


@pytest.mark.parametrize("method", ["create.campaigns", "update.campaigns", "get.campaigns"])
@HOSTILE
@given(data=st.data())
async def test_params_from_the_proto(wire: Wire, method: str, data: st.DataObject) -> None:
    """Valid-shaped params from the request descriptor, mutated: a result of the method's shape, or an error
    that names what the client sent and writes nothing."""
    params = data.draw(hs.mutated(hs.params_for(method)), label="params")
    request_id = data.draw(st.integers(-(10**6), 10**6) | st.text(max_size=8), label="id")
    assume(known_bug(method, params, wire.engine) is None)
    body = hs.encode({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
    exchange = await wire.exchange(body, method)
    answer = exchange.answer
    assert hs.same_json(answer["id"], request_id), (answer["id"], request_id)
    mnemonic = mnemonic_of(answer)
    event(f"answer: {mnemonic or 'result'}")
    if mnemonic is not None:
        assert mnemonic not in ENVELOPE_MNEMONICS, answer
        assert mnemonic != "internal_error", answer
        error_data = answer["error"]["data"]
        field = error_data.get("field")
        sent = params.get(field) if isinstance(field, str) else None
        if field in params and isinstance(sent, str | int | float) and "value" in error_data:
            # A top-level parameter: `value` is exactly what was sent, as a string.
            assert error_data["value"] == value_text(sent), (field, sent, error_data)
        return
    result = answer["result"]
    _assert_limits(result["metadata"])
    assert "limits" in result["metadata"], result
    assert_charged(exchange, writes=method != "get.campaigns")
    if method == "create.campaigns":
        assert set(result["data"]) == {"id"} and type(result["data"]["id"]) is int, result
        new_id = result["data"]["id"]
        assert new_id > 1000, result
        assert len(exchange.after["campaigns"]) == len(exchange.before["campaigns"]) + 1
        assert new_id in {row[0] for row in exchange.after["campaigns"]}
    elif method == "update.campaigns":
        assert result["data"] == {}, result
    else:
        items, total = result["data"], result["metadata"].get("total_items")
        assert isinstance(items, list) and all(isinstance(item, dict) for item in items), result
        assert type(total) is int and total >= len(items), result
        limit = params.get("limit")
        if type(limit) is int:
            assert len(items) <= limit, (limit, len(items))


@HOSTILE
@given(data=st.data())
async def test_get_filters(wire: Wire, data: st.DataObject) -> None:
    """Filter trees of every get method, on its own item fields, with values hostile to LIKE, SQL and the
    engines' text types: a list of items or the fault's own error, never internal_error."""
    method = data.draw(st.sampled_from(hs.GET_METHODS), label="method")
    query = data.draw(hs.filters_for(method), label="filter")
    params = {"access_token": "tok_agent" if method == "get.customer_users" else "tok_cust", "filter": query}
    assume(known_bug(method, params, wire.engine) is None)
    body = hs.encode({"jsonrpc": "2.0", "id": 3, "method": method, "params": params})
    exchange = await wire.exchange(body, method)
    answer = exchange.answer
    event(f"answer: {mnemonic_of(answer) or 'result'}")
    assert answer["id"] == 3, answer
    if "error" in answer:
        assert mnemonic_of(answer) not in (*ENVELOPE_MNEMONICS, "internal_error"), answer
        assert str(answer["error"]["data"].get("field", "filter")).startswith("filter"), answer
        return
    assert isinstance(answer["result"]["data"], list), answer
    assert type(answer["result"]["metadata"].get("total_items")) is int, answer
    assert_charged(exchange, writes=False, charged=method != "get.customer_users")


# --------------------------------------------------------------------------- seeds: the body cap


def _padded(size: int, request_id: str) -> bytes:
    body = hs.encode({"jsonrpc": "2.0", "id": request_id, "method": "create.campaign", "params": {}})
    return body[:-1] + b" " * (size - len(body)) + b"}"


def _assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.status_code
    assert response.headers["content-type"].split(";")[0] == "application/json"
    answer = orjson.loads(response.content)
    assert answer == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {
            "code": -32600,
            "message": message_for("invalid_request"),
            "data": {"mnemonic": "invalid_request", "params": {}, "metadata": {}},
        },
    }


async def test_body_one_byte_over_the_default_cap_is_413(lone_gateway: LoneGateway) -> None:
    over = _padded(DEFAULT_BODY_LIMIT + 1, "over")
    async with httpx.AsyncClient(timeout=BOUND) as http:
        declared = await http.post(lone_gateway.url, content=over)

        async def stream() -> AsyncIterator[bytes]:
            for start in range(0, len(over), 256 * 1024):
                yield over[start : start + 256 * 1024]

        chunked = await http.post(lone_gateway.url, content=stream())
        at_cap = await http.post(lone_gateway.url, content=_padded(DEFAULT_BODY_LIMIT, "at"))
    _assert_too_large(declared)
    _assert_too_large(chunked)
    answer = contract_answer(at_cap)
    assert mnemonic_of(answer) == "method_not_found" and answer["id"] == "at", answer


# --------------------------------------------------------------------------- seeds: bodies that never finish


@dataclass(frozen=True)
class Cutoff:
    status: int | None  # None: the connection closed without an answer
    body: bytes
    elapsed: float


async def _read_cutoff(reader: asyncio.StreamReader, started: float, patience: float) -> Cutoff:
    """The one response to an unfinished request, or how the connection ended."""
    deadline = started + patience
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), max(deadline - time.monotonic(), 0.01))
    except asyncio.IncompleteReadError:
        return Cutoff(None, b"", time.monotonic() - started)
    except TimeoutError:
        raise AssertionError(f"neither an answer nor a close within {patience} s") from None
    elapsed = time.monotonic() - started
    lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.strip().lower(): content.strip() for name, _, content in (line.partition(":") for line in lines[1:])
    }
    length = int(headers.get("content-length", "0"))
    body = await asyncio.wait_for(reader.readexactly(length), 2) if length else b""
    return Cutoff(int(lines[0].split(" ")[1]), body, elapsed)


_PARTIAL: Final = b'{"jsonrpc":"2.0","id":1,"method":"create.campaigns","params":{"access_token":"tok_cust"'


async def _unfinished(port: int, kind: str, patience: float) -> Cutoff:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = "POST /v2.0 HTTP/1.1\r\nHost: 127.0.0.1\r\n{}\r\n\r\n"
    if kind == "stalled":
        writer.write(head.format("Content-Length: 1000").encode() + _PARTIAL)
    elif kind == "trickling":
        writer.write(head.format("Content-Length: 100000").encode() + _PARTIAL)
    elif kind == "unterminated-chunks":
        writer.write(
            head.format("Transfer-Encoding: chunked").encode() + b"%x\r\n" % len(_PARTIAL) + _PARTIAL + b"\r\n"
        )
    elif kind == "unterminated-head":
        writer.write(b"POST /v2.0 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n")
    # "silent": a connection that never sends a byte
    await writer.drain()
    started = time.monotonic()

    async def trickle() -> None:
        # A byte every half second: the body keeps coming but never ends.
        with contextlib.suppress(ConnectionError):
            while True:
                await asyncio.sleep(0.5)
                writer.write(b" ")
                await writer.drain()

    dripping = asyncio.create_task(trickle()) if kind == "trickling" else None
    try:
        return await _read_cutoff(reader, started, patience)
    finally:
        if dripping is not None:
            dripping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dripping
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def test_bodies_that_never_finish_are_cut_off_with_408(lone_gateway: LoneGateway) -> None:
    """README: a body not received within 10 s is answered with HTTP 408 and invalid_request. Three slow
    clients at once (a stall after part of the body, a body that trickles in, chunks with no last chunk)."""
    kinds = ("stalled", "trickling", "unterminated-chunks")
    cutoffs = await asyncio.gather(*(_unfinished(lone_gateway.port, kind, BODY_TIMEOUT + 2) for kind in kinds))
    for kind, cutoff in zip(kinds, cutoffs, strict=True):
        assert cutoff.status == 408, (kind, cutoff)
        assert BODY_TIMEOUT - 1 <= cutoff.elapsed <= BODY_TIMEOUT + 2, (kind, cutoff.elapsed)
        assert orjson.loads(cutoff.body) == {
            "jsonrpc": "2.0",
            "id": None,
            "error": {
                "code": -32600,
                "message": message_for("invalid_request"),
                "data": {"mnemonic": "invalid_request", "params": {}, "metadata": {}},
            },
        }, (kind, cutoff.body)


@pytest.mark.parametrize("kind", ["unterminated-head", "silent"])
async def test_a_head_that_never_ends_is_cut_off_with_408(kind: str) -> None:
    """README: a head not received within the request timeout gets 408 and the connection closes; a
    connection that never sends a byte is closed. Both within the timeout (1 s here) and the body's own."""
    server, task, port = await start_gateway(
        f"127.0.0.1:{free_port()}", head_timeout=1.0, body_timeout=1.0, call_timeout=1.0
    )
    try:
        cutoff = await _unfinished(port, kind, 5.0)
    finally:
        await stop_gateway(server, task)
    assert 0.5 <= cutoff.elapsed <= 3.0, cutoff
    if kind == "silent":
        assert cutoff == Cutoff(None, b"", cutoff.elapsed)
        return
    assert cutoff.status == 408, cutoff
    assert orjson.loads(cutoff.body) == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {
            "code": -32600,
            "message": message_for("invalid_request"),
            "data": {"mnemonic": "invalid_request", "params": {}, "metadata": {}},
        },
    }


async def test_a_slow_head_after_a_keep_alive_answer_is_cut_off_too(gateway: Gateway) -> None:
    """The head deadline is not only for a connection's first request."""
    server, task, port = await start_gateway(
        gateway.service.target, head_timeout=1.0, body_timeout=1.0, call_timeout=2.0
    )
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            body = hs.encode({"jsonrpc": "2.0", "id": 1, "method": "get.sites", "params": {"access_token": "tok_cust"}})
            writer.write(
                b"POST /v2.0 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()
            first = await _read_cutoff(reader, time.monotonic(), 5.0)
            assert first.status == 200 and orjson.loads(first.body)["id"] == 1, first
            writer.write(b"POST /v2.0 HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            await writer.drain()
            second = await _read_cutoff(reader, time.monotonic(), 5.0)
            assert second.status == 408 and second.elapsed <= 3.0, second
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
    finally:
        await stop_gateway(server, task)


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
    body = hs.encode({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
    answer = (await wire.exchange(body, method)).answer
    assert hs.same_json(answer["id"], request_id), answer["id"]
    return answer


def _assert_fault(answer: dict[str, Json], mnemonic: str, field: str | None) -> dict[str, Json]:
    assert mnemonic_of(answer) == mnemonic, answer
    data: dict[str, Json] = answer["error"]["data"]
    assert data.get("field") == field, data
    return data


ZEROS_TEXT: Final = orjson.dumps(ZEROS).decode()

# (method, params, mnemonic, field, value): a million-element array where each kind of parameter is.
MILLIONS: Final = [
    pytest.param(
        "create.campaigns",
        {**CAMPAIGN, "junk": ZEROS},
        "unexpected_parameters",
        "junk",
        ZEROS_TEXT,
        id="create-unknown-key",
    ),
    pytest.param("create.campaigns", {**CAMPAIGN, "name": ZEROS}, "data_type_error", "name", ZEROS_TEXT, id="name"),
    pytest.param(
        "create.campaigns",
        {**CAMPAIGN, "site_blocks": ZEROS},
        "invalid_parameter_value",
        "site_blocks",
        ZEROS_TEXT,
        id="create-blocks",
    ),
    pytest.param(
        "create.campaigns",
        {**CAMPAIGN, "campaign_conditions": {"group_conditions": ZEROS}},
        "invalid_parameter_value",
        "campaign_conditions.group_conditions",
        ZEROS_TEXT,
        id="create-groups",
    ),
    pytest.param(
        "update.campaigns",
        {"access_token": "tok_cust", "id": 7, "site_id": 10, "site_blocks": ZEROS},
        "invalid_parameter_value",
        "site_blocks",
        ZEROS_TEXT,
        id="update-blocks",
    ),
    pytest.param(
        # Longer than any list the API takes: refused whole, before its items (README decision).
        "get.campaigns",
        {"access_token": "tok_cust", "fields": ZEROS},
        "invalid_parameter_value",
        "fields",
        ZEROS_TEXT,
        id="fields",
    ),
    pytest.param(
        "create.campaigns",
        {"access_token": "tok_nope", "site_blocks": ZEROS},
        "access_token_invalid",
        None,
        None,
        id="token-checked-first",
    ),
]


@pytest.mark.parametrize(("method", "params", "mnemonic", "field", "value"), MILLIONS)
@SQLITE_ONLY
async def test_a_million_element_array(
    wire: Wire, method: str, params: dict[str, Json], mnemonic: str, field: str | None, value: str | None
) -> None:
    """Two megabytes of zeros, well within the cap: the parameter's own fault, promptly, nothing written."""
    data = _assert_fault(await _call(wire, method, params), mnemonic, field)
    assert data.get("value") == value, str(data.get("value"))[:80]


@pytest.mark.parametrize(
    ("groups", "per_group", "field"),
    [
        pytest.param(31, 51, "campaign_conditions.group_conditions", id="31x51"),
        pytest.param(31, 50, "campaign_conditions.group_conditions", id="31x50"),
        pytest.param(30, 51, "campaign_conditions.group_conditions.conditions", id="30x51"),
        pytest.param(30, 50, None, id="30x50-accepted"),
    ],
)
async def test_too_many_conditions(wire: Wire, groups: int, per_group: int, field: str | None) -> None:
    """Contract section 6: at most 30 groups of 50 conditions; more is invalid_parameter_value on the list."""
    group_conditions = [{"conditions": [CONDITION] * per_group} for _ in range(groups)]
    params = {**CAMPAIGN, "campaign_conditions": {"group_conditions": group_conditions}}
    answer = await _call(wire, "create.campaigns", params)
    if field is None:
        assert type(answer["result"]["data"]["id"]) is int, answer
        return
    data = _assert_fault(answer, "invalid_parameter_value", field)
    sent = group_conditions if field.endswith("group_conditions") else group_conditions[0]["conditions"]
    assert data["value"] == orjson.dumps(sent).decode(), data["value"][:120]


@SQLITE_ONLY
@pytest.mark.parametrize("sign", [b"", b"-"], ids=["positive", "negative"])
@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        pytest.param(b"create.campaigns", b'{"access_token":"tok_cust","name":"x","site_id":%s}', "site_id", id="site"),
        pytest.param(b"create.campaigns", b'{"access_token":"tok_cust","user_id":%s}', "user_id", id="user"),
        pytest.param(
            b"create.campaigns",
            b'{"access_token":"tok_cust","name":"x","site_id":10,"site_blocks":[{"site_block_id":%s,"phone_number_id":302}]}',
            "site_blocks.site_block_id",
            id="block",
        ),
        pytest.param(b"update.campaigns", b'{"access_token":"tok_cust","id":%s,"site_id":10}', "id", id="update-id"),
        pytest.param(b"get.campaigns", b'{"access_token":"tok_cust","limit":%s}', "limit", id="get-limit"),
    ],
)
async def test_a_5000_digit_integer_parameter(
    wire: Wire, method: bytes, params: bytes, field: str, sign: bytes
) -> None:
    """README: an integer outside int64, of any length, is invalid_parameter_value with its exact digits."""
    digits = sign + HUGE_DIGITS
    exchange = await wire.exchange(raw_envelope(params % digits, b'"n"', method), method.decode())
    assert exchange.answer["id"] == "n"
    data = _assert_fault(exchange.answer, "invalid_parameter_value", field)
    assert data["value"] == digits.decode()


@SQLITE_ONLY
@pytest.mark.parametrize("sign", [b"", b"-"], ids=["positive", "negative"])
@pytest.mark.parametrize(
    ("method", "params", "outcome"),
    [
        pytest.param(b"create.campaign", b"{}", "method_not_found", id="envelope"),
        pytest.param(b"create.campaigns", b'{"access_token":"tok_nope"}', "access_token_invalid", id="service-error"),
        pytest.param(b"create.campaigns", VALID_PARAMS, None, id="success"),
    ],
)
async def test_a_5000_digit_id_is_echoed_exactly(
    wire: Wire, method: bytes, params: bytes, outcome: str | None, sign: bytes
) -> None:
    exchange = await wire.exchange(raw_envelope(params, sign + HUGE_DIGITS, method), method.decode())
    assert exchange.answer["id"] == HugeInt((sign + HUGE_DIGITS).decode())
    assert mnemonic_of(exchange.answer) == outcome, exchange.answer


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
    # A filter's text is at most 1,000 characters on both engines (README decision).
    query = {"field": "name", "operator": operator, "value": "%" * (SQLITE_LIKE_PATTERN_MAX + 1)}
    answer = await _call(wire, "get.campaigns", {"access_token": "tok_cust", "filter": query})
    _assert_fault(answer, "invalid_parameter_value", "filter.value")


async def test_many_in_lists(wire: Wire) -> None:
    # At most 10,000 in/not_in values in one filter (PostgreSQL binds at most 32,767; README decision).
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
