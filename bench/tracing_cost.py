"""The cost of traces: CPU per small create with tracing off against the code before tracing, and on against off.

    python bench/tracing_cost.py [--seconds 5] [--rounds 3] [--baseline REV] [--quick]

Starts three split stacks (`campaigns serve-grpc` + `campaigns serve-gateway`, bench/_harness.py), each on
its own SQLite database with the demo data:

- baseline: the code at REV, which has no tracing code at all (by default the commit before tracing came
  in: the parent of the one that added gateway/tracing.py), checked out in a temporary folder;
- off: this tree with no OTEL_* variable, as `campaigns` runs by default;
- on: this tree with OTEL_TRACES_EXPORTER=otlp, exporting over gRPC to a sink in this process that
  counts the spans and drops them (its CPU is not counted: a collector runs elsewhere). The OTEL_*
  variables of this shell apply to it (and only to it): OTEL_TRACES_SAMPLER=parentbased_traceidratio
  OTEL_TRACES_SAMPLER_ARG=0.1 measures a tenth of the requests traced, say.

wrk drives small creates at concurrency 16 against each in turn, `--rounds` times (turns interleave,
so that a change in the machine's load falls on every variant alike); the CPU time (user + system) of
both halves divided by the requests answered is the CPU per call (bench/cpu_per_call.py). Prints each
variant's median and the two ratios. This machine is shared: differences of a few percent are noise.

--quick runs one round of one second without warming up: a smoke test that the benchmark still runs (CI),
not a measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import grpc
import orjson
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import ROOT, ensure_wrk, environment, prepare_demo, split_stack
from bench.cpu_per_call import Measured, measure
from bench.gateway_throughput import BODY as CREATE

# Off is no OTEL_* variable at all: whatever this shell has is removed.
_SHELL_OTEL = {name: value for name, value in environment().items() if name.startswith("OTEL_")}
_OTEL_OFF: dict[str, str | None] = dict.fromkeys(_SHELL_OTEL)
# The batch processor's defaults but a short delay (spans reach the sink while wrk runs), unless this
# shell says otherwise; the exporter is always OTLP to the sink.
_OTEL_ON = {"OTEL_BSP_SCHEDULE_DELAY": "200", **_SHELL_OTEL, "OTEL_TRACES_EXPORTER": "otlp"}


class _Sink(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP collector that counts the spans it is sent."""

    def __init__(self) -> None:
        self.spans = 0
        self._lock = threading.Lock()

    def Export(
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: Any
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        count = sum(len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans)
        with self._lock:
            self.spans += count
        return trace_service_pb2.ExportTraceServiceResponse()


@contextlib.contextmanager
def otlp_sink() -> Iterator[tuple[str, _Sink]]:
    sink = _Sink()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(sink, server)  # type: ignore[no-untyped-call]
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"http://127.0.0.1:{port}", sink
    finally:
        server.stop(grace=None)


def baseline_revision(given: str | None) -> str | None:
    """REV as given, or the parent of the commit that added gateway/tracing.py; None when git cannot say."""
    if given:
        return given
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "gateway/tracing.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    commits = added.stdout.split()
    if added.returncode != 0 or not commits:
        return None
    parent = subprocess.run(
        ["git", "rev-parse", "--verify", "-q", f"{commits[-1]}^"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return parent.stdout.strip() or None


def check_out(revision: str, folder: Path) -> None:
    """The tree at `revision`, in `folder` (no .git)."""
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)


def prepare_in(tree: Path, url: str) -> None:
    """The demo data in `url` as the code of `tree` migrates and loads it (its schema may be older)."""
    code = "import asyncio, sys; from bench._harness import prepare_demo; asyncio.run(prepare_demo(sys.argv[1]))"
    subprocess.run(
        [sys.executable, "-c", code, url], cwd=tree, env=environment(_tree_env(tree)), check=True, timeout=120
    )


def _tree_env(tree: Path) -> dict[str, str | None]:
    # Another tree's own generated code: the installed project maps `campaigns` to this tree's gen/.
    return {**_OTEL_OFF, "PYTHONPATH": str(tree / "gen")} if tree != ROOT else dict(_OTEL_OFF)


@dataclass
class Variant:
    name: str
    url: str
    pids: dict[str, int]
    runs: list[Measured] = field(default_factory=list)

    @property
    def cpu_ms(self) -> float:
        return statistics.median(run.total for run in self.runs)

    def part_ms(self, process: str) -> float:
        return statistics.median(run.cpu_ms[process] for run in self.runs)

    @property
    def rps(self) -> float:
        return statistics.median(run.rps for run in self.runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", help="the revision without tracing (default: the one before it came in)")
    parser.add_argument("--quick", action="store_true", help="one round of one second: a smoke test, not a figure")
    args = parser.parse_args()
    seconds, rounds = (1, 1) if args.quick else (args.seconds, args.rounds)
    ensure_wrk()
    revision = baseline_revision(args.baseline)
    with tempfile.TemporaryDirectory() as tmp, otlp_sink() as (endpoint, sink), contextlib.ExitStack() as stacks:
        variants: list[Variant] = []
        on_env: dict[str, str | None] = {
            **_OTEL_ON,
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint,
        }
        trees = [("off", ROOT, _tree_env(ROOT)), ("on", ROOT, on_env)]
        if revision is not None:
            tree = Path(tmp) / "baseline"
            tree.mkdir()
            check_out(revision, tree)
            trees.insert(0, ("baseline", tree, _tree_env(tree)))
        for name, tree, env in trees:
            url = f"sqlite:///{tmp}/{name}.db"
            if tree == ROOT:
                asyncio.run(prepare_demo(url))
            else:
                prepare_in(tree, url)
            stack = stacks.enter_context(split_stack(url, env=env, cwd=tree))
            answer = orjson.loads(urlopen(stack.url, CREATE, timeout=10).read())
            assert "result" in answer, (name, answer)  # what is measured must be a success
            variants.append(Variant(name, stack.url, {"service": stack.service_pid, "gateway": stack.gateway_pid}))
        for _ in range(rounds):
            for variant in variants:
                variant.runs.append(measure(variant.url, CREATE, variant.pids, seconds, warm=not args.quick))
        for variant in variants:
            print(
                f"{variant.name:<9} {variant.rps:8.0f} req/s   CPU per small create: {variant.cpu_ms:.3f} ms"
                f" (service {variant.part_ms('service'):.3f} + gateway {variant.part_ms('gateway'):.3f})"
                f"   rounds: {', '.join(f'{run.total:.3f}' for run in variant.runs)}",
                flush=True,
            )
        by_name = {variant.name: variant for variant in variants}
        on = by_name["on"]
        # Every span of every call of 'on', warm-ups included: that they arrive shows tracing was on.
        print(f"spans received from 'on': {sink.spans}", flush=True)
        if "baseline" in by_name:
            ratio = f"{by_name['off'].cpu_ms / by_name['baseline'].cpu_ms:.3f}"
            print(f"==> tracing off / no tracing code (at {revision[:12] if revision else '-'}): CPU per call {ratio}")
        else:
            print("==> tracing off / no tracing code: not measured (no git history to find the baseline in)")
        print(f"==> tracing on / off: CPU per call {on.cpu_ms / by_name['off'].cpu_ms:.3f}", flush=True)


if __name__ == "__main__":
    main()
