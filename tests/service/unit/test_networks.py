"""service/networks.py: the comma-separated networks of the settings and the IP whitelists."""

from __future__ import annotations

import ipaddress

import pytest

from service.networks import parse_networks


def test_networks_v4_and_v6_with_host_bits_and_spaces() -> None:
    assert parse_networks(" 10.1.2.3/8 ,2001:db8::1/32, 192.0.2.7") == [
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("2001:db8::/32"),
        ipaddress.ip_network("192.0.2.7/32"),
    ]


@pytest.mark.parametrize("text", ["", " ", ",", " , ,"])
def test_empty_parts_are_no_networks(text: str) -> None:
    assert parse_networks(text) == []


@pytest.mark.parametrize("text", ["10.0.0.0/33", "not-a-network", "10.0.0.0/8, 1.2.3", "::1/129"])
def test_a_malformed_part_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_networks(text)
