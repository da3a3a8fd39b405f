"""DeleteCampaign over gRPC: the campaign goes with its blocks, pool and conditions; protected ones stay.

Deletes are read back with GetCampaigns and the database; failures are checked whole and shown to
write nothing.
"""

from __future__ import annotations

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
    condition,
    conditions,
    create,
    create_error,
    dct,
    expect_error,
    query,
    request,
    snapshot,
)
from tests.service.rpcs import (
    answered,
    auth,
    campaign_views,
    campaigns_stub,
    limits_in,
    pool_of,
    succeed,
)


def delete_request(campaign_id: int | None, user_id: int | None = None) -> spb.DeleteCampaignRequest:
    sent = {"id": campaign_id, "user_id": user_id}
    return spb.DeleteCampaignRequest(**{name: value for name, value in sent.items() if value is not None})


async def delete(service: Service, campaign_id: int, token: str = "tok_cust", user_id: int | None = None) -> None:
    sent = delete_request(campaign_id, user_id)
    reply = await succeed(campaigns_stub(service).DeleteCampaign(sent, metadata=auth(token), timeout=60))
    assert reply == spb.DeleteCampaignResponse()


async def delete_fails(service: Service, sent: spb.DeleteCampaignRequest, token: str = "tok_cust") -> Failure:
    before = await snapshot(service.database_url)
    failure = await expect_error(campaigns_stub(service).DeleteCampaign(sent, metadata=auth(token), timeout=60))
    assert await snapshot(service.database_url) == before
    return failure


async def test_delete_removes_the_campaign_and_what_it_held(service: Service) -> None:
    campaign_id = await create(
        service,
        request(
            name="Short lived",
            site_blocks=[block(101, 301, 401, dct=True)],
            dynamic_call_tracking=dct(2, 5),
            campaign_conditions=conditions([condition()]),
        ),
    )
    assert await pool_of(service.database_url, campaign_id) == [(381, 101), (382, 101)]

    await delete(service, campaign_id)

    assert sorted(await campaign_views(service)) == [-1, 7, 8, 9]
    assert await pool_of(service.database_url, campaign_id) == []
    # Its blocks go with it (its conditions were in its row).
    blocks = t.campaign_site_blocks
    assert await query(service.database_url, sa.select(blocks).where(blocks.c.campaign_id == campaign_id)) == []
    # Its call_tracking number and its pool numbers serve the next campaign.
    successor = await create(
        service, request(site_blocks=[block(102, 301, 402, dct=True)], dynamic_call_tracking=dct(1, 5))
    )
    assert await pool_of(service.database_url, successor) == [(381, 102)]


async def test_a_deleted_campaign_is_gone(service: Service) -> None:
    await delete(service, 9)

    again = await delete_fails(service, delete_request(9))
    assert_failure(again, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "id", "9")
    update = spb.UpdateCampaignRequest(id=9, site_id=20, name="Ghost")
    changed = await expect_error(campaigns_stub(service).UpdateCampaign(update, metadata=auth(), timeout=60))
    assert_failure(changed, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "id", "9")


@pytest.mark.parametrize("campaign_id", [-1, 8], ids=["system", "integrated"])
async def test_a_protected_campaign_is_not_deleted(service: Service, campaign_id: int) -> None:
    failure = await delete_fails(service, delete_request(campaign_id))

    assert_failure(failure, grpc.StatusCode.PERMISSION_DENIED, "PROTECTED_ENTITY", "id", str(campaign_id))
    assert campaign_id in await campaign_views(service)


async def test_an_agent_cannot_delete_a_protected_campaign_either(service: Service) -> None:
    failure = await delete_fails(service, delete_request(-1, user_id=5001), token="tok_agent")

    assert_failure(failure, grpc.StatusCode.PERMISSION_DENIED, "PROTECTED_ENTITY", "id", "-1")


async def test_a_read_only_user_is_forbidden_not_protected(service: Service) -> None:
    failure = await delete_fails(service, delete_request(9), token="tok_noperm")

    # The ordinary forbidden: no parameter, and not the protected entity's reason.
    assert_failure(failure, grpc.StatusCode.PERMISSION_DENIED, "FORBIDDEN")


@pytest.mark.parametrize(
    ("campaign_id", "value"),
    [(12345, "12345"), (60, "60"), (0, "0"), (-1000, "-1000"), (2**63 - 1, str(2**63 - 1))],
    ids=["unknown", "another-account", "zero", "system-row", "int64-max"],
)
async def test_campaigns_the_caller_cannot_see_are_not_found(service: Service, campaign_id: int, value: str) -> None:
    failure = await delete_fails(service, delete_request(campaign_id))

    assert_failure(failure, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "id", value)


async def test_a_missing_id(service: Service) -> None:
    failure = await delete_fails(service, delete_request(None))

    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "REQUIRED_PARAMETER_MISSED", "id", None)


async def test_an_agent_deletes_for_its_customer(service: Service) -> None:
    await delete(service, 7, token="tok_agent", user_id=5001)
    assert sorted(await campaign_views(service)) == [-1, 8, 9]

    foreign = await delete_fails(service, delete_request(9, user_id=5003), token="tok_agent")
    assert_failure(foreign, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "user_id", "5003")


async def test_delete_gives_the_quota_back(service: Service) -> None:
    quota = request(name="Second", site_id=16)
    full = await create_error(service, quota, token="tok_quota")
    assert_failure(full, grpc.StatusCode.FAILED_PRECONDITION, "TARIFF_RESTRICTIONS")

    await delete(service, 60, token="tok_quota")

    created = await create(service, quota, token="tok_quota")
    assert sorted(await campaign_views(service, "tok_quota")) == [-1, created]
    full = await create_error(service, request(name="Third", site_id=16), token="tok_quota")
    assert_failure(full, grpc.StatusCode.FAILED_PRECONDITION, "TARIFF_RESTRICTIONS")


async def test_a_delete_is_charged_and_a_refused_one_is_not(service: Service) -> None:
    stub = campaigns_stub(service)
    _reply, trailers = await answered(stub.DeleteCampaign(delete_request(9), metadata=auth(), timeout=60))
    deleted = limits_in(trailers)
    refused = await expect_error(stub.DeleteCampaign(delete_request(8), metadata=auth(), timeout=60))
    after = limits_in(refused.trailers)

    assert deleted is not None and after is not None, refused.trailers
    assert deleted.day_remaining == deleted.day_limit - 1
    assert after.day_remaining == deleted.day_remaining
