"""A flag wins over its CAMPAIGNS_* twin, the twin over the default: for every flag of every command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cli.flags import Flag
from cli.main import COMMANDS, LOG_LEVEL, parser
from tests.cli.commands import run

_EVERY = sorted({(name, flag.name): flag for name, command in COMMANDS.items() for flag in command.flags}.items())
# What a command needs besides its flags (the file, an id), so that it parses.
_NEEDS: dict[str, list[str]] = {
    "apply": ["directory.yaml"],
    "admin issue-token": ["--user-id", "1"],
    "admin revoke-token": ["--token", "t"],
    "admin set-account-state": ["--app-id", "1", "--state", "active"],
}


def _sample(flag: Flag, n: int) -> str:
    """A valid value for the flag other than its default, different for each n."""
    default = flag.default
    if isinstance(default, int):
        return str(default + n)
    if isinstance(default, float):
        return str(default + n / 2)
    if isinstance(default, tuple):
        return f"10.{n}.0.0/16"
    return f"{default}-{n}"


def _value(flag: Flag, argv: list[str], environ: dict[str, str]) -> Any:
    command, *rest = argv
    args = parser().parse_args([*command.split(), *rest, *_NEEDS.get(command, [])])
    return flag.read(getattr(args, flag.dest), environ)


@pytest.mark.parametrize(("key", "flag"), _EVERY, ids=[f"{command}{name}" for (command, name), _ in _EVERY])
def test_flag_then_twin_then_default(key: tuple[str, str], flag: Flag) -> None:
    command = key[0]
    if flag.is_switch:
        assert _value(flag, [command], {}) is False
        assert _value(flag, [command], {flag.env: "1"}) is True
        assert _value(flag, [command], {flag.env: "off"}) is False
        assert _value(flag, [command, flag.name], {flag.env: "0"}) is True
        return
    given, twin = _sample(flag, 1), _sample(flag, 2)
    assert _value(flag, [command], {}) == flag.default
    assert _value(flag, [command], {flag.env: twin}) == flag.parse(twin) != flag.default
    assert _value(flag, [command, flag.name, given], {flag.env: twin}) == flag.parse(given)


def test_the_log_level_is_the_commands_own() -> None:
    assert _value(LOG_LEVEL, ["migrate"], {}) == "INFO"
    assert _value(LOG_LEVEL, ["migrate"], {"CAMPAIGNS_LOG_LEVEL": "warning"}) == "WARNING"
    assert _value(LOG_LEVEL, ["--log-level", "error", "migrate"], {"CAMPAIGNS_LOG_LEVEL": "debug"}) == "ERROR"


def test_the_installed_command_reads_the_twin_and_the_flag_wins(tmp_path: Path) -> None:
    from_env = run(["migrate"], env={"CAMPAIGNS_DATABASE_URL": f"sqlite:///{tmp_path}/env.db"})
    assert from_env.code == 0, from_env.stderr
    assert (tmp_path / "env.db").exists()

    # The twin is broken; the flag given wins and the twin is not even read.
    from_flag = run(
        ["migrate", "--database-url", f"sqlite:///{tmp_path}/flag.db"], env={"CAMPAIGNS_DATABASE_URL": "nonsense"}
    )
    assert from_flag.code == 0, from_flag.stderr
    assert (tmp_path / "flag.db").exists()
    assert from_flag.stdout.strip() == "schema up to date"
