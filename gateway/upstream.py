"""The upstream: the gateway's long-lived gRPC connections to the service, and a callable per method.

A service with --workers N is N processes sharing one port (SO_REUSEPORT): the kernel hands each new
connection to one of them, and every call on that connection goes to that process. A gateway with one
connection would leave the other workers idle (the split stack's PostgreSQL benchmark ran on one service
worker of two). So the gateway keeps --target-connections channels, each with its own connection, and puts
each call on the one with the fewest calls in flight: a worker that falls behind holds more calls, and
gets fewer new ones. Ties go round, so that light traffic reaches every connection too.

A worker that fails its calls at once holds none in flight, so by that rule it would draw most calls: a
connection whose calls fail as only a worker's fault fails (`worker_fault`) several times in a row rests,
for a second and then twice as long each time it rests again without a success between (at most 30 s);
the failures of calls sent before a rest began do not count towards the next.
When every connection rests (the whole service failing alike), calls go on all of them as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Final, Protocol

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc

from contract.methods import JSONRPC_METHODS, Method
from contract.tls import TlsFileError
from gateway import metrics, tracing
from gateway.errors import Metadata
from gateway.settings import GatewaySettings
from gateway.tls import channel_credentials

log = logging.getLogger("campaigns.gateway")

# The health check's own deadline, at most (the call timeout if that is shorter).
_HEALTH_TIMEOUT = 2.0
# gRPC reports a refused handshake in its details only: these words mark one.
_TLS_WORDS: Final = ("handshake failed", "certificate", "verification check failed")
_TLS_FAILED: Final = ", TLS handshake failed"
# A connection rests after this many calls in a row failed with a worker's fault (worker_fault)...
FAULTS_TO_REST: Final = 5
# ...for this long at first, twice as long each time it rests again before a call succeeds, at most _REST_MAX.
REST_SECONDS: Final = 1.0
_REST_MAX: Final = 30.0
# What gRPC's server says when a call would pass its maximum_concurrent_rpcs (grpcio is pinned; a test
# against a real server checks the words).
_CONCURRENCY_REFUSED: Final = "Concurrent RPC limit exceeded"
_IN_FLIGHT: Final = attrgetter("in_flight")


class InProcessService(Protocol):
    """The service running in this process (service/in_process.py), called without the socket."""

    async def call(
        self, path: str, request: Message, metadata: Sequence[tuple[str, str | bytes]], time_allowed: float | None
    ) -> tuple[Message, Metadata]: ...


@dataclass(slots=True, eq=False)
class _Connection:
    """One channel to the service, its callables, and the calls on it now."""

    channel: grpc.aio.Channel
    calls: dict[str, grpc.aio.UnaryUnaryMultiCallable[Any, Any]]
    in_flight: int = 0
    # A call found the service unreachable (a worker that died, a restart): left out until this channel is
    # connected again. A channel that is not fails its calls at once, so it would otherwise have the fewest
    # calls in flight and draw every call.
    unreachable: bool = False
    faults: int = 0  # calls in a row that failed with a worker's fault
    rests: int = 0  # rests since its last call that succeeded
    resting_until: float = 0.0  # time.monotonic()

    def usable(self) -> bool:
        if self.unreachable and self.channel.get_state(try_to_connect=True) == grpc.ChannelConnectivity.READY:
            # Connected again, perhaps to another worker: what the old connection's calls said is past.
            self.unreachable = False
            self.answered()
            self.resting_until = 0.0
        return not self.unreachable and not (self.resting_until and time.monotonic() < self.resting_until)

    def answered(self) -> None:
        # A rest begun runs its course (a call sent before it may still succeed); the next is short again.
        self.faults = self.rests = 0

    def failed(self, error: grpc.aio.AioRpcError) -> float:
        """Count a failed call; the seconds it now rests for, or 0."""
        if not worker_fault(error.code(), error.details() or ""):
            self.faults = 0
            return 0.0
        if self.resting_until and time.monotonic() < self.resting_until:
            return 0.0  # a call sent before the rest began: the rest already answers for it
        self.faults += 1
        if self.faults < FAULTS_TO_REST:
            return 0.0
        rest = min(_REST_MAX, REST_SECONDS * 2.0**self.rests)
        self.faults, self.rests = 0, self.rests + 1
        self.resting_until = time.monotonic() + rest
        return rest


def worker_fault(code: grpc.StatusCode, details: str) -> bool:
    """Whether a failure is one that a single service worker can have alone (so that another may answer):
    an unexpected failure (INTERNAL, UNKNOWN, DATA_LOSS; a request that sets off a bug in every worker
    counts too, and rests every connection in turn, which then all take calls again), or gRPC's refusal at
    the worker's --max-concurrent-rpcs. Not: a contract error (the request's, or a client's limit_exceeded,
    also RESOURCE_EXHAUSTED), gRPC's refusal of a message too large (the request's), a deadline."""
    if code in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DATA_LOSS):
        return True
    return code == grpc.StatusCode.RESOURCE_EXHAUSTED and _CONCURRENCY_REFUSED in details


class Upstream:
    """Opened once when the app starts (`open`), closed when it stops (`close`).

    With --target-ca the channels are TLS; `reload_tls` (SIGHUP) reads the files again and swaps in new
    channels for the calls to come, while the calls in flight finish on the old ones.

    in_process: the service, when it runs in this process (`campaigns serve`): the JSON-RPC methods'
    calls go to it directly, the same interceptors and handlers without the gRPC hop; one channel still
    opens, for the health check, which then also says that the service's port answers.
    """

    def __init__(self, settings: GatewaySettings, in_process: InProcessService | None = None) -> None:
        self.settings = settings
        self.in_process = in_process
        self._connections: list[_Connection] = []
        self._turn = 0
        self._closing: set[asyncio.Task[None]] = set()
        self._last_failure = ""

    async def open(self) -> None:
        self._connections = self._connect(channel_credentials(self.settings))

    def _connect(self, credentials: grpc.ChannelCredentials | None) -> list[_Connection]:
        # The service in this process takes the calls: one channel, for the health check.
        count = 1 if self.in_process is not None else self.settings.target_connections
        return [self._channel(credentials) for _ in range(count)]

    def _channel(self, credentials: grpc.ChannelCredentials | None) -> _Connection:
        options: list[tuple[str, str | int]] = [
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
            # A connection of this channel's own: channels with the same target and options would share
            # one otherwise (gRPC's process-wide subchannel pool).
            ("grpc.use_local_subchannel_pool", 1),
        ]
        # None unless traces are on: then a span per call, and its traceparent in the metadata.
        interceptors = tracing.client_interceptors()
        if credentials is None:
            channel = grpc.aio.insecure_channel(self.settings.target, options=options, interceptors=interceptors)
        else:
            if self.settings.target_name:
                options.append(("grpc.ssl_target_name_override", self.settings.target_name))
            channel = grpc.aio.secure_channel(
                self.settings.target, credentials, options=options, interceptors=interceptors
            )
        calls = {
            method.name: channel.unary_unary(
                method.path,
                request_serializer=method.request_type.SerializeToString,
                response_deserializer=method.response_type.FromString,
            )
            for method in JSONRPC_METHODS.values()
        }
        return _Connection(channel, calls)

    def reload_tls(self) -> bool:
        """SIGHUP: new channels with the files read again; False (an error logged) if they cannot be used."""
        if not self.settings.target_ca or not self._connections:
            return False
        try:
            credentials = channel_credentials(self.settings)
        except TlsFileError as error:
            log.error("TLS files not reloaded, the channels to the service keep their credentials: %s", error)
            return False
        old = self._connections
        self._connections = self._connect(credentials)
        # The calls in flight on the old channels get the time a call may take, then they close.
        for connection in old:
            task = asyncio.get_running_loop().create_task(connection.channel.close(grace=self.settings.call_timeout))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        log.info("TLS files reloaded: new calls to the service go on channels with %s", self.settings.target_ca)
        return True

    async def close(self) -> None:
        for connection in self._connections:
            await connection.channel.close()
        if self._closing:
            await asyncio.gather(*self._closing)

    async def call(
        self, method: Method, message: Message, metadata: Sequence[tuple[str, str | bytes]]
    ) -> tuple[Message, Metadata]:
        """The reply and the trailing metadata, within the call timeout; grpc.aio.AioRpcError when it fails."""
        if self.in_process is not None:
            return await self.in_process.call(method.path, message, metadata, self.settings.call_timeout)
        connection = self._pick()
        connection.in_flight += 1
        try:
            call = connection.calls[method.name](message, metadata=metadata, timeout=self.settings.call_timeout)
            reply: Message = await call
            trailing: Metadata = await call.trailing_metadata()
        except grpc.aio.AioRpcError as error:
            # The client gets internal_error; the log gets why the service could not be reached.
            if error.code() == grpc.StatusCode.UNAVAILABLE:
                # The others may have lost the service too (a restart): each is used again once connected.
                for each in self._connections:
                    each.unreachable = True
                self._report(error.details() or "")
            elif len(self._connections) > 1 and (rest := connection.failed(error)):
                metrics.UPSTREAM_RESTS.labels(error.code().name).inc()
                log.warning(
                    "a connection to the service at %s failed %d calls in a row (%s): left out for %g s",
                    self.settings.target,
                    FAULTS_TO_REST,
                    error.code().name,
                    rest,
                )
            raise
        finally:
            connection.in_flight -= 1
        connection.answered()
        if self._last_failure:
            self._report("")
        return reply, trailing

    def _pick(self) -> _Connection:
        """The usable connection with the fewest calls in flight, looking from the one after the last
        pick's start (so that ties go round); when none is usable, the one with the fewest of all (its call
        says why, if it fails)."""
        connections = self._connections
        count = len(connections)
        if count == 1:
            return connections[0]
        start = self._turn = (self._turn + 1) % count
        best: _Connection | None = None
        for step in range(count):
            connection = connections[(start + step) % count]
            if not connection.usable():
                continue
            if connection.in_flight == 0:
                return connection
            if best is None or connection.in_flight < best.in_flight:
                best = connection
        if best is None:
            best = min((connections[(start + step) % count] for step in range(count)), key=_IN_FLIGHT)
        return best

    async def health(self) -> str:
        """The service's gRPC health status (SERVING, ...), UNREACHABLE (code) or UNKNOWN before `open`."""
        if not self._connections:
            return "UNKNOWN"
        try:
            reply = await health_pb2_grpc.HealthStub(self._health_channel()).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=min(self.settings.call_timeout, _HEALTH_TIMEOUT)
            )
        except grpc.aio.AioRpcError as error:
            self._report(error.details() or "")
            return f"UNREACHABLE ({error.code().name}{_TLS_FAILED if _tls_failure(error) else ''})"
        self._report("")
        name: str = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        return name

    def _health_channel(self) -> grpc.aio.Channel:
        """A connected channel if there is one: after a restart of the service, the channels reconnect one by
        one, and the service answers as soon as one has. Else the first, whose check then says why not."""
        for connection in self._connections:
            if connection.channel.get_state(try_to_connect=True) == grpc.ChannelConnectivity.READY:
                return connection.channel
        return self._connections[0].channel

    def _report(self, failure: str) -> None:
        """Log why the service cannot be reached, once per new reason (calls and health checks keep coming)."""
        if failure != self._last_failure:
            if failure:
                log.warning("the service at %s cannot be reached: %s", self.settings.target, failure)
            else:
                log.info("the service at %s answers again", self.settings.target)
            self._last_failure = failure


def _tls_failure(error: grpc.aio.AioRpcError) -> bool:
    """Whether gRPC's words for a failed connection point at the TLS handshake (a certificate refused)."""
    details = (error.details() or "").lower()
    return error.code() == grpc.StatusCode.UNAVAILABLE and any(word in details for word in _TLS_WORDS)
