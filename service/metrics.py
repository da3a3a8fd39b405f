"""Prometheus metrics of the gRPC service, served on their own port (--metrics-port)."""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Gauge, Histogram, start_http_server

CALLS: Final = Counter(
    "campaigns_service_calls_total",
    "gRPC calls answered, by method and outcome (OK or error reason)",
    ["method", "outcome"],
)
LATENCY: Final = Histogram(
    "campaigns_service_call_seconds",
    "Time to answer a gRPC call",
    ["method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
IN_FLIGHT: Final = Gauge("campaigns_service_calls_in_flight", "gRPC calls being answered")


def serve_metrics(host: str, port: int) -> None:
    """Expose /metrics on host:port (a thread of prometheus_client's)."""
    start_http_server(port, addr=host)
