"""A configuration mistake: the command ends with one line that says what to fix, and no traceback."""

from __future__ import annotations


class ConfigError(Exception):
    """A flag, an environment variable or what they name cannot be used; str() says which and why."""


class Refused(Exception):
    """What the command was asked to do was refused (a bad file, the service said no): exit code 1.

    str() is the one line that says why; `details` are further lines (each bad field of a file).
    """

    def __init__(self, message: str, details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.details = details
