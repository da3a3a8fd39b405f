from __future__ import annotations

from campaigns.v1 import campaign_service_pb2 as spb

from tests.conftest import Service, bearer


async def test_create_minimal_campaign(service: Service) -> None:
    response = await service.stub.CreateCampaign(
        spb.CreateCampaignRequest(name="Spring sale", site_id=10), metadata=bearer("tok_cust")
    )
    assert response.id > 1000
