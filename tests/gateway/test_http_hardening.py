"""The gateway's HTTP/1.1 edge against clients that offer upgrades, send huge heads, lie about their
address or are still sending when the answer goes out (gateway/protocol.py, gateway/run.py).

Raw sockets where a client library would hide the bytes; urllib and curl where the point is that an
ordinary client gets its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

import orjson
import pytest

from tests.conftest import Gateway, start_gateway, stop_gateway
from tests.gateway.conftest import SMALL_BODY_LIMIT, LoneGateway
from tests.gateway.wire import assert_error, free_port, message_for, request

# Answered by the gateway alone (no service needed), with this id: proof that the body was read.
PROBE: Final = b'{"jsonrpc":"2.0","id":"probe-7","method":"no.such","params":{}}'
INVALID_REQUEST: Final = {
    "jsonrpc": "2.0",
    "id": None,
    "error": {
        "code": -32600,
        "message": message_for("invalid_request"),
        "data": {"mnemonic": "invalid_request", "params": {}, "metadata": {}},
    },
}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Exchange:
    answers: list[Answer]
    closed: bool  # the server closed the connection (EOF) within the patience
    reset: bool  # ... or reset it
    elapsed: float  # until the last answer, or the close if there was one


def _parse(data: bytes) -> tuple[list[Answer], bytes]:
    answers: list[Answer] = []
    while b"\r\n\r\n" in data:
        head, rest = data.split(b"\r\n\r\n", 1)
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        length = int(headers.get("content-length", "0"))
        if len(rest) < length:
            break
        answers.append(Answer(int(status_line.split(" ")[1]), headers, rest[:length]))
        data = rest[length:]
    return answers, data


async def exchange(port: int, data: bytes, *, answers: int = 1, patience: float = 5.0) -> Exchange:
    """Send `data`, read until `answers` answers came and the server closed, or `patience` ran out."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    received = b""
    parsed: list[Answer] = []
    closed = reset = False
    elapsed = 0.0
    try:
        writer.write(data)
        await writer.drain()
        deadline = started + patience
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), remaining)
            except TimeoutError:
                break
            except ConnectionResetError:
                reset = True
                elapsed = time.monotonic() - started
                break
            if not chunk:
                closed = True
                elapsed = time.monotonic() - started
                break
            received += chunk
            parsed, _ = _parse(received)
            elapsed = time.monotonic() - started
            finals = [answer for answer in parsed if answer.status >= 200]
            if len(finals) >= answers and "close" not in finals[-1].headers.get("connection", ""):
                break  # a kept-alive connection: nothing more to wait for
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return Exchange(parsed, closed, reset, elapsed)


def post(headers: list[str], body: bytes = PROBE, *, version: str = "1.1") -> bytes:
    head = [f"POST /v2.0 HTTP/{version}", "Host: 127.0.0.1", *headers]
    if not any(line.lower().startswith(("content-length:", "transfer-encoding:")) for line in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def assert_probe_answered(answer: Answer) -> None:
    """The JSON-RPC answer to PROBE: only a gateway that read the body knows its id."""
    assert answer.status == 200, answer
    assert_error(orjson.loads(answer.body), "method_not_found", request_id="probe-7")


# --------------------------------------------------------------------------- upgrade offers

CHUNKED_PROBE: Final = b"%x\r\n%s\r\n0\r\n\r\n" % (len(PROBE), PROBE)

# Every way a client can offer to switch protocols on an HTTP/1.1 request with a body.
UPGRADE_OFFERS: Final = {
    "websocket": post(
        [
            "Connection: Upgrade",
            "Upgrade: websocket",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13",
        ]
    ),
    "websocket, keep-alive listed first": post(["Connection: keep-alive, Upgrade", "Upgrade: websocket"]),
    "h2c as curl --http2 offers it": post(
        ["Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA"]
    ),
    "lower case, odd spacing": post(["connection:upgrade ,  http2-settings", "upgrade:   H2C", "http2-settings: AA"]),
    "several protocols": post(["Connection: Upgrade", "Upgrade: h2c, websocket, TLS/1.2"]),
    "chunked body": post(["Connection: Upgrade", "Upgrade: h2c", "Transfer-Encoding: chunked"], CHUNKED_PROBE),
    "expect 100-continue": post(["Connection: Upgrade", "Upgrade: websocket", "Expect: 100-continue"]),
    "HTTP/1.0": post(["Connection: Upgrade", "Upgrade: h2c"], version="1.0"),
}


@pytest.mark.parametrize("offer", UPGRADE_OFFERS.values(), ids=UPGRADE_OFFERS.keys())
async def test_an_upgrade_offer_is_ignored_and_the_request_served_with_its_body(
    lone_gateway: LoneGateway, offer: bytes
) -> None:
    done = await exchange(lone_gateway.port, offer, patience=3.0)
    answers = [answer for answer in done.answers if answer.status != 100]
    assert len(answers) == 1, done
    assert_probe_answered(answers[0])
    assert done.elapsed < 2.0, done
    assert answers[0].headers.get("upgrade") is None


async def test_after_an_ignored_upgrade_the_connection_serves_the_next_request(lone_gateway: LoneGateway) -> None:
    first = post(["Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: AA"])
    second = post(["Connection: close"], PROBE.replace(b"probe-7", b"probe-8"))
    done = await exchange(lone_gateway.port, first + second, answers=2)
    assert len(done.answers) == 2, done
    assert_probe_answered(done.answers[0])
    assert orjson.loads(done.answers[1].body)["id"] == "probe-8"
    assert done.closed


async def test_upgrade_offers_do_not_hold_connections(lone_gateway: LoneGateway) -> None:
    """Each was held open forever before, until the connection cap locked everyone out."""
    offer = UPGRADE_OFFERS["websocket"]
    done = await asyncio.gather(*(exchange(lone_gateway.port, offer, patience=5.0) for _ in range(50)))
    assert all(len(one.answers) == 1 and one.answers[0].status == 200 for one in done), done


async def test_connect_is_refused_and_closed(lone_gateway: LoneGateway) -> None:
    done = await exchange(lone_gateway.port, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n")
    assert [answer.status for answer in done.answers] == [405], done
    assert done.closed


async def test_http2_prior_knowledge_is_refused_and_closed(lone_gateway: LoneGateway) -> None:
    done = await exchange(lone_gateway.port, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    assert [answer.status for answer in done.answers] == [400], done
    assert done.closed


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
async def test_curl_http2_gets_its_answer(gateway: Gateway) -> None:
    body = request("get.sites", {"access_token": "tok_cust"})
    process = await asyncio.create_subprocess_exec(
        "curl", "-s", "--http2", "--max-time", "10", gateway.url, "-d", body, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    answer = orjson.loads(out)
    assert answer["id"] == 1, answer
    assert [site["id"] for site in answer["result"]["data"]] == [10, 20], answer


# --------------------------------------------------------------------------- the head's size


@contextlib.asynccontextmanager
async def gateway_with(**settings: Any) -> AsyncIterator[int]:
    server, task, port = await start_gateway(f"127.0.0.1:{free_port()}", call_timeout=1.0, **settings)
    try:
        yield port
    finally:
        await stop_gateway(server, task)


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(["X-Big: " + "a" * (1 << 20)], id="one long header"),
        pytest.param([f"X-Many-{n}: {'b' * 100}" for n in range(2000)], id="many headers"),
    ],
)
async def test_a_head_over_the_cap_gets_431_and_a_close(lone_gateway: LoneGateway, head: list[str]) -> None:
    done = await exchange(lone_gateway.port, post(head))
    assert [answer.status for answer in done.answers] == [431], done
    assert orjson.loads(done.answers[0].body) == INVALID_REQUEST
    assert done.answers[0].headers["connection"] == "close"
    assert done.closed and not done.reset, done


async def test_a_long_url_counts_toward_the_head_cap() -> None:
    async with gateway_with(head_limit=4096) as port:
        done = await exchange(port, b"POST /v2.0?" + b"q" * 8192 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert [answer.status for answer in done.answers] == [431], done


async def test_the_head_cap_is_a_setting_and_a_head_under_it_is_served() -> None:
    under = post([f"X-Pad: {'p' * 3000}"])
    over = post([f"X-Pad: {'p' * 5000}"])
    async with gateway_with(head_limit=4096) as port:
        served = await exchange(port, under)
        refused = await exchange(port, over)
    assert_probe_answered(served.answers[0])
    assert [answer.status for answer in refused.answers] == [431], refused


async def test_a_head_under_the_default_cap_is_served(lone_gateway: LoneGateway) -> None:
    done = await exchange(lone_gateway.port, post([f"X-Pad: {'p' * 60_000}"]))
    assert_probe_answered(done.answers[0])


async def test_a_huge_head_is_refused_before_it_is_all_sent(lone_gateway: LoneGateway) -> None:
    """64 MB of header: the answer comes after the cap, not after the gateway has read it all."""
    reader, writer = await asyncio.open_connection("127.0.0.1", lone_gateway.port)
    answer = asyncio.create_task(reader.readuntil(b"\r\n\r\n"))
    sent = 0
    try:
        writer.write(b"POST /v2.0 HTTP/1.1\r\nHost: x\r\nX-Big: ")
        with contextlib.suppress(ConnectionError):
            while sent < 64 * 1024 * 1024 and not answer.done():
                writer.write(b"a" * 65536)
                sent += 65536
                await asyncio.wait_for(writer.drain(), 5)
        head = await asyncio.wait_for(answer, 5)
    finally:
        writer.transport.abort()  # what is still buffered here is of no interest
    assert head.startswith(b"HTTP/1.1 431 ")
    assert sent < 32 * 1024 * 1024, sent


# --------------------------------------------------------------------------- forwarded addresses

IP_DENIED: Final = orjson.dumps(
    {"jsonrpc": "2.0", "id": 1, "method": "get.sites", "params": {"access_token": "tok_ipdeny"}}
)


async def test_x_forwarded_for_is_not_believed_by_default(gateway: Gateway) -> None:
    """tok_ipdeny's account allows 203.0.113.0/24 only: claiming that address must not pass."""
    port = int(gateway.url.split(":")[2].split("/")[0])
    done = await exchange(port, post(["X-Forwarded-For: 203.0.113.5", "Connection: close"], IP_DENIED))
    assert_error(orjson.loads(done.answers[0].body), "ip_not_whitelisted", request_id=1, params={"ip": "127.0.0.1"})


async def test_x_forwarded_for_is_believed_from_a_configured_proxy(gateway: Gateway) -> None:
    server, task, port = await start_gateway(gateway.service.target, forwarded_allow_ips="127.0.0.1")
    try:
        believed = await exchange(port, post(["X-Forwarded-For: 203.0.113.5", "Connection: close"], IP_DENIED))
        other = await exchange(port, post(["X-Forwarded-For: 198.51.100.9", "Connection: close"], IP_DENIED))
    finally:
        await stop_gateway(server, task)
    assert "result" in orjson.loads(believed.answers[0].body), believed
    assert_error(orjson.loads(other.answers[0].body), "ip_not_whitelisted", request_id=1, params={"ip": "198.51.100.9"})


# --------------------------------------------------------------------------- answers while the client sends


async def test_a_body_too_slow_gets_408_and_the_connection_closes() -> None:
    async with gateway_with(body_timeout=1.0, head_timeout=1.0) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.monotonic()

        async def trickle() -> None:
            with contextlib.suppress(ConnectionError):
                writer.write(b"POST /v2.0 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
                while True:
                    await asyncio.sleep(0.2)
                    writer.write(b" ")
                    await writer.drain()

        dripping = asyncio.create_task(trickle())
        try:
            received = b""
            with contextlib.suppress(ConnectionError):
                while chunk := await asyncio.wait_for(reader.read(65536), 8):
                    received += chunk
            closed_after = time.monotonic() - started
        finally:
            dripping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dripping
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
    answers, _ = _parse(received)
    assert [answer.status for answer in answers] == [408], received
    assert answers[0].headers["connection"] == "close"
    # The body's deadline (1 s), then at most the graceful close's own bound (2 s).
    assert closed_after < 5.0, closed_after


def _post_with_urllib(url: str, body: bytes) -> tuple[int, bytes] | str:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=10) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        return f"{type(error).__name__}: {error}"


async def test_urllib_reads_the_413_for_a_body_over_the_cap_every_time(small_gateway: LoneGateway) -> None:
    """urllib sends `Connection: close` and its whole body before it reads: closing at once reset it."""
    outcomes = [
        await asyncio.to_thread(_post_with_urllib, small_gateway.url, b"x" * (2 * 1024 * 1024)) for _ in range(40)
    ]
    assert all(outcome == (413, orjson.dumps(INVALID_REQUEST)) for outcome in outcomes), outcomes


async def test_urllib_reads_the_413_at_the_default_cap(lone_gateway: LoneGateway) -> None:
    body = b"x" * (4 * 1024 * 1024 + 10)
    outcomes = [await asyncio.to_thread(_post_with_urllib, lone_gateway.url, body) for _ in range(10)]
    assert all(outcome == (413, orjson.dumps(INVALID_REQUEST)) for outcome in outcomes), outcomes


async def test_a_client_that_sends_its_whole_body_then_reads_gets_the_413(small_gateway: LoneGateway) -> None:
    body = b"y" * (SMALL_BODY_LIMIT * 512)
    done = await exchange(small_gateway.port, post(["Connection: close"], body))
    assert [answer.status for answer in done.answers] == [413], done
    assert done.closed and not done.reset, done
