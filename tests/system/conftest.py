"""Fixtures of the system tests: a throwaway PostgreSQL cluster that a test may stop and start.

The shared server on 127.0.0.1:5432 is never touched: the cluster is made with
Debian's pg_createcluster on a free port, and dropped (stopped first) however
the test ends.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from tests.system.processes import free_port

VERSION = "15"
COMMAND_TIMEOUT = 60.0


async def _run(*argv: str, within: float = COMMAND_TIMEOUT) -> tuple[int, str]:
    """Run a command (from /, which the postgres user can enter); its exit code and output."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd="/",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), within)
    except TimeoutError:
        process.kill()
        await process.wait()
        return -1, f"{' '.join(argv)}: no answer within {within}s"
    return process.returncode if process.returncode is not None else -1, output.decode(errors="replace")


@dataclass
class Cluster:
    """A PostgreSQL cluster of this test's own."""

    name: str
    port: int

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    async def _ctl(self, action: str) -> None:
        code, output = await _run("pg_ctlcluster", "--skip-systemctl-redirect", VERSION, self.name, action)
        assert code == 0, f"pg_ctlcluster {action} {self.name} failed ({code}):\n{output}"

    async def start(self) -> None:
        await self._ctl("start")

    async def stop(self) -> None:
        """Fast shutdown: open transactions are rolled back and their clients disconnected."""
        await self._ctl("stop")

    async def create_database(self, database: str) -> str:
        conn = await asyncpg.connect(self.url("postgres"), timeout=10)
        try:
            await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()
        return self.url(database)


def _cannot(reason: str) -> None:
    """No cluster of our own: a skip, except in CI, which runs as root on a machine that has the tools."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture
async def throwaway_cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    for tool in ("pg_createcluster", "pg_ctlcluster", "pg_dropcluster"):
        if shutil.which(tool) is None:
            _cannot(f"cannot make a throwaway PostgreSQL cluster: {tool} is not installed")
    if os.geteuid() != 0:
        _cannot("cannot make a throwaway PostgreSQL cluster: pg_createcluster needs root (or the postgres user)")
    cluster = Cluster(f"faults_{uuid.uuid4().hex[:10]}", free_port())
    code, output = await _run(
        "pg_createcluster", VERSION, cluster.name, "-p", str(cluster.port), "--start", "--", "--auth=trust"
    )
    try:
        if code != 0:
            _cannot(f"pg_createcluster {VERSION} {cluster.name} failed ({code}):\n{output}")
        yield cluster
    finally:
        # Thrown away: an immediate stop, not pg_dropcluster's own, which waited a minute for a clean one.
        await _run("pg_ctlcluster", "--skip-systemctl-redirect", VERSION, cluster.name, "stop", "-m", "immediate")
        code, output = await _run("pg_dropcluster", "--stop", VERSION, cluster.name)
        if code != 0 and f"/etc/postgresql/{VERSION}/{cluster.name}" in _existing_clusters():
            pytest.fail(f"could not drop the throwaway cluster {cluster.name} ({code}):\n{output}")


def _existing_clusters() -> list[str]:
    root = Path("/etc/postgresql") / VERSION
    return [str(path) for path in root.iterdir()] if root.is_dir() else []
