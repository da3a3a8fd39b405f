"""Ports checked before anything starts, so that one in use is a one-line mistake and not a traceback."""

from __future__ import annotations

import contextlib
import socket

from cli.mistakes import ConfigError


def listening_socket(host: str, port: int, flag: str) -> socket.socket:
    """A socket bound to host:port (uvicorn listens on it); ConfigError naming `flag` if it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except socket.gaierror:
        sock.close()
        raise ConfigError(f"--host: {host!r} is not an address of this machine") from None
    except OSError as error:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port} ({flag}): {reason(error)}") from None
    sock.set_inheritable(True)
    return sock


def check_free(host: str, port: int, flag: str) -> None:
    """ConfigError if host:port cannot be listened on (a port of 0 always can). gRPC binds it afterwards."""
    if port != 0:
        with contextlib.closing(listening_socket(host, port, flag)):
            pass


def reason(error: OSError) -> str:
    """The system's words for it, as the middle of a sentence."""
    text = error.strerror or str(error)
    return text[0].lower() + text[1:] if text else type(error).__name__
