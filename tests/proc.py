"""What the kernel says of this machine (/proc), for the tests and the benchmarks: a supervisor's worker
processes, and the TCP sockets (/proc/net/tcp and tcp6): which listen on a port, which connections a port
has, and the inodes that name them in a process's file descriptors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LISTEN = "0A"
ESTABLISHED = "01"


@dataclass(frozen=True)
class TcpSocket:
    local_port: int
    remote_port: int
    state: str  # the kernel's code: LISTEN, ESTABLISHED, ...
    inode: str


def tcp_sockets() -> Iterator[TcpSocket]:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            next(lines)  # the header
            for line in lines:
                fields = line.split()
                yield TcpSocket(_port(fields[1]), _port(fields[2]), fields[3], fields[9])


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


def listening(port: int) -> int:
    """How many sockets listen on `port`."""
    return sum(sock.local_port == port and sock.state == LISTEN for sock in tcp_sockets())


def client_ports(port: int) -> set[int]:
    """The local ports of this machine's established connections to `port`."""
    return {sock.local_port for sock in tcp_sockets() if sock.remote_port == port and sock.state == ESTABLISHED}


def accepted_inodes(port: int) -> set[str]:
    """The inodes of the established connections a server on `port` accepted."""
    return {sock.inode for sock in tcp_sockets() if sock.local_port == port and sock.state == ESTABLISHED}


def workers_of(supervisor: int) -> set[int]:
    """The worker processes of a `--workers` supervisor: its children that multiprocessing spawned (their
    command runs spawn_main; the resource tracker's does not)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[1]) == supervisor and b"spawn_main" in (entry / "cmdline").read_bytes():
                found.add(int(entry.name))
    return found
