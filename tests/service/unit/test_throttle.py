"""service/throttle.py's keys: what counts as one login and one address."""

from __future__ import annotations

import hashlib
import ipaddress

import pytest

from service.throttle import address_key, login_key


def test_login_key_is_the_sha256_of_the_login_as_sent() -> None:
    assert login_key("cust") == hashlib.sha256(b"cust").hexdigest()
    assert login_key(" cust") != login_key("cust")
    assert login_key("Cust") != login_key("cust")


@pytest.mark.parametrize("login", ["", "x" * 100_000, "\ud800", "ünïcødé"])
def test_login_key_has_a_fixed_size_for_any_login(login: str) -> None:
    assert len(login_key(login)) == 64


@pytest.mark.parametrize(
    ("address", "key"),
    [
        (None, "unknown"),
        ("192.0.2.7", "192.0.2.7"),
        # A v6 client usually has a whole /64: one counter for it.
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::", "2001:db8:1:2::/64"),
        ("::1", "::/64"),
        # A v4 client seen through a v6 socket is the v4 address.
        ("::ffff:192.0.2.7", "192.0.2.7"),
    ],
)
def test_address_key(address: str | None, key: str) -> None:
    assert address_key(None if address is None else ipaddress.ip_address(address)) == key


def test_neighbours_in_one_v6_prefix_share_a_key_and_other_prefixes_do_not() -> None:
    first, second, other = (ipaddress.ip_address(a) for a in ("2001:db8::1", "2001:db8::ffff", "2001:db8:0:1::1"))
    assert address_key(first) == address_key(second) != address_key(other)
