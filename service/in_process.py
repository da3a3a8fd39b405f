"""The service's unary methods called from its own process, without the socket.

`campaigns serve` runs the gateway beside the service, and half of what a call cost both of them was
the gRPC hop between the two (docs/performance.md). Here a call goes through the same interceptors to
the same handler as one that arrives on the port: the same request ids, metrics, admission, errors and
rich statuses, the same deadline. What it does not do is serialise the messages and cross a socket.

A call's outcome is what a gRPC client sees: the reply and the trailing metadata, or a
grpc.aio.AioRpcError with the status's code, details and trailing metadata (where the rich status is).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TypeAlias, cast

import grpc
from google.protobuf.message import Message

__all__ = ["PEER", "InProcess", "Registry"]

_Pairs = tuple[tuple[str, str | bytes], ...]
# What a handler may pass as metadata: gRPC's Metadata or pairs.
_GivenMetadata = grpc.aio.Metadata | Sequence[tuple[str, str | bytes]]
# grpc's classes are generic only to the type checker.
Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"

# What a caller in this process is, as gRPC spells a peer: not an IP address, so like a Unix socket's
# peer it is trusted to report the client's own address (service/networks.py).
PEER = "local:in-process"


class Registry:
    """Stands in for the server while servicers register: passes every registration on, and keeps the
    unary handlers by path for in-process calls."""

    def __init__(self, server: grpc.aio.Server) -> None:
        self._server = server
        self.handlers: dict[str, Handler] = {}

    def add_generic_rpc_handlers(self, generic_rpc_handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        self._server.add_generic_rpc_handlers(generic_rpc_handlers)

    def add_registered_method_handlers(self, service_name: str, method_handlers: Mapping[str, Handler]) -> None:
        self._server.add_registered_method_handlers(service_name, method_handlers)
        for name, handler in method_handlers.items():
            self.handlers[f"/{service_name}/{name}"] = handler


@dataclass(frozen=True)
class _CallDetails(grpc.HandlerCallDetails):
    method: str
    invocation_metadata: _Pairs


class _Context(grpc.aio.ServicerContext[Any, Any]):
    """What a handler may ask of its call, for a call made in this process: one request, one reply."""

    def __init__(self, metadata: _Pairs, deadline: float | None) -> None:
        self._metadata = metadata
        self._deadline = deadline
        self._trailing: _Pairs = ()
        self._code = grpc.StatusCode.OK
        self._details = ""

    def invocation_metadata(self) -> grpc.aio.Metadata:
        # Pairs, as grpc.aio's own context gives at run time (its type says Metadata).
        return cast(grpc.aio.Metadata, self._metadata)

    def peer(self) -> str:
        return PEER

    def peer_identities(self) -> None:
        return None

    def peer_identity_key(self) -> None:
        return None

    def auth_context(self) -> dict[str, list[bytes]]:
        return {}

    def time_remaining(self) -> float:
        if self._deadline is None:
            return math.inf
        return max(self._deadline - asyncio.get_running_loop().time(), 0.0)

    def set_trailing_metadata(self, trailing_metadata: _GivenMetadata) -> None:
        self._trailing = tuple(trailing_metadata)

    def trailing_metadata(self) -> grpc.aio.Metadata:
        return cast(grpc.aio.Metadata, self._trailing)

    def trailing_pairs(self) -> _Pairs:
        return self._trailing

    def set_code(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code

    def set_details(self, details: str) -> None:
        self._details = details

    def details(self) -> str:
        return self._details

    async def abort(self, code: grpc.StatusCode, details: str = "", trailing_metadata: _GivenMetadata = ()) -> NoReturn:
        if code == grpc.StatusCode.OK:
            raise RuntimeError("abort() needs a code other than OK")
        self._code, self._details = code, details
        if trailing_metadata:
            self._trailing = tuple(trailing_metadata)
        # As grpc.aio does: the interceptors let an AbortError pass as it is.
        raise grpc.aio.AbortError()

    async def abort_with_status(self, status: grpc.Status) -> NoReturn:
        await self.abort(status.code, status.details, status.trailing_metadata)

    async def send_initial_metadata(self, initial_metadata: _GivenMetadata) -> None:
        # Nothing reads a unary call's initial metadata here; accepted, as gRPC would send it.
        return None

    def set_compression(self, compression: grpc.Compression) -> None:
        return None  # nothing is sent, so nothing is compressed

    def disable_next_message_compression(self) -> None:
        return None

    async def read(self) -> NoReturn:
        raise RuntimeError("an in-process call is unary: its request is the handler's argument")

    async def write(self, message: Any) -> NoReturn:
        raise RuntimeError("an in-process call is unary: its reply is the handler's return value")


def _failure(context: _Context) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(
        context.code(),
        grpc.aio.Metadata(),
        grpc.aio.Metadata(*context.trailing_pairs()),
        context.details(),
    )


def _unexpected(error: Exception) -> grpc.aio.AioRpcError:
    """What a server sends for a handler's uncaught exception."""
    return grpc.aio.AioRpcError(
        grpc.StatusCode.UNKNOWN, grpc.aio.Metadata(), grpc.aio.Metadata(), f"Unexpected {type(error)}: {error}"
    )


class InProcess:
    """Calls into the service's handlers, through its interceptors (the first outermost, as the server runs them)."""

    def __init__(self, handlers: Mapping[str, Handler], interceptors: Sequence[grpc.aio.ServerInterceptor]) -> None:
        self._handlers = dict(handlers)
        self._interceptors = tuple(interceptors)

    async def _resolve(self, details: grpc.HandlerCallDetails, depth: int = 0) -> Handler | None:
        if depth == len(self._interceptors):
            return self._handlers.get(details.method)

        def continuation(inner: grpc.HandlerCallDetails) -> Awaitable[Handler | None]:
            return self._resolve(inner, depth + 1)

        return await self._interceptors[depth].intercept_service(continuation, details)

    async def call(
        self, path: str, request: Message, metadata: Sequence[tuple[str, str | bytes]], time_allowed: float | None
    ) -> tuple[Message, _Pairs]:
        """The reply and the trailing metadata; grpc.aio.AioRpcError as a gRPC client would get it."""
        pairs = tuple(metadata)
        handler = await self._resolve(_CallDetails(path, pairs))
        if handler is None or handler.unary_unary is None:
            raise grpc.aio.AioRpcError(
                grpc.StatusCode.UNIMPLEMENTED, grpc.aio.Metadata(), grpc.aio.Metadata(), "Method not found!"
            )
        behavior: Callable[[Any, _Context], Awaitable[Message]] = handler.unary_unary  # type: ignore[assignment]
        loop = asyncio.get_running_loop()
        context = _Context(pairs, None if time_allowed is None else loop.time() + time_allowed)
        deadline = asyncio.timeout(time_allowed)
        try:
            async with deadline:
                reply = await behavior(request, context)
        except grpc.aio.AbortError:
            raise _failure(context) from None
        except TimeoutError as error:
            if not deadline.expired():
                raise _unexpected(error) from None
            raise grpc.aio.AioRpcError(
                grpc.StatusCode.DEADLINE_EXCEEDED, grpc.aio.Metadata(), grpc.aio.Metadata(), "Deadline Exceeded"
            ) from None
        except Exception as error:
            raise _unexpected(error) from None
        if context.code() != grpc.StatusCode.OK:
            raise _failure(context)
        return reply, context.trailing_pairs()
