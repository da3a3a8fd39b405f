"""Idempotency keys on the service: a keyed call answers its first answer again instead of working twice.

A caller that lost an answer (a deadline, a dropped connection, a crashed service) cannot tell whether
its create was committed. With a key it sends the same request again: if the first call committed, the
key is in `idempotency_keys` with that call's response, and the retry gets it back without a second
campaign or a second charge; if it did not, nothing of it is there and the retry does the work.

The key is stored in the transaction that does the work, so it is remembered exactly when the work
was committed: an error remembers nothing (it changed nothing, and its retry is answered afresh). Two
calls with one key at once both miss it, both work, and both try to store it: the primary key lets one
commit; the other's upsert finds the row and does nothing, so its transaction is rolled back and run
again (calls.Calls.run), and the second run finds the first's answer. Keys are per account, and
expire after the service's TTL (`--idempotency-ttl`, 24 h): an expired row counts as absent and is
replaced; an account's expired rows are swept when it stores a new key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from sqlalchemy.dialects import postgresql, sqlite

from contract.idempotency import valid_key
from service.errors import ServiceError
from service.storage import schema as t

_k = t.idempotency_keys.c


@dataclass(frozen=True, slots=True)
class Claim:
    """A call's key and what it must match: the rpc and the request exactly as sent."""

    key: str
    fingerprint: str


def claim(rpc: MethodDescriptor, request: Message, key: str, faults: bytes | None) -> Claim:
    """The call's claim on `key`, or idempotency_key_invalid.

    The fingerprint covers the faults the gateway saw in the JSON (unknown or mistyped params the
    message cannot hold), so a retry that differs from the first only there is not the same request.
    """
    if not valid_key(key):
        raise ServiceError("idempotency_key_invalid")
    digest = hashlib.sha256(rpc.full_name.encode())
    digest.update(b"\0")
    digest.update(request.SerializeToString(deterministic=True))
    digest.update(b"\0")
    digest.update(faults or b"")
    return Claim(key, digest.hexdigest())


def recall(conn: sa.Connection, account_id: int, claim: Claim, *, now: int, ttl: int) -> bytes | None:
    """The stored response of the key's first call, None when the key is free; idempotency_key_reused."""
    row = conn.execute(
        sa.select(_k.fingerprint, _k.response).where(
            _k.account_id == account_id, _k.key == claim.key, _k.created_at > now - ttl
        )
    ).one_or_none()
    if row is None:
        return None
    if row.fingerprint != claim.fingerprint:
        raise ServiceError("idempotency_key_reused")
    return bytes(row.response)


def remember(conn: sa.Connection, account_id: int, claim: Claim, response: bytes, *, now: int, ttl: int) -> bool:
    """Store the key's answer; False when another call stored the key first (the caller runs again)."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(t.idempotency_keys)
    values = {"fingerprint": claim.fingerprint, "response": response, "created_at": now}
    statement = (
        insert.values(account_id=account_id, key=claim.key, **values)
        .on_conflict_do_update(
            index_elements=[_k.account_id, _k.key],
            set_=values,
            # Only an expired row is replaced; a live one belongs to a call that committed first.
            where=t.idempotency_keys.c.created_at <= now - ttl,
        )
        .returning(_k.key)
    )
    if conn.execute(statement).one_or_none() is None:
        return False
    _sweep(conn, account_id, now=now, ttl=ttl)
    return True


def _sweep(conn: sa.Connection, account_id: int, *, now: int, ttl: int) -> None:
    """Delete the account's expired keys. SKIP LOCKED on PostgreSQL: never waits on another call's row."""
    expired = (
        sa.select(_k.account_id, _k.key)
        .where(_k.account_id == account_id, _k.created_at <= now - ttl)
        .with_for_update(skip_locked=True)
    )
    conn.execute(sa.delete(t.idempotency_keys).where(sa.tuple_(_k.account_id, _k.key).in_(expired)))
