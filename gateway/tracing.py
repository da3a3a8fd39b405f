"""Traces of the gateway: a server span per JSON-RPC request and a client span per gRPC call.

Off unless `instrument` was given a tracer provider (the `campaigns` command does that when OTEL_*
variables ask for traces: cli/traces.py). Off, nothing here is on a request's path but one test in
`note_answer`, and OpenTelemetry is not even imported.

On, the maintained instrumentations make the spans: the ASGI middleware the server span of each
POST /v2.0 (continuing a client's `traceparent`), the gRPC client interceptor the call's span and its
`traceparent` metadata. This module adds the JSON-RPC attributes to the server span and keeps what the
instrumentations could record away from them: the query string, every header but the few they need,
and the service's error message (which may quote a parameter).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import grpc
from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from opentelemetry.trace import Span, TracerProvider

__all__ = ["client_interceptors", "enabled", "instrument", "note_answer", "traced", "uninstrument"]

# The only request headers the HTTP instrumentation sees: what names the server and the client, the
# body's size, and the W3C trace context. Not `baggage` (a client's, not ours to pass on), and nothing
# else, so that no header can be captured into a span (OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_*).
_SEEN_HEADERS: Final = frozenset({b"host", b"user-agent", b"content-length", b"traceparent", b"tracestate"})
_ORIGINAL_SCOPE: Final = "campaigns.original_scope"
_HEALTH_CHECKS: Final = "/grpc.health.v1.Health/"

# Semantic conventions for JSON-RPC (rpc.*) and for errors (error.type: the Data API's mnemonic).
RPC_SYSTEM: Final = "rpc.system"
RPC_METHOD: Final = "rpc.method"
RPC_JSONRPC_VERSION: Final = "rpc.jsonrpc.version"
RPC_JSONRPC_ERROR_CODE: Final = "rpc.jsonrpc.error_code"
ERROR_TYPE: Final = "error.type"
# The one mnemonic that is the server's fault: the span's status is ERROR for it, as for a 5xx.
_SERVER_FAULT: Final = "internal_error"

_provider: TracerProvider | None = None


def instrument(provider: TracerProvider) -> None:
    """Trace the apps and channels made from now on with `provider`."""
    global _provider
    _provider = provider


def uninstrument() -> None:
    """Back to no tracing, for apps and channels made from now on."""
    global _provider
    _provider = None


def enabled() -> bool:
    """Whether apps and channels made now are traced."""
    return _provider is not None


def traced(app: ASGIApp) -> ASGIApp:
    """`app` inside the HTTP instrumentation, or `app` itself when tracing is off."""
    if _provider is None:
        return app
    return _Traced(app, _provider)


def client_interceptors() -> list[grpc.aio.ClientInterceptor] | None:
    """The gRPC client instrumentation for the upstream channel; None (the channel's default) when off."""
    if _provider is None:
        return None
    from opentelemetry.instrumentation.grpc import aio_client_interceptors

    interceptors: list[grpc.aio.ClientInterceptor] = aio_client_interceptors(  # type: ignore[no-untyped-call]
        tracer_provider=_provider, filter_=_not_a_health_check, response_hook=_without_details
    )
    return interceptors


def _not_a_health_check(details: grpc.aio.ClientCallDetails) -> bool:
    """/healthz's checks are probes, not requests: no span of their own. (The instrumentation's own
    health_check filter costs tens of microseconds a call in isinstance checks.)"""
    method: str | bytes = details.method
    return not (method.decode() if isinstance(method, bytes) else method).startswith(_HEALTH_CHECKS)


def note_answer(method: str, error: Any) -> None:
    """Name the JSON-RPC method and the error, if any, on the request's span.

    method: a known method's name, or "-" (never the client's text); error: the answer's error object.
    """
    if _provider is None:
        return
    from opentelemetry import trace

    span = trace.get_current_span()
    span.set_attribute(RPC_SYSTEM, "jsonrpc")
    span.set_attribute(RPC_JSONRPC_VERSION, "2.0")
    if method != "-":
        span.set_attribute(RPC_METHOD, method)
    if isinstance(error, dict):
        data = error.get("data")
        mnemonic = data.get("mnemonic") if isinstance(data, dict) else None
        span.set_attribute(RPC_JSONRPC_ERROR_CODE, error["code"])
        if isinstance(mnemonic, str):
            span.set_attribute(ERROR_TYPE, mnemonic)
            if mnemonic == _SERVER_FAULT:
                span.set_status(trace.StatusCode.ERROR)


def _without_details(span: Span, _details: object) -> None:
    """The client span's status without its description, which the instrumentation fills with the
    service's message: a message may quote a parameter (virtual_phone_number_not_found names the
    number). rpc.grpc.status_code still says how the call ended."""
    from opentelemetry.trace import Status, StatusCode

    status = getattr(span, "status", None)
    if status is not None and status.status_code is StatusCode.ERROR:
        span.set_status(Status(StatusCode.ERROR))


class _Traced:
    """The OpenTelemetry ASGI middleware around `app`, shown a copy of each request's scope without the
    query string and with only _SEEN_HEADERS; `app` gets the request's own scope."""

    def __init__(self, app: ASGIApp, provider: TracerProvider) -> None:
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        self.app = app
        # No spans for each ASGI receive and send: one span per request is what is asked for.
        self.middleware = OpenTelemetryMiddleware(
            self._inner, tracer_provider=provider, exclude_spans=["receive", "send"]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = {
            **scope,
            "query_string": b"",
            "headers": [(name, value) for name, value in scope["headers"] if name in _SEEN_HEADERS],
            _ORIGINAL_SCOPE: scope,
        }
        await self.middleware(seen, receive, send)

    async def _inner(self, seen: Scope, receive: Receive, send: Send) -> None:
        await self.app(seen[_ORIGINAL_SCOPE], receive, send)
