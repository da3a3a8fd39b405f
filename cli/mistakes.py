"""A configuration mistake: the command ends with one line that says what to fix, and no traceback."""

from __future__ import annotations


class ConfigError(Exception):
    """A flag, an environment variable or what they name cannot be used; str() says which and why."""
