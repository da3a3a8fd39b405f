"""service/in_process.py: a call made in process ends as the same call made over gRPC would.

Each handler below runs twice, behind the same interceptors: on a real grpc.aio server on a loopback port,
called through a channel, and through InProcess. What a client sees (the reply or the code, the details,
and the trailing metadata) must be the same. The service's own calls are compared the same way, end to
end through the gateway, in tests/gateway/test_in_process.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import grpc
import pytest
from google.protobuf import wrappers_pb2
from google.rpc import code_pb2, status_pb2
from grpc_status import rpc_status

from service.in_process import PEER, InProcess, Registry

Text = wrappers_pb2.StringValue
Context = grpc.aio.ServicerContext[Any, Any]
SERVICE = "test.InProcess"
TIME_ALLOWED = 5.0
_CLOCK_MARGIN = 0.5


async def echo(request: Text, context: Context) -> Text:
    """Replies with the request, what it was sent as metadata, and whether a deadline is set."""
    sent = {key: str(value) for key, value in context.invocation_metadata() or ()}
    context.set_trailing_metadata((("x-echo", str(sent.get("x-in"))), ("x-echo-bin", b"\x00\xff")))
    remaining = context.time_remaining()
    # Over gRPC the timeout travels as a header and comes back as a deadline on another clock: seen up to
    # 6 ms more than was sent. The margin still tells a deadline from none (None) or a default one.
    within = remaining is not None and 0 < remaining <= TIME_ALLOWED + _CLOCK_MARGIN
    return Text(value=f"{request.value}|{sent.get('x-in')}|deadline {'set' if within else 'missing'}")


async def abort_rich(_request: Text, context: Context) -> Text:
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message="bad value")
    await context.abort_with_status(rpc_status.to_status(status))
    raise AssertionError("abort returned")


async def abort_with_metadata(_request: Text, context: Context) -> Text:
    context.set_trailing_metadata((("x-first", "1"),))
    await context.abort(grpc.StatusCode.PERMISSION_DENIED, "no", (("x-limits", "7"),))
    raise AssertionError("abort returned")


async def code_without_abort(_request: Text, context: Context) -> Text:
    context.set_code(grpc.StatusCode.NOT_FOUND)
    context.set_details("gone")
    return Text(value="ignored")


async def raises(_request: Text, _context: Context) -> Text:
    raise ValueError("boom")


async def raises_its_own_timeout(_request: Text, _context: Context) -> Text:
    """A handler's own TimeoutError is an error of the handler's, not the call's deadline."""
    raise TimeoutError("a query timed out")


async def sleeps(_request: Text, _context: Context) -> Text:
    await asyncio.sleep(30)
    return Text(value="late")


HANDLERS: dict[str, Callable[[Text, Context], Awaitable[Text]]] = {
    "Echo": echo,
    "AbortRich": abort_rich,
    "AbortWithMetadata": abort_with_metadata,
    "CodeWithoutAbort": code_without_abort,
    "Raises": raises,
    "RaisesItsOwnTimeout": raises_its_own_timeout,
    "Sleeps": sleeps,
}


class Recording(grpc.aio.ServerInterceptor):
    """Notes the order the interceptors ran in, and wraps each handler as the service's ErrorInterceptor does."""

    def __init__(self, name: str, seen: list[str]) -> None:
        self.name, self.seen = name, seen

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        self.seen.append(f"{self.name} {handler_call_details.method}")
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner = cast(Callable[[Any, Context], Awaitable[Any]], handler.unary_unary)

        async def wrapped(request: Any, context: Context) -> Any:
            self.seen.append(f"{self.name} ran")
            return await inner(request, context)

        return grpc.unary_unary_rpc_method_handler(
            wrapped, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
        )


@dataclass(frozen=True)
class Outcome:
    """What a client sees of a call."""

    code: grpc.StatusCode
    details: str | None
    reply: str | None
    trailing: tuple[tuple[str, str | bytes], ...]


def _trailing(metadata: Any) -> tuple[tuple[str, str | bytes], ...]:
    return tuple((key, value) for key, value in metadata or ())


@dataclass
class Both:
    channel: grpc.aio.Channel
    in_process: InProcess
    seen: list[str]

    async def over_grpc(self, method: str, value: str, metadata: tuple[tuple[str, str], ...]) -> Outcome:
        callable_ = self.channel.unary_unary(
            f"/{SERVICE}/{method}", request_serializer=Text.SerializeToString, response_deserializer=Text.FromString
        )
        call = callable_(Text(value=value), metadata=metadata, timeout=self._time_allowed(method))
        try:
            reply = await call
        except grpc.aio.AioRpcError as error:
            return Outcome(error.code(), error.details(), None, _trailing(error.trailing_metadata()))
        return Outcome(grpc.StatusCode.OK, None, reply.value, _trailing(await call.trailing_metadata()))

    async def in_process_call(self, method: str, value: str, metadata: tuple[tuple[str, str], ...]) -> Outcome:
        try:
            reply, trailing = await self.in_process.call(
                f"/{SERVICE}/{method}", Text(value=value), metadata, self._time_allowed(method)
            )
        except grpc.aio.AioRpcError as error:
            return Outcome(error.code(), error.details(), None, _trailing(error.trailing_metadata()))
        assert isinstance(reply, Text)
        return Outcome(grpc.StatusCode.OK, None, reply.value, _trailing(trailing))

    @staticmethod
    def _time_allowed(method: str) -> float:
        return 0.3 if method == "Sleeps" else TIME_ALLOWED


@pytest.fixture
async def both() -> AsyncIterator[Both]:
    seen: list[str] = []
    interceptors = [Recording("outer", seen), Recording("inner", seen)]
    server = grpc.aio.server(interceptors=interceptors)
    registry = Registry(server)
    handlers = {
        name: grpc.unary_unary_rpc_method_handler(
            handler, request_deserializer=Text.FromString, response_serializer=Text.SerializeToString
        )
        for name, handler in HANDLERS.items()
    }
    registry.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    registry.add_registered_method_handlers(SERVICE, handlers)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Both(channel, InProcess(registry.handlers, interceptors), seen)
    finally:
        await channel.close()
        await server.stop(None)


@pytest.mark.parametrize("method", [*HANDLERS, "NoSuchMethod"])
async def test_a_call_in_process_ends_as_over_grpc(both: Both, method: str) -> None:
    metadata = (("x-in", "sent"),)
    over_grpc = await both.over_grpc(method, "hello", metadata)
    in_process = await both.in_process_call(method, "hello", metadata)
    assert in_process == over_grpc
    if method == "Echo":
        assert in_process.reply == "hello|sent|deadline set"
        assert ("x-echo-bin", b"\x00\xff") in in_process.trailing


async def test_the_interceptors_run_in_the_servers_order(both: Both) -> None:
    await both.over_grpc("Echo", "a", ())
    over_grpc = list(both.seen)
    both.seen.clear()
    await both.in_process_call("Echo", "a", ())
    assert (
        both.seen
        == over_grpc
        == [
            f"outer /{SERVICE}/Echo",
            f"inner /{SERVICE}/Echo",
            "outer ran",
            "inner ran",
        ]
    )


async def test_an_in_process_caller_is_a_local_peer() -> None:
    """Not an IP address: the service then takes the client's address from x-forwarded-for, as it does
    from a proxy on a Unix socket (service/networks.py)."""
    from service.networks import client_ip

    address = client_ip(PEER, "203.0.113.9", ())
    assert str(address) == "203.0.113.9"
