"""The gRPC server: CampaignService, health, reflection, graceful shutdown."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import signal
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import sqlalchemy as sa
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import campaign_service_pb2_grpc as spb_grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from service import access, points, rules
from service.campaigns import create_campaign
from service.config import ServiceSettings
from service.errors import ServiceError, internal_status
from service.storage import Storage

log = logging.getLogger("campaigns.service")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


@dataclass(slots=True)
class CallState:
    """What one call learns on its way that its response must carry.

    A plain object rather than context variables: the storage work may run on
    a worker thread, and what it records here must be seen back on the loop.
    """

    # The caller's point limits once its account is known; sent as trailing metadata.
    limits: points.Limits | None = None


call_state: contextvars.ContextVar[CallState] = contextvars.ContextVar("call_state")

SERVICE_NAME = spb.DESCRIPTOR.services_by_name["CampaignService"].full_name
FAULTS_METADATA = "x-param-faults-bin"


def _metadata(context: grpc.aio.ServicerContext[Any, Any], key: str) -> str | bytes | None:
    for item_key, value in context.invocation_metadata() or ():
        if item_key == key:
            return value
    return None


class CampaignService(spb_grpc.CampaignServiceServicer):
    def __init__(self, storage: Storage, settings: ServiceSettings) -> None:
        self._storage = storage
        self._settings = settings

    def _admit(
        self,
        conn: sa.Connection,
        context: grpc.aio.ServicerContext[Any, Any],
        state: CallState,
        method: str,
        user_id: int | None,
        faults: rules.Faults,
    ) -> access.Caller:
        """Steps 2 to 6: who calls, may they, and have they points left."""
        authorization = _metadata(context, "authorization")
        forwarded = _metadata(context, "x-forwarded-for")
        ip = access.client_ip(
            context.peer(),
            forwarded if isinstance(forwarded, str) else None,
            self._settings.trusted_proxies,
        )

        def note_limits(account: access.Account) -> None:
            state.limits = points.read_limits(conn, account)

        caller = access.authenticate(
            conn,
            token=access.bearer_token(authorization if isinstance(authorization, str) else None),
            user_id=user_id,
            ip=ip,
            method=access.METHODS[method],
            on_account=note_limits,
            user_id_fault=faults.mnemonic_at("user_id"),
        )
        assert state.limits is not None
        points.check_budget(state.limits)
        return caller

    async def CreateCampaign(
        self, request: spb.CreateCampaignRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> spb.CreateCampaignResponse:
        raw_faults = _metadata(context, FAULTS_METADATA)
        faults = rules.Faults.decode(raw_faults if isinstance(raw_faults, bytes) else None)
        user_id = request.user_id if request.HasField("user_id") else None
        state = call_state.get()

        def admit(conn: sa.Connection) -> access.Caller:
            caller = self._admit(conn, context, state, f"/{SERVICE_NAME}/CreateCampaign", user_id, faults)
            rules.check_structure(request, rules.CREATE_CAMPAIGN, faults)
            rules.check_components(request, caller.account.components)
            return caller

        campaign_id = await create_campaign(self._storage, request, admit)
        if state.limits is not None:
            state.limits = state.limits.spent(1)
        return spb.CreateCampaignResponse(id=campaign_id)


Behavior = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    """Request ids, and contract errors turned into rich statuses.

    A ServiceError becomes its google.rpc.Status; anything else is logged with
    its stack and reaches the caller as a bare INTERNAL.
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
            rid_token = request_id.set(rid if isinstance(rid, str) and rid else uuid.uuid4().hex)
            state_token = call_state.set(CallState())
            try:
                response = await behavior(request, context)
                context.set_trailing_metadata(_limits_metadata())
                return response
            except ServiceError as error:
                log.info("%s failed: %s at %s", method, error.mnemonic, error.path or "-")
                await context.abort_with_status(_with_limits(rpc_status.to_status(error.to_status())))
            except (asyncio.CancelledError, grpc.aio.AbortError):
                raise
            except Exception:
                log.exception("%s failed unexpectedly", method)
                await context.abort_with_status(_with_limits(rpc_status.to_status(internal_status())))
            finally:
                call_state.reset(state_token)
                request_id.reset(rid_token)

        return grpc.unary_unary_rpc_method_handler(
            guarded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def _limits_metadata() -> tuple[tuple[str, str], ...]:
    limits = call_state.get().limits
    return limits.as_metadata() if limits is not None else ()


@dataclass(frozen=True)
class _Status(grpc.Status):
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, str | bytes], ...]


def _with_limits(status: grpc.Status) -> grpc.Status:
    """The status with the caller's limits added to its trailing metadata."""
    return _Status(status.code, status.details, (*status.trailing_metadata, *_limits_metadata()))


class RunningService:
    """A started server and what it owns; stop() drains and closes them."""

    def __init__(
        self, server: grpc.aio.Server, storage: Storage, health_servicer: health.aio.HealthServicer, port: int
    ) -> None:
        self.server = server
        self.storage = storage
        self.health = health_servicer
        self.port = port

    async def stop(self, grace: float | None) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        await self.storage.close()


async def start(settings: ServiceSettings, storage: Storage | None = None) -> RunningService:
    """Open the database (migrating it), load the demo data if asked, and serve."""
    if storage is None:
        storage = await Storage.open(settings.database_url, pool_size=settings.db_pool_size)
    if settings.demo:
        from service.demo import load_demo

        await load_demo(storage)
    server = grpc.aio.server(
        interceptors=[ErrorInterceptor()],
        maximum_concurrent_rpcs=settings.max_concurrent_rpcs,
        options=[
            ("grpc.max_receive_message_length", settings.max_message_bytes),
            ("grpc.max_send_message_length", settings.max_message_bytes),
            ("grpc.max_metadata_size", 64 * 1024),
        ],
    )
    spb_grpc.add_CampaignServiceServicer_to_server(CampaignService(storage, settings), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME), server
    )
    port = server.add_insecure_port(f"{settings.host}:{settings.grpc_port}")
    if port == 0:
        raise OSError(f"cannot listen on {settings.host}:{settings.grpc_port}")
    await server.start()
    await health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    await health_servicer.set(SERVICE_NAME, health_pb2.HealthCheckResponse.SERVING)
    log.info("gRPC service listening on %s:%d", settings.host, port)
    return RunningService(server, storage, health_servicer, port)


async def serve(settings: ServiceSettings) -> None:
    """Run until SIGTERM or SIGINT, then let in-flight calls finish."""
    running = await start(settings)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    log.info("shutting down, %.0fs grace for in-flight calls", settings.shutdown_grace)
    await running.stop(settings.shutdown_grace)
