"""Calls to every rpc for the gRPC-level tests: stubs, bearer metadata, responses with their
trailing metadata, the point limits read from it, and campaigns read back with GetCampaigns.

Error decoding, request builders and database peeks are in tests/service/helpers.py.
"""

from __future__ import annotations

from typing import Any, TypeVar

import grpc
import sqlalchemy as sa
from campaigns.v1 import account_service_pb2_grpc as apb_grpc
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import campaign_service_pb2_grpc as spb_grpc
from campaigns.v1 import site_service_pb2_grpc as sspb_grpc
from campaigns.v1 import user_service_pb2_grpc as uspb_grpc

from contract.limits import LIMITS_KEY, Limits, decode_limits
from service.storage import schema as t
from tests.conftest import Service, bearer
from tests.service.helpers import decode, query

Response = TypeVar("Response")
Trailers = tuple[tuple[str, str | bytes], ...]


def campaigns_stub(service: Service) -> spb_grpc.CampaignServiceAsyncStub:
    return spb_grpc.CampaignServiceStub(service.channel)


def sites_stub(service: Service) -> sspb_grpc.SiteServiceAsyncStub:
    return sspb_grpc.SiteServiceStub(service.channel)


def users_stub(service: Service) -> uspb_grpc.UserServiceAsyncStub:
    return uspb_grpc.UserServiceStub(service.channel)


def accounts_stub(service: Service) -> apb_grpc.AccountServiceAsyncStub:
    return apb_grpc.AccountServiceStub(service.channel)


def auth(token: str | None = "tok_cust") -> tuple[tuple[str, str], ...]:
    """The call metadata of a token: `authorization: Bearer <token>`; None sends none."""
    return bearer(token) if token is not None else ()


async def answered(call: grpc.aio.UnaryUnaryCall[Any, Response]) -> tuple[Response, Trailers]:
    """The response of a call that must succeed, and its trailing metadata."""
    try:
        response = await call
    except grpc.aio.AioRpcError as error:
        failure = decode(error)
        raise AssertionError(f"the call failed: {failure.summary()} {failure.message!r}") from error
    return response, tuple(await call.trailing_metadata())


async def succeed(call: grpc.aio.UnaryUnaryCall[Any, Response]) -> Response:
    """The response of a call that must succeed; a failure fails the test with what the service said."""
    response, _trailers = await answered(call)
    return response


def limits_in(trailers: Trailers) -> Limits | None:
    """The point limits a call's trailing metadata carries, None when it carries none.

    The one place the tests read them: the encoding is contract/limits.py's.
    """
    values = [value for key, value in trailers if key == LIMITS_KEY]
    assert len(values) <= 1, trailers
    return decode_limits(values[0]) if values else None


async def campaign_views(service: Service, token: str = "tok_cust") -> dict[int, pb.CampaignView]:
    """Every campaign GetCampaigns shows the token's account, by id."""
    reply = await succeed(campaigns_stub(service).GetCampaigns(spb.GetCampaignsRequest(), metadata=auth(token)))
    assert reply.total_items == len(reply.data), reply
    return {view.id: view for view in reply.data}


async def campaign_view(service: Service, campaign_id: int, token: str = "tok_cust") -> pb.CampaignView:
    found = await campaign_views(service, token)
    assert campaign_id in found, sorted(found)
    return found[campaign_id]


def blocks_of(view: pb.CampaignView) -> list[tuple[int, int, int | None, bool]]:
    """(block, number, redirection or None, dct enabled) of each block of a campaign, in order."""
    return [
        (
            item.site_block_id,
            item.phone_number_id,
            item.redirection_phone_number_id if item.HasField("redirection_phone_number_id") else None,
            item.dynamic_call_tracking_enabled,
        )
        for item in view.site_blocks
    ]


async def pool_of(database_url: str, campaign_id: int) -> list[tuple[int, int]]:
    """(number, block) of each pool number a campaign holds, sorted."""
    rows = await query(
        database_url,
        sa.select(t.pool_numbers.c.phone_number_id, t.pool_numbers.c.site_block_id).where(
            t.pool_numbers.c.campaign_id == campaign_id
        ),
    )
    return sorted((int(row.phone_number_id), int(row.site_block_id)) for row in rows)
