"""Running the gateway under uvicorn (httptools, uvloop)."""

from __future__ import annotations

import uvicorn

from gateway.app import GatewaySettings, create_app


def uvicorn_config(*, host: str, port: int, target: str, limit_concurrency: int | None = 1024) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(GatewaySettings(target=target)),
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        limit_concurrency=limit_concurrency,
        timeout_graceful_shutdown=10,
        log_config=None,
    )


def serve_gateway(*, host: str, port: int, target: str) -> None:
    uvicorn.Server(uvicorn_config(host=host, port=port, target=target)).run()
