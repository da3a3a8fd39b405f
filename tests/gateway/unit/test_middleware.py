"""The gateway's ASGI middleware (request ids, metrics, overload), each driven as an ASGI app in process:
a scope, a receive that hands over one body and a send that records what goes out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from prometheus_client import REGISTRY
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.app import create_app
from gateway.metrics import Metrics, note_answer
from gateway.overload import Overload
from gateway.request_ids import RequestIds, request_id
from gateway.settings import GatewaySettings
from tests.gateway.unit.support import http_scope, run

INTERNAL_ERROR = {
    "jsonrpc": "2.0",
    "id": None,
    "error": {
        "code": -32603,
        "message": "Internal error, contact the support service",
        "data": {"mnemonic": "internal_error", "params": {}, "metadata": {}},
    },
}


def answering(
    payload: bytes = b"{}", *, noted: tuple[str, str] | None = None, before: Callable[[], Awaitable[None]] | None = None
) -> tuple[ASGIApp, list[str]]:
    """An app that answers `payload` (noting `noted` for the metrics) and records the request id it saw."""
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(request_id.get())
        if before is not None:
            await before()
        if noted is not None:
            note_answer(scope, *noted)
        await Response(payload, media_type="application/json")(scope, receive, send)

    return app, seen


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# Request ids


async def test_a_fit_incoming_request_id_is_kept() -> None:
    app, seen = answering()
    sent = await run(RequestIds(app), http_scope({"x-request-id": "trace-42"}))
    assert seen == ["trace-42"]
    assert sent.header("x-request-id") == "trace-42"
    assert sent.header("content-type") == "application/json"
    assert sent.body == b"{}"
    assert request_id.get() == "-"  # reset after the request


@pytest.mark.parametrize(
    "incoming",
    [None, "", "x" * 129, "caf\u00e9", "tab\there", "new\nline"],
    ids=["absent", "empty", "too long", "not ascii", "tab", "newline"],
)
async def test_an_unfit_or_missing_request_id_is_replaced(incoming: str | None) -> None:
    app, seen = answering()
    headers = {"x-request-id": incoming} if incoming is not None else {}
    scope = http_scope()
    scope["headers"] = [(name.encode(), value.encode("latin-1")) for name, value in headers.items()]
    sent = await run(RequestIds(app), scope)
    made = sent.header("x-request-id")
    assert made is not None and len(made) == 32 and int(made, 16) >= 0
    assert seen == [made]


async def test_the_longest_fit_request_id() -> None:
    app, seen = answering()
    sent = await run(RequestIds(app), http_scope({"x-request-id": "~" * 128}))
    assert seen == ["~" * 128] and sent.header("x-request-id") == "~" * 128


async def test_each_request_gets_its_own_id() -> None:
    app, seen = answering()
    first, second = await run(RequestIds(app), http_scope()), await run(RequestIds(app), http_scope())
    assert first.header("x-request-id") != second.header("x-request-id")
    assert seen == [first.header("x-request-id"), second.header("x-request-id")]


async def test_the_request_id_is_reset_when_the_app_fails() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await run(RequestIds(failing), http_scope({"x-request-id": "doomed"}))
    assert request_id.get() == "-"


async def test_other_scopes_pass_through_untouched() -> None:
    calls: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(scope)

    lifespan: Scope = {"type": "lifespan"}
    for middleware in (RequestIds(app), Metrics(app), Overload(app, max_in_flight=0)):
        await middleware(lifespan, _never, _never)
    assert calls == [lifespan] * 3


async def _never(*_args: Any) -> Any:
    raise AssertionError("not called")


# Metrics


async def test_an_answer_is_counted_by_the_method_and_outcome_noted() -> None:
    labels = {"method": "create.campaigns", "mnemonic": "limit_exceeded"}
    before = sample("campaigns_gateway_requests_total", **labels)
    observed = sample("campaigns_gateway_request_seconds_count", method="create.campaigns")
    app, _seen = answering(noted=("create.campaigns", "limit_exceeded"))
    sent = await run(Metrics(app), http_scope())
    assert sent.status == 200
    assert sample("campaigns_gateway_requests_total", **labels) == before + 1
    assert sample("campaigns_gateway_request_seconds_count", method="create.campaigns") == observed + 1


async def test_the_latency_is_the_time_until_the_answer_starts() -> None:
    async def slow() -> None:
        await asyncio.sleep(0.05)

    bucket = {"method": "slow.method", "le": "0.025"}
    app, _seen = answering(noted=("slow.method", "ok"), before=slow)
    await run(Metrics(app), http_scope())
    assert sample("campaigns_gateway_request_seconds_bucket", **bucket) == 0
    assert sample("campaigns_gateway_request_seconds_bucket", method="slow.method", le="0.1") == 1
    assert sample("campaigns_gateway_request_seconds_sum", method="slow.method") >= 0.05


async def test_an_answer_nothing_noted_is_not_counted() -> None:
    def total() -> float:
        return sum(
            s.value
            for metric in REGISTRY.collect()
            if metric.name == "campaigns_gateway_requests"
            for s in metric.samples
            if s.name.endswith("_total")
        )

    before = total()
    app, _seen = answering()
    await run(Metrics(app), http_scope())
    assert total() == before


async def test_the_note_is_kept_in_the_scope_state_not_shared() -> None:
    scope = http_scope()
    scope["state"] = {"from_lifespan": 1}
    note_answer(scope, "m", "ok")
    assert scope["state"] == {"from_lifespan": 1, "gateway.answered": ("m", "ok")}
    assert "state" not in http_scope()


# Overload


async def test_requests_past_max_in_flight_get_internal_error_at_once() -> None:
    release, both_inside = asyncio.Event(), asyncio.Event()
    inside = 0

    async def hold() -> None:
        nonlocal inside
        inside += 1
        if inside == 2:
            both_inside.set()
        await release.wait()

    app, _seen = answering(b'{"held":true}', before=hold)
    guard = Overload(app, max_in_flight=2)
    gauge = sample("campaigns_gateway_requests_in_flight")
    held = [asyncio.ensure_future(run(guard, http_scope())) for _ in range(2)]
    await asyncio.wait_for(both_inside.wait(), 1)
    assert guard.in_flight == 2
    assert sample("campaigns_gateway_requests_in_flight") == gauge + 2

    scope = http_scope()
    refused = await asyncio.wait_for(run(guard, scope, b'{"jsonrpc":"2.0","id":9}'), 1)
    assert refused.status == 200
    assert refused.header("content-type") == "application/json"
    assert orjson.loads(refused.body) == INTERNAL_ERROR
    assert scope["state"]["gateway.answered"] == ("-", "internal_error")
    assert inside == 2  # the refused request never reached the app

    release.set()
    for answer in await asyncio.gather(*held):
        assert answer.body == b'{"held":true}'
    assert guard.in_flight == 0
    assert sample("campaigns_gateway_requests_in_flight") == gauge
    assert (await run(guard, http_scope())).body == b'{"held":true}'


async def test_the_in_flight_count_comes_down_when_the_app_fails() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    guard = Overload(failing, max_in_flight=1)
    gauge = sample("campaigns_gateway_requests_in_flight")
    with pytest.raises(RuntimeError):
        await run(guard, http_scope())
    assert guard.in_flight == 0
    assert sample("campaigns_gateway_requests_in_flight") == gauge


# The stack as the app builds it


async def test_the_app_counts_a_refused_request_and_gives_it_an_id() -> None:
    app = create_app(GatewaySettings(max_in_flight=0))
    labels = {"method": "-", "mnemonic": "internal_error"}
    before = sample("campaigns_gateway_requests_total", **labels)
    sent = await run(app, http_scope({"x-request-id": "over-1"}), b"{}")
    assert orjson.loads(sent.body) == INTERNAL_ERROR
    assert sent.header("x-request-id") == "over-1"
    assert sample("campaigns_gateway_requests_total", **labels) == before + 1


@pytest.mark.parametrize("path", ["/v2.0", "/v2.0/"])
async def test_the_app_counts_an_envelope_failure_under_no_method(path: str) -> None:
    app = create_app(GatewaySettings())
    labels = {"method": "-", "mnemonic": "method_not_found"}
    before = sample("campaigns_gateway_requests_total", **labels)
    body = b'{"jsonrpc":"2.0","id":"m-1","method":"made.up","params":{}}'
    sent = await run(app, http_scope(path=path), body)
    answer = orjson.loads(sent.body)
    assert answer["id"] == "m-1" and answer["error"]["data"]["mnemonic"] == "method_not_found"
    assert sent.header("x-request-id") is not None
    assert sent.header("connection") is None
    assert sample("campaigns_gateway_requests_total", **labels) == before + 1


async def test_the_app_closes_the_connection_after_a_body_over_the_cap() -> None:
    app = create_app(GatewaySettings(body_limit=10))
    sent = await run(app, http_scope({"content-length": "11"}), b"x" * 11)
    assert sent.status == 413
    assert sent.header("connection") == "close"
    assert sent.header("x-request-id") is not None
    assert orjson.loads(sent.body)["error"]["data"]["mnemonic"] == "invalid_request"
