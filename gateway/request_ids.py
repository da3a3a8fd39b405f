"""The request id: ASGI middleware that names each JSON-RPC request for the logs and the client.

An incoming `x-request-id` (printable ASCII, up to 128 characters) is kept, anything else is replaced by a
new one. The id is held in the `request_id` context variable while the request is answered (the log
formatter reads it, the endpoint sends it on to the service) and returned as the `x-request-id` header.
"""

from __future__ import annotations

import contextvars
import uuid
from typing import Final

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("gateway_request_id", default="-")

HEADER: Final = "x-request-id"
_MAX_LENGTH: Final = 128


def accepted(incoming: str | None) -> str | None:
    """The client's own id when it is fit to log and send on as metadata, else None."""
    if incoming and len(incoming) <= _MAX_LENGTH and incoming.isascii() and incoming.isprintable():
        return incoming
    return None


class RequestIds:
    """Sets `request_id` for the request and adds it to the response's headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = accepted(Headers(scope=scope).get(HEADER)) or uuid.uuid4().hex
        header = (HEADER.encode(), rid.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        token = request_id.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
