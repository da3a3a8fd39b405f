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


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    target: str = field(
        default="127.0.0.1:50051",
        metadata={
            "flag": "--target",
            "help": "HOST:PORT of the gRPC service; for several, balanced round robin: ipv4:H:P,H:P or dns:///NAME:PORT",
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
