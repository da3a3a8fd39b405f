"""Running the gateway under uvicorn (httptools, uvloop), over HTTP or HTTPS."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import uvicorn
import uvloop

from contract import heap
from contract.tls import reload_on_sighup
from gateway.app import create_app
from gateway.protocol import hardened_protocol
from gateway.settings import GatewaySettings
from gateway.tls import HttpsCertificate
from gateway.upstream import InProcessService, Upstream

log = logging.getLogger("campaigns.gateway")


class GatewayConfig(uvicorn.Config):
    """uvicorn's config, and what SIGHUP reloads: the HTTPS certificate and the upstream's TLS files."""

    def __init__(self, app: Any, *, upstream: Upstream, https: HttpsCertificate | None, **options: Any) -> None:
        if https is not None:
            # uvicorn listens with this context; reloading its certificate affects new handshakes only.
            options["ssl_context_factory"] = _factory(https.context)
        super().__init__(app, **options)
        self.upstream = upstream
        self.https = https

    def reload_tls(self) -> None:
        """SIGHUP: the files read again; what cannot be used is logged and left as it was."""
        if self.https is None and not self.upstream.settings.target_ca:
            log.info("SIGHUP: the gateway uses no TLS, no certificate to reload")
        if self.https is not None:
            self.https.reload()
        self.upstream.reload_tls()


def _factory(context: ssl.SSLContext) -> Callable[[uvicorn.Config, Callable[[], ssl.SSLContext]], ssl.SSLContext]:
    return lambda _config, _default: context


def uvicorn_config(
    *,
    host: str,
    port: int,
    target: str,
    settings: GatewaySettings | None = None,
    limit_concurrency: int = 2048,
    in_process: InProcessService | None = None,
) -> GatewayConfig:
    """settings: the gateway's own (body cap, deadlines, max in flight, TLS); its target is `target`.
    in_process: the service, when it runs in this process (gateway/upstream.py).

    TlsFileError (a ValueError) when the HTTPS certificate's files cannot be used.
    """
    settings = replace(settings or GatewaySettings(), target=target)
    https = HttpsCertificate(settings) if settings.tls_cert else None
    upstream = Upstream(settings, in_process)
    return GatewayConfig(
        create_app(settings, upstream),
        upstream=upstream,
        https=https,
        host=host,
        port=port,
        loop="uvloop",
        # httptools with a deadline and a cap for the request head, upgrade offers ignored and
        # a graceful close (gateway/protocol.py).
        http=hardened_protocol(head_timeout=settings.head_timeout, head_limit=settings.head_limit),
        # No WebSocket is served: an upgrade offer is ignored and the request served as plain HTTP.
        ws="none",
        # Only the proxies named are believed about the client's address (X-Forwarded-For): by
        # default nobody, so a client cannot pass an IP whitelist by claiming another address.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
        lifespan="on",
        access_log=False,
        # A backstop above the app's own max_in_flight (which answers in JSON-RPC): past this,
        # uvicorn itself refuses with 503 before the app sees the request.
        limit_concurrency=max(limit_concurrency, 2 * settings.max_in_flight),
        timeout_graceful_shutdown=10,
        log_config=None,
    )


def serve_gateway(
    *,
    host: str,
    port: int,
    target: str,
    settings: GatewaySettings | None = None,
    sockets: list[socket.socket] | None = None,
) -> None:
    """sockets: already listening on host:port (the caller has bound them), or None to bind here."""
    config = uvicorn_config(host=host, port=port, target=target, settings=settings)
    server = uvicorn.Server(config)

    async def serve() -> None:
        reload_on_sighup(asyncio.get_running_loop(), config.reload_tls)
        heap.settle()
        await server.serve(sockets=sockets)

    # uvloop, as uvicorn.Server.run would choose for loop="uvloop".
    uvloop.run(serve())
