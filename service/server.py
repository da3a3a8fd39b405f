"""The gRPC server: the services, health, reflection, graceful shutdown."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import signal
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, NoReturn, cast

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from contract import heap
from contract.limits import LIMITS_KEY, Limits, encode_limits
from contract.tls import reload_on_sighup
from service import metrics, tracing
from service.admin import add_admin_servicer
from service.admin_auth import AdminAuthInterceptor
from service.admin_errors import AdminError
from service.config import ServiceSettings
from service.errors import ServiceError, UnexpectedError, internal_status
from service.in_process import InProcess, Registry
from service.servicers import add_servicers
from service.storage import Storage
from service.tls import ServerTls

log = logging.getLogger("campaigns.service")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


Behavior = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    """Request ids, and contract errors turned into rich statuses.

    A ServiceError becomes its google.rpc.Status; anything else is logged with
    its stack and reaches the caller as a bare INTERNAL. Both carry the limits
    the error brings (those of the account the call was made for).
    """

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        behavior: Behavior = handler.unary_unary  # type: ignore[assignment]  # aio handlers are coroutines
        method: str = handler_call_details.method
        incoming = dict(handler_call_details.invocation_metadata or ())

        async def guarded(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            rid = incoming.get("x-request-id")
            rid_token = request_id.set(rid if isinstance(rid, str) and 0 < len(rid) <= 128 else uuid.uuid4().hex)
            outcome = "INTERNAL"
            metrics.IN_FLIGHT.inc()
            started = time.perf_counter()
            try:
                # A call made for an account puts its limits in the trailing metadata itself.
                response = await behavior(request, context)
                outcome = "OK"
                return response
            except ServiceError as error:
                outcome = error.entry.reason
                log.info("%s failed: %s at %s", method, error.mnemonic, error.path or "-")
                tracing.note_error(error.mnemonic)
                await _abort(context, _with_limits(rpc_status.to_status(error.to_status()), error.limits))
            except AdminError as error:
                outcome = error.reason
                log.info("%s refused: %s", method, error.reason)
                tracing.note_error(error.reason)
                await _abort(context, rpc_status.to_status(error.to_status()))
            except (asyncio.CancelledError, grpc.aio.AbortError):
                outcome = "CANCELLED"
                raise
            except Exception as error:
                log.exception("%s failed unexpectedly", method)
                tracing.note_error("internal_error")
                limits = error.limits if isinstance(error, UnexpectedError) else None
                await _abort(context, _with_limits(rpc_status.to_status(internal_status()), limits))
            finally:
                metrics.IN_FLIGHT.dec()
                metrics.calls_of(method, outcome).inc()
                metrics.latency_of(method).observe(time.perf_counter() - started)
                request_id.reset(rid_token)

        return grpc.unary_unary_rpc_method_handler(
            guarded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


async def _abort(context: grpc.aio.ServicerContext[Any, Any], status: grpc.Status) -> NoReturn:
    """abort_with_status, spelled as the abort it is (grpc.aio's abort_with_status calls abort) so that
    the tracing interceptor's context sees the code. The error being handled is not chained to the
    abort: a trace records the abort as an exception event, and an error's text may quote a parameter."""
    try:
        await context.abort(status.code, status.details, status.trailing_metadata)
    except grpc.aio.AbortError as abort:
        raise abort from None


@dataclass(frozen=True)
class _Status(grpc.Status):
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, str | bytes], ...]


def _with_limits(status: grpc.Status, limits: Limits | None) -> grpc.Status:
    """The status with the caller's limits (when its account was known) added to its trailing metadata."""
    if limits is None:
        return status
    return _Status(status.code, status.details, (*status.trailing_metadata, (LIMITS_KEY, encode_limits(limits))))


class RunningService:
    """A started server and what it owns; stop() drains and closes them."""

    def __init__(
        self,
        server: grpc.aio.Server,
        storage: Storage,
        health_servicer: health.aio.HealthServicer,
        port: int,
        tls: ServerTls | None = None,
        in_process: InProcess | None = None,
    ) -> None:
        self.server = server
        # The same calls for a caller in this process (`campaigns serve`'s gateway), without the socket.
        self.in_process = in_process
        self.storage = storage
        self.health = health_servicer
        self.port = port
        self.tls = tls

    def reload_tls(self) -> None:
        """SIGHUP: the certificate files read again for new connections (service/tls.py)."""
        if self.tls is None:
            log.info("SIGHUP: the gRPC port serves plaintext, no certificate to reload")
        else:
            self.tls.reload()

    async def stop(self, grace: float | None) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        await self.storage.close()


async def start(settings: ServiceSettings, storage: Storage | None = None) -> RunningService:
    """Open the database (migrating it), load the demo data if asked, and serve."""
    # The certificate files first: one that cannot be used stops the start before anything is opened.
    tls = ServerTls(settings) if settings.tls_cert else None
    if storage is None:
        storage = await Storage.open(settings.database_url, pool_size=settings.db_pool_size)
    if settings.demo:
        from service.demo import load_demo

        await load_demo(storage)
    # The first is outermost: the admin check's refusals become statuses like any error. With traces
    # on, the tracing interceptor comes before them, so that a call's span covers all of it.
    interceptors = [*tracing.server_interceptors(), ErrorInterceptor(), AdminAuthInterceptor(settings.admin_token)]
    server = grpc.aio.server(
        interceptors=interceptors,
        maximum_concurrent_rpcs=settings.max_concurrent_rpcs,
        options=[
            ("grpc.max_receive_message_length", settings.max_message_bytes),
            ("grpc.max_send_message_length", settings.max_message_bytes),
            ("grpc.max_metadata_size", 64 * 1024),
            *_connection_age(settings.max_connection_age),
        ],
    )
    # The servicers register through the registry, which keeps their handlers for in-process calls
    # (it has the registration methods of a server, which is all that registering uses).
    registry = Registry(server)
    registering = cast(grpc.aio.Server, registry)
    services = (*add_servicers(registering, storage, settings), add_admin_servicer(registering, storage))
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*services, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME), server
    )
    address = f"{settings.host}:{settings.grpc_port}"
    port = server.add_insecure_port(address) if tls is None else server.add_secure_port(address, tls.credentials)
    if port == 0:
        raise OSError(f"cannot listen on {settings.host}:{settings.grpc_port}")
    await server.start()
    for name in ("", *services):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    security = "plaintext" if tls is None else "mutual TLS" if tls.mutual else "TLS"
    log.info("gRPC service listening on %s:%d (%s)", settings.host, port, security)
    in_process = InProcess(registry.handlers, interceptors)
    return RunningService(server, storage, health_servicer, port, tls, in_process)


def _connection_age(seconds: float) -> list[tuple[str, int]]:
    """gRPC's options for max_connection_age (none for 0): the calls on a connection told to go get
    _CALLS_GRACE_MS to finish, then it is closed."""
    if seconds <= 0:
        return []
    return [("grpc.max_connection_age_ms", int(seconds * 1000)), ("grpc.max_connection_age_grace_ms", _CALLS_GRACE_MS)]


# Time for the calls on an aged connection to finish (the gateway's deadline is 5 s by default): a
# connection goes as soon as its calls are done, so a long grace costs nothing.
_CALLS_GRACE_MS: Final = 300_000


async def serve(settings: ServiceSettings) -> None:
    """Run until SIGTERM or SIGINT, then let in-flight calls finish."""
    running = await start(settings)
    heap.settle()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    reload_on_sighup(loop, running.reload_tls)
    await stopping.wait()
    log.info("shutting down, %.0fs grace for in-flight calls", settings.shutdown_grace)
    await running.stop(settings.shutdown_grace)
