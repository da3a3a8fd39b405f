"""Structured logs: one JSON object a line, with the request id of the call it belongs to, and when
traces are on its trace and span ids (`trace_id`, `span_id`, as W3C traceparent spells them).

Nothing here logs a token: the services log method names, mnemonics and paths,
never metadata or parameters.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from opentelemetry.trace import Span


class JsonFormatter(logging.Formatter):
    def __init__(
        self, request_ids: Sequence[contextvars.ContextVar[str]], worker: str | None = None, *, traces: bool = False
    ) -> None:
        super().__init__()
        self._request_ids = tuple(request_ids)
        self._worker = worker
        # Only with traces on: off, a line costs no look-up of a span that cannot exist.
        self._current_span: Callable[[], Span] | None = None
        if traces:
            from opentelemetry.trace import get_current_span

            self._current_span = get_current_span

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
        if self._current_span is not None:
            span = self._current_span().get_span_context()
            if span.is_valid:
                entry["trace_id"] = format(span.trace_id, "032x")
                entry["span_id"] = format(span.span_id, "016x")
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def configure(
    level: str, request_ids: Sequence[contextvars.ContextVar[str]], *, worker: str | None = None, traces: bool = False
) -> None:
    """worker: the index of the worker process the lines come from (`--workers`), if one; traces: whether
    traces are on (then lines name the trace and span they were logged in)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(request_ids, worker, traces=traces))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
