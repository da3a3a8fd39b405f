"""uvicorn's HTTP/1.1 protocol with a deadline for the request head.

uvicorn times out neither a connection that never sends a request nor a request
head that never ends (no blank line after the headers): one slow client could
hold a connection, and enough of them every connection, for as long as they
like. The body has its own deadline in the app (GatewaySettings.body_timeout);
this one covers what comes before the app sees the request: from the
connection's opening, or from a keep-alive request's first byte, to the end of
its headers.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway import jsonwire
from gateway.catalogue import error_object


def _timeout_response() -> bytes:
    body = jsonwire.dumps({"jsonrpc": "2.0", "id": None, "error": error_object("invalid_request")})
    return (
        b"HTTP/1.1 408 Request Timeout\r\n"
        b"content-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n"
        b"\r\n" + body
    )


class _HeadDeadlineProtocol(HttpToolsProtocol):
    head_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_deadline: asyncio.TimerHandle | None = None
        self._head_begun = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_begun = True
        if self._head_deadline is None:  # a keep-alive request: its head is timed from its first byte
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        self._head_begun = False
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._head_deadline = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # An earlier request on this connection is still being answered: let it finish, then close.
            self.cycle.keep_alive = False
            return
        if self._head_begun:
            # Part of a request arrived: say why it is refused, as for a body that does not arrive in time.
            self.transport.write(_timeout_response())
        self.transport.close()


def head_deadline_protocol(head_timeout: float) -> type[HttpToolsProtocol]:
    """The protocol class for uvicorn.Config(http=...), with this deadline in seconds."""
    return type("HeadDeadlineProtocol", (_HeadDeadlineProtocol,), {"head_timeout": head_timeout})
