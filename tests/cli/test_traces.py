"""The switch of traces: which OTEL_* variables turn them on, and that off sets nothing up."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

from cli.main import main
from cli.mistakes import ConfigError
from cli.traces import exporters
from tests.cli.commands import CAMPAIGNS, environment
from tests.cli.test_imports import ROOT
from tests.gateway.wire import free_port, request


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, ()),
        ({"OTEL_SERVICE_NAME": "x", "OTEL_TRACES_SAMPLER": "always_on"}, ()),  # names, samples: not a switch
        ({"OTEL_TRACES_EXPORTER": "otlp"}, ("otlp",)),
        ({"OTEL_TRACES_EXPORTER": " Console , otlp,console"}, ("console", "otlp")),
        ({"OTEL_TRACES_EXPORTER": "none"}, ()),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"}, ("otlp",)),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4317"}, ("otlp",)),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317", "OTEL_TRACES_EXPORTER": "none"}, ()),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317", "OTEL_TRACES_EXPORTER": "console"}, ("console",)),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "TRUE"}, ()),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "false"}, ("otlp",)),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, ("otlp",)),
        # The traces' own protocol wins over the general one.
        (
            {
                "OTEL_TRACES_EXPORTER": "otlp",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc",
            },
            ("otlp",),
        ),
        ({"OTEL_TRACES_EXPORTER": "console", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, ("console",)),
    ],
)
def test_the_switch(variables: dict[str, str], expected: tuple[str, ...]) -> None:
    assert exporters(variables) == expected


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "OTEL_TRACES_EXPORTER: zipkin"),
        ({"OTEL_TRACES_EXPORTER": "none,otlp"}, "OTEL_TRACES_EXPORTER: none"),
        (
            {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "x", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"}, "TRACES_PROTOCOL"),
    ],
)
def test_what_cannot_be_honoured_is_a_mistake(variables: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        exporters(variables)


def test_a_serve_command_names_the_mistake(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "jaeger")
    assert main(["serve-gateway", "--http-port", "0", "--target", "127.0.0.1:1", "--workers", "1"]) == 2
    assert "OTEL_TRACES_EXPORTER: jaeger is not one of otlp, console" in capsys.readouterr().err


# serve-gateway's and serve-grpc's whole paths up to serving, in a fresh interpreter, with the servers
# replaced by a look at whether each half is traced.
_SERVE = """
import json
import sys

import gateway.run
import service.server
from gateway import tracing as gateway_tracing
from service import tracing as service_tracing

traced = {}
gateway.run.serve_gateway = lambda **_: traced.update(gateway=gateway_tracing._provider is not None)


async def serve(_settings):
    traced.update(service=service_tracing._provider is not None)


service.server.serve = serve
from cli.main import main

assert main(["serve-gateway", "--http-port", "0", "--target", "127.0.0.1:1", "--workers", "1"]) == 0
assert main(["serve-grpc", "--grpc-port", "0", "--workers", "1", "--database-url", "sqlite:///unused.db"]) == 0
imported = sorted(name for name in sys.modules if name.startswith("opentelemetry"))
from opentelemetry import trace

print(json.dumps({
    "traced": traced,
    "imported": bool(imported),
    "undone": gateway_tracing._provider is None and service_tracing._provider is None,
    "global": type(trace.get_tracer_provider()).__name__,
}))
"""


def _serve(variables: dict[str, str]) -> dict[str, object]:
    env = {key: value for key, value in environment().items() if not key.startswith("OTEL_")}
    done = subprocess.run(
        [sys.executable, "-c", _SERVE],
        cwd=ROOT,
        env={**env, **variables},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_off_sets_nothing_up_and_imports_no_opentelemetry() -> None:
    assert _serve({}) == {
        "traced": {"gateway": False, "service": False},
        "imported": False,
        "undone": True,
        "global": "ProxyTracerProvider",
    }


def test_on_traces_each_half_while_it_serves_and_leaves_the_global_provider_alone() -> None:
    assert _serve({"OTEL_TRACES_EXPORTER": "console"}) == {
        "traced": {"gateway": True, "service": True},
        "imported": True,
        "undone": True,
        "global": "ProxyTracerProvider",
    }


def test_spans_still_queued_are_exported_when_sigterm_stops_the_process(tmp_path: Path) -> None:
    """`campaigns serve`: uvicorn drains, then ends the process with the signal; the last request's spans,
    queued for the batch processor's next export (5 s away by default), are exported first."""
    http_port, grpc_port = free_port(), free_port()
    env = {key: value for key, value in environment().items() if not key.startswith("OTEL_")}
    ports = ("--http-port", str(http_port), "--grpc-port", str(grpc_port))
    database = ("--database-url", f"sqlite:///{tmp_path / 'traced.db'}")
    served = subprocess.Popen(
        [str(CAMPAIGNS), "--log-level", "WARNING", "serve", "--workers", "1", "--demo", *ports, *database],
        env={**env, "OTEL_TRACES_EXPORTER": "console"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{http_port}/v2.0"
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = json.loads(urlopen(url, request("get.sites", {"access_token": "tok_cust"}), timeout=5).read())
                break
            except OSError:
                assert served.poll() is None and time.monotonic() < deadline, "campaigns serve did not start"
                time.sleep(0.1)
        assert "result" in answer, answer
        served.send_signal(signal.SIGTERM)
        out, err = served.communicate(timeout=30)
    finally:
        if served.poll() is None:
            served.kill()
            served.communicate()
    assert served.returncode in (0, -signal.SIGTERM), err.decode(errors="replace")
    decoder, text, spans, at = json.JSONDecoder(), out.decode(), [], 0
    while text[at:].strip():  # the console exporter's spans: JSON objects one after another
        span, at = decoder.raw_decode(text, len(text) - len(text[at:].lstrip()))
        spans.append((span["name"], span["resource"]["attributes"]["service.name"]))
    assert ("POST /v2.0", "campaigns-gateway") in spans, spans
    assert ("/campaigns.v1.SiteService/GetSites", "campaigns-service") in spans, spans
