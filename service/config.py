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
