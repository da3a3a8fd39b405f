"""service/passwords.py: argon2id hashes, and the legacy pbkdf2 form upgraded when it matches."""

from __future__ import annotations

import hashlib

import argon2

from service.passwords import check_password, decoy_hash, hash_password


def pbkdf2(password: str, rounds: int = 1000, salt: bytes = b"salt-salt") -> str:
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, rounds)
    return f"pbkdf2_sha256${rounds}${salt.hex()}${digest.hex()}"


def test_an_argon2id_hash_in_phc_form_matches_its_password_only() -> None:
    stored = hash_password("secret")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("secret", stored).matches
    assert check_password("secret", stored).new_hash is None
    assert not check_password("Secret", stored).matches


def test_a_given_salt_makes_the_hash_repeatable() -> None:
    assert hash_password("secret", salt=b"0123456789abcdef") == hash_password("secret", salt=b"0123456789abcdef")


def test_a_legacy_hash_matches_and_is_replaced_by_argon2id() -> None:
    check = check_password("secret", pbkdf2("secret"))
    assert check.matches
    assert check.new_hash is not None and check_password("secret", check.new_hash).matches


def test_a_legacy_hash_with_another_password_or_malformed_does_not_match() -> None:
    assert not check_password("guess", pbkdf2("secret")).matches
    assert not check_password("secret", "pbkdf2_sha256$x$zz$00").matches
    assert not check_password("secret", "pbkdf2_sha256$1000").matches


def test_an_argon2_hash_with_other_parameters_is_upgraded() -> None:
    stored = argon2.PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("secret")
    check = check_password("secret", stored)
    assert check.matches and check.new_hash is not None and check.new_hash.startswith("$argon2id$v=19$m=19456")


def test_garbage_is_no_match() -> None:
    assert not check_password("secret", "not a hash").matches
    assert not check_password("secret", "").matches


def test_the_decoy_an_unknown_login_is_checked_against_costs_what_a_real_hash_costs() -> None:
    decoy, real = decoy_hash(), hash_password("secret")
    # Same algorithm and parameters ($argon2id$v=19$m=...,t=...,p=...$): the same work to check.
    assert decoy.split("$")[:4] == real.split("$")[:4]
    assert decoy_hash() is decoy  # made once per process
    assert not check_password("secret", decoy).matches
    assert not check_password("", decoy).matches
