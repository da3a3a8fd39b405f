"""Prometheus metrics of the gateway: the requests answered and their latency, served at GET /metrics.

`Metrics` is ASGI middleware around the JSON-RPC endpoint. What it counts a request as, the JSON-RPC
method and the outcome, is known only once the answer is: whoever answers notes them in the request's
scope with `note_answer` (the endpoint, or the overload guard when it refuses), and the middleware reads
them when the response starts.
"""

from __future__ import annotations

import os
import time
from functools import cache
from typing import Any, Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS: Final = Counter(
    "campaigns_gateway_requests_total",
    "JSON-RPC requests answered, by method and mnemonic (ok)",
    ["method", "mnemonic"],
)
LATENCY: Final = Histogram(
    "campaigns_gateway_request_seconds",
    "Time to answer a JSON-RPC request",
    ["method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

UPSTREAM_RESTS: Final = Counter(
    "campaigns_gateway_upstream_rests_total",
    "Times a connection to the service was left out for a while after its calls failed as a sick worker's do, "
    "by the gRPC status of the last",
    ["code"],
)


# A metric's labelled child, kept: labels() checks and locks each time. Methods and mnemonics are few.
@cache
def _requests_of(method: str, outcome: str) -> Counter:
    return REQUESTS.labels(method, outcome)


@cache
def _latency_of(method: str) -> Histogram:
    return LATENCY.labels(method)


# Where in scope["state"] the answer's method and outcome are noted.
_ANSWERED: Final = "gateway.answered"


def note_answer(scope: Scope, method: str, outcome: str) -> None:
    """method: a known method's name, or "-" (never the client's text); outcome: "ok" or the error's mnemonic."""
    _state(scope)[_ANSWERED] = (method, outcome)


def _state(scope: Scope) -> dict[str, Any]:
    state: dict[str, Any] = scope.setdefault("state", {})
    return state


class Metrics:
    """Counts each answered request by method and outcome, and observes the time until its answer starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = _state(scope)
        started = time.perf_counter()

        async def send_counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered = state.pop(_ANSWERED, None)
                if answered is not None:
                    method, outcome = answered
                    _requests_of(method, outcome).inc()
                    _latency_of(method).observe(time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, send_counted)


def _registry() -> CollectorRegistry:
    """This process's metrics, or every worker's under --workers (see cli/workers.py)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    shared = CollectorRegistry()
    multiprocess.MultiProcessCollector(shared)  # type: ignore[no-untyped-call]
    return shared


async def endpoint(_request: Request) -> Response:
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)
