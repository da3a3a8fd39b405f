"""A TCP proxy that can stop passing answers back: a call that is done but whose answer never arrives.

This is how an answer is lost in production (a deadline, a dropped connection, a crash before the reply
got out) made deterministic: the request reaches the real service and is committed, and the caller
never hears of it. `hold()` drops every byte from the server from then on; `cut()` ends every
connection, so the caller's next call opens a new one.
"""

from __future__ import annotations

import asyncio
import contextlib


class HoldingProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.holding = False
        self.port = 0

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> HoldingProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def hold(self) -> None:
        """From now on the server's bytes are dropped: nothing it answers reaches the caller."""
        self.holding = True

    async def cut(self) -> None:
        """End every connection through the proxy and pass answers again (for the next connection)."""
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.holding = False

    async def close(self) -> None:
        await self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self._target)
        except OSError:
            client_writer.close()
            return
        self._writers.update((client_writer, server_writer))
        upstream = asyncio.create_task(self._pump(client_reader, server_writer, answers=False))
        downstream = asyncio.create_task(self._pump(server_reader, client_writer, answers=True))
        self._tasks.update((upstream, downstream))
        try:
            await asyncio.wait((upstream, downstream), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (upstream, downstream):
                task.cancel()
            for writer in (client_writer, server_writer):
                writer.close()
                self._writers.discard(writer)
            self._tasks.difference_update((upstream, downstream))

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, answers: bool) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while chunk := await reader.read(65536):
                if answers and self.holding:
                    continue
                writer.write(chunk)
                await writer.drain()
