"""Hostile bodies over real HTTP: bodies over the cap, and bodies and heads that never finish.

Hostile input over real HTTP: whatever a client sends, the answer is the contract's, promptly, and an
error writes nothing (see tests/gateway/support_hostile.py for the checks every answer passes).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Final

import httpx
import orjson
import pytest

from tests.conftest import Gateway, start_gateway, stop_gateway
from tests.gateway.conftest import LoneGateway
from tests.gateway.support_hostile import (
    BODY_TIMEOUT,
    BOUND,
    DEFAULT_BODY_LIMIT,
    contract_answer,
    mnemonic_of,
)
from tests.gateway.wire import free_port, message_for, request

# --------------------------------------------------------------------------- seeds: the body cap


def _padded(size: int, request_id: str) -> bytes:
    body = request("create.campaign", {}, request_id)
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
    """docs/decisions.md: a body not received within 10 s is answered with HTTP 408 and invalid_request. Three slow
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
    """docs/decisions.md: a head not received within the request timeout gets 408 and the connection closes; a
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
            body = request("get.sites", {"access_token": "tok_cust"}, 1)
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
