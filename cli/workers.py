"""Several worker processes on the same ports, kept alive by a supervisor: every core.

A Python process runs on one core at a time (the GIL), so `--workers N` starts N copies of a server, each
a process of its own, listening on the same ports: the kernel spreads new connections over them
(SO_REUSEPORT; gRPC sets it on its sockets, the gateway on its own). The supervisor is the process the
operator started. It:

- holds a socket on each port for as long as it runs, so that the port stays this server's while a worker
  restarts, and so that port 0 becomes one port that every worker shares;
- starts the workers with `spawn` (a fresh interpreter: gRPC must not be forked with live threads);
- restarts a worker that dies, unless it keeps dying at start (then stops everything and exits 1);
- on SIGTERM or SIGINT, passes SIGTERM on and waits while each worker drains (its own graceful stop),
  then kills what is left after the grace period;
- passes SIGHUP on (each worker reads its certificate files again); a worker is started with SIGHUP
  blocked, so one that comes before the worker can handle it waits rather than ends the worker;
- keeps one Prometheus registry across the workers (prometheus_client's multiprocess mode, in a folder
  of its own): any worker's /metrics, and the supervisor's --metrics-port, answer for all of them.

Workers ask the kernel to end them when the supervisor dies (PR_SET_PDEATHSIG), so a killed supervisor
leaves no orphan serving on its ports.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any, Final

log = logging.getLogger("campaigns.workers")

# A worker that exits within this many seconds of starting, this many times in a row, is not restarted.
EARLY_EXIT_SECONDS: Final = 5.0
EARLY_EXITS_ALLOWED: Final = 5
_PR_SET_PDEATHSIG: Final = 1
METRICS_DIR_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True)
class Job:
    """What every worker runs: `target(index, *args)`, a module-level function (workers are spawned)."""

    target: Callable[..., None]
    args: tuple[Any, ...]
    log_level: str


def reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound to host:port with SO_REUSEPORT, never listening: it keeps the port (0: one the
    system picks) for the workers, which bind it beside; connections go only to listening sockets."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def shared_listener(host: str, port: int) -> socket.socket:
    """A worker's listening socket on the shared port."""
    sock = reserve_port(host, port)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


@contextlib.contextmanager
def shared_metrics() -> Iterator[str]:
    """A fresh folder for the workers' metrics, named in the environment the workers inherit."""
    folder = tempfile.mkdtemp(prefix="campaigns-metrics-")
    previous = os.environ.get(METRICS_DIR_ENV)
    os.environ[METRICS_DIR_ENV] = folder
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop(METRICS_DIR_ENV, None)
        else:
            os.environ[METRICS_DIR_ENV] = previous
        shutil.rmtree(folder, ignore_errors=True)


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _worker_main(job: Job, index: int, parent: int) -> None:
    _die_with_parent()
    if os.getppid() != parent:  # the supervisor died before the request above took effect
        return
    os.environ["CAMPAIGNS_WORKER"] = str(index)
    job.target(index, *job.args)


class Supervisor:
    def __init__(self, job: Job, count: int, *, grace: float) -> None:
        self.job = job
        self.count = count
        self.grace = grace
        self._context = multiprocessing.get_context("spawn")
        self._workers: dict[int, BaseProcess] = {}
        self._started: dict[int, float] = {}
        self._early_exits: dict[int, int] = {}
        self._stopping = False

    def _start(self, index: int) -> None:
        worker = self._context.Process(
            target=_worker_main, args=(self.job, index, os.getpid()), name=f"worker-{index}", daemon=False
        )
        # The child inherits the signal mask: SIGHUP stays pending until it has a handler
        # (contract/tls.py reload_on_sighup unblocks it). Ours is blocked for as long as the start takes.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
        try:
            worker.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        self._workers[index] = worker
        self._started[index] = time.monotonic()
        log.info("worker %d started (pid %d)", index, worker.pid)

    def _request_stop(self, signum: int, _frame: Any) -> None:
        if not self._stopping:
            log.info("%s: stopping %d workers", signal.Signals(signum).name, len(self._workers))
        self._stopping = True

    def _pass_reload(self, _signum: int, _frame: Any) -> None:
        live = [worker.pid for worker in self._workers.values() if worker.is_alive() and worker.pid is not None]
        log.info("SIGHUP: %d workers read their certificate files again", len(live))
        for pid in live:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGHUP)

    def run(self) -> int:
        """Until SIGTERM or SIGINT (then 0), or a worker that keeps dying at start (then 1)."""
        previous = {signum: signal.signal(signum, self._request_stop) for signum in (signal.SIGTERM, signal.SIGINT)}
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, self._pass_reload)
        status = 0
        try:
            for index in range(self.count):
                self._start(index)
            while not self._stopping:
                sentinels = {worker.sentinel: index for index, worker in self._workers.items()}
                for ready in wait(list(sentinels), timeout=0.5):
                    if self._stopping:
                        break
                    if not self._replace(sentinels[ready]):  # type: ignore[index]
                        status = 1
                        self._stopping = True
                        break
        finally:
            self._drain()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return status

    def _replace(self, index: int) -> bool:
        """Restart worker `index`, which has exited; False when it keeps exiting at start."""
        worker = self._workers[index]
        worker.join()
        _forget_metrics(worker.pid)
        lived = time.monotonic() - self._started[index]
        early = self._early_exits.get(index, 0) + 1 if lived < EARLY_EXIT_SECONDS else 0
        self._early_exits[index] = early
        log.warning("worker %d (pid %s) exited with code %s after %.1fs", index, worker.pid, worker.exitcode, lived)
        if early >= EARLY_EXITS_ALLOWED:
            log.error("worker %d exited at start %d times in a row: stopping", index, early)
            return False
        self._start(index)
        return True

    def _drain(self) -> None:
        for worker in self._workers.values():
            if worker.is_alive() and worker.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace + 5
        for worker in self._workers.values():
            worker.join(max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                log.warning("worker %s did not stop within the grace period: killed", worker.name)
                worker.kill()
                worker.join()
            _forget_metrics(worker.pid)
        log.info("all workers stopped")


def _forget_metrics(pid: int | None) -> None:
    """A dead worker's live gauges (calls in flight) no longer count."""
    if pid is not None and os.environ.get(METRICS_DIR_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
