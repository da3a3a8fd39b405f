"""Service settings: every flag of the CLI has an environment-variable twin."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.access import IPNetwork, parse_networks

DEFAULT_DATABASE_URL = "sqlite:///campaigns.db"
# The gateway runs beside the service by default: loopback may vouch for a client's IP.
DEFAULT_TRUSTED_PROXIES = "127.0.0.1/32,::1/128"


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    host: str = "127.0.0.1"
    grpc_port: int = 50051
    database_url: str = DEFAULT_DATABASE_URL
    demo: bool = False
    trusted_proxies: tuple[IPNetwork, ...] = field(
        default_factory=lambda: tuple(parse_networks(DEFAULT_TRUSTED_PROXIES))
    )
    # Seconds in-flight calls get to finish on SIGTERM.
    shutdown_grace: float = 10.0
    # Bounded concurrency: calls beyond this are refused with RESOURCE_EXHAUSTED.
    max_concurrent_rpcs: int = 256
    # Above the gateway's 4 MiB body cap, so anything the gateway accepts fits.
    max_message_bytes: int = 8 * 1024 * 1024
    db_pool_size: int = 10
    # login.user (service/throttle.py): within a window of this many seconds, a login and a client
    # address may each fail this many times; then their attempts are refused with limit_exceeded,
    # unchecked, until the window ends. A right password takes its attempt back and clears its login.
    login_window_seconds: int = 15 * 60
    login_failures_per_login: int = 10
    login_failures_per_address: int = 100

    def __post_init__(self) -> None:
        for name in ("login_window_seconds", "login_failures_per_login", "login_failures_per_address"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
