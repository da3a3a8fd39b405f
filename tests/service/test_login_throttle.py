"""login.user: passwords are stored as argon2id.

Real services on loopback, on SQLite and PostgreSQL. The client's address is set
the way the gateway sets it: an `x-forwarded-for` from loopback, which the
service trusts by default.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any, Final

import argon2
import grpc
import pytest
import sqlalchemy as sa
from campaigns.v1 import user_service_pb2 as uspb
from campaigns.v1 import user_service_pb2_grpc as uspb_grpc

from service.storage import Storage
from service.storage import schema as t
from tests.conftest import start_service
from tests.service.helpers import Failure, assert_failure, count, decode, query

DEMO_USER: Final = 5001  # login demo / secret


@asynccontextmanager
async def user_service(database_url: str, **settings: Any) -> AsyncIterator[uspb_grpc.UserServiceAsyncStub]:
    """A real service with the given settings; its UserService stub."""
    running = await start_service(database_url, **settings)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        yield uspb_grpc.UserServiceStub(channel)
    finally:
        await channel.close()
        await running.stop(grace=1)


async def login(
    stub: uspb_grpc.UserServiceAsyncStub, user: str, password: str | None = "secret", ip: str = "192.0.2.10"
) -> str | Failure:
    """The session token of a login, or the decoded failure."""
    sent = uspb.LoginRequest(login=user) if password is None else uspb.LoginRequest(login=user, password=password)
    call: Awaitable[uspb.LoginResponse] = stub.Login(sent, metadata=(("x-forwarded-for", ip),), timeout=60)
    try:
        response = await call
    except grpc.aio.AioRpcError as error:
        return decode(error)
    return response.access_token


def assert_wrong(outcome: str | Failure) -> None:
    assert isinstance(outcome, Failure), outcome
    assert_failure(outcome, grpc.StatusCode.UNAUTHENTICATED, "AUTH_ERROR")


def assert_throttled(outcome: str | Failure, limit_type: str, limit: int) -> None:
    assert isinstance(outcome, Failure), outcome
    assert_failure(
        outcome,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "LIMIT_EXCEEDED",
        params={"limit_type": limit_type, "limit_max_value": str(limit)},
    )


def assert_session(outcome: str | Failure) -> None:
    assert isinstance(outcome, str) and len(outcome) >= 20, outcome


async def sessions(database_url: str, user_id: int = DEMO_USER) -> int:
    return await count(
        database_url, t.access_tokens, t.access_tokens.c.user_id == user_id, t.access_tokens.c.is_temporary
    )


async def stored_hash(database_url: str, user_id: int = DEMO_USER) -> str:
    rows = await query(database_url, sa.select(t.users.c.password_hash).where(t.users.c.id == user_id))
    return str(rows[0].password_hash)


async def store_hash(database_url: str, password_hash: str, user_id: int = DEMO_USER) -> None:
    storage = await Storage.open(database_url, migrate=False, pool_size=1)
    try:
        await storage.write(
            lambda conn: conn.execute(
                sa.update(t.users).where(t.users.c.id == user_id).values(password_hash=password_hash)
            )
        )
    finally:
        await storage.close()


def legacy_hash(password: str, rounds: int = 1000) -> str:
    """The format the service stored before argon2id: pbkdf2_sha256$rounds$salt hex$digest hex."""
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, rounds)
    return f"pbkdf2_sha256${rounds}${salt.hex()}${digest.hex()}"


def assert_current_argon2id(password_hash: str, password: str = "secret") -> None:
    """An argon2id hash of the password with the service's parameters (OWASP's: 19 MiB, t=2, p=1)."""
    parameters = argon2.extract_parameters(password_hash)
    assert parameters.type is argon2.Type.ID, password_hash
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (19 * 1024, 2, 1)
    assert argon2.PasswordHasher().verify(password_hash, password)


# --------------------------------------------------------------------------- argon2id


async def test_the_demo_passwords_are_argon2id(database_url: str) -> None:
    for user_id in (DEMO_USER, 9000):
        assert_current_argon2id(await stored_hash(database_url, user_id))


async def test_a_legacy_hash_is_verified_and_upgraded_at_login(database_url: str) -> None:
    legacy = legacy_hash("secret")
    await store_hash(database_url, legacy)
    async with user_service(database_url) as stub:
        assert_wrong(await login(stub, "demo", "Secret"))
        assert await stored_hash(database_url) == legacy

        assert_session(await login(stub, "demo", "secret"))
        upgraded = await stored_hash(database_url)
        assert_current_argon2id(upgraded)

        # The new hash serves the next login, and stays: it needs no rehash.
        assert_session(await login(stub, "demo", "secret"))
        assert await stored_hash(database_url) == upgraded


async def test_an_argon2_hash_with_other_parameters_is_rehashed(database_url: str) -> None:
    weaker = argon2.PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("secret")
    await store_hash(database_url, weaker)
    async with user_service(database_url) as stub:
        assert_session(await login(stub, "demo", "secret"))
    assert_current_argon2id(await stored_hash(database_url))


@pytest.mark.parametrize("stored", ["", "pbkdf2_sha256$x$zz$00", "$argon2id$v=19$m=1,t=1,p=1$bad", "plain secret"])
async def test_a_malformed_stored_hash_matches_nothing(database_url: str, stored: str) -> None:
    await store_hash(database_url, stored)
    async with user_service(database_url) as stub:
        assert_wrong(await login(stub, "demo", "secret"))
        assert_wrong(await login(stub, "demo", stored))
    assert await stored_hash(database_url) == stored
