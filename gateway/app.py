"""The Starlette app: JSON-RPC 2.0 envelopes on POST /v2.0, answered through gRPC; /metrics, /healthz,
/openrpc.json (the document rpc.discover answers, contract/openrpc.py), and the page for people at / with its
assets under /console/ (page.py).

The JSON-RPC route is the endpoint (jsonrpc.py) inside three ASGI middleware, outermost first: the
request id (request_ids.py), the metrics (metrics.py) and the overload guard (overload.py), so that a
refused request is counted and carries its id too; when traces are on, the HTTP instrumentation is
around them all (tracing.py). The upstream channel (upstream.py) opens and closes with the app.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, request_response
from starlette.types import ASGIApp

from contract.openrpc import document
from gateway import metrics, tracing
from gateway.jsonrpc import JsonRpcEndpoint, json_response
from gateway.overload import Overload
from gateway.page import Page
from gateway.request_ids import RequestIds
from gateway.settings import GatewaySettings
from gateway.upstream import Upstream

__all__ = ["create_app"]


def create_app(settings: GatewaySettings | None = None, upstream: Upstream | None = None) -> Starlette:
    """upstream: the channel to the service (the caller keeps it to reload its TLS); by default one of its own."""
    settings = settings or GatewaySettings()
    upstream = upstream or Upstream(settings)
    jsonrpc = JsonRpcEndpoint(settings, upstream)
    page = Page()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await upstream.open()
        try:
            yield
        finally:
            await upstream.close()

    async def healthz(_request: Request) -> Response:
        """200 while the service behind answers its gRPC health check as SERVING, else 503."""
        status = await upstream.health()
        return json_response({"service": status}, 200 if status == "SERVING" else 503)

    async def openrpc(_request: Request) -> Response:
        """The OpenRPC document, as rpc.discover answers it."""
        return json_response(document())

    # One stack for both spellings of the path: they share the count of requests in flight.
    answer: ASGIApp = RequestIds(
        metrics.Metrics(Overload(request_response(jsonrpc.endpoint), max_in_flight=settings.max_in_flight))
    )
    # Outermost, so that a request's span covers all of it; the stack itself when tracing is off.
    answer = tracing.traced(answer)
    routes = [
        Route("/v2.0", answer, methods=["POST"]),
        Route("/v2.0/", answer, methods=["POST"]),
        Route("/metrics", metrics.endpoint, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openrpc.json", openrpc, methods=["GET"]),
        Route("/", page.index_app),
        Route("/console/{name}", page.asset, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
