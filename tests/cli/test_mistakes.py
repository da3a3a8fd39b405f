"""A configuration mistake ends the command at once with one line on stderr that says what to fix.

No traceback, a non-zero exit code, within a few seconds: the database (a PostgreSQL database that does
not exist, a server that does not answer, a SQLite folder that does not exist, a URL that is not one),
a port in use, a value that is not one (a flag or its environment twin).
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.commands import Finished, run
from tests.databases import PG_ADMIN_URL

# A mistake is found before anything is served or migrated.
QUICKLY = 10.0


def _one_line(finished: Finished, *words: str) -> str:
    assert finished.code != 0, f"exit code 0\n{finished.stderr}"
    assert finished.seconds < QUICKLY, f"took {finished.seconds:.1f}s"
    lines = finished.stderr.splitlines()
    assert len(lines) == 1, f"{len(lines)} lines on stderr:\n{finished.stderr}"
    line = lines[0]
    assert line.startswith("campaigns: "), line
    for word in words:
        assert word in line, f"{word!r} not in {line!r}"
    return line


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port something else listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# The id marks it as needing the shared PostgreSQL server (tests/conftest.py skips it without one).
@pytest.mark.parametrize("command", ["serve-grpc", "load-demo"], ids=lambda c: f"postgresql-{c}")
def test_postgresql_database_that_does_not_exist(command: str) -> None:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    name = f"campaigns_nope_{uuid.uuid4().hex[:8]}"
    extra = ["--grpc-port", "0"] if command == "serve-grpc" else []
    finished = run([command, "--database-url", f"{base}/{name}", *extra])
    _one_line(finished, "--database-url", f'database "{name}" does not exist')


@pytest.mark.parametrize("command", ["serve-grpc", "migrate"])
def test_sqlite_in_a_folder_that_does_not_exist(command: str, tmp_path: Path) -> None:
    extra = ["--grpc-port", "0"] if command == "serve-grpc" else []
    finished = run([command, "--database-url", f"sqlite:///{tmp_path}/missing/x.db", *extra])
    _one_line(finished, "--database-url", f"{tmp_path}/missing", "does not exist")


def test_postgresql_that_does_not_answer() -> None:
    port = _free_port()
    finished = run(["migrate", "--database-url", f"postgresql://postgres@127.0.0.1:{port}/campaigns"])
    _one_line(finished, "--database-url", f"127.0.0.1:{port}", "connection refused")


@pytest.mark.parametrize("url", ["postgresql://x:notaport/db", "not a url", "mysql://db.internal/campaigns"])
def test_a_database_url_that_is_not_one(url: str) -> None:
    _one_line(run(["migrate", "--database-url", url]), "--database-url", "sqlite:///PATH")


@pytest.mark.parametrize(
    ("command", "flag"),
    [("serve-grpc", "--grpc-port"), ("serve", "--http-port"), ("serve-gateway", "--http-port")],
)
def test_a_port_in_use(command: str, flag: str, busy_port: int, tmp_path: Path) -> None:
    argv = [command, flag, str(busy_port)]
    if command != "serve-gateway":
        argv += ["--database-url", f"sqlite:///{tmp_path}/x.db"]
    if command == "serve":
        argv += ["--grpc-port", "0"]
    _one_line(run(argv), f"127.0.0.1:{busy_port}", flag, "in use")
    assert not (tmp_path / "x.db").exists(), "the port is checked before the database is opened"


def test_a_metrics_port_in_use(busy_port: int, tmp_path: Path) -> None:
    argv = [
        "serve-grpc",
        "--grpc-port",
        "0",
        "--metrics-port",
        str(busy_port),
        "--database-url",
        f"sqlite:///{tmp_path}/x.db",
    ]
    _one_line(run(argv), f"127.0.0.1:{busy_port}", "--metrics-port", "in use")


def test_a_trusted_proxy_that_is_not_a_network() -> None:
    _one_line(run(["serve-grpc", "--trusted-proxies", "10.0.0.0/8,10.1.0.0/33"]), "--trusted-proxies", "10.1.0.0/33")


@pytest.mark.parametrize(
    ("env", "command"),
    [
        ({"CAMPAIGNS_GRPC_PORT": "abc"}, "serve-grpc"),
        ({"CAMPAIGNS_HTTP_PORT": "80x"}, "serve-gateway"),
        ({"CAMPAIGNS_CALL_TIMEOUT": "soon"}, "serve-gateway"),
        ({"CAMPAIGNS_LOGIN_WINDOW": "0"}, "serve-grpc"),
        ({"CAMPAIGNS_LOG_LEVEL": "LOUD"}, "migrate"),
    ],
)
def test_an_environment_twin_that_is_not_a_value(env: dict[str, str], command: str) -> None:
    ((name, value),) = env.items()
    line = _one_line(run([command], env=env), name if name != "CAMPAIGNS_LOGIN_WINDOW" else "--login-window")
    assert value in line or "at least 1" in line, line


@pytest.mark.parametrize(
    "argv",
    [["serve-grpc", "--grpc-port", "70000"], ["serve-gateway", "--body-limit", "big"], ["serve", "--nope"], []],
)
def test_a_flag_that_is_not_a_value(argv: list[str]) -> None:
    _one_line(run(argv))
