"""IP networks as the settings and the IP whitelists write them: comma-separated, host bits allowed."""

from __future__ import annotations

import ipaddress

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(text: str) -> list[IPNetwork]:
    """The networks of "10.0.0.0/8, ::1"; ValueError names the part that is not one."""
    return [ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()]
