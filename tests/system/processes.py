"""The service and the gateway as real processes, started the way an operator starts them.

`python -m cli.main serve-grpc` and `python -m cli.main serve-gateway`, each
with its own log file. Every wait is bounded; `stop()` always ends the process
(SIGTERM, then SIGKILL) and is safe to call twice, so tests register it for
cleanup before they start anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import ssl
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Final

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
# A process that is not serving by then has failed to start.
START_TIMEOUT: Final = 60.0
# SIGTERM gives the service up to its 10 s grace; past this it is killed.
STOP_TIMEOUT: Final = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


async def wait_until(
    check: Callable[[], Awaitable[bool]], *, within: float, interval: float = 0.1, what: str = "condition"
) -> float:
    """Poll `check` until it is true; the seconds it took. Fails after `within` seconds."""
    started = time.monotonic()
    while True:
        if await check():
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise AssertionError(f"{what}: not reached within {within}s")
        await asyncio.sleep(interval)


class Process:
    """One `python -m cli.main ...` child, logging to a file (appended to across restarts)."""

    def __init__(self, name: str, argv: Sequence[str], log: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        assert not self.running, f"{self.name} is already running"
        env = {key: value for key, value in os.environ.items() if not key.startswith("CAMPAIGNS_")}
        with self.log.open("ab") as output:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "cli.main",
                "--log-level",
                "WARNING",
                *self.argv,
                cwd=REPO_ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=output,
            )
        self.starts += 1

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def send(self, signum: int) -> None:
        assert self.proc is not None and self.proc.returncode is None, f"{self.name} is not running"
        self.proc.send_signal(signum)

    async def wait(self, within: float) -> int:
        """The exit code (negative: the signal that ended it); fails if still running after `within` seconds."""
        assert self.proc is not None
        try:
            return await asyncio.wait_for(self.proc.wait(), within)
        except TimeoutError:
            raise AssertionError(f"{self.name} still running {within}s later\n{self.describe()}") from None

    async def kill(self) -> None:
        """SIGKILL, and reap it."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not gone within STOP_TIMEOUT. Idempotent."""
        if self.proc is None or self.proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT)
        except TimeoutError:
            await self.kill()

    def describe(self) -> str:
        code = None if self.proc is None else self.proc.returncode
        pid = None if self.proc is None else self.proc.pid
        return f"{self.name} (pid {pid}, exit code {code}); last lines of {self.log}:\n{log_tail(self.log)}"

    def assert_alive(self) -> None:
        assert self.running, f"{self.name} has exited\n{self.describe()}"


class ServiceProcess(Process):
    """`serve-grpc` on a fixed port (so it can be restarted on the same one) and database."""

    def __init__(
        self,
        database_url: str,
        log: Path,
        *,
        port: int | None = None,
        metrics_port: int | None = None,
        demo: bool = False,
        extra: Sequence[str] = (),
        workers: int = 1,
        credentials: grpc.ChannelCredentials | None = None,
    ):
        """credentials: what a client needs to reach a service started with TLS (extra names its flags)."""
        self.port = port if port is not None else free_port()
        self.database_url = database_url
        self.metrics_port = metrics_port
        self.credentials = credentials
        argv = ["serve-grpc", "--host", "127.0.0.1", "--grpc-port", str(self.port), "--database-url", database_url]
        # One process unless a test asks for workers: a signal sent to pid reaches the server itself.
        argv += ["--workers", str(workers)]
        if metrics_port is not None:
            argv += ["--metrics-port", str(metrics_port)]
        if demo:
            argv.append("--demo")
        argv += extra
        super().__init__(f"service :{self.port}", argv, log)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def channel(self) -> grpc.aio.Channel:
        """A channel to the service, over TLS if it was started with it."""
        if self.credentials is None:
            return grpc.aio.insecure_channel(self.target)
        return grpc.aio.secure_channel(self.target, self.credentials)

    async def wait_serving(self, within: float = START_TIMEOUT) -> None:
        """Until the gRPC health check answers SERVING; fails at once if the process exits."""
        async with self.channel() as channel:
            health = health_pb2_grpc.HealthStub(channel)

            async def serving() -> bool:
                assert self.running, f"{self.name} exited while starting\n{self.describe()}"
                try:
                    reply = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                except grpc.aio.AioRpcError:
                    return False
                return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)

            try:
                await wait_until(serving, within=within, interval=0.1, what=f"{self.name} serving")
            except AssertionError as error:
                raise AssertionError(f"{error}\n{self.describe()}") from None

    async def in_flight(self) -> float:
        """The service's own campaigns_service_calls_in_flight gauge (needs metrics_port)."""
        assert self.metrics_port is not None
        async with httpx.AsyncClient(timeout=2) as client:
            response = await client.get(f"http://127.0.0.1:{self.metrics_port}/metrics")
        for line in response.text.splitlines():
            if line.startswith("campaigns_service_calls_in_flight "):
                return float(line.split()[1])
        raise AssertionError(f"no in-flight gauge in the service's metrics:\n{response.text[:2000]}")

    async def start_serving(self) -> None:
        await self.start()
        await self.wait_serving()


class GatewayProcess(Process):
    """`serve-gateway` in front of one service address."""

    def __init__(
        self,
        target: str,
        log: Path,
        *,
        workers: int = 1,
        extra: Sequence[str] = (),
        https: ssl.SSLContext | None = None,
    ) -> None:
        """https: the client context for a gateway that serves HTTPS (extra names its flags)."""
        self.port = free_port()
        self.target = target
        self.https = https
        argv = ["serve-gateway", "--host", "127.0.0.1", "--http-port", str(self.port), "--target", target]
        argv += ["--workers", str(workers), *extra]
        super().__init__(f"gateway :{self.port} -> {target}", argv, log)

    @property
    def base(self) -> str:
        return f"https://localhost:{self.port}" if self.https else f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/v2.0"

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=10, verify=self.https or True)

    async def healthz(self) -> int:
        """The HTTP status of GET /healthz (200: the service behind is SERVING)."""
        async with self.client() as client:
            response = await client.get(f"{self.base}/healthz")
        return response.status_code

    async def wait_healthy(self, within: float = START_TIMEOUT) -> None:
        """Until /healthz is 200: the gateway listens and reaches a SERVING service."""

        async def healthy() -> bool:
            assert self.running, f"{self.name} exited while starting\n{self.describe()}"
            try:
                return await self.healthz() == 200
            except httpx.TransportError:
                return False

        try:
            await wait_until(healthy, within=within, interval=0.1, what=f"{self.name} healthy")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.describe()}") from None

    async def start_healthy(self) -> None:
        await self.start()
        await self.wait_healthy()


async def run_cli(*argv: str, log: Path, within: float = START_TIMEOUT) -> None:
    """A one-shot command (load-demo, migrate) that must exit 0."""
    process = Process(f"campaigns {argv[0]}", argv, log)
    await process.start()
    try:
        code = await process.wait(within)
    finally:
        await process.kill()
    assert code == 0, process.describe()
