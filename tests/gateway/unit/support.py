"""Helpers of the gateway's unit tests: statuses as the service sends them, and an in-process ASGI call
(a scope, a receive that hands over one body, a send that records what goes out)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from starlette.types import ASGIApp, Scope
from starlette.types import Message as AsgiMessage


def info(reason: str, **metadata: str) -> error_details_pb2.ErrorInfo:
    return error_details_pb2.ErrorInfo(reason=reason, domain="campaigns", metadata=metadata)


def violation(*paths: str) -> error_details_pb2.BadRequest:
    """A BadRequest with a violation at each path, in order (the service lists every parameter violation)."""
    return error_details_pb2.BadRequest(
        field_violations=[error_details_pb2.BadRequest.FieldViolation(field=path, description="x") for path in paths]
    )


def details(*messages: Message, code: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT) -> bytes:
    packed = []
    for message in messages:
        container = any_pb2.Any()
        container.Pack(message)
        packed.append(container)
    raw: bytes = status_pb2.Status(code=code.value[0], message="m", details=packed).SerializeToString()
    return raw


def http_scope(headers: dict[str, str] | None = None, path: str = "/v2.0") -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(name.encode(), value.encode()) for name, value in (headers or {}).items()],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8080),
    }


@dataclass
class Sent:
    """What an ASGI app sent."""

    messages: list[AsgiMessage] = field(default_factory=list)

    @property
    def status(self) -> int:
        status: int = self.messages[0]["status"]
        return status

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [(name.decode(), value.decode()) for name, value in self.messages[0]["headers"]]

    def header(self, name: str) -> str | None:
        found = [value for key, value in self.headers if key == name]
        assert len(found) <= 1, found
        return found[0] if found else None

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body")


async def run(app: ASGIApp, scope: Scope, body: bytes = b"") -> Sent:
    sent = Sent()
    delivered = False

    async def receive() -> AsgiMessage:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client neither sends more nor goes away
        raise AssertionError("unreachable")

    async def send(message: AsgiMessage) -> None:
        sent.messages.append(message)

    await app(scope, receive, send)
    return sent
