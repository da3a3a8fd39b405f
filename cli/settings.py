"""The command's own settings: what neither half reads, but the process around them needs.

Defined like ServiceSettings and GatewaySettings (service/config.py describes the metadata), so that
these flags too have one default, one meaning and a CAMPAIGNS_* twin.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from service.config import port


def log_level(text: str) -> str:
    level = text.strip().upper()
    if not isinstance(logging.getLevelNamesMapping().get(level), int) or level == "NOTSET":
        raise ValueError(f"{text!r} is not a log level (DEBUG, INFO, WARNING, ERROR, CRITICAL)")
    return level


def workers(text: str) -> int:
    number = int(text) if text.strip().isdigit() else 0
    if not 1 <= number <= 256:
        raise ValueError(f"{text!r} is not a number of workers (1 to 256)")
    return number


@dataclass(frozen=True, slots=True)
class CommandSettings:
    log_level: str = field(
        default="INFO", metadata={"flag": "--log-level", "help": "DEBUG, INFO, WARNING or ERROR", "parse": log_level}
    )
    http_port: int = field(default=8080, metadata={"flag": "--http-port", "help": "gateway port", "parse": port})
    metrics_port: int = field(
        default=0,
        metadata={
            "flag": "--metrics-port",
            "help": "Prometheus metrics of the gRPC service on their own port (0: off; "
            "`serve` has them at the gateway's /metrics too)",
            "parse": port,
            "show": lambda value: f"{value} (off)" if value == 0 else str(value),
        },
    )
    workers: int = field(
        default=os.cpu_count() or 1,
        metadata={
            "flag": "--workers",
            "help": "processes serving on the same ports, under a supervisor that restarts them (1: this process "
            "serves alone)",
            "parse": workers,
            "show": lambda value: f"the number of CPUs, {value} here",
        },
    )
