"""The gateway when the service is down, stuck or restarting; and the shape of a success."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from service import server as service_server
from service.config import ServiceSettings
from tests.conftest import Gateway, start_gateway, stop_gateway
from tests.gateway.conftest import LoneGateway
from tests.gateway.wire import VALID, assert_error, envelope, free_port, json_rpc_body, limits_of, post

CALL_TIMEOUT = 1.0
# The answer to a call the service cannot take must come well before a client gives up.
PROMPT = 4.0


async def _timed_call(url: str, request_id: Any = 1) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    response = await post(url, envelope(VALID, request_id))
    return json_rpc_body(response), time.monotonic() - started


def _assert_internal_error(answer: dict[str, Any], request_id: Any) -> None:
    data = assert_error(answer, "internal_error", request_id=request_id)
    assert data.get("metadata", {}) == {} or "limits" not in data["metadata"]


@contextlib.asynccontextmanager
async def _gateway_to(target: str) -> AsyncIterator[str]:
    server, task, port = await start_gateway(target, call_timeout=CALL_TIMEOUT)
    try:
        yield f"http://127.0.0.1:{port}/v2.0"
    finally:
        await stop_gateway(server, task)


async def test_service_not_listening(lone_gateway: LoneGateway) -> None:
    for request_id in ("first", 2, "third"):
        answer, elapsed = await _timed_call(lone_gateway.url, request_id)
        _assert_internal_error(answer, request_id)
        assert elapsed < PROMPT


async def test_service_accepts_tcp_but_never_speaks() -> None:
    """Something listens on the port but never completes an HTTP/2 handshake."""
    connections: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        with contextlib.suppress(ConnectionError):
            await reader.read()

    listener = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        async with _gateway_to(f"127.0.0.1:{port}") as url:
            answer, elapsed = await _timed_call(url, "silent")
            _assert_internal_error(answer, "silent")
            assert elapsed < PROMPT
    finally:
        for writer in connections:
            writer.close()
        listener.close()
        await listener.wait_closed()


async def test_service_that_never_answers_hits_the_call_timeout() -> None:
    """A gRPC server that takes the call and sits on it: the gateway's deadline answers for it."""
    release = asyncio.Event()
    received = asyncio.Event()

    async def sit(_request: bytes, _context: Any) -> bytes:
        received.set()
        await release.wait()
        return b""

    stuck = grpc.aio.server()
    stuck.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "campaigns.v1.CampaignService", {"CreateCampaign": grpc.unary_unary_rpc_method_handler(sit)}
            ),
        )
    )
    port = stuck.add_insecure_port("127.0.0.1:0")
    await stuck.start()
    try:
        async with _gateway_to(f"127.0.0.1:{port}") as url:
            answer, elapsed = await _timed_call(url, "stuck")
            assert received.is_set()
            _assert_internal_error(answer, "stuck")
            assert CALL_TIMEOUT * 0.9 <= elapsed < CALL_TIMEOUT + PROMPT
    finally:
        release.set()
        await stuck.stop(0)


async def _poll_until_success(url: str, within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    answers: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        answer, _ = await _timed_call(url, "poll")
        if "result" in answer:
            return answer
        answers.append(answer)
        await asyncio.sleep(0.1)
    pytest.fail(f"the gateway did not recover within {within}s; last answers: {answers[-3:]}")


async def test_gateway_recovers_when_the_service_comes_back(database_url: str) -> None:
    port = free_port()
    settings = ServiceSettings(host="127.0.0.1", grpc_port=port, database_url=database_url)
    running = await service_server.start(settings)
    stopped = False
    try:
        async with _gateway_to(f"127.0.0.1:{port}") as url:
            up, _ = await _timed_call(url, "up")
            assert isinstance(up["result"]["data"]["id"], int)

            await running.stop(grace=1)
            stopped = True
            down, elapsed = await _timed_call(url, "down")
            _assert_internal_error(down, "down")
            assert elapsed < PROMPT

            # Same port, same database, same gateway process.
            running = await service_server.start(settings)
            stopped = False
            back = await _poll_until_success(url, within=10)
            assert back["result"]["data"]["id"] > up["result"]["data"]["id"]
            again, _ = await _timed_call(url, "again")
            assert again["result"]["data"]["id"] > back["result"]["data"]["id"]
    finally:
        if not stopped:
            await running.stop(grace=1)


async def test_gateway_started_before_the_service(database_url: str) -> None:
    port = free_port()
    async with _gateway_to(f"127.0.0.1:{port}") as url:
        early, _ = await _timed_call(url, "early")
        _assert_internal_error(early, "early")
        running = await service_server.start(
            ServiceSettings(host="127.0.0.1", grpc_port=port, database_url=database_url)
        )
        try:
            answer = await _poll_until_success(url, within=10)
            assert isinstance(answer["result"]["data"]["id"], int)
        finally:
            await running.stop(grace=1)


async def test_success_shape(gateway: Gateway) -> None:
    response = await post(gateway.url, envelope(VALID, "shape"))
    answer = json_rpc_body(response)
    assert set(answer) == {"jsonrpc", "id", "result"}
    assert answer["jsonrpc"] == "2.0"
    assert answer["id"] == "shape"
    result = answer["result"]
    assert set(result) == {"data", "metadata"}
    assert set(result["data"]) == {"id"}
    campaign_id = result["data"]["id"]
    assert type(campaign_id) is int
    assert campaign_id > 1000  # docs/demo-data.md: new campaigns get ids above 1000
    limits_of(result["metadata"])

    second = await gateway.call("create.campaigns", {**VALID, "name": "Another"}, 2)
    assert type(second["result"]["data"]["id"]) is int
    assert second["result"]["data"]["id"] != campaign_id
