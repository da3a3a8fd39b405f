"""Whose turn it is to write an SQLite database, across processes: an flock on a file beside it.

SQLite lets one writer in at a time. A process that finds the database locked can only retry: SQLite's
busy handler sleeps between tries in steps that grow to 100 ms, so with several processes writing
(`--workers`) a writer may sleep long after the lock was freed, and the others take it meanwhile. Tail
latency grows to the steps' size and throughput falls. Writers that first queue on a lock the kernel
hands over (flock, on `<database>-writers.lock`) are woken the moment it is released, in turn, and then
find SQLite's lock free. Writers of other programs, which do not queue here, are still waited for by the
busy handler, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from pathlib import Path


class WriterTurns:
    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + "-writers.lock")
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)

    def _try(self) -> bool:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    async def take(self) -> None:
        """Wait for this process's turn; the loop goes on serving while it waits (on a worker thread)."""
        if self._try():
            return
        waiting = asyncio.get_running_loop().run_in_executor(None, fcntl.flock, self._fd, fcntl.LOCK_EX)
        try:
            await asyncio.shield(waiting)
        except asyncio.CancelledError:
            # The thread gets the turn in the end, for a caller who has gone: give it back then.
            waiting.add_done_callback(self._give_back_if_taken)
            raise

    def _give_back_if_taken(self, waited: asyncio.Future[None]) -> None:
        if not waited.cancelled() and waited.exception() is None:
            self.give_back()

    def give_back(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)
