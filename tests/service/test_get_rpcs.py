"""The get rpcs over gRPC: GetCampaigns, GetCampaignAvailablePhoneNumbers,
GetCampaignAvailableRedirectionPhoneNumbers, GetSites, GetSiteBlocks.

Against the demo data set (docs/demo-data.md): the response messages an internal caller reads (data,
total_items, the selected fields), the main error of each rpc with its BadRequest path, and the point
limits in the trailing metadata.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import grpc
import pytest
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import site_service_pb2 as sspb
from google.protobuf import struct_pb2

from tests.conftest import Service
from tests.service.helpers import (
    Failure,
    assert_failure,
    block,
    create,
    expect_error,
    request,
)
from tests.service.rpcs import (
    answered,
    auth,
    campaigns_stub,
    limits_in,
    sites_stub,
    succeed,
)

# The demo accounts' point budgets (docs/demo-data.md).
DEMO_DAY_LIMIT: Final = 100_000_000
DEMO_MINUTE_LIMIT: Final = 10_000_000
CT, VA, USER = pb.PHONE_NUMBER_TYPE_CALL_TRACKING, pb.PHONE_NUMBER_TYPE_VA, pb.PHONE_NUMBER_TYPE_USER


def number(number_id: int) -> str:
    return f"7495000{number_id:04d}"


def redirection(number_id: int) -> str:
    return f"7495111{number_id:04d}"


# --------------------------------------------------------------------------- GetCampaigns


async def get_campaigns(service: Service, token: str = "tok_cust", **fields: Any) -> spb.GetCampaignsResponse:
    sent = spb.GetCampaignsRequest(**fields)
    return await succeed(campaigns_stub(service).GetCampaigns(sent, metadata=auth(token), timeout=60))


async def test_get_campaigns_lists_the_demo_campaigns(service: Service) -> None:
    reply = await get_campaigns(service)

    assert reply.total_items == 4
    assert [view.id for view in reply.data] == [-1, 7, 8, 9]
    system, basic, integrated, paused = reply.data
    assert (system.name, system.type, system.status) == (
        "Visitors without advertising campaign",
        pb.CAMPAIGN_TYPE_SYSTEM,
        pb.CAMPAIGN_STATUS_ACTIVE,
    )
    assert not system.HasField("site_id")
    # Conditions: absent for system and integrated campaigns, present (empty) for basic ones.
    assert not system.HasField("campaign_conditions")
    assert not integrated.HasField("campaign_conditions")
    assert basic.HasField("campaign_conditions")
    assert list(basic.campaign_conditions.group_conditions) == []
    assert (integrated.type, integrated.engine, integrated.site_id) == (
        pb.CAMPAIGN_TYPE_INTEGRATED,
        "yandex.direct",
        10,
    )
    assert (paused.status, paused.site_id, paused.site_domain_name) == (pb.CAMPAIGN_STATUS_INACTIVE, 20, "blog.example")
    assert (basic.name, basic.creation_time, basic.site_domain_name) == (
        "Existing call tracking",
        "2026-01-15 10:00:00",
        "shop.example",
    )
    assert (basic.cost_ratio, basic.cost_ratio_operator) == (1.0, pb.COST_RATIO_OPERATOR_WO_CHANGES)
    assert not basic.HasField("costs")
    assert not basic.HasField("dynamic_call_tracking")
    assert list(basic.site_blocks) == [
        pb.SiteBlockView(
            site_block_id=102,
            site_block_name="Footer",
            phone_number_type=CT,
            phone_number_id=304,
            phone_number=number(304),
            redirection_phone_number_id=402,
            redirection_phone_number=redirection(402),
            dynamic_call_tracking_enabled=False,
        )
    ]
    # The default field set: everything but the static_utm_* fields.
    assert "id" in reply.fields
    assert "site_blocks" in reply.fields
    assert not [name for name in reply.fields if name.startswith("static_utm_")]


async def test_get_campaigns_fields_paging_sort_and_filter(service: Service) -> None:
    page = await get_campaigns(service, limit=2, offset=1, fields=["id", "name", "id"])
    assert [view.id for view in page.data] == [7, 8]
    assert page.total_items == 4
    # The selection, each name once, is what the response says it carries.
    assert list(page.fields) == ["id", "name"]

    by_name = await get_campaigns(service, sort=[pb.Sort(field="name", order=pb.SORT_ORDER_DESC)])
    assert [view.name for view in by_name.data] == [
        "Yandex.Direct",
        "Visitors without advertising campaign",
        "Paused",
        "Existing call tracking",
    ]

    basic = pb.Filter(field="type", operator=pb.FILTER_OPERATOR_EQUAL, value=struct_pb2.Value(string_value="basic"))
    filtered = await get_campaigns(service, filter=basic)
    assert ([view.id for view in filtered.data], filtered.total_items) == ([7, 9], 2)


async def test_get_campaigns_shows_a_created_campaign(service: Service) -> None:
    campaign_id = await create(service, request(name="Fresh", site_blocks=[block(101, 302)]))

    reply = await get_campaigns(service)

    (view,) = [view for view in reply.data if view.id == campaign_id]
    assert (view.name, view.type, view.status, view.site_id) == (
        "Fresh",
        pb.CAMPAIGN_TYPE_BASIC,
        pb.CAMPAIGN_STATUS_ACTIVE,
        10,
    )
    assert [(b.site_block_id, b.phone_number_id, b.phone_number_type) for b in view.site_blocks] == [(101, 302, VA)]
    assert not view.site_blocks[0].HasField("redirection_phone_number_id")


async def test_get_campaigns_is_per_account(service: Service) -> None:
    reply = await get_campaigns(service, "tok_quota")

    assert [view.id for view in reply.data] == [-1, 60]
    agent = await get_campaigns(service, "tok_agent", user_id=5001)
    assert [view.id for view in agent.data] == [-1, 7, 8, 9]


# --------------------------------------------------------------------------- the directory rpcs


async def test_available_phone_numbers(service: Service) -> None:
    sent = spb.GetCampaignAvailablePhoneNumbersRequest()
    reply = await succeed(campaigns_stub(service).GetCampaignAvailablePhoneNumbers(sent, metadata=auth(), timeout=60))

    kinds = [(301, CT), (302, VA), (303, USER), *((n, CT) for n in range(304, 311))]
    assert list(reply.data) == [
        spb.AvailablePhoneNumber(id=n, prefix="7495", phone_number=number(n), type=kind) for n, kind in kinds
    ]
    assert reply.total_items == len(kinds)


async def test_available_redirection_phone_numbers(service: Service) -> None:
    sent = spb.GetCampaignAvailableRedirectionPhoneNumbersRequest()
    stub = campaigns_stub(service)
    reply = await succeed(stub.GetCampaignAvailableRedirectionPhoneNumbers(sent, metadata=auth(), timeout=60))

    assert list(reply.data) == [
        spb.AvailableRedirectionPhoneNumber(id=n, phone_number=redirection(n)) for n in (401, 402)
    ]
    assert reply.total_items == 2
    nova = await succeed(stub.GetCampaignAvailableRedirectionPhoneNumbers(sent, metadata=auth("tok_nova"), timeout=60))
    assert [item.id for item in nova.data] == [411]


async def test_get_sites(service: Service) -> None:
    reply = await succeed(sites_stub(service).GetSites(sspb.GetSitesRequest(), metadata=auth(), timeout=60))

    # What a site is here; the rest of its fields are tests/gateway/test_sites_read.py's.
    shown = [
        sspb.Site(id=site.id, domain_name=site.domain_name, name=site.name, site_blocks=site.site_blocks)
        for site in reply.data
    ]
    assert shown == [
        sspb.Site(
            id=10,
            domain_name="shop.example",
            name="Shop",
            site_blocks=[
                sspb.SiteBlockRef(site_block_id=101, site_block_name="Header"),
                sspb.SiteBlockRef(site_block_id=102, site_block_name="Footer"),
            ],
        ),
        sspb.Site(
            id=20,
            domain_name="blog.example",
            name="Blog",
            site_blocks=[sspb.SiteBlockRef(site_block_id=201, site_block_name="Sidebar")],
        ),
    ]
    assert reply.total_items == 2


async def test_get_site_blocks_shows_the_numbers_campaigns_put_there(service: Service) -> None:
    campaign_id = await create(service, request(name="On the header", site_blocks=[block(101, 305, 401)]))

    reply = await succeed(sites_stub(service).GetSiteBlocks(sspb.GetSiteBlocksRequest(), metadata=auth(), timeout=60))

    assert [(item.id, item.name, item.site_id, item.site_domain_name) for item in reply.data] == [
        (101, "Header", 10, "shop.example"),
        (102, "Footer", 10, "shop.example"),
        (201, "Sidebar", 20, "blog.example"),
    ]
    assert reply.total_items == 3
    on_block = {item.id: list(item.phone_numbers) for item in reply.data}
    assert on_block == {
        101: [
            sspb.BlockPhoneNumber(
                phone_number_id=305, phone_number=number(305), campaign_id=campaign_id, campaign_name="On the header"
            )
        ],
        102: [
            sspb.BlockPhoneNumber(
                phone_number_id=304, phone_number=number(304), campaign_id=7, campaign_name="Existing call tracking"
            )
        ],
        201: [],
    }


# --------------------------------------------------------------------------- errors

Call = grpc.aio.UnaryUnaryCall[Any, Any]
GetCall = Callable[[Service, str, dict[str, Any]], Call]


def _campaigns(service: Service, token: str, fields: dict[str, Any]) -> Call:
    return campaigns_stub(service).GetCampaigns(spb.GetCampaignsRequest(**fields), metadata=auth(token), timeout=60)


def _numbers(service: Service, token: str, fields: dict[str, Any]) -> Call:
    sent = spb.GetCampaignAvailablePhoneNumbersRequest(**fields)
    return campaigns_stub(service).GetCampaignAvailablePhoneNumbers(sent, metadata=auth(token), timeout=60)


def _redirections(service: Service, token: str, fields: dict[str, Any]) -> Call:
    sent = spb.GetCampaignAvailableRedirectionPhoneNumbersRequest(**fields)
    return campaigns_stub(service).GetCampaignAvailableRedirectionPhoneNumbers(sent, metadata=auth(token), timeout=60)


def _sites(service: Service, token: str, fields: dict[str, Any]) -> Call:
    return sites_stub(service).GetSites(sspb.GetSitesRequest(**fields), metadata=auth(token), timeout=60)


def _site_blocks(service: Service, token: str, fields: dict[str, Any]) -> Call:
    return sites_stub(service).GetSiteBlocks(sspb.GetSiteBlocksRequest(**fields), metadata=auth(token), timeout=60)


GETS: Final[dict[str, GetCall]] = {
    "GetCampaigns": _campaigns,
    "GetCampaignAvailablePhoneNumbers": _numbers,
    "GetCampaignAvailableRedirectionPhoneNumbers": _redirections,
    "GetSites": _sites,
    "GetSiteBlocks": _site_blocks,
}
each_get = pytest.mark.parametrize("get", list(GETS.values()), ids=list(GETS))


@each_get
async def test_an_unknown_selected_field_is_reported_at_its_index(service: Service, get: GetCall) -> None:
    failure = await expect_error(get(service, "tok_cust", {"fields": ["id", "colour"]}))

    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "UNEXPECTED_PARAMETERS", "fields[1]", "colour")


@each_get
async def test_a_limit_out_of_range(service: Service, get: GetCall) -> None:
    failure = await expect_error(get(service, "tok_cust", {"limit": 10_001}))

    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PARAMETER_VALUE", "limit", "10001")


@each_get
async def test_an_unknown_filter_field_deep_in_the_tree(service: Service, get: GetCall) -> None:
    leaf = pb.Filter(field="id", operator=pb.FILTER_OPERATOR_EQUAL, value=struct_pb2.Value(number_value=1))
    odd = pb.Filter(field="colour", operator=pb.FILTER_OPERATOR_EQUAL, value=struct_pb2.Value(string_value="red"))
    tree = pb.Filter(filters=[leaf, pb.Filter(filters=[leaf, odd], condition=pb.FILTER_CONDITION_OR)])

    failure = await expect_error(get(service, "tok_cust", {"filter": tree}))

    path = "filter.filters[1].filters[1].field"
    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "UNEXPECTED_PARAMETERS", path, "colour")


@each_get
async def test_a_token_without_a_component_is_refused(service: Service, get: GetCall) -> None:
    failure = await expect_error(get(service, "tok_nocomp", {}))

    assert_failure(
        failure,
        grpc.StatusCode.FAILED_PRECONDITION,
        "METHOD_COMPONENT_DISABLED",
        params={"components": "call_tracking, va"},
    )


async def test_a_field_that_cannot_be_sorted(service: Service) -> None:
    failure = await expect_error(_campaigns(service, "tok_cust", {"sort": [pb.Sort(field="id")]}))

    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "SORT_PROHIBITED", "sort[0].field", "id")


async def test_a_field_that_cannot_be_filtered(service: Service) -> None:
    nested = pb.Filter(field="site_blocks", operator=pb.FILTER_OPERATOR_IS_NULL)

    failure = await expect_error(_campaigns(service, "tok_cust", {"filter": nested}))

    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "FILTER_PROHIBITED", "filter.field", "site_blocks")


# --------------------------------------------------------------------------- point limits in the trailers


@each_get
async def test_a_get_carries_the_limits_and_costs_one_point(service: Service, get: GetCall) -> None:
    _first, trailers = await answered(get(service, "tok_cust", {}))
    first = limits_in(trailers)
    _second, trailers = await answered(get(service, "tok_cust", {}))
    second = limits_in(trailers)

    assert first is not None and second is not None, trailers
    assert (first.day_limit, first.minute_limit) == (DEMO_DAY_LIMIT, DEMO_MINUTE_LIMIT)
    # Each answer counts its own point; the minute may have turned between the two calls.
    assert first.day_remaining == DEMO_DAY_LIMIT - 1
    assert second.day_remaining == first.day_remaining - 1
    assert 0 < first.day_reset <= 86_400
    assert 0 < first.minute_reset <= 60


async def test_a_failed_call_carries_the_limits_and_costs_nothing(service: Service) -> None:
    failed: Failure = await expect_error(_sites(service, "tok_cust", {"limit": -1}))
    again: Failure = await expect_error(_sites(service, "tok_cust", {"limit": -1}))

    assert failed.reason == "INVALID_PARAMETER_VALUE"
    first, second = limits_in(failed.trailers), limits_in(again.trailers)
    assert first is not None and second is not None, failed.trailers
    assert first.day_remaining == second.day_remaining == DEMO_DAY_LIMIT


async def test_the_minute_limit_reaches_the_caller(service: Service) -> None:
    failure = await expect_error(_sites(service, "tok_ratelimited", {}))

    assert_failure(
        failure,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "LIMIT_EXCEEDED",
        params={"limit_type": "minute", "limit_max_value": "0"},
    )
    limits = limits_in(failure.trailers)
    assert limits is not None, failure.trailers
    assert (limits.day_limit, limits.minute_limit, limits.minute_remaining) == (1000, 0, 0)


async def test_an_unknown_token_carries_no_limits(service: Service) -> None:
    failure = await expect_error(_sites(service, "tok_nope", {}))

    assert_failure(failure, grpc.StatusCode.UNAUTHENTICATED, "ACCESS_TOKEN_INVALID")
    assert limits_in(failure.trailers) is None
