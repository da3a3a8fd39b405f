"""UploadCampaignCosts and the weights rpcs over gRPC: what a gRPC caller sees that JSON-RPC hides
(the indexed path of the item at fault), the success reply, and that nothing is half written.

Demo account 1008 (`tok_sites`): campaign 70 on site 21 with 3100.00 over January 2026.
"""

from __future__ import annotations

from typing import Any

import grpc
from campaigns.v1 import campaign_service_pb2 as spb

from service.storage import schema as t
from tests.conftest import Service
from tests.service.helpers import assert_failure, count, expect_error
from tests.service.rpcs import auth, campaign_view, campaigns_stub, succeed


def cost(**fields: Any) -> spb.CampaignCost:
    values: dict[str, Any] = {
        "campaign_id": 70,
        "site_id": 21,
        "cost": 1.0,
        "date_from": "2026-02-01",
        "date_till": "2026-02-01",
    }
    values.update(fields)
    return spb.CampaignCost(**values)


def upload(service: Service, *items: spb.CampaignCost, token: str = "tok_sites") -> Any:
    request = spb.UploadCampaignCostsRequest(costs=list(items))
    return campaigns_stub(service).UploadCampaignCosts(request, metadata=auth(token), timeout=60)


async def test_the_reply_says_success(service: Service) -> None:
    reply = await succeed(upload(service, cost(cost=2.5)))

    assert reply == spb.UploadCampaignCostsResponse(success=True)
    assert (await campaign_view(service, 70, "tok_sites")).costs == 3102.5


async def test_the_item_at_fault_is_named_by_its_index(service: Service) -> None:
    date = await expect_error(upload(service, cost(), cost(date_from="2026-02-30")))
    site = await expect_error(upload(service, cost(), cost(), cost(site_id=22)))
    campaign = await expect_error(upload(service, cost(campaign_id=-1, site_id=999), cost(campaign_id=7)))
    period = await expect_error(upload(service, cost(date_from="2026-02-02")))

    assert_failure(date, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_DATE_TIME", "costs[1].date_from", "2026-02-30")
    assert_failure(site, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PARAMETER_VALUE", "costs[2].site_id", "22")
    assert_failure(campaign, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "costs[1].campaign_id", "7")
    assert_failure(period, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_DATE_TIME", "costs[0].date_till", "2026-02-01")
    assert await count(service.database_url, t.campaign_costs) == 1


async def test_weights_over_grpc(service: Service) -> None:
    stub = campaigns_stub(service)
    await succeed(
        stub.UpdateCampaignParameterWeights(
            spb.UpdateCampaignParameterWeightsRequest(site_id=22, ad_engine=3, other_tags=0), metadata=auth("tok_sites")
        )
    )
    reply = await succeed(
        stub.GetCampaignParameterWeights(spb.GetCampaignParameterWeightsRequest(), metadata=auth("tok_sites"))
    )
    unknown = await expect_error(
        stub.UpdateCampaignParameterWeights(
            spb.UpdateCampaignParameterWeightsRequest(site_id=22, cleared_fields=["site_domain_name"]),
            metadata=auth("tok_sites"),
        )
    )

    assert [(w.site_id, w.engine, w.other_tags, w.utm_tags) for w in reply.data] == [
        (21, 25, 60, 60),
        (22, 3, 0, 60),
        (23, 25, 60, 60),
    ]
    assert_failure(
        unknown, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PARAMETER_VALUE", "cleared_fields", "site_domain_name"
    )
