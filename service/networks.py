"""Addresses: the client's, and IP networks as the settings and the IP whitelists write them."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """The networks of "10.0.0.0/8, ::1"; ValueError names the part that is not one."""
    return _parsed(text)


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> tuple[IPNetwork, ...]:
    # Every call checks its account's whitelist: parse each text once (accounts have a handful).
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


# Every call parses its peer and its forwarded address; the same few come again and again.
_address = functools.lru_cache(maxsize=4096)(ipaddress.ip_address)


def client_ip(peer: str, forwarded_for: str | None, trusted_proxies: Sequence[IPNetwork]) -> IPAddress | None:
    """The caller's address: the gRPC peer, or the hop the trusted proxy recorded.

    peer is grpc's form: "ipv4:127.0.0.1:5000", "ipv6:[::1]:5000", "unix:...".
    """
    address = _peer_address(peer)
    if forwarded_for and (address is None or any(address in net for net in trusted_proxies)):
        # The rightmost entry is the one our trusted proxy appended.
        last = forwarded_for.split(",")[-1].strip()
        try:
            return _address(last)
        except ValueError:
            return address
    return address


def _peer_address(peer: str) -> IPAddress | None:
    kind, _, rest = peer.partition(":")
    try:
        if kind == "ipv4":
            return _address(rest.rsplit(":", 1)[0])
        if kind == "ipv6":
            return _address(rest.rsplit(":", 1)[0].strip("[]"))
    except ValueError:
        return None
    return None  # unix sockets and the like: local
