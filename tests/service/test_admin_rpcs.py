"""campaigns.admin.v1.AdminService's day-to-day calls over a real channel, on both engines: tokens issued
and revoked (in every service process at once), accounts switched off and on, and nothing in without
the admin token, which is never logged and never reachable through the gateway."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from campaigns.admin.v1 import admin_service_pb2 as apb
from campaigns.admin.v1 import admin_service_pb2_grpc as apb_grpc
from campaigns.admin.v1 import directory_pb2 as dpb
from campaigns.v1 import campaign_service_pb2_grpc as spb_grpc
from google.protobuf import timestamp_pb2

from service.access import hash_token
from service.storage import schema as t
from tests.conftest import bearer, start_gateway, start_service, stop_gateway
from tests.gateway.wire import JsonRpc
from tests.service.helpers import decode, query
from tests.service.support_admin import ACME, ADMIN, Admin, get_campaign_ids, violations

# --------------------------------------------------------------------------- tokens and states


async def test_an_issued_token_calls_and_a_revoked_one_is_refused_at_once(admin: Admin) -> None:
    issued = await admin.stub.IssueToken(apb.IssueTokenRequest(user_id=5002), metadata=bearer(ADMIN), timeout=10)
    assert (issued.user_id, issued.token_id) == (5002, hash_token(issued.token))
    assert not issued.HasField("expires_at")
    stored = await query(
        admin.database_url, sa.select(t.access_tokens.c.token_hash).where(t.access_tokens.c.user_id == 5002)
    )
    assert issued.token not in {row.token_hash for row in stored}  # only its hash is kept

    assert await get_campaign_ids(admin.campaigns, issued.token) == [-1]

    revoked = await admin.stub.RevokeToken(
        apb.RevokeTokenRequest(token_id=issued.token_id), metadata=bearer(ADMIN), timeout=10
    )
    assert revoked.user_id == 5002
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await get_campaign_ids(admin.campaigns, issued.token)
    assert decode(caught.value).reason == "ACCESS_TOKEN_INVALID"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await admin.stub.RevokeToken(apb.RevokeTokenRequest(token=issued.token), metadata=bearer(ADMIN), timeout=10)
    assert violations(caught.value) == (grpc.StatusCode.NOT_FOUND, "NOT_FOUND", ["token"])


async def test_a_revoked_token_is_refused_by_every_service_on_the_database(admin: Admin) -> None:
    other = await start_service(admin.database_url)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{other.port}") as channel:
            elsewhere = spb_grpc.CampaignServiceStub(channel)
            issued = await admin.stub.IssueToken(
                apb.IssueTokenRequest(user_id=9000), metadata=bearer(ADMIN), timeout=10
            )
            assert await get_campaign_ids(elsewhere, issued.token, user_id=5002) == [-1]
            await admin.stub.RevokeToken(apb.RevokeTokenRequest(token=issued.token), metadata=bearer(ADMIN), timeout=10)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await get_campaign_ids(elsewhere, issued.token, user_id=5002)
            assert decode(caught.value).reason == "ACCESS_TOKEN_INVALID"
    finally:
        await other.stop(grace=1)


async def test_a_token_with_an_expiry_and_bad_token_requests(admin: Admin) -> None:
    expiry = timestamp_pb2.Timestamp(seconds=4_102_444_800)  # 2100-01-01
    issued = await admin.stub.IssueToken(
        apb.IssueTokenRequest(user_id=5001, expires_at=expiry), metadata=bearer(ADMIN), timeout=10
    )
    assert issued.expires_at == expiry
    bad = [
        (
            apb.IssueTokenRequest(user_id=5001, expires_at=timestamp_pb2.Timestamp(seconds=1)),
            "INVALID_REQUEST",
            "expires_at",
        ),
        (apb.IssueTokenRequest(user_id=424242), "NOT_FOUND", "user_id"),
        (apb.IssueTokenRequest(), "INVALID_REQUEST", "user_id"),
    ]
    for request, reason, path in bad:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await admin.stub.IssueToken(request, metadata=bearer(ADMIN), timeout=10)
        assert violations(caught.value)[1:] == (reason, [path])
    for revoke, path in [(apb.RevokeTokenRequest(), "token"), (apb.RevokeTokenRequest(token_id="XYZ"), "token_id")]:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await admin.stub.RevokeToken(revoke, metadata=bearer(ADMIN), timeout=10)
        assert violations(caught.value) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST", [path])


@pytest.mark.parametrize("state", [dpb.ACCOUNT_STATE_BLOCKED, dpb.ACCOUNT_STATE_DISABLED])
async def test_an_account_switched_off_answers_account_inactive_until_switched_on(
    admin: Admin, state: dpb.AccountState.ValueType
) -> None:
    switched = await admin.stub.SetAccountState(
        apb.SetAccountStateRequest(app_id=1000, state=state), metadata=bearer(ADMIN), timeout=10
    )
    assert (switched.previous_state, switched.state) == (dpb.ACCOUNT_STATE_ACTIVE, state)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await get_campaign_ids(admin.campaigns, "tok_cust")
    assert decode(caught.value).reason == "ACCOUNT_INACTIVE"

    await admin.stub.SetAccountState(
        apb.SetAccountStateRequest(app_id=1000, state=dpb.ACCOUNT_STATE_ACTIVE), metadata=bearer(ADMIN), timeout=10
    )
    assert 7 in await get_campaign_ids(admin.campaigns, "tok_cust")
    assert (await admin.export(1000)).accounts[0].state == dpb.ACCOUNT_STATE_ACTIVE


# --------------------------------------------------------------------------- who may call


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        pytest.param((), "ADMIN_TOKEN_MISSING", id="none"),
        pytest.param(bearer("admin-wrong"), "ADMIN_TOKEN_INVALID", id="wrong"),
        pytest.param(bearer("tok_cust"), "ADMIN_TOKEN_INVALID", id="customer-token"),
        pytest.param(bearer("tok_agent"), "ADMIN_TOKEN_INVALID", id="agent-token"),
        pytest.param((("authorization", ADMIN),), "ADMIN_TOKEN_MISSING", id="no-bearer-scheme"),
    ],
)
async def test_admin_calls_without_the_admin_token_are_unauthenticated(
    admin: Admin, metadata: tuple[tuple[str, str], ...], reason: str
) -> None:
    calls: list[Awaitable[Any]] = [
        admin.stub.ExportDirectory(apb.ExportDirectoryRequest(), metadata=metadata, timeout=10),
        admin.stub.IssueToken(apb.IssueTokenRequest(user_id=5001), metadata=metadata, timeout=10),
        admin.stub.SetAccountState(
            apb.SetAccountStateRequest(app_id=1000, state=dpb.ACCOUNT_STATE_BLOCKED), metadata=metadata, timeout=10
        ),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call
        assert violations(caught.value)[:2] == (grpc.StatusCode.UNAUTHENTICATED, reason)
    assert 7 in await get_campaign_ids(admin.campaigns, "tok_cust")  # nothing was switched off
    # The admin token is not a customer token either.
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await get_campaign_ids(admin.campaigns, ADMIN)
    assert decode(caught.value).reason == "ACCESS_TOKEN_INVALID"


async def test_without_a_configured_admin_token_the_admin_api_is_unavailable(database_url: str) -> None:
    running = await start_service(database_url)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            stub = apb_grpc.AdminServiceStub(channel)
            for token in ("", "anything"):
                with pytest.raises(grpc.aio.AioRpcError) as caught:
                    await stub.ExportDirectory(apb.ExportDirectoryRequest(), metadata=bearer(token), timeout=10)
                assert violations(caught.value)[:2] == (grpc.StatusCode.UNAVAILABLE, "ADMIN_API_DISABLED")
    finally:
        await running.stop(grace=1)


async def test_the_admin_token_is_never_logged(admin: Admin, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await admin.stub.IssueToken(apb.IssueTokenRequest(user_id=5001), metadata=bearer(ADMIN), timeout=10)
    with pytest.raises(grpc.aio.AioRpcError):
        await admin.stub.ExportDirectory(apb.ExportDirectoryRequest(), metadata=bearer(ADMIN + "x"), timeout=10)
    await admin.apply(ACME)

    assert caplog.records, "the admin calls log what they change"
    assert ADMIN not in caplog.text
    assert "tok_acme" not in caplog.text and "pw-acme-1" not in caplog.text


async def test_the_gateway_never_routes_to_the_admin_service(admin: Admin) -> None:
    server, task, port = await start_gateway(admin.target)
    try:
        client = JsonRpc(f"http://127.0.0.1:{port}/v2.0")
        for method in ("ApplyDirectory", "campaigns.admin.v1.AdminService/ExportDirectory", "export.directory"):
            answer = await client.call(method, {"access_token": ADMIN})
            assert answer["error"]["data"]["mnemonic"] == "method_not_found", answer
    finally:
        await stop_gateway(server, task)
