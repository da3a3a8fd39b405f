"""SiteService over gRPC: the status of each site error (contract section 8), and the race between
delete.site_blocks and create.campaigns on one block (METHODS.md §8, §17).

The race: in each round a fresh block of site 22 (account 1008, tok_sites) is deleted while a campaign is
created on it. delete.site_blocks takes the account's exclusive lock before it looks for campaigns on the
block, create.campaigns the shared one before it reads the block, so exactly one of the two wins and no
campaign is ever left on a deleted block: in one process on both engines, and in two service processes on
one PostgreSQL database.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Final

import grpc
import pytest
import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import campaign_service_pb2_grpc as spb_grpc
from campaigns.v1 import site_service_pb2 as sspb
from campaigns.v1 import site_service_pb2_grpc as sspb_grpc

from service.storage import schema as t
from tests.conftest import Service
from tests.service.helpers import Failure, assert_failure, decode, query
from tests.service.rpcs import auth, sites_stub, succeed
from tests.service.test_race_and_atomicity import service_process

LAB: Final = auth("tok_sites")
ROUNDS: Final = 12


async def failure_of(call: Any) -> Failure:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return decode(error)
    raise AssertionError("the call succeeded")


async def test_site_errors_over_grpc(service: Service) -> None:
    sites = sites_stub(service)
    duplicate = sspb.CreateSiteRequest(domain_name="Lab.Example", default_phone_number="74951234567", industry_id=1)
    assert_failure(
        await failure_of(sites.CreateSite(duplicate, metadata=LAB)),
        grpc.StatusCode.ALREADY_EXISTS,
        "DUPLICATE_ENTITY",
        "domain_name",
        "Lab.Example",
    )
    assert_failure(
        await failure_of(sites.UpdateSite(sspb.UpdateSiteRequest(id=23), metadata=LAB)),
        grpc.StatusCode.PERMISSION_DENIED,
        "FORBIDDEN",
        "id",
        "23",
    )
    assert_failure(
        await failure_of(sites.DeleteSite(sspb.DeleteSiteRequest(id=23), metadata=LAB)),
        grpc.StatusCode.PERMISSION_DENIED,
        "PROTECTED_ENTITY",
        "id",
        "23",
    )
    assert_failure(
        await failure_of(sites.DeleteSite(sspb.DeleteSiteRequest(id=21), metadata=LAB)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "DEPENDENCY_ERROR",
        "id",
        "21",
    )
    assert_failure(
        await failure_of(sites.DeleteSiteBlock(sspb.DeleteSiteBlockRequest(id=101), metadata=LAB)),
        grpc.StatusCode.NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "id",
        "101",
    )
    # The widget link's member is reported at its path.
    bad_link = sspb.CreateSiteRequest(
        domain_name="x.example",
        default_phone_number="74951234567",
        industry_id=1,
        widget_link=sspb.WidgetLink(enabled=True, text="t", url="mailto:x"),
    )
    assert_failure(
        await failure_of(sites.CreateSite(bad_link, metadata=LAB)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PARAMETER_VALUE",
        "widget_link.url",
        "mailto:x",
    )
    # cleared_fields names only parameters of update.sites.
    assert_failure(
        await failure_of(sites.UpdateSite(sspb.UpdateSiteRequest(id=22, cleared_fields=["state"]), metadata=LAB)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PARAMETER_VALUE",
        "cleared_fields",
        "state",
    )


async def _race_rounds(
    sites: list[sspb_grpc.SiteServiceAsyncStub], campaigns: list[spb_grpc.CampaignServiceAsyncStub], database_url: str
) -> None:
    outcomes = {"deleted": 0, "created": 0}
    for round_number in range(ROUNDS):
        block_id = (
            await succeed(
                sites[0].CreateSiteBlock(sspb.CreateSiteBlockRequest(site_id=22, name=f"R{round_number}"), metadata=LAB)
            )
        ).id
        create = campaigns[round_number % len(campaigns)].CreateCampaign(
            spb.CreateCampaignRequest(
                name=f"Racer {round_number}",
                site_id=22,
                site_blocks=[pb.SiteBlock(site_block_id=block_id, phone_number_id=394)],
            ),
            metadata=LAB,
        )
        delete = sites[(round_number + 1) % len(sites)].DeleteSiteBlock(
            sspb.DeleteSiteBlockRequest(id=block_id), metadata=LAB
        )
        created, deleted = await asyncio.gather(create, delete, return_exceptions=True)
        if isinstance(created, spb.CreateCampaignResponse):
            # The campaign won: the delete saw it.
            assert isinstance(deleted, grpc.aio.AioRpcError), deleted
            assert_failure(
                decode(deleted), grpc.StatusCode.FAILED_PRECONDITION, "DEPENDENCY_ERROR", "id", str(block_id)
            )
            outcomes["created"] += 1
            await succeed(campaigns[0].DeleteCampaign(spb.DeleteCampaignRequest(id=created.id), metadata=LAB))
            await succeed(sites[0].DeleteSiteBlock(sspb.DeleteSiteBlockRequest(id=block_id), metadata=LAB))
        else:
            # The delete won: the create no longer found the block.
            assert isinstance(deleted, sspb.DeleteSiteBlockResponse), deleted
            assert isinstance(created, grpc.aio.AioRpcError), created
            assert_failure(
                decode(created),
                grpc.StatusCode.NOT_FOUND,
                "ENTITY_NOT_FOUND",
                "site_blocks[0].site_block_id",
                str(block_id),
            )
            outcomes["deleted"] += 1
        orphans = await query(
            database_url,
            sa.select(t.campaign_site_blocks.c.campaign_id).where(
                t.campaign_site_blocks.c.site_block_id.not_in(sa.select(t.site_blocks.c.id))
            ),
        )
        assert orphans == [], round_number
    assert sum(outcomes.values()) == ROUNDS


async def test_delete_block_races_create_campaign(service: Service) -> None:
    await _race_rounds([sites_stub(service)], [spb_grpc.CampaignServiceStub(service.channel)], service.database_url)


async def test_two_processes_race_on_one_block(engine: str, database_url: str, tmp_path: Path) -> None:
    if engine == "sqlite":
        pytest.skip("several service processes share a database on PostgreSQL only")
    async with (
        service_process(database_url, tmp_path / "first.log") as first,
        service_process(database_url, tmp_path / "second.log") as second,
    ):
        channels = [first, second]
        await _race_rounds(
            [sspb_grpc.SiteServiceStub(channel) for channel in channels],
            [spb_grpc.CampaignServiceStub(channel) for channel in channels],
            database_url,
        )
