"""SQLite shared by several processes: a write that finds another process recovering the WAL waits.

The first connection to open a WAL database (several processes starting at
once on a fresh file, or after the last one closed) rebuilds the WAL index in
the -shm file, holding its recovery lock while the index header is invalid.
Another process beginning a transaction then gets SQLITE_BUSY_RECOVERY, an
extended code of SQLITE_BUSY: "database is locked", and it is as much a wait
as any other. It used to fail the call at once (seen when several services
started together on a fresh file).

A helper process plays the recovering one: it takes the recovery lock (byte
122 of the -shm file, WALINDEX_LOCK_OFFSET 120 + WAL_RECOVER_LOCK 2 in SQLite's
WAL format) and clears the index header, as recovery does, until told to stop;
the service's connection then rebuilds the index from the WAL file itself.
"""

from __future__ import annotations

import asyncio
import sys

import pytest
import sqlalchemy as sa

from service.storage import Storage
from service.storage import schema as t

RECOVERING = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX, 1, 122)
os.pwrite(fd, bytes(96), 0)
print("recovering", flush=True)
sys.stdin.readline()
"""


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
async def test_a_write_waits_while_another_process_recovers_the_wal(database_url: str) -> None:
    storage = await Storage.open(database_url, migrate=False, pool_size=1)
    try:
        # The pooled connection has the database open in WAL mode, its index mapped.
        await storage.write(lambda conn: conn.execute(t.accounts.update().values(name=t.accounts.c.name)))
        shm = database_url.removeprefix("sqlite:///") + "-shm"
        helper = await asyncio.create_subprocess_exec(
            sys.executable, "-c", RECOVERING, shm, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        assert helper.stdin is not None and helper.stdout is not None
        try:
            assert await asyncio.wait_for(helper.stdout.readline(), 10) == b"recovering\n"

            def rename(conn: sa.Connection) -> None:
                conn.execute(t.accounts.update().where(t.accounts.c.id == 1000).values(name="Renamed"))

            write = asyncio.create_task(storage.write(rename))
            await asyncio.sleep(0.3)
            assert not write.done(), f"the write did not wait for the recovery: {write.exception()!r}"
            helper.stdin.write(b"done\n")
            await helper.stdin.drain()
            await asyncio.wait_for(write, 10)
        finally:
            if helper.returncode is None:
                helper.kill()
            await helper.wait()
        select = sa.select(t.accounts.c.name).where(t.accounts.c.id == 1000)
        assert await storage.read(lambda conn: conn.execute(select).scalar_one()) == "Renamed"
    finally:
        await storage.close()
