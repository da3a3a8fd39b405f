"""The gateway's connections to the service (gateway/upstream.py): several, and each call on the one with
the fewest calls in flight; a connection whose calls fail as a sick worker's do rests. Against a real gRPC
server on a loopback port that records whose connection each call came on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2_grpc
from grpc_status import rpc_status
from prometheus_client import REGISTRY

from contract.methods import JSONRPC_METHODS
from gateway import upstream as upstream_module
from gateway.settings import GatewaySettings
from gateway.upstream import Upstream

GET_SITES = JSONRPC_METHODS["get.sites"]
HOLD = "x-test-hold"


class Recorder:
    """Answers get.sites with an empty page; notes each call's peer (the client's address and port: one per
    connection); a call sent with the HOLD metadata waits until `release` is set."""

    def __init__(self) -> None:
        self.peers: list[str] = []
        self.held: list[str] = []
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def get_sites(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        peer = context.peer()
        if any(key == HOLD for key, _value in context.invocation_metadata() or ()):
            self.held.append(peer)
            self.holding.set()
            await self.release.wait()
        else:
            self.peers.append(peer)
        return GET_SITES.response_type()


async def serve(
    found: Recorder, port: int, *, maximum_concurrent_rpcs: int | None = None, options: Sequence[Any] = ()
) -> tuple[grpc.aio.Server, int]:
    """A server answering get.sites with `found` and the gRPC health service, on `port` (0: a free one);
    maximum_concurrent_rpcs and options: the server's own."""
    server = grpc.aio.server(maximum_concurrent_rpcs=maximum_concurrent_rpcs, options=options)
    _, service, method = GET_SITES.path.split("/")
    handler = grpc.unary_unary_rpc_method_handler(
        found.get_sites,
        request_deserializer=GET_SITES.request_type.FromString,
        response_serializer=GET_SITES.response_type.SerializeToString,
    )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, {method: handler}),))
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
    port = server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    return server, port


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, int]]:
    found = Recorder()
    server, port = await serve(found, 0)
    try:
        yield found, port
    finally:
        found.release.set()
        await server.stop(grace=1)


async def opened(port: int, connections: int) -> Upstream:
    upstream = Upstream(GatewaySettings(target=f"127.0.0.1:{port}", target_connections=connections))
    await upstream.open()
    return upstream


async def call(upstream: Upstream, *metadata: tuple[str, str]) -> None:
    await upstream.call(GET_SITES, GET_SITES.request_type(), metadata)


async def held_call(upstream: Upstream, found: Recorder) -> asyncio.Task[None]:
    """A call the server holds until `found.release` is set, once the server has it."""
    held = asyncio.create_task(call(upstream, (HOLD, "1")))
    await asyncio.wait_for(found.holding.wait(), 10)
    return held


async def until_every_connection_answers(
    upstream: Upstream, found: Recorder, connections: int, *, failures_allowed: bool
) -> None:
    """Calls until `found` has had calls on `connections` connections (at most about 6 s). failures_allowed:
    calls may still fail meanwhile (a channel waiting out its reconnect back-off); else any failure fails."""
    for _ in range(300):
        with contextlib.suppress(*((grpc.aio.AioRpcError,) if failures_allowed else ())):
            await call(upstream)
        if len(set(found.peers)) == connections:
            return
        await asyncio.sleep(0.02)
    assert len(set(found.peers)) == connections, found.peers


async def test_calls_one_at_a_time_go_round_every_connection(recorder: tuple[Recorder, int]) -> None:
    found, port = recorder
    upstream = await opened(port, 4)
    try:
        for _ in range(8):
            await call(upstream)
    finally:
        await upstream.close()
    assert len(set(found.peers)) == 4, found.peers
    assert found.peers[4:] == found.peers[:4]


async def test_a_connection_with_a_call_in_flight_is_passed_over(recorder: tuple[Recorder, int]) -> None:
    found, port = recorder
    upstream = await opened(port, 3)
    try:
        held = await held_call(upstream, found)
        for _ in range(6):
            await call(upstream)
        assert not held.done()
        found.release.set()
        await held
    finally:
        await upstream.close()
    assert found.held[0] not in found.peers
    assert len(set(found.peers)) == 2, found.peers


async def test_one_connection_when_told(recorder: tuple[Recorder, int]) -> None:
    found, port = recorder
    upstream = await opened(port, 1)
    try:
        await asyncio.gather(*(call(upstream) for _ in range(6)))
    finally:
        await upstream.close()
    assert len(found.peers) == 6
    assert len(set(found.peers)) == 1


@pytest.mark.parametrize("connections", [0, 65])
def test_the_number_of_connections_is_bounded(connections: int) -> None:
    with pytest.raises(ValueError, match="--target-connections"):
        GatewaySettings(target_connections=connections)


async def test_a_call_given_up_on_leaves_its_connection_free(recorder: tuple[Recorder, int]) -> None:
    found, port = recorder
    upstream = await opened(port, 2)
    try:
        held = await held_call(upstream, found)
        held.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await held
        # Both connections are free again: calls one at a time go round both, the one given up on too.
        for _ in range(4):
            await call(upstream)
    finally:
        await upstream.close()
    assert found.held[0] in found.peers
    assert len(set(found.peers)) == 2, found.peers


async def test_after_the_service_comes_back_every_connection_is_used_again() -> None:
    first = Recorder()
    server, port = await serve(first, 0)
    upstream = await opened(port, 3)
    try:
        for _ in range(3):
            await call(upstream)
        await server.stop(grace=None)
        # Down for a while: every channel tries to connect, fails, and waits its own back-off.
        for _ in range(6):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await call(upstream)
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        await asyncio.sleep(0.5)
        assert await upstream.health() != "SERVING"

        back = Recorder()
        server, _ = await serve(back, port)
        for _ in range(200):
            with contextlib.suppress(grpc.aio.AioRpcError):
                await call(upstream)
            if back.peers:
                break
            await asyncio.sleep(0.02)
        # The channels reconnect one by one, each after its own back-off: from the first call answered on,
        # calls go on those that have (none fails on one still waiting), and soon on all three.
        assert await upstream.health() == "SERVING"
        await until_every_connection_answers(upstream, back, 3, failures_allowed=False)
    finally:
        await upstream.close()
        await server.stop(grace=None)


class Failing(Recorder):
    """A sick worker: fails every call that comes on the first connection it sees, with `code` and `message`,
    until `healed`; with `details`, as the service fails (google.rpc.Status details in the trailing metadata).
    A call sent with the HOLD metadata waits until `release` is set, then fails or answers.
    everywhere: fails the calls on every connection (the whole service failing alike)."""

    def __init__(
        self, code: grpc.StatusCode, *, message: str = "failed", details: bool = False, everywhere: bool = False
    ) -> None:
        super().__init__()
        self.code, self.message, self.details, self.everywhere = code, message, details, everywhere
        self.sick: str | None = None
        self.failed: list[str] = []
        self.healed = False

    async def get_sites(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        peer = context.peer()
        self.sick = self.sick or peer
        if any(key == HOLD for key, _value in context.invocation_metadata() or ()):
            self.held.append(peer)
            await self.release.wait()
        if not self.healed and (self.everywhere or peer == self.sick):
            self.failed.append(peer)
            if self.details:
                info = any_pb2.Any()
                info.Pack(error_details_pb2.ErrorInfo(reason="LIMIT_EXCEEDED", domain="test"))
                status = status_pb2.Status(code=self.code.value[0], message=self.message, details=[info])
                await context.abort_with_status(rpc_status.to_status(status))
            await context.abort(self.code, self.message)
        return await super().get_sites(request, context)


@contextlib.asynccontextmanager
async def failing(found: Failing, connections: int) -> AsyncIterator[Upstream]:
    server, port = await serve(found, 0)
    upstream = await opened(port, connections)
    try:
        yield upstream
    finally:
        await upstream.close()
        await server.stop(grace=None)


def rests_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if "left out for" in record.getMessage()]


def rests_counted(code: grpc.StatusCode) -> float:
    return REGISTRY.get_sample_value("campaigns_gateway_upstream_rests_total", {"code": code.name}) or 0.0


async def calls(upstream: Upstream, count: int) -> list[grpc.StatusCode]:
    """`count` calls one after another: each one's status."""
    codes = []
    for _ in range(count):
        try:
            await call(upstream)
        except grpc.aio.AioRpcError as error:
            codes.append(error.code())
        else:
            codes.append(grpc.StatusCode.OK)
    return codes


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (grpc.StatusCode.INTERNAL, "failed"),
        (grpc.StatusCode.UNKNOWN, "failed"),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "Concurrent RPC limit exceeded!"),  # as gRPC's server words it
    ],
)
async def test_a_connection_whose_calls_fail_as_a_worker_fails_rests(
    code: grpc.StatusCode, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upstream_module, "REST_SECONDS", 60.0)
    found = Failing(code, message=message)
    rests_before = rests_counted(code)
    async with failing(found, 2) as upstream:
        codes = await calls(upstream, 40)
    assert rests_counted(code) == rests_before + 1  # campaigns_gateway_upstream_rests_total, for the operator
    # Without the rest, the sick connection (no call ever in flight on it) took every other call: 20.
    assert len(found.failed) == upstream_module.FAULTS_TO_REST
    assert codes.count(grpc.StatusCode.OK) == 40 - upstream_module.FAULTS_TO_REST
    assert found.sick not in found.peers


@pytest.mark.parametrize(
    ("code", "details"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, True),  # the request's fault
        (grpc.StatusCode.RESOURCE_EXHAUSTED, True),  # the service's limit_exceeded: the client's limit
        (grpc.StatusCode.RESOURCE_EXHAUSTED, False),  # gRPC's refusal of a message too large
        (grpc.StatusCode.PERMISSION_DENIED, False),
    ],
)
async def test_errors_that_say_nothing_of_the_worker_do_not_rest_its_connection(
    code: grpc.StatusCode, details: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upstream_module, "REST_SECONDS", 60.0)
    found = Failing(code, message="Received message larger than max (9 vs. 4)", details=details)
    async with failing(found, 2) as upstream:
        codes = await calls(upstream, 40)
    assert codes.count(code) == 20
    assert len(found.peers) == 20


async def test_a_rested_connection_is_used_again_after_its_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upstream_module, "REST_SECONDS", 0.3)
    found = Failing(grpc.StatusCode.INTERNAL)
    async with failing(found, 2) as upstream:
        # Calls go round the two: the sick connection's fifth failure is the ninth call.
        await calls(upstream, 2 * upstream_module.FAULTS_TO_REST - 1)
        assert len(found.failed) == upstream_module.FAULTS_TO_REST
        assert found.sick not in found.peers
        found.healed = True
        await asyncio.sleep(0.5)
        assert await calls(upstream, 4) == [grpc.StatusCode.OK] * 4
    assert found.sick in found.peers


async def test_failures_of_calls_sent_before_a_rest_do_not_lengthen_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(upstream_module, "REST_SECONDS", 20.0)
    found = Failing(grpc.StatusCode.INTERNAL)
    async with failing(found, 2) as upstream:
        # Twenty calls at once go ten on each connection; the sick one's ten then fail together.
        held = [asyncio.create_task(call(upstream, (HOLD, "1"))) for _ in range(20)]
        for _ in range(500):
            if len(found.held) == 20:
                break
            await asyncio.sleep(0.01)
        found.release.set()
        outcomes = await asyncio.gather(*held, return_exceptions=True)
    assert sum(isinstance(outcome, grpc.aio.AioRpcError) for outcome in outcomes) == 10
    rests = rests_logged(caplog)
    # One rest, of the first length: not a second one, twice as long, for the same burst.
    assert len(rests) == 1 and rests[0].endswith("left out for 20 s"), rests


async def test_with_one_connection_nothing_rests(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(upstream_module, "REST_SECONDS", 20.0)
    found = Failing(grpc.StatusCode.INTERNAL)
    async with failing(found, 1) as upstream:
        await calls(upstream, 12)
        found.healed = True
        assert await calls(upstream, 2) == [grpc.StatusCode.OK] * 2
    assert len(found.failed) == 12
    assert not rests_logged(caplog)


async def test_a_rest_ends_when_its_connection_is_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # A new connection (after the service's restart, or a worker's) may reach another worker.
    monkeypatch.setattr(upstream_module, "REST_SECONDS", 20.0)
    sick = Failing(grpc.StatusCode.INTERNAL)
    server, port = await serve(sick, 0)
    upstream = await opened(port, 2)
    try:
        await calls(upstream, 2 * upstream_module.FAULTS_TO_REST - 1)
        assert len(sick.failed) == upstream_module.FAULTS_TO_REST
        await server.stop(grace=None)
        with pytest.raises(grpc.aio.AioRpcError):
            await call(upstream)
        back = Recorder()
        server, _ = await serve(back, port)
        await until_every_connection_answers(upstream, back, 2, failures_allowed=True)
    finally:
        await upstream.close()
        await server.stop(grace=None)


async def test_when_every_connection_fails_calls_still_go_on_all_of_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upstream_module, "REST_SECONDS", 60.0)
    found = Failing(grpc.StatusCode.INTERNAL, everywhere=True)
    async with failing(found, 3) as upstream:
        codes = await calls(upstream, 45)
    # Each answered what the service said; once all three rest, calls go round them all the same.
    assert codes == [grpc.StatusCode.INTERNAL] * 45
    assert len(set(found.failed[-15:])) == 3, found.failed


@pytest.mark.parametrize(
    ("code", "details", "fault"),
    [
        (grpc.StatusCode.INTERNAL, "", True),
        (grpc.StatusCode.INTERNAL, "Internal error. Please contact support.", True),
        (grpc.StatusCode.UNKNOWN, "Unexpected <class 'ValueError'>", True),
        (grpc.StatusCode.DATA_LOSS, "", True),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "Concurrent RPC limit exceeded!", True),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "Limit per minute has been exceeded. Value of current limit", False),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "Received message larger than max (9 vs. 4)", False),
        (grpc.StatusCode.INVALID_ARGUMENT, "", False),
        (grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded", False),
        (grpc.StatusCode.CANCELLED, "", False),
        (grpc.StatusCode.UNAVAILABLE, "", False),  # handled apart: every connection waits to reconnect
    ],
)
def test_which_failures_are_a_workers_own(code: grpc.StatusCode, details: str, fault: bool) -> None:
    assert upstream_module.worker_fault(code, details) is fault


async def test_grpcs_own_refusals_are_told_apart() -> None:
    """The words of a real server's refusals: a worker at its --max-concurrent-rpcs is at fault, a request
    too large is not (grpcio is pinned; this fails if an upgrade changes the words)."""
    found = Recorder()
    server, port = await serve(found, 0, maximum_concurrent_rpcs=1, options=[("grpc.max_receive_message_length", 64)])
    upstream = await opened(port, 2)
    try:
        with pytest.raises(grpc.aio.AioRpcError) as too_large:
            await upstream.call(GET_SITES, GET_SITES.request_type(fields=["x" * 100]), ())
        held = await held_call(upstream, found)
        with pytest.raises(grpc.aio.AioRpcError) as over_limit:
            await call(upstream)
        found.release.set()
        await held
    finally:
        await upstream.close()
        await server.stop(grace=None)
    assert too_large.value.code() == over_limit.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert not upstream_module.worker_fault(too_large.value.code(), too_large.value.details() or "")
    assert upstream_module.worker_fault(over_limit.value.code(), over_limit.value.details() or "")
