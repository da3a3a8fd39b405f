"""Identity and access (docs/contract.md section 5 steps 2 to 5, section 8): tokens, account,
IP whitelist behind a trusted proxy, agents and user_id, permission."""

from __future__ import annotations

import grpc
import pytest
import sqlalchemy as sa

from service.storage import schema as t
from tests.conftest import Service, start_service
from tests.service.helpers import (
    Failure,
    assert_failure,
    block,
    create,
    create_error,
    expect_error,
    query,
    request,
    snapshot,
    stub_for,
)

DEMO_TOKENS = [
    "tok_cust", "tok_expired", "tok_blocked", "tok_nova", "tok_nodct", "tok_nocomp", "tok_noperm",
    "tok_ipdeny", "tok_disabled", "tok_quota", "tok_ratelimited", "tok_agent", "tok_sites", "tok_simpledt",
]  # fmt: skip
# Account 1004 (tok_ipdeny) accepts 203.0.113.0/24 only: its site, block and va number.
LOCKED = request(site_id=14, site_blocks=[block(141, 341)])


async def account_of(service: Service, campaign_id: int) -> int:
    rows = await query(service.database_url, sa.select(t.campaigns.c.account_id).where(t.campaigns.c.id == campaign_id))
    assert len(rows) == 1
    return int(rows[0].account_id)


# --------------------------------------------------------------------------- tokens


async def test_missing_authorization(service: Service) -> None:
    failure = await create_error(service, request(), token=None)

    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "REQUIRED_PARAMETER_MISSED", "access_token", None)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("tok_unknown", "ACCESS_TOKEN_INVALID"),
        ("TOK_CUST", "ACCESS_TOKEN_INVALID"),
        ("tok_custx", "ACCESS_TOKEN_INVALID"),
        ("tok_expired", "ACCESS_TOKEN_EXPIRED"),
        ("tok_blocked", "ACCESS_TOKEN_BLOCKED"),
    ],
)
async def test_token_errors(service: Service, token: str, reason: str) -> None:
    before = await snapshot(service.database_url)

    failure = await create_error(service, request(), token=token)

    assert_failure(failure, grpc.StatusCode.UNAUTHENTICATED, reason)
    assert await snapshot(service.database_url) == before


async def test_token_of_a_disabled_account(service: Service) -> None:
    failure = await create_error(service, request(site_id=15), token="tok_disabled")

    assert_failure(failure, grpc.StatusCode.PERMISSION_DENIED, "ACCOUNT_INACTIVE")


async def test_read_only_user_is_forbidden(service: Service) -> None:
    failure = await create_error(service, request(), token="tok_noperm")

    assert_failure(failure, grpc.StatusCode.PERMISSION_DENIED, "FORBIDDEN")


async def test_account_without_campaign_components(service: Service) -> None:
    failure = await create_error(service, request(site_id=13, site_blocks=[block(131, 331)]), token="tok_nocomp")

    assert_failure(failure, grpc.StatusCode.FAILED_PRECONDITION, "METHOD_COMPONENT_DISABLED")
    assert failure.metadata["components"]


async def test_tokens_are_stored_hashed(service: Service) -> None:
    rows = await query(service.database_url, sa.select(t.access_tokens))

    assert len(rows) == len(DEMO_TOKENS)
    stored = " ".join(str(value) for row in rows for value in row)
    for token in DEMO_TOKENS:
        assert token not in stored
    # ...and yet the token still works: the lookup is by hash.
    assert await create(service, request()) > 1000


# --------------------------------------------------------------------------- IP whitelist


async def test_ip_not_whitelisted_from_loopback(service: Service) -> None:
    failure = await create_error(service, LOCKED, token="tok_ipdeny")

    assert_failure(failure, grpc.StatusCode.PERMISSION_DENIED, "IP_NOT_WHITELISTED", params={"ip": "127.0.0.1"})
    assert failure.message == "Your IP 127.0.0.1 is not whitelisted"


async def test_whitelisted_ip_from_trusted_proxy(service: Service) -> None:
    campaign_id = await create(service, LOCKED, token="tok_ipdeny", metadata=[("x-forwarded-for", "203.0.113.7")])

    assert await account_of(service, campaign_id) == 1004


async def test_forwarded_ip_outside_whitelist(service: Service) -> None:
    failure = await create_error(service, LOCKED, token="tok_ipdeny", metadata=[("x-forwarded-for", "198.51.100.9")])

    assert_failure(failure, grpc.StatusCode.PERMISSION_DENIED, "IP_NOT_WHITELISTED", params={"ip": "198.51.100.9"})


async def test_forwarded_chain_uses_the_hop_the_proxy_recorded(service: Service) -> None:
    """A client may put anything at the front of x-forwarded-for; the proxy appends the
    address it saw, so only the rightmost entry is believed."""
    spoofed = await create_error(
        service, LOCKED, token="tok_ipdeny", metadata=[("x-forwarded-for", "203.0.113.7, 198.51.100.9")]
    )
    assert_failure(spoofed, grpc.StatusCode.PERMISSION_DENIED, "IP_NOT_WHITELISTED", params={"ip": "198.51.100.9"})

    campaign_id = await create(
        service, LOCKED, token="tok_ipdeny", metadata=[("x-forwarded-for", "198.51.100.9, 203.0.113.7")]
    )
    assert await account_of(service, campaign_id) == 1004


async def test_untrusted_peer_cannot_spoof_its_ip(database_url: str) -> None:
    running = await start_service(database_url, trusted_proxies=())
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        call = stub_for(channel).CreateCampaign(
            LOCKED,
            metadata=(("authorization", "Bearer tok_ipdeny"), ("x-forwarded-for", "203.0.113.7")),
            timeout=30,
        )
        failure = await expect_error(call)
    finally:
        await channel.close()
        await running.stop(grace=1)

    assert_failure(failure, grpc.StatusCode.PERMISSION_DENIED, "IP_NOT_WHITELISTED", params={"ip": "127.0.0.1"})


async def test_whitelist_does_not_apply_to_other_accounts(service: Service) -> None:
    """Account 1000 allows every address: a forwarded address changes nothing for it."""
    campaign_id = await create(service, request(), metadata=[("x-forwarded-for", "198.51.100.9")])

    assert await account_of(service, campaign_id) == 1000


# --------------------------------------------------------------------------- agents and user_id


async def test_agent_needs_user_id(service: Service) -> None:
    failure = await create_error(service, request(), token="tok_agent")

    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "REQUIRED_PARAMETER_MISSED", "user_id", None)


async def test_agent_acts_for_its_customer(service: Service) -> None:
    campaign_id = await create(service, request(user_id=5001, site_blocks=[block(101, 302)]), token="tok_agent")

    assert await account_of(service, campaign_id) == 1000


async def test_agent_acts_for_its_other_customer(service: Service) -> None:
    campaign_id = await create(service, request(user_id=5002, site_id=11), token="tok_agent")

    assert await account_of(service, campaign_id) == 1001


async def test_agent_acting_for_a_customer_uses_that_accounts_entities(service: Service) -> None:
    """Acting for 5002 (account 1001), site 10 of account 1000 is not there."""
    failure = await create_error(service, request(user_id=5002, site_id=10), token="tok_agent")

    assert_failure(failure, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "site_id", "10")


@pytest.mark.parametrize("user_id", [5003, 5009, 9000, 424242])
async def test_agent_with_a_user_not_its_customer(service: Service, user_id: int) -> None:
    failure = await create_error(service, request(user_id=user_id), token="tok_agent")

    assert_failure(failure, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "user_id", str(user_id))


@pytest.mark.parametrize("user_id", [5001, 5005])
async def test_customer_names_a_user_of_its_own_account(service: Service, user_id: int) -> None:
    campaign_id = await create(service, request(user_id=user_id))

    assert await account_of(service, campaign_id) == 1000


@pytest.mark.parametrize("user_id", [5002, 9000, 424242])
async def test_customer_names_a_user_of_another_account(service: Service, user_id: int) -> None:
    failure = await create_error(service, request(user_id=user_id))

    assert_failure(failure, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "user_id", str(user_id))


async def test_user_id_does_not_lend_permission(service: Service) -> None:
    """tok_noperm naming the owner 5001 of its account is still read-only."""
    failure = await create_error(service, request(user_id=5001), token="tok_noperm")

    assert_failure(failure, grpc.StatusCode.PERMISSION_DENIED, "FORBIDDEN")


async def test_every_refusal_is_free_of_side_effects(service: Service) -> None:
    before = await snapshot(service.database_url)
    failures: list[Failure] = [
        await create_error(service, request(), token=token)
        for token in ["tok_unknown", "tok_expired", "tok_blocked", "tok_disabled", "tok_ipdeny", "tok_noperm"]
    ]

    assert all(f.code != grpc.StatusCode.OK for f in failures)
    assert await snapshot(service.database_url) == before
