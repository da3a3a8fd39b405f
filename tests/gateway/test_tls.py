"""TLS on both servers, in process: HTTPS to the gateway, TLS and mutual TLS from it to the service.

Certificates are made at test time (tests/tls_certificates.py). What is refused is refused at the
handshake, at once: a client of the gRPC port with a CA that did not issue the service's certificate,
without a client certificate, or with one from another CA; and the gateway in front of a service it
cannot trust answers `internal_error` well within its call timeout. Reloading (what SIGHUP does) gives
new connections the new certificate while open ones go on. About transport, so SQLite only.
"""

from __future__ import annotations

import logging
import os
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import uvicorn
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.run import GatewayConfig
from service.server import RunningService
from tests.conftest import start_gateway, start_service, stop_gateway
from tests.gateway.wire import JsonRpc
from tests.tls_certificates import Certificates, Issued, serial_of, served_serial

SQLITE = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
CALL_TIMEOUT = 2.0
SITES = {"access_token": "tok_cust", "fields": ["id"]}


def _client_context(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


def _mutual(certificates: Certificates, server: Issued | None = None) -> dict[str, str]:
    """The service's settings for mutual TLS with `server`'s certificate (by default the good one)."""
    server = server or certificates.server
    return {"tls_cert": str(server.cert), "tls_key": str(server.key), "tls_client_ca": str(certificates.ca)}


def _target(ca: Path, client: Issued | None = None) -> dict[str, str]:
    """The gateway's settings for TLS to the service: trusting `ca`, presenting `client` if given."""
    if client is None:
        return {"target_ca": str(ca)}
    return {"target_ca": str(ca), "target_cert": str(client.cert), "target_key": str(client.key)}


@dataclass
class RunningGateway:
    server: uvicorn.Server
    port: int

    @property
    def config(self) -> GatewayConfig:
        assert isinstance(self.server.config, GatewayConfig)
        return self.server.config


@pytest.fixture
async def services() -> AsyncIterator[list[RunningService]]:
    """The services a test starts (append them), stopped afterwards."""
    started: list[RunningService] = []
    try:
        yield started
    finally:
        for running in started:
            await running.stop(grace=0)


@pytest.fixture
async def gateways() -> AsyncIterator[Any]:
    """start(target, **settings): a gateway stopped afterwards."""
    started: list[tuple[uvicorn.Server, Any]] = []

    async def start(target: str, **settings: Any) -> RunningGateway:
        server, task, port = await start_gateway(target, call_timeout=CALL_TIMEOUT, **settings)
        started.append((server, task))
        return RunningGateway(server, port)

    try:
        yield start
    finally:
        # Last started, first stopped: each uvicorn restores the signal handlers it found, so stopping
        # in any other order would leave a stopped server's handler installed in the test process.
        for server, task in reversed(started):
            await stop_gateway(server, task)


@SQLITE
async def test_https_to_the_gateway_and_mutual_tls_to_the_service(
    database_url: str, certificates: Certificates, services: list[RunningService], gateways: Any
) -> None:
    running = await start_service(database_url, **_mutual(certificates))
    services.append(running)
    https = {"tls_cert": str(certificates.server.cert), "tls_key": str(certificates.server.key)}
    gateway = await gateways(f"127.0.0.1:{running.port}", **https, **_target(certificates.ca, certificates.client))
    async with httpx.AsyncClient(verify=_client_context(certificates.ca), timeout=10) as client:
        answer = await JsonRpc(f"https://localhost:{gateway.port}/v2.0", client).call("get.sites", SITES)
        assert [site["id"] for site in answer["result"]["data"]] == [10, 20], answer
        health = await client.get(f"https://127.0.0.1:{gateway.port}/healthz")
        assert (health.status_code, health.json()) == (200, {"service": "SERVING"})
    # Plain HTTP to the HTTPS port: no answer, the handshake fails on it.
    async with httpx.AsyncClient(timeout=5) as plain:
        with pytest.raises(httpx.TransportError):
            await plain.get(f"http://127.0.0.1:{gateway.port}/healthz")


async def _health(target: str, credentials: grpc.ChannelCredentials | None) -> str:
    """SERVING, or the status code and details of the refusal."""
    channel = grpc.aio.insecure_channel(target) if credentials is None else grpc.aio.secure_channel(target, credentials)
    async with channel:
        try:
            reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        except grpc.aio.AioRpcError as error:
            return f"{error.code().name}: {error.details()}"
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


@SQLITE
async def test_the_grpc_port_takes_only_the_right_ca_and_its_client_certificates(
    database_url: str, certificates: Certificates, services: list[RunningService]
) -> None:
    running = await start_service(database_url, **_mutual(certificates))
    services.append(running)
    target = f"127.0.0.1:{running.port}"
    ca, other_ca = certificates.ca.read_bytes(), certificates.other_ca.read_bytes()
    client = certificates.client.key.read_bytes(), certificates.client.cert.read_bytes()
    stranger = certificates.other_client.key.read_bytes(), certificates.other_client.cert.read_bytes()
    cases: dict[str, tuple[grpc.ChannelCredentials | None, str]] = {
        "the right CA and a client certificate": (grpc.ssl_channel_credentials(ca, *client), "SERVING"),
        "a CA that did not issue the service's": (
            grpc.ssl_channel_credentials(other_ca, *client),
            "CERTIFICATE_VERIFY_FAILED",
        ),
        "no client certificate": (grpc.ssl_channel_credentials(ca), "UNAVAILABLE"),
        "a client certificate from another CA": (grpc.ssl_channel_credentials(ca, *stranger), "UNAVAILABLE"),
        "plaintext": (None, "UNAVAILABLE"),
    }
    for case, (credentials, expected) in cases.items():
        started = time.monotonic()
        answer = await _health(target, credentials)
        assert expected in answer, f"{case}: {answer}"
        assert time.monotonic() - started < 2, f"{case}: took {time.monotonic() - started:.1f}s"


@SQLITE
async def test_a_service_the_gateway_cannot_trust_is_internal_error_within_the_deadline(
    database_url: str,
    certificates: Certificates,
    services: list[RunningService],
    gateways: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mutual = await start_service(database_url, **_mutual(certificates))
    expired = await start_service(
        database_url, tls_cert=str(certificates.expired_server.cert), tls_key=str(certificates.expired_server.key)
    )
    services.extend([mutual, expired])
    on_mutual, on_expired = f"127.0.0.1:{mutual.port}", f"127.0.0.1:{expired.port}"
    cases: dict[str, tuple[str, dict[str, str], str]] = {
        # target, the gateway's TLS settings, what /healthz says
        "an expired service certificate": (
            on_expired,
            _target(certificates.ca, certificates.client),
            "UNREACHABLE (UNAVAILABLE, TLS handshake failed)",
        ),
        "a CA that did not issue the service's": (
            on_mutual,
            _target(certificates.other_ca, certificates.client),
            "UNREACHABLE (UNAVAILABLE, TLS handshake failed)",
        ),
        "no client certificate": (on_mutual, _target(certificates.ca), "UNREACHABLE (UNAVAILABLE)"),
        "a client certificate from another CA": (
            on_mutual,
            _target(certificates.ca, certificates.other_client),
            "UNREACHABLE (UNAVAILABLE)",
        ),
        "plaintext to a TLS port": (on_mutual, {}, "UNREACHABLE (UNAVAILABLE)"),
    }
    caplog.set_level(logging.WARNING, logger="campaigns.gateway")
    for case, (target, settings, health) in cases.items():
        gateway = await gateways(target, **settings)
        url = f"http://127.0.0.1:{gateway.port}"
        started = time.monotonic()
        answer = await JsonRpc(f"{url}/v2.0").call("get.sites", SITES)
        took = time.monotonic() - started
        assert answer["error"]["data"]["mnemonic"] == "internal_error", f"{case}: {answer}"
        assert took < CALL_TIMEOUT / 2, f"{case}: internal_error after {took:.2f}s (call timeout {CALL_TIMEOUT}s)"
        async with httpx.AsyncClient(timeout=10) as client:
            reply = await client.get(f"{url}/healthz")
        assert (reply.status_code, reply.json()) == (503, {"service": health}), case
    # The operator reads why in the gateway's log.
    assert "certificate has expired" in caplog.text, caplog.text
    assert "unable to get local issuer certificate" in caplog.text, caplog.text


def _install(issued: Issued, cert: Path, key: Path) -> None:
    """Put a certificate and key in place the way an operator should: each file replaced whole (a rename)."""
    for source, destination in ((issued.cert, cert), (issued.key, key)):
        staged = destination.with_suffix(".new")
        staged.write_bytes(source.read_bytes())
        os.replace(staged, destination)


def _serial_of_connection(response: httpx.Response) -> int:
    """The serial of the certificate the connection that carried `response` was served."""
    der = response.extensions["network_stream"].get_extra_info("ssl_object").getpeercert(binary_form=True)
    return serial_of(der)


@SQLITE
async def test_reloading_gives_new_connections_the_new_certificate_and_keeps_the_open_ones(
    database_url: str,
    certificates: Certificates,
    services: list[RunningService],
    gateways: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cert, key, ca = tmp_path / "server.pem", tmp_path / "server.key", tmp_path / "ca.pem"
    _install(certificates.server, cert, key)
    ca.write_bytes(certificates.ca.read_bytes())
    # TLS without client certificates: a client with only the CA is served.
    running = await start_service(database_url, tls_cert=str(cert), tls_key=str(key))
    services.append(running)
    assert running.tls is not None
    gateway = await gateways(f"127.0.0.1:{running.port}", tls_cert=str(cert), tls_key=str(key), **_target(ca))
    old = certificates.server.serial
    channel = grpc.aio.secure_channel(
        f"127.0.0.1:{running.port}", grpc.ssl_channel_credentials(certificates.ca.read_bytes())
    )
    health = health_pb2_grpc.HealthStub(channel)
    async with channel, httpx.AsyncClient(verify=_client_context(certificates.ca), timeout=10) as client:
        rpc = JsonRpc(f"https://localhost:{gateway.port}/v2.0", client)
        before = await client.get(f"https://localhost:{gateway.port}/healthz")
        assert _serial_of_connection(before) == old
        await health.Check(health_pb2.HealthCheckRequest(), timeout=5)

        rotated = certificates.maker.issue(certificates.ca, "rotated", server=True)
        _install(rotated, cert, key)
        running.reload_tls()
        gateway.config.reload_tls()

        assert await served_serial(running.port, certificates.ca) == rotated.serial
        assert await served_serial(gateway.port, certificates.ca) == rotated.serial
        # The open connections go on, with the certificate they were served.
        after = await client.get(f"https://localhost:{gateway.port}/healthz")
        assert (after.status_code, _serial_of_connection(after)) == (200, old)
        await health.Check(health_pb2.HealthCheckRequest(), timeout=5)
        # The gateway's calls go on a new channel to the service, which gets the new certificate.
        answer = await rpc.call("get.sites", SITES)
        assert [site["id"] for site in answer["result"]["data"]] == [10, 20], answer

        # Files that cannot be used: an error logged, the certificate in use kept.
        cert.write_text("not a certificate\n")
        ca.write_text("")
        assert running.tls.reload() is False
        assert gateway.config.https is not None and gateway.config.https.reload() is False
        assert gateway.config.upstream.reload_tls() is False
        answer = await rpc.call("get.sites", SITES)
        assert [site["id"] for site in answer["result"]["data"]] == [10, 20], answer
        assert await served_serial(running.port, certificates.ca) == rotated.serial
        assert await served_serial(gateway.port, certificates.ca) == rotated.serial
        assert "TLS files not reloaded" in caplog.text and "holds no PEM certificate" in caplog.text
