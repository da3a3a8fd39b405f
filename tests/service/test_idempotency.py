"""Idempotency keys on CreateCampaign (`idempotency-key` metadata), over gRPC on both engines.

What a caller relies on: a retry with the same key and request gets the first answer back (the same id)
with nothing written and nothing charged; the same key with another request is refused and changes
nothing; keys are per account, expire, are remembered only when the work committed, and are ignored by
the rpcs that do not honour them.
"""

from __future__ import annotations

import asyncio

import grpc
from campaigns.v1 import campaign_service_pb2 as spb

from contract.idempotency import REPLAYED_METADATA_KEY
from service.storage import schema as t
from tests.conftest import Service
from tests.service.helpers import (
    assert_failure,
    basic_campaigns,
    count,
    create,
    create_error,
    execute,
    request,
    snapshot,
)
from tests.service.rpcs import answered, auth, campaigns_stub, limits_in
from tests.service.test_update_rpc import update_request

KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"


def keyed(key: str) -> tuple[tuple[str, str], ...]:
    return (("idempotency-key", key),)


async def keyed_create(
    service: Service, sent: spb.CreateCampaignRequest, key: str, token: str = "tok_cust"
) -> tuple[spb.CreateCampaignResponse, tuple[tuple[str, str | bytes], ...]]:
    return await answered(
        campaigns_stub(service).CreateCampaign(sent, metadata=(*auth(token), *keyed(key)), timeout=60)
    )


def replayed(trailers: tuple[tuple[str, str | bytes], ...]) -> bool:
    return (REPLAYED_METADATA_KEY, "true") in trailers


async def named(service: Service, name: str) -> int:
    return await count(service.database_url, t.campaigns, t.campaigns.c.name == name)


async def test_a_retry_with_the_key_answers_the_first_id_and_writes_and_charges_nothing(service: Service) -> None:
    sent = request(name="Retried")
    first, first_trailers = await keyed_create(service, sent, KEY)
    assert not replayed(first_trailers)
    after_first = await snapshot(service.database_url)

    again, again_trailers = await keyed_create(service, sent, KEY)

    assert again.id == first.id > 1000
    assert replayed(again_trailers)
    # Not charged: the replay's limits are what the first call left, and no table moved (points included).
    first_limits, again_limits = limits_in(first_trailers), limits_in(again_trailers)
    assert first_limits is not None and again_limits is not None
    assert again_limits.day_remaining == first_limits.day_remaining
    assert again_limits.minute_remaining == first_limits.minute_remaining
    assert await snapshot(service.database_url) == after_first
    assert await named(service, "Retried") == 1


async def test_the_same_key_with_other_params_is_refused_and_changes_nothing(service: Service) -> None:
    first, _ = await keyed_create(service, request(name="Original"), KEY)
    before = await snapshot(service.database_url)

    # Another name; the same params on behalf of a user (user_id is a param like any other).
    for sent in (request(name="Changed"), request(name="Original", user_id=5001)):
        failure = await create_error(service, sent, metadata=keyed(KEY))
        assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "IDEMPOTENCY_KEY_REUSED")
    failure = await create_error(service, request(name="Changed"), metadata=keyed(KEY))
    assert_failure(failure, grpc.StatusCode.FAILED_PRECONDITION, "IDEMPOTENCY_KEY_REUSED")
    assert limits_in(failure.trailers) is not None  # the account is known: the answer carries its limits
    assert await snapshot(service.database_url) == before
    # The key still answers its own request.
    again, trailers = await keyed_create(service, request(name="Original"), KEY)
    assert again.id == first.id and replayed(trailers)


async def test_validate_only_with_a_key_neither_replays_nor_remembers(service: Service) -> None:
    validated, trailers = await keyed_create(service, request(name="Checked", validate_only=True), KEY)
    assert validated.id == 0 and not replayed(trailers)
    assert await count(service.database_url, t.idempotency_keys) == 0
    created, _ = await keyed_create(service, request(name="Checked"), KEY)
    assert created.id > 1000
    assert await named(service, "Checked") == 1


async def test_keys_belong_to_their_account(service: Service) -> None:
    mine, _ = await keyed_create(service, request(name="Shared key"), KEY)
    theirs, trailers = await keyed_create(service, request(name="Shared key", site_id=11), KEY, token="tok_nova")
    assert theirs.id != mine.id and not replayed(trailers)
    assert await named(service, "Shared key") == 2


async def test_an_error_is_not_remembered_so_the_retry_does_the_work(service: Service) -> None:
    # Account 1006's plan is full: the first call is refused, nothing is stored with its key.
    sent = request(name="Once the plan has room", site_id=16)
    failure = await create_error(service, sent, token="tok_quota", metadata=keyed(KEY))
    assert_failure(failure, grpc.StatusCode.FAILED_PRECONDITION, "TARIFF_RESTRICTIONS")
    assert await count(service.database_url, t.idempotency_keys) == 0
    used = await basic_campaigns(service.database_url, 1006)
    await execute(service.database_url, f"UPDATE accounts SET campaign_quota = {used + 1} WHERE id = 1006")

    created, trailers = await keyed_create(service, sent, KEY, token="tok_quota")
    assert created.id > 1000 and not replayed(trailers)
    again, trailers = await keyed_create(service, sent, KEY, token="tok_quota")
    assert again.id == created.id and replayed(trailers)


async def test_an_expired_key_is_free_again(service: Service) -> None:
    sent = request(name="Expiring")
    first, _ = await keyed_create(service, sent, KEY)
    # A day and a second ago, as far as the key is concerned (the default TTL is 24 h).
    await execute(service.database_url, "UPDATE idempotency_keys SET created_at = created_at - 86401")

    second, trailers = await keyed_create(service, sent, KEY)
    assert second.id != first.id and not replayed(trailers)
    third, trailers = await keyed_create(service, sent, KEY)
    assert third.id == second.id and replayed(trailers)
    assert await count(service.database_url, t.idempotency_keys) == 1


async def test_expired_keys_of_the_account_are_swept_when_it_stores_one(service: Service) -> None:
    for number in range(3):
        await keyed_create(service, request(name=f"Old {number}"), f"old-{number}")
    await execute(service.database_url, "UPDATE idempotency_keys SET created_at = created_at - 86401")
    await keyed_create(service, request(name="New"), "new")
    keys = await count(service.database_url, t.idempotency_keys)
    assert keys == 1


async def test_keys_that_cannot_be_keys_are_refused_after_the_token(service: Service) -> None:
    before = await snapshot(service.database_url)
    for key in ("", "x" * 256, "two words", " padded"):
        failure = await create_error(service, request(name="Bad key"), metadata=keyed(key))
        assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_INVALID")
    assert await snapshot(service.database_url) == before
    # The order of checks: a bad token is answered first, as for any call.
    failure = await create_error(service, request(name="Bad key"), token="nope", metadata=keyed(""))
    assert failure.reason == "ACCESS_TOKEN_INVALID"
    # 255 visible characters are a key.
    created, _ = await keyed_create(service, request(name="Longest key"), "~" * 255)
    assert created.id > 1000


async def test_concurrent_calls_with_one_key_make_one_campaign_and_one_charge(service: Service) -> None:
    sent = request(name="Raced")
    before = await basic_campaigns(service.database_url)
    results = await asyncio.gather(*(keyed_create(service, sent, "raced-key") for _ in range(12)))
    ids = {reply.id for reply, _trailers in results}
    assert len(ids) == 1
    assert sum(not replayed(trailers) for _reply, trailers in results) == 1
    assert await named(service, "Raced") == 1
    assert await basic_campaigns(service.database_url) == before + 1


async def test_rpcs_that_do_not_honour_keys_ignore_them(service: Service) -> None:
    created = await create(service, request(name="Updated twice"))
    for _ in range(2):
        _reply, trailers = await answered(
            campaigns_stub(service).UpdateCampaign(
                update_request(created, name="Updated twice, same state"),
                metadata=(*auth(), *keyed("")),
                timeout=60,
            )
        )
        assert not replayed(trailers)
