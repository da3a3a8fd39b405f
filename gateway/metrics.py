"""Prometheus metrics of the gateway, served at GET /metrics."""

from __future__ import annotations

from typing import Final

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

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
IN_FLIGHT: Final = Gauge("campaigns_gateway_requests_in_flight", "JSON-RPC requests being answered")


async def endpoint(_request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
