"""The supervisor of `--workers` (cli/workers.py) on its own: what it does with a worker that cannot
start, and `--workers` mistakes. The serving side (ports, restarts, draining) is tests/system/test_workers.py."""

from __future__ import annotations

import signal
import socket

import pytest

from cli import workers
from cli.workers import Job, Supervisor, reserve_port
from tests.cli.commands import run


def exit_at_once(_index: int) -> None:
    raise SystemExit(3)


def test_a_worker_that_keeps_dying_at_start_stops_the_supervisor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "EARLY_EXITS_ALLOWED", 3)
    supervisor = Supervisor(Job(exit_at_once, (), "WARNING"), 2, grace=1)
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}

    assert supervisor.run() == 1
    # Its signal handlers are the process's own again.
    assert {signum: signal.getsignal(signum) for signum in before} == before


def test_a_reserved_port_is_shared_with_workers_only() -> None:
    with reserve_port("127.0.0.1", 0) as reservation:
        port = reservation.getsockname()[1]
        with workers.shared_listener("127.0.0.1", port) as worker, workers.shared_listener("127.0.0.1", port):
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass
            assert worker.getsockname()[1] == port
        # A server that does not share (no SO_REUSEPORT) cannot take the port meanwhile.
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(("127.0.0.1", port))


@pytest.mark.parametrize("value", ["0", "-1", "many", "257"])
def test_a_number_of_workers_that_is_not_one_is_a_one_line_mistake(value: str) -> None:
    finished = run(["serve-gateway", "--workers", value, "--http-port", "0"])

    assert finished.code == 2
    assert finished.stderr.startswith("campaigns: --workers") and len(finished.stderr.splitlines()) == 1, (
        finished.stderr
    )
    assert "1 to 256" in finished.stderr


def test_workers_in_the_help_says_the_default_is_the_cpus() -> None:
    finished = run(["serve", "--help"])

    assert "--workers" in finished.stdout and "the number of CPUs" in finished.stdout
