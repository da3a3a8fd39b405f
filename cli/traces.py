"""Traces: OpenTelemetry, off unless the standard OTEL_* variables switch it on, set up in each serving process.

The switch (docs/operations.md#traces): traces are on when OTEL_TRACES_EXPORTER names exporters (`otlp`,
`console`, or both, comma-separated), or, with OTEL_TRACES_EXPORTER unset, when
OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (then `otlp`). They are off with
OTEL_TRACES_EXPORTER=none, with OTEL_SDK_DISABLED=true, and with none of these set: then nothing is set up
and OpenTelemetry is not imported. (The SDK's own default exporter, otlp, would make traces on by default.)

OTLP goes over gRPC (OTEL_EXPORTER_OTLP_PROTOCOL `grpc`, the default; the project has grpcio already),
configured by the exporter's own OTEL_EXPORTER_OTLP_* variables. Each half of a process gets its own
tracer provider, named OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES), else
`campaigns-gateway` and `campaigns-service`: in `campaigns serve` one trace shows both halves apart. The
global tracer provider is left alone. Providers are made in the process that serves (each worker sets up
its own: a batch processor's thread would not survive a fork), and shut down when it stops, which
exports the spans still queued.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator, Mapping
from types import FrameType
from typing import TYPE_CHECKING, Final

from cli.mistakes import ConfigError

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

EXPORTERS: Final = ("otlp", "console")
GATEWAY_NAME: Final = "campaigns-gateway"
SERVICE_NAME: Final = "campaigns-service"
_ENDING_SIGNALS: Final = (signal.SIGTERM, signal.SIGINT)


def exporters(environ: Mapping[str, str] = os.environ) -> tuple[str, ...]:
    """The span exporters the OTEL_* variables ask for; () when traces are off. ConfigError for names this
    command cannot honour (an unknown exporter, OTLP over HTTP)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return ()
    named = environ.get("OTEL_TRACES_EXPORTER", "").strip()
    if named:
        names = tuple(dict.fromkeys(name.strip().lower() for name in named.split(",") if name.strip()))
        if names == ("none",):
            return ()
        unknown = [name for name in names if name not in EXPORTERS]
        if unknown:
            raise ConfigError(
                f"OTEL_TRACES_EXPORTER: {', '.join(unknown)} is not one of {', '.join(EXPORTERS)} (or none alone)"
            )
    elif (
        environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
        or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    ):
        names = ("otlp",)
    else:
        return ()
    if "otlp" in names:
        for variable in ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"):
            protocol = environ.get(variable, "").strip()
            if protocol:
                if protocol != "grpc":
                    raise ConfigError(f"{variable}: {protocol} is not supported; OTLP goes over grpc")
                break
    return names


@contextlib.contextmanager
def traces(*, service: bool = False, gateway: bool = False) -> Iterator[None]:
    """Traces for the halves this process runs, while it serves; nothing when they are off."""
    names = exporters()
    if not names:
        yield
        return
    from cli.trace_providers import provider

    providers: list[TracerProvider] = []
    undo: list[Callable[[], None]] = []

    def export_queued() -> None:
        while providers:
            providers.pop().shutdown()  # exports what is still queued

    try:
        if gateway:
            from gateway import tracing as gateway_tracing

            providers.append(provider(GATEWAY_NAME, names))
            gateway_tracing.instrument(providers[-1])
            undo.append(gateway_tracing.uninstrument)
        if service:
            from service import tracing as service_tracing

            providers.append(provider(SERVICE_NAME, names))
            service_tracing.instrument(providers[-1])
            undo.append(service_tracing.uninstrument)
        with _exporting_before_signals_end_the_process(export_queued):
            yield
    finally:
        for step in undo:
            step()
        export_queued()


@contextlib.contextmanager
def _exporting_before_signals_end_the_process(export: Callable[[], None]) -> Iterator[None]:
    """uvicorn answers SIGTERM and SIGINT by draining, then raises the signal again under the handler it
    found, so that the process ends as the signal ends it (SIG_DFL: at once, without unwinding). The
    handler it finds is this one: it exports the spans still queued, the last requests' among them, and
    then lets the signal end the process as before."""
    previous = {int(signum): signal.getsignal(signum) for signum in _ENDING_SIGNALS}

    def export_then_end(signum: int, _frame: FrameType | None) -> None:
        export()
        signal.signal(signum, previous[signum])
        signal.raise_signal(signum)

    for ending in _ENDING_SIGNALS:
        signal.signal(ending, export_then_end)
    try:
        yield
    finally:
        for number, handler in previous.items():
            if signal.getsignal(number) is export_then_end:
                signal.signal(number, handler)
