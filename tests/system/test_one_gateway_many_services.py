"""One gateway in front of several services: `--target` with a list of addresses.

The gateway's channel balances round robin over every address that answers,
so each service takes a share of the calls, and a service that stops takes
none: the others carry on without the gateway being restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
import pytest

from tests.system.database import allow_many_campaigns
from tests.system.load import CALL_TIMEOUT, call_create, va_create
from tests.system.processes import GatewayProcess, ServiceProcess, free_port

CALLS = 30
TEST_TIMEOUT = 90.0


async def _creates_answered(metrics_port: int) -> float:
    """campaigns_service_calls_total for successful CreateCampaign calls, from the service's own /metrics."""
    async with httpx.AsyncClient(timeout=2) as client:
        response = await client.get(f"http://127.0.0.1:{metrics_port}/metrics")
    wanted = 'campaigns_service_calls_total{method="/campaigns.v1.CampaignService/CreateCampaign",outcome="OK"}'
    for line in response.text.splitlines():
        if line.startswith(wanted):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
async def test_one_gateway_spreads_over_services_and_outlives_one(database_url: str, tmp_path: Path) -> None:
    await allow_many_campaigns(database_url)
    services = [ServiceProcess(database_url, tmp_path / f"service{i}.log", metrics_port=free_port()) for i in (1, 2)]
    target = "ipv4:" + ",".join(s.target for s in services)
    gateway = GatewayProcess(target, tmp_path / "gateway.log")
    async with asyncio.timeout(TEST_TIMEOUT), contextlib.AsyncExitStack() as cleanup:
        for process in (*services, gateway):
            cleanup.push_async_callback(process.stop)
        await asyncio.gather(*(s.start_serving() for s in services))
        await gateway.start_healthy()

        async with httpx.AsyncClient(timeout=CALL_TIMEOUT + 20) as client:
            first = [
                await call_create(client, gateway.url, f"Spread {i}", va_create(f"Spread {i}")) for i in range(CALLS)
            ]
            shares = [await _creates_answered(s.metrics_port or 0) for s in services]

            await services[0].stop()
            after = [await call_create(client, gateway.url, f"After {i}", va_create(f"After {i}")) for i in range(10)]
        assert await gateway.healthz() == 200
        services[1].assert_alive()
        gateway.assert_alive()

    assert [o.summary() for o in first if not o.ok] == []
    # Round robin over two ready services: each takes about half; pick_first would give one all of them.
    assert sum(shares) == CALLS
    assert min(shares) >= CALLS // 4, f"calls per service: {shares}"
    # The survivor answers everything once the other is gone.
    assert [o.summary() for o in after if not o.ok] == []
