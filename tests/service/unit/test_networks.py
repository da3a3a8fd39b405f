"""service/networks.py without sockets: the networks of the settings and the IP whitelists, and the
client's address behind trusted proxies."""

from __future__ import annotations

import ipaddress

import pytest

from service.networks import client_ip, parse_networks


def test_networks_v4_and_v6_with_host_bits_and_spaces() -> None:
    assert parse_networks(" 10.1.2.3/8 ,2001:db8::1/32, 192.0.2.7") == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("2001:db8::/32"),
        ipaddress.ip_network("192.0.2.7/32"),
    )


@pytest.mark.parametrize("text", ["", " ", ",", " , ,"])
def test_empty_parts_are_no_networks(text: str) -> None:
    assert parse_networks(text) == ()


@pytest.mark.parametrize("text", ["10.0.0.0/33", "not-a-network", "10.0.0.0/8, 1.2.3", "::1/129"])
def test_a_malformed_part_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_networks(text)


PROXIES = parse_networks("10.0.0.0/8, fd00::/8")


def ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


@pytest.mark.parametrize(
    ("peer", "address"),
    [
        ("ipv4:203.0.113.5:51000", "203.0.113.5"),
        ("ipv6:[2001:db8::5]:51000", "2001:db8::5"),
        ("ipv6:[::1]:1", "::1"),
    ],
)
def test_the_peer_is_the_client_without_a_forwarded_for(peer: str, address: str) -> None:
    assert client_ip(peer, None, PROXIES) == ip(address)


@pytest.mark.parametrize("peer", ["unix:/tmp/socket", "ipv4:not-an-address:1", "ipv6:[::zz]:1", "", "ipv4"])
def test_a_peer_without_an_address_is_none(peer: str) -> None:
    assert client_ip(peer, None, PROXIES) is None


def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    assert client_ip("ipv4:203.0.113.5:1", "198.51.100.7", PROXIES) == ip("203.0.113.5")


@pytest.mark.parametrize(
    ("peer", "forwarded", "address"),
    [
        ("ipv4:10.1.2.3:1", "198.51.100.7", "198.51.100.7"),
        # The rightmost hop is the one the trusted proxy appended; what the client wrote before it is not.
        ("ipv4:10.1.2.3:1", "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        ("ipv4:10.1.2.3:1", "1.2.3.4,  2001:db8::9 ", "2001:db8::9"),
        ("ipv6:[fd00::1]:1", "198.51.100.7", "198.51.100.7"),
    ],
)
def test_forwarded_for_from_a_trusted_proxy_names_the_client(peer: str, forwarded: str, address: str) -> None:
    assert client_ip(peer, forwarded, PROXIES) == ip(address)


@pytest.mark.parametrize("forwarded", ["garbage", "1.2.3.4, ", "300.1.1.1", "[2001:db8::1]"])
def test_a_malformed_forwarded_for_falls_back_to_the_peer(forwarded: str) -> None:
    assert client_ip("ipv4:10.1.2.3:1", forwarded, PROXIES) == ip("10.1.2.3")


def test_forwarded_for_over_a_local_socket_is_believed() -> None:
    assert client_ip("unix:/run/socket", "198.51.100.7", PROXIES) == ip("198.51.100.7")


def test_an_empty_forwarded_for_is_ignored() -> None:
    assert client_ip("ipv4:10.1.2.3:1", "", PROXIES) == ip("10.1.2.3")


def test_no_trusted_proxies_trusts_nobody() -> None:
    assert client_ip("ipv4:10.1.2.3:1", "198.51.100.7", ()) == ip("10.1.2.3")
