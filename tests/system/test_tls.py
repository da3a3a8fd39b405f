"""TLS end to end with real processes: the flags as an operator gives them, and certificates rotated on SIGHUP.

`serve-grpc` requires client certificates (mutual TLS); `serve-gateway --workers 2` serves HTTPS and calls
it with its own client certificate. Every file is then replaced by a new one (a new serial number) and
both supervisors get SIGHUP: new connections are served the new certificates, by every worker, while a
connection opened before goes on with the old one, and nothing restarts. Then `serve`, with TLS on both
its ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import ssl
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.gateway.wire import JsonRpc
from tests.system.processes import START_TIMEOUT, GatewayProcess, Process, ServiceProcess, free_port, wait_until
from tests.tls_certificates import Certificates, Issued, serial_of, served_serial

WORKERS = 2
# New connections land on either worker (SO_REUSEPORT): this many in a row must all show the new serial.
CONNECTIONS = 8
TEST_TIMEOUT = 90.0


def _install(issued: Issued, cert: Path, key: Path) -> None:
    """Replace each file whole (a rename), as the docs tell operators to."""
    for source, destination in ((issued.cert, cert), (issued.key, key)):
        staged = destination.with_suffix(".new")
        staged.write_bytes(source.read_bytes())
        os.replace(staged, destination)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
async def test_tls_flags_end_to_end_and_a_rotation_on_sighup(
    database_url: str, certificates: Certificates, tmp_path: Path
) -> None:
    ca = certificates.ca
    files = {name: (tmp_path / f"{name}.pem", tmp_path / f"{name}.key") for name in ("service", "https", "client")}
    _install(certificates.server, *files["service"])
    _install(certificates.server, *files["https"])
    _install(certificates.client, *files["client"])
    service_cert, service_key = files["service"]
    https_cert, https_key = files["https"]
    client_cert, client_key = files["client"]

    # The test's own client of the gRPC port: another internal caller with a certificate of the CA.
    caller = grpc.ssl_channel_credentials(
        ca.read_bytes(), certificates.client.key.read_bytes(), certificates.client.cert.read_bytes()
    )
    service = ServiceProcess(
        database_url,
        tmp_path / "service.log",
        credentials=caller,
        extra=["--tls-cert", str(service_cert), "--tls-key", str(service_key), "--tls-client-ca", str(ca)],
    )
    # The gateway's flags: HTTPS with its own files, and mutual TLS to the service.
    gateway = GatewayProcess(
        service.target,
        tmp_path / "gateway.log",
        workers=WORKERS,  # the supervisor passes SIGHUP on to both (and a worker's spawn imports no SQLAlchemy)
        https=ssl.create_default_context(cafile=str(ca)),
        extra=[
            *("--tls-cert", str(https_cert), "--tls-key", str(https_key)),
            *("--target-ca", str(ca), "--target-cert", str(client_cert), "--target-key", str(client_key)),
        ],
    )
    async with asyncio.timeout(TEST_TIMEOUT), contextlib.AsyncExitStack() as cleanup:
        cleanup.push_async_callback(service.stop)
        cleanup.push_async_callback(gateway.stop)
        await service.start_serving()
        await gateway.start_healthy()

        # Connections opened before the rotation: an HTTPS client kept alive, a gRPC channel.
        client = await cleanup.enter_async_context(gateway.client())
        rpc = JsonRpc(gateway.url, client)
        answer = await rpc.call("get.sites", {"access_token": "tok_cust", "fields": ["id"]})
        assert [site["id"] for site in answer["result"]["data"]] == [10, 20], answer
        before = await client.get(f"{gateway.base}/healthz")
        old_connection = before.extensions["network_stream"].get_extra_info("ssl_object")
        assert serial_of(old_connection.getpeercert(binary_form=True)) == certificates.server.serial
        channel = await cleanup.enter_async_context(service.channel())
        health = health_pb2_grpc.HealthStub(channel)
        await health.Check(health_pb2.HealthCheckRequest(), timeout=5)

        rotated = {name: certificates.maker.issue(ca, f"rotated-{name}", server=True) for name in ("service", "https")}
        rotated_client = certificates.maker.issue(ca, "rotated-client", server=False)
        _install(rotated["service"], service_cert, service_key)
        _install(rotated["https"], https_cert, https_key)
        _install(rotated_client, client_cert, client_key)
        service.send(signal.SIGHUP)
        gateway.send(signal.SIGHUP)

        async def rotated_on(port: int, serial: int) -> bool:
            serials = [await served_serial(port, ca, certificates.client) for _ in range(CONNECTIONS)]
            return all(each == serial for each in serials)

        await wait_until(
            lambda: rotated_on(service.port, rotated["service"].serial), within=10, what="the service's new certificate"
        )
        await wait_until(
            lambda: rotated_on(gateway.port, rotated["https"].serial), within=10, what="the gateway's new certificate"
        )

        # What was open goes on: the same HTTPS connection (still with the old certificate), the same channel.
        after = await client.get(f"{gateway.base}/healthz")
        assert after.status_code == 200
        assert after.extensions["network_stream"].get_extra_info("ssl_object") is old_connection
        await health.Check(health_pb2.HealthCheckRequest(), timeout=5)
        # A new connection to the gateway, which calls the service on a new channel with its new client certificate.
        async with gateway.client() as fresh:
            answer = await JsonRpc(gateway.url, fresh).call("get.sites", {"access_token": "tok_cust", "fields": ["id"]})
        assert [site["id"] for site in answer["result"]["data"]] == [10, 20], answer

        # SIGHUP reloaded, it stopped nothing: both supervisors and both workers are the ones started.
        service.assert_alive()
        gateway.assert_alive()
        assert service.starts == gateway.starts == 1
        log = (tmp_path / "gateway.log").read_text()
        assert "exited with code" not in log, log


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
async def test_serve_with_tls_on_both_ports(database_url: str, certificates: Certificates, tmp_path: Path) -> None:
    """`serve`: one certificate for HTTPS and the gRPC port; its gateway trusts the service through --target-ca."""
    http_port, grpc_port = free_port(), free_port()
    server = certificates.server
    argv = ["serve", "--workers", "1", "--host", "127.0.0.1", "--http-port", str(http_port)]
    argv += ["--grpc-port", str(grpc_port), "--database-url", database_url]
    argv += ["--tls-cert", str(server.cert), "--tls-key", str(server.key), "--target-ca", str(certificates.ca)]
    process = Process("serve with TLS", argv, tmp_path / "serve.log")
    https = ssl.create_default_context(cafile=str(certificates.ca))
    async with asyncio.timeout(TEST_TIMEOUT), contextlib.AsyncExitStack() as cleanup:
        cleanup.push_async_callback(process.stop)
        await process.start()
        client = await cleanup.enter_async_context(httpx.AsyncClient(timeout=10, verify=https))

        async def healthy() -> bool:
            assert process.running, process.describe()
            try:
                return (await client.get(f"https://localhost:{http_port}/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await wait_until(healthy, within=START_TIMEOUT, what="serve healthy over HTTPS")
        answer = await JsonRpc(f"https://localhost:{http_port}/v2.0", client).call(
            "get.sites", {"access_token": "tok_cust", "fields": ["id"]}
        )
        assert [site["id"] for site in answer["result"]["data"]] == [10, 20], answer
        assert await served_serial(grpc_port, certificates.ca) == server.serial
