"""Running the gateway under uvicorn (httptools, uvloop)."""

from __future__ import annotations

import uvicorn

from gateway.app import GatewaySettings, create_app


def uvicorn_config(*, host: str, port: int, target: str, limit_concurrency: int | None = 2048) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(GatewaySettings(target=target)),
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        # A backstop above the app's own max_in_flight (which answers in JSON-RPC): past this,
        # uvicorn itself refuses with 503 before the app sees the request.
        limit_concurrency=limit_concurrency,
        timeout_graceful_shutdown=10,
        log_config=None,
    )


def serve_gateway(*, host: str, port: int, target: str) -> None:
    uvicorn.Server(uvicorn_config(host=host, port=port, target=target)).run()
