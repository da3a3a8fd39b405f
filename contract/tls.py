"""Certificate files, read and checked the same way by both halves and by the command.

The service serves gRPC over TLS with a certificate and key (and, for mutual TLS, the CAs of its callers);
the gateway serves HTTPS with its own, and checks the service's certificate against a CA file, presenting
its own client certificate if asked. Each file is named by a flag, so a file that cannot be used is
reported as that flag's mistake (TlsFileError, one line), at start-up and on a reload alike.

The checks use the standard library's OpenSSL: what it accepts, gRPC's BoringSSL and uvicorn accept too.
Encrypted keys are refused: a server has no one to type a passphrase (OpenSSL would prompt on the
terminal), and gRPC takes none; the key file's permissions protect it.
"""

from __future__ import annotations

import asyncio
import signal
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

_CERTIFICATE: Final = b"-----BEGIN CERTIFICATE-----"
_PRIVATE_KEY: Final = b"PRIVATE KEY-----"
_ENCRYPTED: Final = (b"ENCRYPTED PRIVATE KEY", b"Proc-Type: 4,ENCRYPTED")


class TlsFileError(ValueError):
    """A certificate, key or CA file that cannot be used; str() names the flag, the file and why."""


@dataclass(frozen=True, slots=True)
class PemFile:
    """A file as the operator named it: its path and the flag (or twin) that named it."""

    path: str
    flag: str


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A certificate chain and its private key, as PEM bytes (what gRPC takes)."""

    cert: bytes
    key: bytes


def _no_passphrase() -> bytes:
    # Never let OpenSSL prompt on the terminal; an encrypted key was refused before this.
    return b""


def _read(file: PemFile) -> bytes:
    try:
        return Path(file.path).read_bytes()
    except OSError as error:
        why = (error.strerror or type(error).__name__).lower()
        raise TlsFileError(f"{file.flag}: cannot read {file.path} ({why})") from None


def _certificates(file: PemFile) -> bytes:
    """The file's PEM certificates; TlsFileError if it holds none or one that does not parse."""
    data = _read(file)
    if _CERTIFICATE not in data:
        raise TlsFileError(f"{file.flag}: {file.path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
    try:
        # Parses every certificate in the file, whatever else it holds.
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=data.decode("ascii", "replace"))
    except ssl.SSLError as error:
        raise TlsFileError(f"{file.flag}: {file.path} holds a certificate that does not parse ({error})") from None
    return data


def read_pair(cert: PemFile, key: PemFile) -> KeyPair:
    """A certificate chain and the private key that goes with it; TlsFileError naming the file at fault."""
    chain = _certificates(cert)
    secret = _read(key)
    if _PRIVATE_KEY not in secret:
        raise TlsFileError(f"{key.flag}: {key.path} holds no PEM private key (-----BEGIN PRIVATE KEY-----)")
    if any(mark in secret for mark in _ENCRYPTED):
        raise TlsFileError(f"{key.flag}: {key.path} is encrypted: give the key unencrypted (protect the file instead)")
    load_cert_chain(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER), cert, key)
    return KeyPair(chain, secret)


def load_cert_chain(context: ssl.SSLContext, cert: PemFile, key: PemFile) -> None:
    """context.load_cert_chain, never prompting for a passphrase; TlsFileError when the files do not go."""
    try:
        context.load_cert_chain(cert.path, key.path, password=_no_passphrase)
    except ssl.SSLError as error:
        if error.reason == "KEY_VALUES_MISMATCH":
            raise TlsFileError(
                f"{key.flag}: {key.path} is not the key of the certificate in {cert.flag} ({cert.path})"
            ) from None
        raise TlsFileError(f"{key.flag}: {key.path} is not a usable private key ({error})") from None
    except OSError as error:  # the files changed under us since they were read
        raise TlsFileError(f"{cert.flag}: {cert.path} cannot be loaded ({error})") from None


def read_authorities(file: PemFile) -> bytes:
    """A CA bundle: one or more PEM certificates, to check the other side's certificate against."""
    return _certificates(file)


def reload_on_sighup(loop: asyncio.AbstractEventLoop, reload: Callable[[], None]) -> None:
    """SIGHUP calls `reload` on the loop, from now on, in the process that serves.

    A worker starts with SIGHUP blocked (cli/workers.py): one that arrives before the handler is in place
    waits, instead of ending the worker, and is handled here once unblocked.
    """
    loop.add_signal_handler(signal.SIGHUP, reload)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP})
