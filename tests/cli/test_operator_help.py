"""The operator's commands in --help: apply, export and the admin group, each flag with its twin.

The values of one call (the file, --user-id, --state ...) are arguments, not settings: no twin.
"""

from __future__ import annotations

import re
from typing import Final

import pytest

from tests.cli.commands import run
from tests.cli.test_help import _flag_lines

# TLS to the service at --target (the gateway's flags and twins).
TLS: Final = {"--target-ca": "empty", "--target-cert": "empty", "--target-key": "empty", "--target-name": "empty"}
DIRECTORY_WAYS: Final = {
    "--database-url": "sqlite:///campaigns.db",
    "--target": "none: straight to --database-url",
    "--admin-token": "empty",
} | TLS
ADMIN: Final = {"--target": "127.0.0.1:50051", "--admin-token": "empty"} | TLS
# command -> (its flags and their defaults, its arguments)
COMMANDS: Final = {
    "apply": (DIRECTORY_WAYS, {"--validate-only"}),
    "export": (DIRECTORY_WAYS, {"--app-id"}),
    "admin issue-token": (ADMIN, {"--user-id", "--expires-at"}),
    "admin revoke-token": (ADMIN, {"--token", "--token-id"}),
    "admin set-account-state": (ADMIN, {"--app-id", "--state"}),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_flags_have_twins_and_arguments_do_not(command: str) -> None:
    finished = run([*command.split(), "--help"])
    assert finished.code == 0, finished.stderr
    flags, arguments = COMMANDS[command]
    lines = _flag_lines(finished.stdout)
    assert set(lines) == set(flags) | arguments, finished.stdout
    for flag, default in flags.items():
        twin = "CAMPAIGNS_" + flag.removeprefix("--").replace("-", "_").upper()
        assert lines[flag].endswith(f"(default: {default}; env {twin})"), lines[flag]
    for argument in arguments:
        assert "env CAMPAIGNS_" not in lines[argument], lines[argument]


def test_top_level_and_admin_help_name_the_commands() -> None:
    top = run(["--help"])
    assert top.code == 0, top.stderr
    for command in ("apply", "export", "admin"):
        assert re.search(rf"^\s+{command}\s+\S", top.stdout, re.MULTILINE), top.stdout
    group = run(["admin", "--help"])
    assert group.code == 0, group.stderr
    for command in ("issue-token", "revoke-token", "set-account-state"):
        assert re.search(rf"^\s+{command}\b", group.stdout, re.MULTILINE), group.stdout


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["admin"], "the following arguments are required: COMMAND"),
        (["apply"], "the following arguments are required: FILE"),
        (["admin", "revoke-token"], "one of the arguments --token --token-id is required"),
        (["admin", "revoke-token", "--token", "a", "--token-id", "b"], "not allowed with argument"),
        (["admin", "issue-token", "--user-id", "x"], "'x' is not a positive whole number"),
        (["admin", "issue-token", "--user-id", "1", "--expires-at", "soon"], "'soon' is not a date-time"),
        (["admin", "set-account-state", "--app-id", "1", "--state", "off"], "'off' is not a state"),
    ],
)
def test_a_call_mistake_is_one_line(argv: list[str], words: str) -> None:
    finished = run(argv)
    assert finished.code == 2
    (line,) = finished.stderr.splitlines()
    assert line.startswith("campaigns: ") and words in line, line
