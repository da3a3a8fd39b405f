"""Overload: bounded concurrency answers at once with a clean error instead of piling up."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from service import server as service_server
from service.config import ServiceSettings
from tests.conftest import start_gateway, stop_gateway
from tests.gateway.wire import VALID, assert_error, envelope, json_rpc_body, post


async def test_requests_beyond_max_in_flight_get_internal_error_at_once() -> None:
    release = asyncio.Event()
    arrived = 0

    async def sit(_request: bytes, _context: Any) -> bytes:
        nonlocal arrived
        arrived += 1
        await release.wait()
        return b""

    stuck = grpc.aio.server()
    stuck.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "campaigns.v1.CampaignService", {"CreateCampaign": grpc.unary_unary_rpc_method_handler(sit)}
            ),
        )
    )
    port = stuck.add_insecure_port("127.0.0.1:0")
    await stuck.start()
    server, task, http_port = await start_gateway(f"127.0.0.1:{port}", max_in_flight=2, call_timeout=10.0)
    url = f"http://127.0.0.1:{http_port}/v2.0"
    try:
        held = [asyncio.ensure_future(post(url, envelope(VALID, n))) for n in range(2)]
        for _ in range(200):
            if arrived == 2:
                break
            await asyncio.sleep(0.02)
        assert arrived == 2
        started = time.monotonic()
        extra = json_rpc_body(await post(url, envelope(VALID, "extra")))
        assert time.monotonic() - started < 2.0  # not queued behind the held calls
        assert_error(extra, "internal_error", request_id=None)
        release.set()
        for response in await asyncio.gather(*held):
            assert response.status_code == 200
    finally:
        release.set()
        await stop_gateway(server, task)
        await stuck.stop(0)


async def test_service_refuses_calls_beyond_its_bound_cleanly(database_url: str) -> None:
    """grpc.aio's maximum_concurrent_rpcs: the call past it is refused at once (RESOURCE_EXHAUSTED)."""
    running = await service_server.start(
        ServiceSettings(host="127.0.0.1", grpc_port=0, database_url=database_url, max_concurrent_rpcs=1)
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        # Hold the one slot with a health Watch stream, then a unary call must be refused.
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""))
        await watch.read()
        check = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        try:
            await check
            refused = None
        except grpc.aio.AioRpcError as error:
            refused = error.code()
        watch.cancel()
        assert refused == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        await channel.close()
        await running.stop(grace=1)
