"""The gateway's settings, each defined once: its default, and for those the operator sets, its flag and meaning.

Fields whose metadata names a `flag` are options of the `campaigns` command with the environment twin
CAMPAIGNS_<FLAG> (cli/flags.py derives both; service/config.py describes the metadata keys). Two fields
may share a flag: --request-timeout sets both of the client's deadlines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from gateway.protocol import DEFAULT_HEAD_LIMIT

# The client's deadline for its request head, and again for its body.
REQUEST_TIMEOUT: Final = 10.0
_REQUEST_TIMEOUT_HELP: Final = (
    "seconds a client has to send its request head (from connecting, or a keep-alive request's first byte), "
    "and again its body; then HTTP 408"
)


MAX_TARGET_CONNECTIONS: Final = 64


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    target: str = field(
        default="127.0.0.1:50051",
        metadata={
            "flag": "--target",
            "help": "HOST:PORT of the gRPC service; for several, balanced round robin: ipv4:H:P,H:P or dns:///NAME:PORT",
        },
    )
    # Several connections, because a service with --workers N shares its port (SO_REUSEPORT): the kernel
    # gives each connection to one worker, so a gateway with one connection would keep every other
    # worker idle (gateway/upstream.py).
    target_connections: int = field(
        default=4,
        metadata={
            "flag": "--target-connections",
            "help": "gRPC channels each gateway worker keeps to the service, each with a connection of its own "
            "(to every address of --target); each call goes on the one with the fewest calls in flight, so that "
            "every worker of the service gets its share: at least as many as the service has workers",
        },
    )
    body_limit: int = field(
        default=4 * 1024 * 1024,
        metadata={"flag": "--body-limit", "help": "request bodies above this many bytes get 413"},
    )
    # Every gRPC call has a deadline: a service that is down or stuck answers internal_error.
    call_timeout: float = field(
        default=5.0,
        metadata={"flag": "--call-timeout", "help": "seconds each gRPC call may take (then internal_error)"},
    )
    # A client that has not sent its whole body by then is cut off.
    body_timeout: float = field(
        default=REQUEST_TIMEOUT, metadata={"flag": "--request-timeout", "help": _REQUEST_TIMEOUT_HELP}
    )
    # Nor its request head (request line and headers), timed from the connection's
    # opening or a keep-alive request's first byte (gateway/protocol.py).
    head_timeout: float = field(
        default=REQUEST_TIMEOUT, metadata={"flag": "--request-timeout", "help": _REQUEST_TIMEOUT_HELP}
    )
    # Request heads (request line and headers) above this many bytes get 431 (gateway/protocol.py).
    head_limit: int = field(
        default=DEFAULT_HEAD_LIMIT,
        metadata={
            "flag": "--head-limit",
            "help": "request heads (request line and headers) above this many bytes get 431",
        },
    )
    # Comma-separated addresses or networks of the proxies whose X-Forwarded-For is believed
    # (uvicorn's forwarded_allow_ips); empty: none, the client is the TCP peer.
    forwarded_allow_ips: str = field(
        default="",
        metadata={
            "flag": "--forwarded-allow-ips",
            "help": "comma-separated addresses or networks of the HTTP proxies whose X-Forwarded-For the gateway "
            "believes; * for any; empty: none",
        },
    )
    # Requests beyond this many in flight are answered at once with internal_error
    # (HTTP 200, as every JSON-RPC answer) instead of queueing into timeouts.
    max_in_flight: int = field(
        default=512,
        metadata={"flag": "--max-in-flight", "help": "requests beyond this many in flight get internal_error at once"},
    )
    # HTTPS (gateway/tls.py): the certificate chain and key the gateway presents, read again on SIGHUP.
    # Empty: plain HTTP, as before.
    tls_cert: str = field(
        default="",
        metadata={
            "flag": "--tls-cert",
            "help": "PEM file of the certificate chain the gateway presents: it serves HTTPS; with --tls-key; "
            "read again on SIGHUP",
        },
    )
    tls_key: str = field(
        default="",
        metadata={"flag": "--tls-key", "help": "PEM file of the private key of --tls-cert (unencrypted)"},
    )
    # TLS to the service (gateway/upstream.py): the CAs its certificate must come from, and for mutual
    # TLS the gateway's own client certificate. Empty target_ca: plaintext, as before.
    target_ca: str = field(
        default="",
        metadata={
            "flag": "--target-ca",
            "help": "PEM file of the CAs the service's certificate must come from: the gateway calls the service "
            "over TLS; read again on SIGHUP",
        },
    )
    target_cert: str = field(
        default="",
        metadata={
            "flag": "--target-cert",
            "help": "PEM file of the client certificate the gateway presents to the service (mutual TLS); "
            "with --target-key and --target-ca",
        },
    )
    target_key: str = field(
        default="",
        metadata={"flag": "--target-key", "help": "PEM file of the private key of --target-cert (unencrypted)"},
    )
    # gRPC checks the service's certificate for the host of the target; a list of addresses
    # (ipv4:A,B) has no one host, hence a name to check instead (grpc.ssl_target_name_override).
    target_name: str = field(
        default="",
        metadata={
            "flag": "--target-name",
            "help": "the name the service's certificate must carry, when it is not the host of the target "
            "(an ipv4:A,B list needs one); empty: the target's host",
        },
    )

    def __post_init__(self) -> None:
        if not 1 <= self.target_connections <= MAX_TARGET_CONNECTIONS:
            raise ValueError(f"--target-connections: 1 to {MAX_TARGET_CONNECTIONS}, not {self.target_connections}")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("--tls-cert and --tls-key go together: the certificate chain and its private key")
        if bool(self.target_cert) != bool(self.target_key):
            raise ValueError("--target-cert and --target-key go together: the client certificate and its private key")
        if (self.target_cert or self.target_name) and not self.target_ca:
            given = "--target-cert" if self.target_cert else "--target-name"
            raise ValueError(
                f"{given} needs --target-ca: the gateway calls the service over TLS only when it knows the CA "
                "that issued the service's certificate"
            )
