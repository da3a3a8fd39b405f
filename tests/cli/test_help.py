"""`campaigns COMMAND --help` lists every flag with its meaning, its default and its environment twin."""

from __future__ import annotations

import os
import re
from typing import Final

import pytest

from tests.cli.commands import run

# The operator's table (README, Configuration): flag -> its default as --help shows it.
SERVICE: Final = {
    "--host": "127.0.0.1",
    "--grpc-port": "50051",
    "--database-url": "sqlite:///campaigns.db",
    "--demo": "off",
    "--admin-token": "empty",
    "--trusted-proxies": "127.0.0.1/32,::1/128",
    "--max-concurrent-rpcs": "256",
    "--max-connection-age": "60.0",
    "--login-window": "900",
    "--login-failures-per-login": "10",
    "--login-failures-per-address": "100",
    "--idempotency-ttl": "86400",
    "--metrics-port": "0 (off)",
    "--workers": f"the number of CPUs, {os.cpu_count()} here",
    "--tls-cert": "empty",
    "--tls-key": "empty",
    "--tls-client-ca": "empty",
}
GATEWAY: Final = {
    "--http-port": "8080",
    "--body-limit": "4194304",
    "--call-timeout": "5.0",
    "--request-timeout": "10.0",
    "--head-limit": "65536",
    "--forwarded-allow-ips": "empty",
    "--max-in-flight": "512",
    "--target-ca": "empty",
    "--target-cert": "empty",
    "--target-key": "empty",
    "--target-name": "empty",
}
# The gateway's own HTTPS certificate (in `serve`, the service's --tls-cert and --tls-key serve both).
HTTPS: Final = {"--tls-cert": "empty", "--tls-key": "empty"}
COMMANDS: Final = {
    "serve": SERVICE | GATEWAY,
    "serve-grpc": SERVICE,
    "serve-gateway": {"--host": "127.0.0.1", "--target": "127.0.0.1:50051", "--workers": SERVICE["--workers"]}
    # `serve`'s gateway calls the service in its own process: no connections to choose from.
    | {"--target-connections": "4"}
    | GATEWAY
    | HTTPS,
    "load-demo": {"--database-url": "sqlite:///campaigns.db"},
    "migrate": {"--database-url": "sqlite:///campaigns.db"},
}


def _flag_lines(help_text: str) -> dict[str, str]:
    """--flag -> its help text: on its line, or on the next when the flag is long (COLUMNS is wide)."""
    entries = re.split(r"\n  (?=-)", help_text.partition("\noptions:\n")[2])
    found = {}
    for entry in entries:
        match = re.match(r"\s*(--[a-z-]+)( [A-Z_]+)?\s+(\S.*)$", entry.strip(), re.DOTALL)
        if match:
            found[match.group(1)] = " ".join(match.group(3).split())
    return found


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_flag_has_its_meaning_default_and_twin(command: str) -> None:
    finished = run([command, "--help"])
    assert finished.code == 0, finished.stderr
    lines = _flag_lines(finished.stdout)
    assert set(lines) == set(COMMANDS[command]), finished.stdout
    for flag, default in COMMANDS[command].items():
        twin = "CAMPAIGNS_" + flag.removeprefix("--").replace("-", "_").upper()
        meaning, _, tail = lines[flag].rpartition(" (default: ")
        assert tail == f"{default}; env {twin})", lines[flag]
        assert len(meaning) > 5, f"{flag} has no meaning: {lines[flag]}"


def test_top_level_help_names_the_commands_and_the_log_level() -> None:
    finished = run(["--help"])
    assert finished.code == 0, finished.stderr
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\s+\S", finished.stdout, re.MULTILINE), finished.stdout
    assert _flag_lines(finished.stdout)["--log-level"].endswith("(default: INFO; env CAMPAIGNS_LOG_LEVEL)")
