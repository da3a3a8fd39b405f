"""Traces of the service: a server span per gRPC call, and a span per SQL statement inside it.

Off unless `instrument` was given a tracer provider (the `campaigns` command does that when OTEL_*
variables ask for traces: cli/traces.py). Off, nothing here is on a call's path but one test on an
error's way out, and OpenTelemetry is not even imported.

On, the maintained instrumentations make the spans: the gRPC server interceptor each call's span (a child
of the gateway's, through the `traceparent` metadata), SQLAlchemy's each statement's, as a child of the
span current where the transaction runs (the event loop, a worker thread or SQLAlchemy's greenlet: all
three carry the context along). Statements on storage's fast path (storage/direct.py) bypass the engine
events that instrumentation listens to, so this module makes their spans, of the same shape. Statements
are recorded as compiled, with placeholders; bound values never are.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

import grpc
import sqlalchemy as sa

from service.storage import direct

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer, TracerProvider

__all__ = ["instrument", "note_error", "server_interceptors", "uninstrument"]

# error.type (semantic conventions): the class of the error, here the contract's mnemonic.
ERROR_TYPE: Final = "error.type"

_HEALTH_CHECKS: Final = "/grpc.health.v1.Health/"

_provider: TracerProvider | None = None


def instrument(provider: TracerProvider) -> None:
    """Trace the servers and the database engines made from now on with `provider`."""
    global _provider
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # skip_dep_check: the instrumentation declares SQLAlchemy < 2.1, but the engine events it uses are
    # those of 2.1 too (tests/gateway/test_traces.py sees the spans). No sqlcommenter: it would
    # change every statement's text.
    SQLAlchemyInstrumentor().instrument(tracer_provider=provider, enable_commenter=False, skip_dep_check=True)
    tracer = provider.get_tracer(__name__)
    direct.statement_span = lambda conn, sql: _statement_span(tracer, conn, sql)
    _provider = provider


def uninstrument() -> None:
    """Back to no tracing (engine listeners removed; servers made from now on are not traced)."""
    global _provider
    if _provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().uninstrument()
    direct.statement_span = None
    _provider = None


def server_interceptors() -> list[grpc.aio.ServerInterceptor]:
    """The gRPC server instrumentation, to come first among the server's interceptors; none when off."""
    if _provider is None:
        return []
    from opentelemetry.instrumentation.grpc import aio_server_interceptor

    interceptor: grpc.aio.ServerInterceptor = aio_server_interceptor(  # type: ignore[no-untyped-call]
        tracer_provider=_provider, filter_=_not_a_health_check
    )
    return [interceptor]


def _not_a_health_check(details: grpc.HandlerCallDetails) -> bool:
    """Health checks are probes (a gateway's /healthz, a load balancer's): no span of their own. (The
    instrumentation's own health_check filter costs tens of microseconds a call in isinstance checks.)"""
    return not details.method.startswith(_HEALTH_CHECKS)


def note_error(mnemonic: str) -> None:
    """Name the error a call ends with (its mnemonic, or an admin reason) on the call's span."""
    if _provider is None:
        return
    from opentelemetry import trace

    trace.get_current_span().set_attribute(ERROR_TYPE, mnemonic)


@contextlib.contextmanager
def _statement_span(tracer: Tracer, conn: sa.Connection, sql: str) -> Iterator[None]:
    """A span like SQLAlchemy's instrumentation makes (its name and db.* attributes, in the default
    semantic conventions), for a statement sent straight to the driver."""
    from opentelemetry.instrumentation.utils import is_instrumentation_enabled
    from opentelemetry.trace import SpanKind, Status, StatusCode

    if not is_instrumentation_enabled():  # suppressed, as SQLAlchemy's instrumentation honours it
        yield
        return
    url = conn.engine.url
    system = conn.dialect.name  # sqlite or postgresql, as the instrumentation names them
    words = sql.split(maxsplit=1)
    name = " ".join(part for part in (words[0] if words else "", url.database or "") if part) or system
    attributes: dict[str, str | int] = {"db.system": system, "db.statement": sql, "db.operation": name}
    if url.database:
        attributes["db.name"] = url.database
    if url.host:
        attributes["net.peer.name"] = url.host
    if url.port:
        attributes["net.peer.port"] = url.port
    if url.username:
        attributes["db.user"] = url.username
    # Not the exception itself: SQLAlchemy's errors quote the statement's parameters.
    with tracer.start_as_current_span(
        name, kind=SpanKind.CLIENT, attributes=attributes, record_exception=False, set_status_on_exception=False
    ) as span:
        try:
            yield
        except Exception as error:
            cause = error.orig if isinstance(error, sa.exc.DBAPIError) else error
            span.set_status(Status(StatusCode.ERROR, type(cause).__name__))
            raise
