"""The upstream: the gateway's one long-lived gRPC channel to the service, and a callable per method."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc

from contract.methods import JSONRPC_METHODS, Method
from gateway import tracing
from gateway.errors import Metadata
from gateway.settings import GatewaySettings

# The health check's own deadline, at most (the call timeout if that is shorter).
_HEALTH_TIMEOUT = 2.0


class Upstream:
    """Opened once when the app starts (`open`), closed when it stops (`close`)."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.channel: grpc.aio.Channel | None = None
        self._calls: dict[str, grpc.aio.UnaryUnaryMultiCallable[Any, Any]] = {}

    async def open(self) -> None:
        self.channel = grpc.aio.insecure_channel(
            self.settings.target,
            options=[
                # A target that resolves to several services (a list of addresses, or a DNS
                # name with several records) spreads calls over every one that answers;
                # gRPC's default, pick_first, would send them all to one.
                ("grpc.lb_policy_name", "round_robin"),
                # Come back quickly once the service is up again.
                ("grpc.initial_reconnect_backoff_ms", 100),
                ("grpc.min_reconnect_backoff_ms", 100),
                ("grpc.max_reconnect_backoff_ms", 1000),
                ("grpc.max_send_message_length", 2 * self.settings.body_limit),
                ("grpc.max_receive_message_length", 2 * self.settings.body_limit),
                ("grpc.max_metadata_size", 64 * 1024),
            ],
            # None unless traces are on: then a span per call, and its traceparent in the metadata.
            interceptors=tracing.client_interceptors(),
        )
        for method in JSONRPC_METHODS.values():
            self._calls[method.name] = self.channel.unary_unary(
                method.path,
                request_serializer=method.request_type.SerializeToString,
                response_deserializer=method.response_type.FromString,
            )

    async def close(self) -> None:
        if self.channel is not None:
            await self.channel.close()

    async def call(
        self, method: Method, message: Message, metadata: Sequence[tuple[str, str | bytes]]
    ) -> tuple[Message, Metadata]:
        """The reply and the trailing metadata, within the call timeout; grpc.aio.AioRpcError when it fails."""
        call = self._calls[method.name](message, metadata=metadata, timeout=self.settings.call_timeout)
        reply: Message = await call
        trailing: Metadata = await call.trailing_metadata()
        return reply, trailing

    async def health(self) -> str:
        """The service's gRPC health status (SERVING, ...), UNREACHABLE (code) or UNKNOWN before `open`."""
        if self.channel is None:
            return "UNKNOWN"
        try:
            reply = await health_pb2_grpc.HealthStub(self.channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=min(self.settings.call_timeout, _HEALTH_TIMEOUT)
            )
        except grpc.aio.AioRpcError as error:
            return f"UNREACHABLE ({error.code().name})"
        name: str = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        return name
