"""uvicorn's HTTP/1.1 protocol (httptools), hardened for clients that are slow, large or odd.

What uvicorn's own protocol lacks, each for a reason a real client or an attacker showed:

- A deadline for the request head. uvicorn times out neither a connection that never
  sends a request nor a head that never ends: one slow client could hold a connection,
  and enough of them every connection. The head must arrive within `head_timeout` of the
  connection's opening, or of a keep-alive request's first byte. (The body has its own
  deadline in the app.)
- A cap on the request head. httptools gathers a header line in memory however long it
  is; a head over `head_limit` bytes is answered 431 before more of it is read.
- Upgrade offers are ignored, as RFC 9110 allows. llhttp treats a request that offers one
  (`Connection: Upgrade` with `Upgrade: websocket` or `h2c`) as having no body and stops
  parsing there: uvicorn then either held the connection for a WebSocket handshake that
  never comes or answered the request without its body. The request is re-read without
  the offer and served as plain HTTP/1.1 with its body. CONNECT is refused.
- A graceful close. Closing a socket whose peer is still sending makes the kernel reset
  the connection, and the client loses the answer it was about to read (a 413 for a body
  over the cap, a 408, a 431). When the request is not fully read, the gateway sends its
  answer, shuts its side down, and discards what still comes, within bounds, before it
  closes.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway import jsonwire
from gateway.catalogue import error_object

DEFAULT_HEAD_LIMIT: Final = 64 * 1024
# What a closing connection still reads and throws away so that its answer is not lost to a
# reset: at most this much, for at most this long. Past either, it closes regardless.
LINGER_BYTES: Final = 16 * 1024 * 1024
LINGER_SECONDS: Final = 2.0
# Hop-by-hop headers that only make sense with the upgrade they come with.
_UPGRADE_HEADERS: Final = frozenset({b"upgrade", b"http2-settings"})


def _refusal(status: bytes) -> bytes:
    """A whole HTTP/1.1 answer carrying the JSON-RPC invalid_request error, closing the connection."""
    body = jsonwire.dumps({"jsonrpc": "2.0", "id": None, "error": error_object("invalid_request")})
    return (
        b"HTTP/1.1 " + status + b"\r\n"
        b"content-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n"
        b"\r\n" + body
    )


_METHOD_NOT_ALLOWED: Final = (
    b"HTTP/1.1 405 Method Not Allowed\r\n"
    b"allow: POST\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 18\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b"Method Not Allowed"
)


def _head_without_upgrade(method: bytes, url: bytes, version: str, headers: list[tuple[bytes, bytes]]) -> bytes:
    """The request head again, less its upgrade offer: `Upgrade`, what `Connection` lists for it."""
    lines = [method + b" " + url + b" HTTP/" + version.encode()]
    for name, value in headers:
        if name in _UPGRADE_HEADERS:
            continue
        if name == b"connection":
            options = [token.strip() for token in value.split(b",")]
            value = b", ".join(token for token in options if token and token.lower() not in _UPGRADE_HEADERS)
            if not value:
                continue
        lines.append(name + b": " + value)
    return b"\r\n".join(lines) + b"\r\n\r\n"


class _GracefulTransport(asyncio.Transport):
    """The connection's transport as uvicorn's code sees it: close() goes through the protocol."""

    def __init__(self, transport: asyncio.Transport, protocol: _HardenedProtocol) -> None:
        super().__init__()
        self._transport = transport
        self._protocol = protocol

    def close(self) -> None:
        self._protocol.close_gracefully()

    def is_closing(self) -> bool:
        return self._transport.is_closing() or self._protocol.lingering

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._transport.write(data)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def write_eof(self) -> None:
        self._transport.write_eof()

    def abort(self) -> None:
        self._transport.abort()


class _HardenedProtocol(HttpToolsProtocol):
    head_timeout: float = 10.0
    head_limit: int = DEFAULT_HEAD_LIMIT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._socket: asyncio.Transport | None = None
        self._head_deadline: asyncio.TimerHandle | None = None
        # Between a message's first byte and its end (the body's last byte): the client is sending.
        self._message_open = False
        # Between the end of one message and the end of the next one's head: head bytes are counted.
        # (A pipelined head that begins within the read that ended the message before it is counted
        # from the next read on: the cap can be overshot by at most one read.)
        self._reading_head = True
        self._head_bytes = 0
        self._upgrade_offered = False
        self.lingering = False
        self._linger_budget = LINGER_BYTES
        self._linger_deadline: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------ the connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._socket = transport
        self.transport = _GracefulTransport(transport, self)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._linger_deadline is not None:
            self._linger_deadline.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.lingering:
            self._linger_budget -= len(data)
            if self._linger_budget <= 0:
                self._close_now()
            return
        self._unset_keepalive_if_required()
        while data and not self.transport.is_closing():
            piece = data
            if self._reading_head:
                room = self.head_limit - self._head_bytes
                if room <= 0:
                    self._refuse(_refusal(b"431 Request Header Fields Too Large"))
                    return
                piece = data[:room]
                self._head_bytes += len(piece)
            data = data[len(piece) :]
            try:
                self.parser.feed_data(piece)
            except httptools.HttpParserUpgrade as upgrade:
                rest = self._without_upgrade(piece[upgrade.args[0] :])
                if rest is None:
                    return
                data = rest + data
            except httptools.HttpParserError:
                self.logger.warning("Invalid HTTP request received.")
                self.send_400_response("Invalid HTTP request received.")
                return

    def close_gracefully(self) -> None:
        """Close, first draining what the client is still sending if its request is not read whole."""
        socket = self._socket
        if socket is None or socket.is_closing() or self.lingering:
            return
        if not self._message_open or not socket.can_write_eof():
            socket.close()
            return
        self.lingering = True
        self._disarm()
        socket.write_eof()
        socket.resume_reading()
        self._linger_deadline = self.loop.call_later(LINGER_SECONDS, self._close_now)

    def _close_now(self) -> None:
        if self._socket is not None and not self._socket.is_closing():
            self._socket.close()

    def _refuse(self, answer: bytes) -> None:
        self.transport.write(answer)
        self.transport.close()

    # ------------------------------------------------------------------ parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._message_open = True
        if self._head_deadline is None:  # a keep-alive request: its head is timed from its first byte
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        self._reading_head = False
        self._head_bytes = 0
        if self.parser.should_upgrade():
            # Served once the parser has stopped at the body (data_received), re-read without the offer.
            self._upgrade_offered = True
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._upgrade_offered:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._upgrade_offered:
            return
        self._message_open = False
        self._reading_head = True
        super().on_message_complete()

    def _without_upgrade(self, rest: bytes) -> bytes | None:
        """What to parse next after llhttp stopped at an upgrade offer: the same request without it."""
        self._upgrade_offered = False
        method = self.parser.get_method()
        if method == b"CONNECT":
            self._refuse(_METHOD_NOT_ALLOWED)
            return None
        head = _head_without_upgrade(method, self.url, self.parser.get_http_version(), self.headers)
        self.parser = httptools.HttpRequestParser(self)
        self.parser.set_dangerous_leniencies(lenient_data_after_close=True)
        self._reading_head = True
        self._message_open = False
        return head + rest

    # ------------------------------------------------------------------ the head's deadline

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
        if self._message_open:
            # Part of a request arrived: say why it is refused, as for a body that does not arrive in time.
            self._refuse(_refusal(b"408 Request Timeout"))
        else:
            self.transport.close()


def hardened_protocol(*, head_timeout: float, head_limit: int = DEFAULT_HEAD_LIMIT) -> type[HttpToolsProtocol]:
    """The protocol class for uvicorn.Config(http=...): the head's deadline in seconds and cap in bytes."""
    return type("HardenedProtocol", (_HardenedProtocol,), {"head_timeout": head_timeout, "head_limit": head_limit})
