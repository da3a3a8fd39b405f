"""`campaigns serve`: the gRPC service and the JSON-RPC gateway in one process.

One event loop runs both; the gateway reaches the service over loopback gRPC,
exactly as it would across machines. SIGTERM/SIGINT stop the gateway first
(uvicorn drains its requests), then the service with its grace period.
"""

from __future__ import annotations

import logging
import socket

import uvicorn
import uvloop

from gateway.run import uvicorn_config
from gateway.settings import GatewaySettings
from service.config import ServiceSettings
from service.server import start

log = logging.getLogger("campaigns")


async def _serve(
    settings: ServiceSettings, http: socket.socket, http_port: int, gateway: GatewaySettings | None
) -> None:
    running = await start(settings)
    target = f"{settings.host}:{running.port}"
    server = uvicorn.Server(uvicorn_config(host=settings.host, port=http_port, target=target, settings=gateway))
    try:
        await server.serve(sockets=[http])
    finally:
        log.info("gateway stopped; stopping the gRPC service")
        await running.stop(settings.shutdown_grace)


def serve_together(
    settings: ServiceSettings, *, http: socket.socket, http_port: int, gateway: GatewaySettings | None = None
) -> None:
    """http: the gateway's socket, already bound to the host and http_port."""
    # uvloop, as `serve-gateway` gets from uvicorn; grpc.aio runs on it too.
    uvloop.run(_serve(settings, http, http_port, gateway))
