"""login.user: password guessing is throttled, and passwords are stored as argon2id.

Real services on loopback, on SQLite and PostgreSQL, with small limits from
ServiceSettings. The client's address is set the way the gateway sets it: an
`x-forwarded-for` from loopback, which the service trusts by default.
"""

from __future__ import annotations

import asyncio
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
from tests.service.helpers import Failure, assert_failure, count, decode, execute, query

DEMO_USER: Final = 5001  # login demo / secret
WINDOW: Final = 900


@asynccontextmanager
async def user_service(database_url: str, **settings: Any) -> AsyncIterator[uspb_grpc.UserServiceAsyncStub]:
    """A real service with the given settings; its UserService stub."""
    running = await start_service(database_url, login_window_seconds=WINDOW, **settings)
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


async def end_the_windows(database_url: str) -> None:
    await execute(database_url, f"UPDATE login_failures SET window_start = window_start - {WINDOW}")


# --------------------------------------------------------------------------- the throttle


async def test_wrong_passwords_then_even_the_right_one_is_refused(database_url: str) -> None:
    async with user_service(database_url, login_failures_per_login=3) as stub:
        for _ in range(3):
            assert_wrong(await login(stub, "demo", "wrong"))
        before = await sessions(database_url)

        assert_throttled(await login(stub, "demo", "secret"), "login", 3)
        # Per login: from another address too, and the agent's login is not affected.
        assert_throttled(await login(stub, "demo", "secret", ip="198.51.100.1"), "login", 3)
        assert_session(await login(stub, "agency", "secret"))
        assert await sessions(database_url) == before

        # Until the window ends.
        await end_the_windows(database_url)
        assert_session(await login(stub, "demo", "secret"))


async def test_unknown_logins_are_throttled_alike(database_url: str) -> None:
    async with user_service(database_url, login_failures_per_login=2) as stub:
        for _ in range(2):
            assert_wrong(await login(stub, "nobody", "secret"))
        assert_throttled(await login(stub, "nobody", "secret"), "login", 2)


async def test_the_parameters_are_checked_before_the_throttle(database_url: str) -> None:
    async with user_service(database_url, login_failures_per_login=1) as stub:
        assert_wrong(await login(stub, "demo", "wrong"))
        assert_throttled(await login(stub, "demo", "secret"), "login", 1)

        missing = await login(stub, "demo", password=None)
        assert isinstance(missing, Failure)
        assert_failure(missing, grpc.StatusCode.INVALID_ARGUMENT, "REQUIRED_PARAMETER_MISSED", "password", None)


async def test_one_address_is_throttled_across_logins(database_url: str) -> None:
    async with user_service(database_url, login_failures_per_login=10, login_failures_per_address=3) as stub:
        assert_wrong(await login(stub, "demo", "wrong", ip="203.0.113.7"))
        assert_wrong(await login(stub, "agency", "wrong", ip="203.0.113.7"))
        assert_wrong(await login(stub, "nobody", "wrong", ip="203.0.113.7"))

        assert_throttled(await login(stub, "demo", "secret", ip="203.0.113.7"), "ip", 3)
        assert_throttled(await login(stub, "someone-else", "secret", ip="203.0.113.7"), "ip", 3)
        # Another address logs in; the refusals above did not count against the logins either.
        assert_session(await login(stub, "demo", "secret", ip="203.0.113.8"))
        assert_session(await login(stub, "agency", "secret", ip="203.0.113.8"))


async def test_an_ipv6_client_is_counted_by_its_slash_64(database_url: str) -> None:
    async with user_service(database_url, login_failures_per_address=2) as stub:
        assert_wrong(await login(stub, "demo", "wrong", ip="2001:db8:1:2::1"))
        assert_wrong(await login(stub, "agency", "wrong", ip="2001:db8:1:2:ffff:ffff:ffff:ffff"))

        assert_throttled(await login(stub, "demo", "secret", ip="2001:db8:1:2::99"), "ip", 2)
        assert_session(await login(stub, "demo", "secret", ip="2001:db8:1:3::1"))


async def test_a_right_password_clears_its_login(database_url: str) -> None:
    async with user_service(database_url, login_failures_per_login=3) as stub:
        for _ in range(2):
            assert_wrong(await login(stub, "demo", "wrong"))
        assert_session(await login(stub, "demo", "secret"))

        # Three more wrong passwords before the fourth attempt is refused, not one.
        for _ in range(3):
            assert_wrong(await login(stub, "demo", "wrong"))
        assert_throttled(await login(stub, "demo", "secret"), "login", 3)


async def test_right_passwords_do_not_count_against_the_address(database_url: str) -> None:
    async with user_service(database_url, login_failures_per_address=2) as stub:
        for _ in range(4):
            assert_session(await login(stub, "demo", "secret", ip="203.0.113.9"))
        assert_wrong(await login(stub, "demo", "wrong", ip="203.0.113.9"))
        assert_wrong(await login(stub, "agency", "wrong", ip="203.0.113.9"))
        assert_throttled(await login(stub, "agency", "secret", ip="203.0.113.9"), "ip", 2)


async def test_the_counters_are_shared_by_every_service_on_the_database(database_url: str) -> None:
    async with (
        user_service(database_url, login_failures_per_login=4) as first,
        user_service(database_url, login_failures_per_login=4) as second,
    ):
        for stub in (first, second, first, second):
            assert_wrong(await login(stub, "demo", "wrong"))

        assert_throttled(await login(first, "demo", "secret"), "login", 4)
        assert_throttled(await login(second, "demo", "secret"), "login", 4)


async def test_concurrent_guesses_are_counted_exactly(database_url: str) -> None:
    # Each attempt takes its place before its password is checked: of 20 guesses at once,
    # exactly the limit are checked, however they interleave.
    async with user_service(database_url, login_failures_per_login=5) as stub:
        outcomes = await asyncio.gather(*(login(stub, "demo", f"guess {n}") for n in range(20)))

    reasons = sorted(str(outcome.reason) for outcome in outcomes if isinstance(outcome, Failure))
    assert len(reasons) == 20, outcomes
    assert reasons.count("AUTH_ERROR") == 5, reasons
    assert reasons.count("LIMIT_EXCEEDED") == 15, reasons
    counted = await query(
        database_url,
        sa.select(t.login_failures.c.scope, t.login_failures.c.failures).order_by(t.login_failures.c.scope),
    )
    assert [tuple(row) for row in counted] == [("ip", 5), ("login", 5)]


async def test_windows_that_ended_are_swept(database_url: str) -> None:
    await execute(
        database_url,
        "INSERT INTO login_failures (scope, key, window_start, failures) VALUES "
        f"('login', 'ended', 1000, 7), ('ip', '192.0.2.200', {2**40}, 1)",
    )
    async with user_service(database_url) as stub:
        # The first attempt from an address opens its window, and sweeps.
        assert_session(await login(stub, "demo", "secret", ip="192.0.2.201"))

    keys = await query(database_url, sa.select(t.login_failures.c.key).order_by(t.login_failures.c.key))
    assert [row.key for row in keys] == ["192.0.2.200", "192.0.2.201"]


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


async def test_a_refused_attempt_checks_no_password(database_url: str) -> None:
    # Were the password checked, this right one would open a session and upgrade the legacy hash.
    legacy = legacy_hash("secret")
    await store_hash(database_url, legacy)
    async with user_service(database_url, login_failures_per_login=2) as stub:
        for _ in range(2):
            assert_wrong(await login(stub, "demo", "wrong"))
        before = await sessions(database_url)

        assert_throttled(await login(stub, "demo", "secret"), "login", 2)
        assert await stored_hash(database_url) == legacy
        assert await sessions(database_url) == before


async def test_a_right_password_into_a_disabled_account_still_clears_its_login(database_url: str) -> None:
    await execute(database_url, "UPDATE accounts SET state = 'disabled' WHERE id = 1000")
    legacy = legacy_hash("secret")
    await store_hash(database_url, legacy)
    async with user_service(database_url, login_failures_per_login=2) as stub:
        assert_wrong(await login(stub, "demo", "wrong"))
        disabled = await login(stub, "demo", "secret")
        assert isinstance(disabled, Failure)
        assert_failure(disabled, grpc.StatusCode.PERMISSION_DENIED, "ACCOUNT_INACTIVE")
        # The password was right: the hash is upgraded and the login's counter cleared.
        assert_current_argon2id(await stored_hash(database_url))
        assert_wrong(await login(stub, "demo", "wrong"))
        assert_wrong(await login(stub, "demo", "wrong"))
        assert_throttled(await login(stub, "demo", "secret"), "login", 2)


@pytest.mark.parametrize("stored", ["", "pbkdf2_sha256$x$zz$00", "$argon2id$v=19$m=1,t=1,p=1$bad", "plain secret"])
async def test_a_malformed_stored_hash_matches_nothing(database_url: str, stored: str) -> None:
    await store_hash(database_url, stored)
    async with user_service(database_url) as stub:
        assert_wrong(await login(stub, "demo", "secret"))
        assert_wrong(await login(stub, "demo", stored))
    assert await stored_hash(database_url) == stored
