"""Prometheus metrics of the gRPC service, served on their own port (--metrics-port).

Under `--workers` (cli/workers.py) every worker writes its metrics to a folder the supervisor names in
PROMETHEUS_MULTIPROC_DIR, and whoever serves them reads them all (`registry()`): counters and histograms
add up across workers, and calls in flight count the live workers' only.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Final

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess, start_http_server

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
IN_FLIGHT: Final = Gauge("campaigns_service_calls_in_flight", "gRPC calls being answered", multiprocess_mode="livesum")


# A metric's labelled child, kept: labels() checks and locks each time. Methods and outcomes are few.
@cache
def calls_of(method: str, outcome: str) -> Counter:
    return CALLS.labels(method, outcome)


@cache
def latency_of(method: str) -> Histogram:
    return LATENCY.labels(method)


def registry() -> CollectorRegistry:
    """What a scrape reads: this process's metrics, or every worker's under --workers."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    shared = CollectorRegistry()
    multiprocess.MultiProcessCollector(shared)  # type: ignore[no-untyped-call]
    return shared


def serve_metrics(host: str, port: int) -> None:
    """Expose /metrics on host:port (a thread of prometheus_client's)."""
    start_http_server(port, addr=host, registry=registry())
