"""`campaigns serve`: the gRPC service and the JSON-RPC gateway in one process.

One event loop runs both. The gateway calls the service in process (service/in_process.py): the
same interceptors and handlers as a call on the service's port, without the gRPC hop, which cost about
half of both halves' CPU (docs/performance.md). With traces on it calls over loopback gRPC instead, so
that the hop's spans and trace context are those of separate processes. SIGTERM/SIGINT stop the gateway first
(uvicorn drains its requests), then the service with its grace period. SIGHUP
reloads both halves' certificate files.

With TLS (--tls-cert) both ports are TLS, with the same certificate, and the gateway's
channel to the service is TLS too: it checks the service's certificate against
--target-ca, and presents --target-cert to a service that requires client
certificates (--tls-client-ca), as a gateway on another machine would
(cli/serving.py checks that these are given).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from types import FrameType
from typing import Final

import uvicorn
import uvloop

from contract import heap
from contract.tls import reload_on_sighup
from gateway import tracing as gateway_tracing
from gateway.run import uvicorn_config
from gateway.settings import GatewaySettings
from service.config import ServiceSettings
from service.server import start

log = logging.getLogger("campaigns")

# A service listening on every address is dialled on loopback: a certificate can name 127.0.0.1 or ::1,
# not the wildcard.
_LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}


def service_address(host: str) -> str:
    """Where the gateway of `serve` dials the service that listens on `host` (a name, an IPv4 or IPv6 address)."""
    if host in _LOOPBACK:
        return _LOOPBACK[host]
    return f"[{host}]" if ":" in host else host


_ENDING_SIGNALS: Final = (signal.SIGTERM, signal.SIGINT)


async def _serve(
    settings: ServiceSettings, http: socket.socket, http_port: int, gateway: GatewaySettings | None
) -> None:
    # uvicorn drains on SIGTERM or SIGINT, restores the handlers it found and raises the signal again.
    # Found unset, that would end the process there, before the service has drained its own calls
    # (internal callers reach it directly). Found here, the signal is noted, and raised again under the
    # handlers found before once the service has stopped. One that comes before uvicorn serves stops it
    # from serving at all.
    caught: list[int] = []
    server: uvicorn.Server | None = None

    def hold(number: int, _frame: FrameType | None) -> None:
        caught.append(number)
        if server is not None:
            server.should_exit = True

    previous = {signum: signal.getsignal(signum) for signum in _ENDING_SIGNALS}
    for signum in _ENDING_SIGNALS:
        signal.signal(signum, hold)
    try:
        running = await start(settings)
        try:
            target = f"{service_address(settings.host)}:{running.port}"
            in_process = None if gateway_tracing.enabled() else running.in_process
            config = uvicorn_config(
                host=settings.host, port=http_port, target=target, settings=gateway, in_process=in_process
            )

            def reload_tls() -> None:
                running.reload_tls()
                config.reload_tls()

            reload_on_sighup(asyncio.get_running_loop(), reload_tls)
            server = uvicorn.Server(config)
            heap.settle()
            if not caught:
                await server.serve(sockets=[http])
        finally:
            log.info("gateway stopped; stopping the gRPC service")
            await running.stop(settings.shutdown_grace)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    for number in dict.fromkeys(caught):
        signal.raise_signal(number)


def serve_together(
    settings: ServiceSettings, *, http: socket.socket, http_port: int, gateway: GatewaySettings | None = None
) -> None:
    """http: the gateway's socket, already bound to the host and http_port."""
    # uvloop, as `serve-gateway` gets from uvicorn; grpc.aio runs on it too.
    uvloop.run(_serve(settings, http, http_port, gateway))
