"""Service settings, each defined once: its default, and for those the operator sets, its flag and meaning.

A field whose metadata names a `flag` is an option of the `campaigns` command, with the environment
twin CAMPAIGNS_<FLAG> (cli/flags.py derives both from here); the others are for code and tests.
Metadata keys: flag, help, and where the field's type is not a plain str, int, float or bool,
`parse` (the text of a flag to the value; ValueError if it is not one) and `show` (the value as text).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Final

from contract.idempotency import DEFAULT_TTL_SECONDS
from service.networks import IPNetwork, parse_networks


def port(text: str) -> int:
    """A TCP port; 0 lets the system choose a free one."""
    number = int(text) if text.strip().isdigit() else -1
    if not 0 <= number <= 65535:
        raise ValueError(f"{text!r} is not a port (0 to 65535)")
    return number


def connection_age(text: str) -> float:
    """0 (for ever), or 1 to 2,000,000 seconds: gRPC takes whole milliseconds in a C int, and an age near 0
    would close every connection as it opens."""
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not (number == 0 or 1 <= number <= MAX_CONNECTION_AGE):
        raise ValueError(f"{text!r} is not a connection age (0, or 1 to {MAX_CONNECTION_AGE:,} seconds)")
    return number


MAX_CONNECTION_AGE: Final = 2_000_000


def admin_token(text: str) -> str | None:
    """A bearer token: printable, no spaces (it travels in a header); empty means none."""
    if text and not (text.isprintable() and text.strip() == text and " " not in text):
        raise ValueError("the admin token must be printable, without spaces")
    return text or None


def _networks(networks: tuple[IPNetwork, ...]) -> str:
    return ",".join(str(network) for network in networks)


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    host: str = field(default="127.0.0.1", metadata={"flag": "--host", "help": "address to listen on"})
    grpc_port: int = field(default=50051, metadata={"flag": "--grpc-port", "help": "gRPC port", "parse": port})
    database_url: str = field(
        default="sqlite:///campaigns.db",
        metadata={
            "flag": "--database-url",
            "help": "sqlite:///PATH or postgresql://USER@HOST:PORT/DB (the async driver is chosen inside)",
        },
    )
    demo: bool = field(default=False, metadata={"flag": "--demo", "help": "load the demo data set on start"})
    # The bearer token of campaigns.admin.v1.AdminService (service/admin_auth.py). Never logged or shown.
    admin_token: str | None = field(
        default=None,
        repr=False,
        metadata={
            "flag": "--admin-token",
            "help": "bearer token of the admin API (AdminService); without one it answers UNAVAILABLE",
            "parse": admin_token,
            "show": lambda value: "set" if value else "",
        },
    )
    # The gateway runs beside the service by default: loopback may vouch for a client's IP.
    trusted_proxies: tuple[IPNetwork, ...] = field(
        default=tuple(parse_networks("127.0.0.1/32,::1/128")),
        metadata={
            "flag": "--trusted-proxies",
            "help": "comma-separated networks whose x-forwarded-for the service believes (the gateways)",
            "parse": lambda text: tuple(parse_networks(text)),
            "show": _networks,
        },
    )
    # Seconds in-flight calls get to finish on SIGTERM.
    shutdown_grace: float = 10.0
    # Bounded concurrency: calls beyond this are refused with RESOURCE_EXHAUSTED.
    max_concurrent_rpcs: int = field(
        default=256,
        metadata={
            "flag": "--max-concurrent-rpcs",
            "help": "gRPC calls in flight per service process; beyond: RESOURCE_EXHAUSTED",
        },
    )
    # A client's connection is closed (GOAWAY, the calls on it finished first) after about this long, and
    # the client opens a new one. With --workers N the kernel gives each new connection to a worker: a
    # worker that started after a client connected (a late start, a restart) gets its share within this.
    max_connection_age: float = field(
        default=60.0,
        metadata={
            "flag": "--max-connection-age",
            "help": "seconds a client's connection lives before the client is asked to open a new one, so that "
            "connections spread again over the workers (0: for ever)",
            "parse": connection_age,
        },
    )
    # Above the gateway's 4 MiB body cap, so anything the gateway accepts fits.
    max_message_bytes: int = 8 * 1024 * 1024
    db_pool_size: int = 10
    # login.user (service/throttle.py): within a window of this many seconds, a login and a client
    # address may each fail this many times; then their attempts are refused with limit_exceeded,
    # unchecked, until the window ends. A right password takes its attempt back and clears its login.
    login_window_seconds: int = field(
        default=15 * 60,
        metadata={"flag": "--login-window", "help": "login.user: seconds of the window failed logins are counted in"},
    )
    login_failures_per_login: int = field(
        default=10,
        metadata={
            "flag": "--login-failures-per-login",
            "help": "login.user: failures of one login per window; then limit_exceeded",
        },
    )
    login_failures_per_address: int = field(
        default=100,
        metadata={
            "flag": "--login-failures-per-address",
            "help": "login.user: failures from one client address (IPv6: its /64) per window; then limit_exceeded",
        },
    )

    # create.campaigns with an idempotency key (service/idempotency.py): the key answers its first call
    # again for this long; after it, the key is free and the same request creates another campaign.
    idempotency_ttl_seconds: int = field(
        default=DEFAULT_TTL_SECONDS,
        metadata={
            "flag": "--idempotency-ttl",
            "help": "seconds an idempotency key answers its first call again (create.campaigns)",
        },
    )

    # TLS on the gRPC port (service/tls.py): the certificate chain and its key, PEM files read again on
    # SIGHUP. With tls_client_ca the port also requires a client certificate issued by one of those CAs
    # (mutual TLS: the gateways and the provisioning callers). All empty: plaintext, as before.
    tls_cert: str = field(
        default="",
        metadata={
            "flag": "--tls-cert",
            "help": "PEM file of the certificate chain the gRPC port presents (TLS; `serve`: the gateway's HTTPS "
            "too); with --tls-key; read again on SIGHUP",
        },
    )
    tls_key: str = field(
        default="",
        metadata={"flag": "--tls-key", "help": "PEM file of the private key of --tls-cert (unencrypted)"},
    )
    tls_client_ca: str = field(
        default="",
        metadata={
            "flag": "--tls-client-ca",
            "help": "PEM file of the CAs whose client certificates the gRPC port requires (mutual TLS); "
            "needs --tls-cert",
        },
    )

    def __post_init__(self) -> None:
        for each in fields(self):
            if each.name.startswith(("login_", "idempotency_")) and getattr(self, each.name) < 1:
                raise ValueError(f"{each.metadata['flag']} ({each.name}) must be at least 1")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("--tls-cert and --tls-key go together: the certificate chain and its private key")
        if self.tls_client_ca and not self.tls_cert:
            raise ValueError(
                "--tls-client-ca needs --tls-cert and --tls-key: client certificates are asked for in a TLS handshake"
            )
