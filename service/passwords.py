"""Password hashes: argon2id, and the legacy pbkdf2 form still verified and upgraded at login."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Final

import argon2
import sqlalchemy as sa

from service.storage import schema as t

# argon2id with OWASP's parameters (Password Storage Cheat Sheet: 19 MiB, 2 passes, 1 lane) rather
# than argon2-cffi's defaults (RFC 9106's low-memory profile: 64 MiB, 3 passes, 4 lanes). Both are
# current guidance; OWASP's costs a third of the memory and time per hash (about 30 ms against 110 ms on
# the 2-core development machine). Logins hash on the loop's thread pool, several at once, and the
# throttle (service/throttle.py), not the hash's cost, is what stops online guessing; the hash is what
# stands against a stolen table, where OWASP's minimum is enough.
# Changing these upgrades each stored hash at its user's next successful login (check_password).
_HASHER: Final = argon2.PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=argon2.Type.ID
)
# The format before argon2id: pbkdf2_sha256$rounds$salt hex$digest hex. Still verified; replaced
# by an argon2id hash at the user's next successful login.
_LEGACY_SCHEME: Final = "pbkdf2_sha256"


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """An argon2id hash in PHC form ($argon2id$v=19$m=...,t=...,p=...$salt$hash); a random salt unless given."""
    return _HASHER.hash(password, salt=salt)


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    matches: bool
    # When the password matched a hash that is legacy or has other parameters than _HASHER's:
    # the hash to store in its place.
    new_hash: str | None = None


@functools.cache
def decoy_hash() -> str:
    """A hash no password is checked against in earnest: an unknown login is checked against it, so that
    it costs what a known login with a wrong password costs, and the answer's timing tells nothing."""
    return hash_password(secrets.token_urlsafe(16))


def check_password(password: str, stored: str) -> PasswordCheck:
    """Does the password match the stored hash, and should the hash be replaced? Slow: off the loop."""
    if stored.startswith(_LEGACY_SCHEME + "$"):
        if not _verify_pbkdf2(password, stored):
            return PasswordCheck(False)
        return PasswordCheck(True, hash_password(password))
    try:
        _HASHER.verify(stored, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return PasswordCheck(False)
    return PasswordCheck(True, hash_password(password) if _HASHER.check_needs_rehash(stored) else None)


def _verify_pbkdf2(password: str, stored: str) -> bool:
    try:
        _scheme, rounds, salt, digest = stored.split("$")
        candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(rounds))
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def replace_password_hash(conn: sa.Connection, user_id: int, old: str, new: str) -> None:
    """Store the upgraded hash, unless the password changed meanwhile."""
    conn.execute(
        sa.update(t.users).where(t.users.c.id == user_id, t.users.c.password_hash == old).values(password_hash=new)
    )
