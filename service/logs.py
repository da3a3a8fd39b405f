"""Structured logs: one JSON object a line, with the request id of the call it belongs to.

Nothing here logs a token: the services log method names, mnemonics and paths,
never metadata or parameters.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import time
from collections.abc import Sequence
from typing import Any

import orjson


class JsonFormatter(logging.Formatter):
    def __init__(self, request_ids: Sequence[contextvars.ContextVar[str]], worker: str | None = None) -> None:
        super().__init__()
        self._request_ids = tuple(request_ids)
        self._worker = worker

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self._worker is not None:
            entry["worker"] = self._worker
        for variable in self._request_ids:
            value = variable.get()
            if value != "-":
                entry["request_id"] = value
                break
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def configure(level: str, request_ids: Sequence[contextvars.ContextVar[str]], *, worker: str | None = None) -> None:
    """worker: the index of the worker process the lines come from (`--workers`), if one."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(request_ids, worker))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
