"""The values of one call of a command (a file, a user id): given on the command line only.

Unlike the flags of cli/flags.py they are not settings: no default from a dataclass and no
CAMPAIGNS_* twin. A value that does not parse ends the command with one line (ConfigError).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Argument:
    name: str  # "file" (positional, shown as FILE) or "--user-id"
    help: str
    parse: Callable[[str], Any] = str
    required: bool = False
    is_switch: bool = False  # present or not, no value
    metavar: str | None = None
    # Arguments that share a `one_of` exclude each other, and one of them is needed.
    one_of: str = ""

    @property
    def dest(self) -> str:
        return self.name.removeprefix("--").replace("-", "_")


def add_arguments(parser: argparse.ArgumentParser, arguments: Sequence[Argument]) -> None:
    groups: dict[str, Any] = {}
    for argument in arguments:
        where: Any = parser
        if argument.one_of:
            if argument.one_of not in groups:
                groups[argument.one_of] = parser.add_mutually_exclusive_group(required=True)
            where = groups[argument.one_of]
        if argument.is_switch:
            where.add_argument(argument.name, action="store_true", help=argument.help)
        elif not argument.name.startswith("--"):
            where.add_argument(
                argument.name,
                metavar=argument.metavar or argument.name.upper(),
                help=argument.help,
                type=argument.parse,
            )
        else:
            where.add_argument(
                argument.name,
                metavar=argument.metavar,
                help=argument.help,
                type=argument.parse,
                required=argument.required and not argument.one_of,
            )


def positive_id(text: str) -> int:
    """An id of the directory (app_id, user id): a positive whole number."""
    number = int(text) if text.strip().isdigit() else 0
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return number


def moment(text: str) -> dt.datetime:
    """An RFC 3339 date-time (2027-01-01T00:00:00Z); UTC when it names no offset."""
    try:
        parsed = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date-time like 2027-01-01T00:00:00Z") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)
