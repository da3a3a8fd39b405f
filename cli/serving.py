"""The three `serve` commands, in one process (--workers 1) or as workers under a supervisor.

With one worker a command runs its server in the process the operator started, as it always has. With
more, the process the operator started becomes the supervisor (cli/workers.py): it migrates the database
and loads the demo data once, holds the ports, serves the shared metrics, and runs `--workers` copies of
the server, each in its own process on the same ports.

Traces (cli/traces.py) are set up in the process that serves: the one the operator started with one
worker, else each worker.

`serve-gateway` imports nothing of the service but its settings (no SQLAlchemy): see
tests/cli/test_imports.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from dataclasses import replace

from cli.mistakes import ConfigError
from cli.ports import check_free, listening_socket, reason
from cli.traces import exporters, traces
from cli.workers import Job, Supervisor, reserve_port, shared_listener, shared_metrics
from gateway.settings import GatewaySettings
from service.config import ServiceSettings

GRACE_FOR_GATEWAYS: float = 10.0  # uvicorn's timeout_graceful_shutdown (gateway/run.py)


def configure_logs(level: str, *, service: bool = False, gateway: bool = False) -> None:
    """JSON lines on stderr, with the request id of whichever half the line is from (and a worker's index, and
    the trace's ids when traces are on). Raises ConfigError when the OTEL_* variables cannot be honoured."""
    from service.logs import configure

    request_ids = []
    if service:
        from service.server import request_id as service_request_id

        request_ids.append(service_request_id)
    if gateway:
        from gateway.request_ids import request_id as gateway_request_id

        request_ids.append(gateway_request_id)
    configure(level, request_ids, worker=os.environ.get("CAMPAIGNS_WORKER"), traces=bool(exporters()))


def serve_metrics(host: str, port: int, flag: str) -> None:
    if port:
        from service.metrics import serve_metrics as start

        try:
            start(host, port)
        except OSError as error:
            raise ConfigError(f"cannot listen on {host}:{port} ({flag}): {reason(error)}") from None


@contextlib.contextmanager
def database_mistakes(flag: str) -> Iterator[None]:
    """The database the URL names cannot be used: the storage layer's one line, with the flag to fix."""
    from service.storage.unusable import DatabaseUnusable

    try:
        yield
    except DatabaseUnusable as error:
        raise ConfigError(f"{flag}: {error}") from None


@contextlib.contextmanager
def tls_mistakes() -> Iterator[None]:
    """A certificate, key or CA file that cannot be used: its one line, which names the flag."""
    from contract.tls import TlsFileError

    try:
        yield
    except TlsFileError as error:
        raise ConfigError(str(error)) from None


def check_service_tls(service: ServiceSettings) -> None:
    """The gRPC port's files, read as the server will read them, before anything starts (or any worker)."""
    if service.tls_cert:
        from service.tls import ServerTls

        with tls_mistakes():
            ServerTls(service)


def check_gateway_tls(gateway: GatewaySettings) -> None:
    """The gateway's HTTPS files and those of its channel to the service, before anything starts."""
    from gateway.tls import HttpsCertificate, channel_credentials

    with tls_mistakes():
        if gateway.tls_cert:
            HttpsCertificate(gateway)
        channel_credentials(gateway)


def check_serve_tls(service: ServiceSettings, gateway: GatewaySettings) -> None:
    """`serve`: the gateway's channel to the service beside it must match the service's TLS."""
    if service.tls_cert and not gateway.target_ca:
        raise ConfigError(
            "--tls-cert needs --target-ca in `serve`: the gateway calls the service beside it over TLS too, "
            "and checks its certificate against the CA that issued it"
        )
    if service.tls_client_ca and not gateway.target_cert:
        raise ConfigError(
            "--tls-client-ca needs --target-cert and --target-key in `serve`: the gateway beside the service "
            "must present a client certificate too"
        )
    if gateway.target_ca and not service.tls_cert:
        raise ConfigError("--target-ca: the service of `serve` serves plaintext without --tls-cert and --tls-key")
    check_service_tls(service)
    check_gateway_tls(gateway)


async def _prepare(settings: ServiceSettings) -> None:
    """Migrate and (with --demo) load the demo data, once, before any worker starts."""
    from service.demo import load_demo
    from service.storage import Storage

    storage = await Storage.open(settings.database_url)
    try:
        if settings.demo:
            await load_demo(storage)
    finally:
        await storage.close()


# ------------------------------------------------------------------------------------------ workers
# Module-level, so that spawned workers can be handed them.


def grpc_worker(_index: int, settings: ServiceSettings, level: str) -> None:
    configure_logs(level, service=True)
    from service.server import serve

    with traces(service=True):
        asyncio.run(serve(settings))


def gateway_worker(_index: int, host: str, http_port: int, settings: GatewaySettings, level: str) -> None:
    configure_logs(level, gateway=True)
    from gateway.run import serve_gateway

    with traces(gateway=True):
        serve_gateway(
            host=host,
            port=http_port,
            target=settings.target,
            settings=settings,
            sockets=[shared_listener(host, http_port)],
        )


def together_worker(
    _index: int, service: ServiceSettings, http_port: int, gateway: GatewaySettings, level: str
) -> None:
    configure_logs(level, service=True, gateway=True)
    from cli.together import serve_together

    with traces(service=True, gateway=True):
        serve_together(service, http=shared_listener(service.host, http_port), http_port=http_port, gateway=gateway)


# ------------------------------------------------------------------------------------------ commands


def serve(
    service: ServiceSettings,
    gateway: GatewaySettings,
    *,
    http_port: int,
    metrics_port: int,
    workers: int,
    level: str,
    flags: dict[str, str],
) -> int:
    check_serve_tls(service, gateway)
    configure_logs(level, service=True, gateway=True)
    if workers == 1:
        http = listening_socket(service.host, http_port, flags["http_port"])
        check_free(service.host, service.grpc_port, flags["grpc_port"])
        serve_metrics(service.host, metrics_port, flags["metrics_port"])
        from cli.together import serve_together

        with database_mistakes(flags["database_url"]), traces(service=True, gateway=True):
            serve_together(service, http=http, http_port=http_port, gateway=gateway)
        return 0
    check_free(service.host, http_port, flags["http_port"])
    check_free(service.host, service.grpc_port, flags["grpc_port"])
    check_free(service.host, metrics_port, flags["metrics_port"])
    with database_mistakes(flags["database_url"]):
        asyncio.run(_prepare(service))
    with (
        reserve_port(service.host, service.grpc_port) as grpc_reservation,
        reserve_port(service.host, http_port) as http_reservation,
        shared_metrics(),
    ):
        serve_metrics(service.host, metrics_port, flags["metrics_port"])
        worker_service = replace(service, grpc_port=grpc_reservation.getsockname()[1], demo=False)
        job = Job(together_worker, (worker_service, http_reservation.getsockname()[1], gateway, level), level)
        return Supervisor(job, workers, grace=GRACE_FOR_GATEWAYS + service.shutdown_grace).run()


def serve_grpc(service: ServiceSettings, *, metrics_port: int, workers: int, level: str, flags: dict[str, str]) -> int:
    check_service_tls(service)
    configure_logs(level, service=True)
    check_free(service.host, service.grpc_port, flags["grpc_port"])
    if workers == 1:
        serve_metrics(service.host, metrics_port, flags["metrics_port"])
        from service.server import serve as serve_service

        with database_mistakes(flags["database_url"]), traces(service=True):
            asyncio.run(serve_service(service))
        return 0
    check_free(service.host, metrics_port, flags["metrics_port"])
    with database_mistakes(flags["database_url"]):
        asyncio.run(_prepare(service))
    with reserve_port(service.host, service.grpc_port) as reservation, shared_metrics():
        serve_metrics(service.host, metrics_port, flags["metrics_port"])
        worker_service = replace(service, grpc_port=reservation.getsockname()[1], demo=False)
        return Supervisor(Job(grpc_worker, (worker_service, level), level), workers, grace=service.shutdown_grace).run()


def serve_gateway(
    host: str, gateway: GatewaySettings, *, http_port: int, workers: int, level: str, flags: dict[str, str]
) -> int:
    check_gateway_tls(gateway)
    configure_logs(level, gateway=True)
    if workers == 1:
        http = listening_socket(host, http_port, flags["http_port"])
        from gateway.run import serve_gateway as run

        with traces(gateway=True):
            run(host=host, port=http_port, target=gateway.target, settings=gateway, sockets=[http])
        return 0
    check_free(host, http_port, flags["http_port"])
    with reserve_port(host, http_port) as reservation, shared_metrics():
        job = Job(gateway_worker, (host, reservation.getsockname()[1], gateway, level), level)
        return Supervisor(job, workers, grace=GRACE_FOR_GATEWAYS).run()
