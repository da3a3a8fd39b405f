"""The tracer providers cli/traces.py sets up when traces are on (imported only then: OpenTelemetry's SDK)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind, get_current_span
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes


def provider(default_name: str, exporters: Sequence[str]) -> TracerProvider:
    """A tracer provider for one half of a process that batches its spans to `exporters` (cli/traces.py's
    EXPORTERS), each configured by its own OTEL_* variables."""
    return with_processors(default_name, [BatchSpanProcessor(_exporter(name)) for name in exporters])


def with_processors(default_name: str, processors: Iterable[SpanProcessor]) -> TracerProvider:
    """A tracer provider whose spans go to `processors`, named OTEL_SERVICE_NAME (or service.name in
    OTEL_RESOURCE_ATTRIBUTES), else `default_name`, and sampled by OTEL_TRACES_SAMPLER's sampler (by
    default every trace, and a client's decision in its traceparent is followed) within StartsAtServers."""
    resource = Resource.create()
    # The SDK names a service that nothing names unknown_service.
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: default_name}))
    made = TracerProvider(resource=resource)
    made.sampler = StartsAtServers(made.sampler)
    for processor in processors:
        made.add_span_processor(processor)
    return made


class StartsAtServers(Sampler):
    """A trace starts only at a server span (a request, a call): a span with no parent that is not one is
    not recorded. Those are the statements a service runs outside any call, when it migrates the database
    and loads the demo data on start: hundreds of one-span traces otherwise. The rest is `sampler`'s."""

    def __init__(self, sampler: Sampler) -> None:
        self._sampler = sampler

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if kind is not SpanKind.SERVER and not get_current_span(parent_context).get_span_context().is_valid:
            return SamplingResult(Decision.DROP)
        return self._sampler.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return f"StartsAtServers{{{self._sampler.get_description()}}}"


def _exporter(name: str) -> SpanExporter:
    if name == "otlp":
        return OTLPSpanExporter()
    return ConsoleSpanExporter()
