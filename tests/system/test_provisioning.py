"""Provisioning across real processes: the admin API of one `serve-grpc` process changes what every
other process on the same database answers at once, and operators drive it with `buf curl` through
server reflection, as the README shows."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import grpc
import pytest
from campaigns.admin.v1 import admin_service_pb2 as apb
from campaigns.admin.v1 import admin_service_pb2_grpc as apb_grpc
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import campaign_service_pb2_grpc as spb_grpc
from google.protobuf import json_format

from contract.directory_files import directory_from_data
from tests.conftest import bearer
from tests.databases import DatabaseFactory
from tests.service.helpers import decode
from tests.service.support_admin import ACME, ADMIN
from tests.system.processes import ServiceProcess


async def _campaign_ids(target: str, token: str) -> list[int]:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = spb_grpc.CampaignServiceStub(channel)
        response = await stub.GetCampaigns(spb.GetCampaignsRequest(), metadata=bearer(token), timeout=10)
        return [campaign.id for campaign in response.data]


async def test_a_token_revoked_through_one_process_is_refused_by_another(
    database_factory: DatabaseFactory, tmp_path: Path
) -> None:
    database_url = await database_factory.empty()
    provisioner = ServiceProcess(database_url, tmp_path / "admin.log", extra=["--admin-token", ADMIN])
    replica = ServiceProcess(database_url, tmp_path / "replica.log")
    try:
        await provisioner.start()
        await provisioner.wait_serving()
        await replica.start()
        await replica.wait_serving()
        async with grpc.aio.insecure_channel(provisioner.target) as channel:
            admin = apb_grpc.AdminServiceStub(channel)
            await admin.ApplyDirectory(
                apb.ApplyDirectoryRequest(directory=directory_from_data(ACME)), metadata=bearer(ADMIN), timeout=60
            )
            issued = await admin.IssueToken(apb.IssueTokenRequest(user_id=6001), metadata=bearer(ADMIN), timeout=10)
            # The replica serves the provisioned account and the new token at once: no cache to wait for.
            assert await _campaign_ids(replica.target, "tok_acme") == [-1]
            assert await _campaign_ids(replica.target, issued.token) == [-1]

            await admin.RevokeToken(apb.RevokeTokenRequest(token=issued.token), metadata=bearer(ADMIN), timeout=10)

        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _campaign_ids(replica.target, issued.token)
        assert decode(caught.value).reason == "ACCESS_TOKEN_INVALID"
        # The replica has no admin token: its admin API is off, whatever a caller presents.
        async with grpc.aio.insecure_channel(replica.target) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await apb_grpc.AdminServiceStub(channel).ExportDirectory(
                    apb.ExportDirectoryRequest(), metadata=bearer(ADMIN), timeout=10
                )
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        await replica.stop()
        await provisioner.stop()


async def _buf_curl(target: str, method: str, data: Any, token: str = ADMIN) -> tuple[int, Any]:
    # buf comes with the dev extra (PyPI buf-bin), beside this interpreter.
    buf = shutil.which("buf", path=str(Path(sys.executable).parent)) or shutil.which("buf")
    assert buf is not None, "buf (PyPI buf-bin) is installed with the dev extra"
    process = await asyncio.create_subprocess_exec(
        buf,
        "curl",
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "--header",
        f"authorization: Bearer {token}",
        "--data",
        json.dumps(data),
        f"http://{target}/campaigns.admin.v1.AdminService/{method}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    text = out.decode() if process.returncode == 0 else err.decode()
    return process.returncode, json.loads(text) if text.strip().startswith("{") else text


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
async def test_an_operator_provisions_with_buf_curl_through_reflection(
    database_factory: DatabaseFactory, tmp_path: Path
) -> None:
    database_url = await database_factory.empty()
    service = ServiceProcess(database_url, tmp_path / "service.log", extra=["--admin-token", ADMIN])
    try:
        await service.start()
        await service.wait_serving()

        # buf curl speaks the strict proto JSON mapping (full enum names), as any generic client does.
        directory = json_format.MessageToDict(directory_from_data(ACME))
        code, applied = await _buf_curl(service.target, "ApplyDirectory", {"directory": directory})
        assert code == 0, applied
        assert "account 2000" in applied["created"]

        code, issued = await _buf_curl(service.target, "IssueToken", {"user_id": 6001})
        assert code == 0, issued
        assert await _campaign_ids(service.target, issued["token"]) == [-1]

        code, revoked = await _buf_curl(service.target, "RevokeToken", {"token_id": issued["tokenId"]})
        assert (code, revoked) == (0, {"userId": "6001"})
        with pytest.raises(grpc.aio.AioRpcError):
            await _campaign_ids(service.target, issued["token"])

        code, refused = await _buf_curl(service.target, "IssueToken", {"user_id": 6001}, token="tok_acme")
        assert code != 0 and "unauthenticated" in str(refused), refused
    finally:
        await service.stop()
