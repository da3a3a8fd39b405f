"""Overload: ASGI middleware that bounds the JSON-RPC requests in flight.

Requests beyond `max_in_flight` are answered at once with `internal_error` (HTTP 200, as every JSON-RPC
answer, with a null id: the body is not read) instead of queueing into timeouts. Every request counts in
the in-flight gauge while it is answered, the refused ones too.
"""

from __future__ import annotations

import logging
from typing import Final

from prometheus_client import Gauge
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway import jsonwire
from gateway.catalogue import error_response
from gateway.metrics import note_answer

log = logging.getLogger("campaigns.gateway")

IN_FLIGHT: Final = Gauge("campaigns_gateway_requests_in_flight", "JSON-RPC requests being answered")

_REFUSAL: Final = "internal_error"


class Overload:
    """Counts the requests in flight and refuses those past `max_in_flight`."""

    def __init__(self, app: ASGIApp, *, max_in_flight: int) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        IN_FLIGHT.inc()
        self.in_flight += 1
        try:
            if self.in_flight > self.max_in_flight:
                log.warning("overloaded: %d requests in flight", self.in_flight)
                note_answer(scope, "-", _REFUSAL)
                refusal = Response(jsonwire.dumps(error_response(None, _REFUSAL)), media_type="application/json")
                await refusal(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            IN_FLIGHT.dec()
