"""What the admin API tests share: the admin token, a directory to apply, a started service, and readers
of the admin API's statuses and of the database."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

import grpc
import sqlalchemy as sa
from campaigns.admin.v1 import admin_service_pb2 as apb
from campaigns.admin.v1 import admin_service_pb2_grpc as apb_grpc
from campaigns.admin.v1 import directory_pb2 as dpb
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import campaign_service_pb2_grpc as spb_grpc
from google.rpc import error_details_pb2  # type: ignore[import-untyped,unused-ignore]
from grpc_status import rpc_status

from contract.directory_files import directory_from_data
from service.storage import schema as t
from tests.conftest import bearer, start_service
from tests.service.helpers import query

ADMIN: Final = "admin-7f3c9e1b2d4a"

ACME: Final[dict[str, Any]] = {
    "accounts": [
        {
            "app_id": 2000,
            "name": "Acme",
            "timezone": "Europe/Moscow",
            "components": ["call_tracking", "va"],
            "users": [
                {"id": 6001, "login": "acme", "password": "pw-acme-1", "tokens": [{"token": "tok_acme"}]},
                {"login": "acme-reader", "read_only": True, "tokens": [{"token": "tok_acme_ro"}]},
            ],
            "sites": [
                {"id": 2010, "domain_name": "acme.example", "name": "Acme", "blocks": [{"id": 2011, "name": "Top"}]}
            ],
            "phone_numbers": [
                {"id": 2021, "number": "+74990002021", "type": "call_tracking"},
                {"id": 2022, "number": "74990002022", "type": "va"},
            ],
            "redirection_numbers": [{"id": 2031, "number": "74990002031"}],
        }
    ],
    "agents": [
        {
            "id": 9100,
            "name": "Acme Partner",
            "login": "acme-partner",
            "tokens": [{"token": "tok_acme_agent"}],
            "customer_user_ids": [6001],
        }
    ],
    "number_stock": [
        {"id": 2901, "number": "74959002901", "category": "bronze", "location_mnemonic": "msk", "monthly_charge": 600}
    ],
}


def acme(**changes: Any) -> dict[str, Any]:
    """ACME with its account's fields replaced."""
    data = copy.deepcopy(ACME)
    data["accounts"][0].update(changes)
    return data


@dataclass
class Admin:
    target: str
    channel: grpc.aio.Channel
    stub: apb_grpc.AdminServiceAsyncStub
    campaigns: spb_grpc.CampaignServiceAsyncStub
    database_url: str

    async def apply(self, data: dict[str, Any], **fields: Any) -> apb.ApplyDirectoryResponse:
        request = apb.ApplyDirectoryRequest(directory=directory_from_data(data), **fields)
        response: apb.ApplyDirectoryResponse = await self.stub.ApplyDirectory(
            request, metadata=bearer(ADMIN), timeout=60
        )
        return response

    async def export(self, app_id: int | None = None) -> dpb.Directory:
        request = apb.ExportDirectoryRequest() if app_id is None else apb.ExportDirectoryRequest(app_id=app_id)
        response = await self.stub.ExportDirectory(request, metadata=bearer(ADMIN), timeout=30)
        directory: dpb.Directory = response.directory
        return directory


@contextlib.asynccontextmanager
async def admin_service(database_url: str) -> AsyncIterator[Admin]:
    """A real service on `database_url`, started with the admin token, and stubs on one channel."""
    running = await start_service(database_url, admin_token=ADMIN)
    target = f"127.0.0.1:{running.port}"
    try:
        async with grpc.aio.insecure_channel(target) as channel:
            stubs = apb_grpc.AdminServiceStub(channel), spb_grpc.CampaignServiceStub(channel)
            yield Admin(target, channel, *stubs, database_url)
    finally:
        await running.stop(grace=1)


def violations(error: grpc.aio.AioRpcError) -> tuple[grpc.StatusCode, str | None, list[str]]:
    """(code, ErrorInfo reason, the BadRequest field paths)."""
    status = rpc_status.from_call(error)
    assert status is not None, error
    reason = None
    paths: list[str] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            assert info.domain == "admin.campaigns"
            reason = info.reason
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            paths.extend(violation.field for violation in bad.field_violations)
    return error.code(), reason, paths


async def get_campaign_ids(stub: spb_grpc.CampaignServiceAsyncStub, token: str, **fields: Any) -> list[int]:
    response = await stub.GetCampaigns(spb.GetCampaignsRequest(**fields), metadata=bearer(token), timeout=10)
    return [campaign.id for campaign in response.data]


async def table_counts(database_url: str) -> dict[str, int]:
    names = ("accounts", "users", "access_tokens", "sites", "site_blocks", "phone_numbers", "number_stock", "campaigns")
    counts = {}
    for name in names:
        table = t.metadata.tables[name]
        counts[name] = (await query(database_url, sa.select(sa.func.count()).select_from(table)))[0][0]
    return counts
