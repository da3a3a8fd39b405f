"""Request ids, metrics, health and logs, seen from outside."""

from __future__ import annotations

import logging
import re

import httpx
import orjson

from gateway.request_ids import request_id as gateway_request_id
from service.logs import JsonFormatter
from service.server import request_id as service_request_id
from tests.conftest import Gateway
from tests.gateway.conftest import LoneGateway
from tests.gateway.wire import envelope

VALID = {"access_token": "tok_cust", "name": "Observed", "site_id": 10}


async def test_request_id_is_echoed_or_made(gateway: Gateway) -> None:
    async with httpx.AsyncClient() as client:
        given = await client.post(gateway.url, content=envelope(VALID), headers={"x-request-id": "trace-42"})
        made = await client.post(gateway.url, content=envelope(VALID))
        refused = await client.post(gateway.url, content=b"not json")
    assert given.headers["x-request-id"] == "trace-42"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert refused.headers["x-request-id"] != made.headers["x-request-id"]


async def test_request_id_reaches_the_service_log_and_no_token_is_logged(gateway: Gateway) -> None:
    formatter = JsonFormatter([service_request_id, gateway_request_id])
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(formatter.format(record))

    handler = Capture(level=logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    try:
        async with httpx.AsyncClient() as client:
            await client.post(
                gateway.url,
                content=envelope({"access_token": "tok_cust", "name": "No site"}),
                headers={"x-request-id": "trace-77"},
            )
            await client.post(gateway.url, content=envelope({"access_token": "tok_secret_never_logged"}))
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    entries = [orjson.loads(line) for line in lines]
    service_entries = [e for e in entries if e["logger"] == "campaigns.service" and "site_id" in e["message"]]
    assert service_entries, entries
    assert service_entries[0]["request_id"] == "trace-77"
    assert not [line for line in lines if "tok_cust" in line or "tok_secret_never_logged" in line]


async def test_metrics_count_requests_by_method_and_mnemonic(gateway: Gateway) -> None:
    async with httpx.AsyncClient() as client:

        async def count(mnemonic: str) -> float:
            text = (await client.get(gateway.url.replace("/v2.0", "/metrics"))).text
            pattern = rf'campaigns_gateway_requests_total{{method="create.campaigns",mnemonic="{mnemonic}"}} (\S+)'
            found = re.search(pattern, text)
            return float(found.group(1)) if found else 0.0

        ok, missed = await count("ok"), await count("required_parameter_missed")
        await client.post(gateway.url, content=envelope(VALID))
        await client.post(gateway.url, content=envelope({"access_token": "tok_cust", "name": "x"}))
        assert await count("ok") == ok + 1
        assert await count("required_parameter_missed") == missed + 1
        text = (await client.get(gateway.url.replace("/v2.0", "/metrics"))).text
    assert "campaigns_gateway_request_seconds_bucket" in text
    assert "campaigns_gateway_requests_in_flight" in text
    # The service runs in this process in tests: its metrics share the registry.
    assert 'campaigns_service_calls_total{method="/campaigns.v1.CampaignService/CreateCampaign",outcome="OK"}' in text


async def test_method_label_never_takes_the_clients_text(gateway: Gateway) -> None:
    async with httpx.AsyncClient() as client:
        await client.post(gateway.url, content=envelope(VALID, method="made.up.method.name"))
        text = (await client.get(gateway.url.replace("/v2.0", "/metrics"))).text
    assert "made.up.method.name" not in text


async def test_healthz_reflects_the_service(gateway: Gateway, lone_gateway: LoneGateway) -> None:
    async with httpx.AsyncClient() as client:
        up = await client.get(gateway.url.replace("/v2.0", "/healthz"))
        down = await client.get(lone_gateway.url.replace("/v2.0", "/healthz"))
    assert (up.status_code, up.json()) == (200, {"service": "SERVING"})
    assert down.status_code == 503
    assert down.json()["service"].startswith("UNREACHABLE")
