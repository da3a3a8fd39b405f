"""Running the gateway under uvicorn (httptools, uvloop)."""

from __future__ import annotations

import socket
from dataclasses import replace

import uvicorn

from gateway.app import create_app
from gateway.protocol import hardened_protocol
from gateway.settings import GatewaySettings


def uvicorn_config(
    *, host: str, port: int, target: str, settings: GatewaySettings | None = None, limit_concurrency: int = 2048
) -> uvicorn.Config:
    """settings: the gateway's own (body cap, deadlines, max in flight); its target is `target`."""
    settings = replace(settings or GatewaySettings(), target=target)
    return uvicorn.Config(
        create_app(settings),
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
    uvicorn.Server(uvicorn_config(host=host, port=port, target=target, settings=settings)).run(sockets=sockets)
