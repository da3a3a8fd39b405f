"""Every benchmark under bench/ still runs: each in its --quick mode (issue 13), checked for its summary
lines, never for its figures (these machines are shared and noisy; the figures are docs/performance.md's).

They need wrk (Debian's package; the harness installs it when run as root) and, for the PostgreSQL
parts, the server on 127.0.0.1:5432 (mandatory with CI=true, as for the other tests).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.databases import postgres_reachable

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 300  # seconds a quick run may take on a loaded 2-core machine

# script and extra arguments -> what its output must say
BENCHMARKS = {
    "cpu_per_call.py": ((), ("CPU per call: service", "get.sites (two sites)", "campaigns serve (one process")),
    "serve_throughput.py": (
        (),
        ("==> create.campaigns: median ratio", "==> get.sites: median ratio", "==> PostgreSQL / SQLite"),
    ),
    "create_paths.py": ((), ("==> maximal / small create", "PostgreSQL / SQLite throughput")),
    "get_campaigns.py": ((), ("==> limit 10000 / limit 100",)),
    "pool_stock.py": ((), ("==> p50 with 1,000 numbers in pools / with 0",)),
    "maximal_phases.py": ((), ("==> the maximal campaign's phases in process",)),
    "page_phases.py": ((), ("the floor without protobuf", "the statement alone")),
    "worker_spread.py": ((), ("==> busiest service worker / even share",)),
    "gateway_throughput.py": ((), ("throughput ratio",)),
    "instructions.py": (
        (),
        ("times the ceiling's", "small creates (target 5)", "pages of 100 (target 10)"),
    ),
    "http_edge.py": ((), ("hardened / plain throughput",)),
    "tracing_cost.py": ((), ("==> tracing off / no tracing code", "==> tracing on / off: CPU per call")),
}


def _wrk_available() -> bool:
    return shutil.which("wrk") is not None or (os.geteuid() == 0 and shutil.which("apt-get") is not None)


@pytest.mark.parametrize("script", sorted(BENCHMARKS))
def test_the_benchmark_runs(script: str) -> None:
    if not _wrk_available():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but wrk is neither installed nor installable")
        pytest.skip("wrk is not installed (Debian package wrk)")
    extra, expected = BENCHMARKS[script]
    if not postgres_reachable():
        pytest.skip("the benchmarks' PostgreSQL parts need the server on 127.0.0.1:5432")
    done = subprocess.run(
        [sys.executable, f"bench/{script}", "--quick", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUDGET,
        check=False,
    )
    assert done.returncode == 0, f"{script} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    for line in expected:
        assert line in done.stdout, f"{line!r} not in the output of {script}:\n{done.stdout[-3000:]}"
