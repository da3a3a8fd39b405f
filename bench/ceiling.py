"""The ceiling of this stack: a bare Starlette handler forwarding the body to a bare grpc.aio echo.

Run as `python bench/ceiling.py echo PORT` or `python bench/ceiling.py http PORT TARGET`;
bench/gateway_throughput.py starts both.
"""

from __future__ import annotations

import asyncio
import sys

import grpc
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_METHOD = "/bench.Echo/Echo"


def _identity(data: bytes) -> bytes:
    return data


async def _echo(request: bytes, _context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    return request


async def serve_echo(port: int) -> None:
    server = grpc.aio.server()
    handler = grpc.method_handlers_generic_handler(
        "bench.Echo",
        {
            "Echo": grpc.unary_unary_rpc_method_handler(
                _echo, request_deserializer=_identity, response_serializer=_identity
            )
        },
    )
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


def http_app(target: str) -> Starlette:
    state: dict[str, grpc.aio.UnaryUnaryMultiCallable[bytes, bytes]] = {}

    async def forward(request: Request) -> Response:
        if "call" not in state:
            channel = grpc.aio.insecure_channel(target)
            state["call"] = channel.unary_unary(_METHOD, request_serializer=_identity, response_deserializer=_identity)
        reply = await state["call"](await request.body(), timeout=5)
        return Response(reply, media_type="application/json")

    return Starlette(routes=[Route("/v2.0", forward, methods=["POST"])])


if __name__ == "__main__":
    if sys.argv[1] == "echo":
        asyncio.run(serve_echo(int(sys.argv[2])))
    else:
        uvicorn.run(
            http_app(sys.argv[3]),
            host="127.0.0.1",
            port=int(sys.argv[2]),
            loop="uvloop",
            http="httptools",
            access_log=False,
            log_level="warning",
        )
