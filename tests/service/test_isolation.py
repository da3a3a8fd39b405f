"""Accounts are isolated: another account's site, block, number, redirection number or
user answers exactly as an id that does not exist at all. Nothing in the error (code,
reason, field, message, details) tells the two apart; `value` echoes what was sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import grpc
import pytest
import sqlalchemy as sa
from campaigns.v1 import campaign_service_pb2 as spb

from service.storage import schema as t
from tests.conftest import Service
from tests.service.helpers import (
    Failure,
    assert_failure,
    block,
    count,
    create,
    create_error,
    dct,
    query,
    request,
    snapshot,
)

UNKNOWN = 987654


@dataclass(frozen=True)
class Probe:
    id: str
    build: Callable[[int], spb.CreateCampaignRequest]
    foreign: int  # an id that exists in another account
    code: grpc.StatusCode
    reason: str
    path: str
    token: str = "tok_cust"


PROBES = [
    Probe("site", lambda i: request(site_id=i), 11, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "site_id"),
    Probe(
        "site-with-its-own-blocks",
        lambda i: request(site_id=i, site_blocks=[block(111, 312)]),
        11,
        grpc.StatusCode.NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "site_id",
    ),
    Probe(
        "block",
        lambda i: request(site_blocks=[block(101, 302), block(i, 303)]),
        111,
        grpc.StatusCode.NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "site_blocks[1].site_block_id",
    ),
    Probe(
        "call_tracking-number",
        lambda i: request(site_blocks=[block(101, i, redirection=401)]),
        311,
        grpc.StatusCode.NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "site_blocks[0].phone_number_id",
    ),
    Probe(
        "va-number",
        lambda i: request(site_blocks=[block(101, 302), block(102, i)]),
        312,
        grpc.StatusCode.NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "site_blocks[1].phone_number_id",
    ),
    Probe(
        "va-number-with-dct",
        lambda i: request(site_blocks=[block(101, i, dct=True)], dynamic_call_tracking=dct()),
        322,
        grpc.StatusCode.NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "site_blocks[0].phone_number_id",
    ),
    Probe(
        "redirection-number",
        lambda i: request(site_blocks=[block(101, 301, redirection=i)]),
        411,
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PARAMETER_VALUE",
        "site_blocks[0].redirection_phone_number_id",
    ),
    Probe(
        "user_id",
        lambda i: request(user_id=i),
        5003,
        grpc.StatusCode.NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "user_id",
    ),
    Probe(
        "user_id-for-agent",
        lambda i: request(user_id=i),
        5003,
        grpc.StatusCode.NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "user_id",
        token="tok_agent",
    ),
    Probe(
        "site-for-agent",
        lambda i: request(user_id=5001, site_id=i),
        11,
        grpc.StatusCode.NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "site_id",
        token="tok_agent",
    ),
    Probe(
        "site-of-the-other-account-an-agent-serves",
        lambda i: request(user_id=5002, site_id=i),
        10,
        grpc.StatusCode.NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "site_id",
        token="tok_agent",
    ),
]


def shape(failure: Failure) -> tuple[object, ...]:
    """Everything an error says, except the echoed value."""
    metadata = {key: value for key, value in failure.metadata.items() if key != "value"}
    return (
        failure.code,
        failure.reason,
        failure.domain,
        failure.path,
        failure.message,
        failure.detail_types,
        sorted(metadata.items()),
    )


@pytest.mark.parametrize("probe", PROBES, ids=[p.id for p in PROBES])
async def test_foreign_id_answers_as_an_unknown_id(service: Service, probe: Probe) -> None:
    before = await snapshot(service.database_url)

    foreign = await create_error(service, probe.build(probe.foreign), probe.token)
    unknown = await create_error(service, probe.build(UNKNOWN), probe.token)

    assert_failure(foreign, probe.code, probe.reason, probe.path, str(probe.foreign))
    assert_failure(unknown, probe.code, probe.reason, probe.path, str(UNKNOWN))
    assert shape(foreign) == shape(unknown)
    assert await snapshot(service.database_url) == before


async def test_a_foreign_number_in_use_is_not_reported_as_in_use(service: Service) -> None:
    """321 (account 1002) joins a campaign of its own account; to account 1000 it is still
    just an unknown number, not `already_in_use`."""
    await create(service, request(site_id=12, site_blocks=[block(121, 321, redirection=421)]), token="tok_nodct")

    in_use = await create_error(service, request(site_blocks=[block(101, 321, redirection=401)]))
    unknown = await create_error(service, request(site_blocks=[block(101, UNKNOWN, redirection=401)]))

    assert_failure(in_use, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "site_blocks[0].phone_number_id", "321")
    assert shape(in_use) == shape(unknown)


async def test_own_number_in_use_is_reported_as_in_use(service: Service) -> None:
    """The counterpart: within its own account, a taken number is `already_in_use`."""
    failure = await create_error(service, request(site_blocks=[block(101, 304, redirection=401)]))

    assert_failure(failure, grpc.StatusCode.ALREADY_EXISTS, "ALREADY_IN_USE", "site_blocks[0].phone_number_id", "304")


async def test_foreign_pool_stock_is_not_reserved(service: Service) -> None:
    """Account 1001 has no pool stock: a pool for it is all purchased, never account 1000's 381-383."""
    campaign_id = await create(
        service,
        request(site_id=11, site_blocks=[block(111, 312, dct=True)], dynamic_call_tracking=dct(2)),
        token="tok_nova",
    )

    rows = await query(
        service.database_url,
        sa.select(t.phone_numbers.c.id, t.phone_numbers.c.account_id)
        .join(t.pool_numbers, t.pool_numbers.c.phone_number_id == t.phone_numbers.c.id)
        .where(t.pool_numbers.c.campaign_id == campaign_id),
    )
    assert len(rows) == 2
    assert all(row.account_id == 1001 and row.id > 1000 for row in rows)
    pool = t.pool_numbers
    assert await count(service.database_url, pool, pool.c.phone_number_id.in_([381, 382, 383])) == 0
