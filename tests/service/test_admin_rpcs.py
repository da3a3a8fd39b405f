"""campaigns.admin.v1.AdminService over a real channel, on both engines: provisioning real data.

From an empty database to a first campaign over JSON-RPC; apply is idempotent and all or
nothing; exports apply back unchanged; tokens are issued and revoked; states switch accounts
off; and nothing gets in without the admin token.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import Any, Final

import grpc
import pytest
import sqlalchemy as sa
from campaigns.admin.v1 import admin_service_pb2 as apb
from campaigns.admin.v1 import admin_service_pb2_grpc as apb_grpc
from campaigns.admin.v1 import directory_pb2 as dpb
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import campaign_service_pb2_grpc as spb_grpc
from google.protobuf import timestamp_pb2
from google.rpc import error_details_pb2  # type: ignore[import-untyped,unused-ignore]
from grpc_status import rpc_status

from contract.directory_files import directory_from_data
from service.access import hash_token
from service.storage import schema as t
from tests.conftest import bearer, start_gateway, start_service, stop_gateway
from tests.databases import DatabaseFactory
from tests.gateway.wire import JsonRpc
from tests.service.helpers import decode, query

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


@pytest.fixture
async def admin(database_url: str) -> AsyncIterator[Admin]:
    """A service on the demo data."""
    async with admin_service(database_url) as started:
        yield started


@pytest.fixture
async def empty_admin(database_factory: DatabaseFactory) -> AsyncIterator[Admin]:
    """A service on a database with the schema and nothing else: no demo set."""
    async with admin_service(await database_factory.empty()) as started:
        yield started


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


# --------------------------------------------------------------------------- from nothing to a campaign


async def test_a_directory_on_an_empty_database_is_enough_for_a_first_campaign(empty_admin: Admin) -> None:
    applied = await empty_admin.apply(ACME)
    assert set(applied.created) >= {
        "account 2000",
        "user 6001",
        "site 2010",
        "site_block 2011",
        "phone_number 2021",
        "phone_number 2022",
        "redirection_number 2031",
        "agent 9100",
        "stock_number 2901",
        f"token 6001/{hash_token('tok_acme')[:8]}",
    }
    assert list(applied.updated) == [] and applied.unchanged == 0

    server, task, port = await start_gateway(empty_admin.target)
    try:
        client = JsonRpc(f"http://127.0.0.1:{port}/v2.0")
        params = {
            "access_token": "tok_acme",
            "name": "First",
            "site_id": 2010,
            "site_blocks": [{"site_block_id": 2011, "phone_number_id": 2021, "redirection_phone_number_id": 2031}],
        }
        created = await client.call("create.campaigns", params)
        assert "error" not in created, created
        campaign_id = created["result"]["data"]["id"]
        # The agent acts for its customer; the read-only user reads.
        listed = await client.call("get.campaigns", {"access_token": "tok_acme_agent", "user_id": 6001})
        assert [row["id"] for row in listed["result"]["data"]] == [-1, campaign_id]
        refused = await client.call("create.campaigns", {**params, "access_token": "tok_acme_ro", "name": "Second"})
        assert refused["error"]["data"]["mnemonic"] == "forbidden"
        # The call_tracking number is taken now, by the database's rule, as for any account.
        taken = await client.call("create.campaigns", {**params, "name": "Second"})
        assert taken["error"]["data"]["mnemonic"] == "already_in_use"
    finally:
        await stop_gateway(server, task)
    # The user who has a login can log in with the directory's password.
    server, task, port = await start_gateway(empty_admin.target)
    try:
        login = await JsonRpc(f"http://127.0.0.1:{port}/v2.0").call(
            "login.user", {"login": "acme", "password": "pw-acme-1"}
        )
        assert "access_token" in login["result"]["data"], login
    finally:
        await stop_gateway(server, task)


async def test_applying_the_same_directory_again_changes_nothing(empty_admin: Admin) -> None:
    first = await empty_admin.apply(ACME)
    before = await table_counts(empty_admin.database_url)

    again = await empty_admin.apply(ACME)

    assert (list(again.created), list(again.updated)) == ([], [])
    assert again.unchanged == len(first.created)
    assert await table_counts(empty_admin.database_url) == before


async def test_a_changed_entry_is_updated_and_what_is_left_out_stays(empty_admin: Admin) -> None:
    await empty_admin.apply(ACME)
    renamed = acme(name="Acme Corp", users=[], sites=[], phone_numbers=[], redirection_numbers=[])
    renamed["agents"] = []
    renamed["number_stock"] = []

    applied = await empty_admin.apply(renamed)

    assert (list(applied.created), list(applied.updated)) == ([], ["account 2000"])
    (account,) = (await empty_admin.export(2000)).accounts
    assert account.name == "Acme Corp"
    # No deletes by omission: the users, sites and numbers the second file left out are still there.
    assert [user.id for user in account.users][:1] == [6001] and len(account.users) == 2
    assert [site.id for site in account.sites] == [2010]
    assert [number.id for number in account.phone_numbers] == [2021, 2022]
    assert await get_campaign_ids(empty_admin.campaigns, "tok_acme") == [-1]


# --------------------------------------------------------------------------- all or nothing


async def test_a_dangling_reference_refuses_the_whole_directory(empty_admin: Admin) -> None:
    data = copy.deepcopy(ACME)
    data["agents"][0]["customer_user_ids"] = [6001, 424242]

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await empty_admin.apply(data)

    assert violations(caught.value) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_DIRECTORY",
        ["agents[0].customer_user_ids[1]"],
    )
    # The account, its users and tokens written before the agent were rolled back with it.
    counts = await table_counts(empty_admin.database_url)
    assert counts == dict.fromkeys(counts, 0)


async def test_every_violation_of_a_file_is_listed_with_its_path(empty_admin: Admin) -> None:
    data = acme(timezone="Mars/Olympus", components=["call_tracking", "telepathy"], allowed_ips=["10.0.0.0/8", "nope"])
    data["accounts"][0]["users"][1]["login"] = "acme"
    data["accounts"][0]["phone_numbers"][1]["number"] = "0123"
    data["number_stock"][0]["category"] = "diamond"

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await empty_admin.apply(data)

    code, reason, paths = violations(caught.value)
    assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_DIRECTORY")
    assert paths == [
        "accounts[0].timezone",
        "accounts[0].components[1]",
        "accounts[0].allowed_ips[1]",
        "accounts[0].users[1].login",
        "accounts[0].phone_numbers[1].number",
        "number_stock[0].category",
    ]
    assert (caught.value.details() or "").startswith("accounts[0].timezone: ")


@pytest.mark.parametrize(
    ("entry", "path", "holder"),
    [
        pytest.param({"users": [{"login": "demo"}]}, "accounts[0].users[0].login", "5001", id="login"),
        pytest.param({"users": [{"id": 5002}]}, "accounts[0].users[0].id", "1001", id="user-id"),
        pytest.param(
            {"phone_numbers": [{"id": 2021, "number": "74950000301", "type": "va"}]},
            "accounts[0].phone_numbers[0].number",
            "1000",
            id="number",
        ),
        pytest.param(
            {"phone_numbers": [{"id": 301, "number": "74990002021", "type": "va"}]},
            "accounts[0].phone_numbers[0].id",
            "1000",
            id="number-id",
        ),
        pytest.param({"sites": [{"id": 10, "domain_name": "x.example"}]}, "accounts[0].sites[0].id", "1000", id="site"),
    ],
)
async def test_what_another_account_holds_is_already_exists(
    admin: Admin, entry: dict[str, Any], path: str, holder: str
) -> None:
    data = {"accounts": [{"app_id": 2000, "name": "Acme", **entry}]}

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await admin.apply(data)

    assert violations(caught.value) == (grpc.StatusCode.ALREADY_EXISTS, "HELD_ELSEWHERE", [path])
    assert holder in (caught.value.details() or "")
    assert 2000 not in [account.app_id for account in (await admin.export()).accounts]


async def test_validate_only_checks_everything_and_writes_nothing(empty_admin: Admin) -> None:
    rehearsed = await empty_admin.apply(ACME, validate_only=True)

    assert "account 2000" in rehearsed.created
    counts = await table_counts(empty_admin.database_url)
    assert counts == dict.fromkeys(counts, 0)


# --------------------------------------------------------------------------- export


async def test_an_export_applies_back_unchanged_and_holds_no_secret(admin: Admin) -> None:
    exported = await admin.export()

    assert [account.app_id for account in exported.accounts][:2] == [1000, 1001]
    assert [agent.id for agent in exported.agents] == [9000]
    assert list(exported.agents[0].customer_user_ids) == [5001, 5002]
    for account in exported.accounts:
        for user in account.users:
            assert (user.password, list(user.tokens)) == ("", [])
    assert (exported.agents[0].password, list(exported.agents[0].tokens)) == ("", [])
    shop = exported.accounts[0]
    assert (shop.timezone, shop.state, shop.campaign_quota, list(shop.allowed_ips)) == (
        "UTC",
        dpb.ACCOUNT_STATE_ACTIVE,
        1000,
        [],
    )
    assert [(n.id, n.type, n.hosted_pbx) for n in shop.phone_numbers if n.id >= 381] == [
        (381, dpb.PHONE_NUMBER_TYPE_POOL, False),
        (382, dpb.PHONE_NUMBER_TYPE_POOL, False),
        (383, dpb.PHONE_NUMBER_TYPE_POOL, False),
        (384, dpb.PHONE_NUMBER_TYPE_POOL, True),
    ]
    assert list(exported.accounts[4].allowed_ips) == ["203.0.113.0/24"]
    assert exported.accounts[5].state == dpb.ACCOUNT_STATE_DISABLED

    applied = await admin.stub.ApplyDirectory(
        apb.ApplyDirectoryRequest(directory=exported), metadata=bearer(ADMIN), timeout=60
    )

    assert (list(applied.created), list(applied.updated)) == ([], [])
    assert await admin.export() == exported


async def test_an_export_of_one_account(admin: Admin) -> None:
    exported = await admin.export(1001)

    assert [account.app_id for account in exported.accounts] == [1001]
    assert (list(exported.agents), list(exported.number_stock)) == ([], [])
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await admin.export(424242)
    assert violations(caught.value) == (grpc.StatusCode.NOT_FOUND, "NOT_FOUND", ["app_id"])


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


async def test_numbers_the_service_buys_get_ids_above_every_directory_id(admin: Admin) -> None:
    # 1001 is the first id the service would give a number it buys for a pool; the stock's ids share
    # the space (an enabled stock number keeps its id).
    # The operator's way to change one account: export it, edit, apply (an entry is the account's whole state).
    directory = await admin.export(1000)
    directory.accounts[0].phone_numbers.add(id=1001, number="74990001001", type=dpb.PHONE_NUMBER_TYPE_VA)
    directory.number_stock.add(id=1002, number="74959001002")
    applied = await admin.stub.ApplyDirectory(
        apb.ApplyDirectoryRequest(directory=directory), metadata=bearer(ADMIN), timeout=60
    )
    assert (list(applied.created), list(applied.updated)) == (["phone_number 1001", "stock_number 1002"], [])
    request = spb.CreateCampaignRequest(
        name="Pool",
        site_id=10,
        site_blocks=[pb.SiteBlock(site_block_id=101, phone_number_id=1001, dynamic_call_tracking_enabled=True)],
        dynamic_call_tracking=pb.DynamicCallTracking(
            count_virtual_numbers=5, count_visits=100, reservation_time=pb.RESERVATION_TIME_1H
        ),
    )

    created = await admin.campaigns.CreateCampaign(request, metadata=bearer("tok_cust"), timeout=10)

    pool = await query(
        admin.database_url,
        sa.select(t.pool_numbers.c.phone_number_id).where(t.pool_numbers.c.campaign_id == created.id),
    )
    ids = sorted(row.phone_number_id for row in pool)
    assert ids[:3] == [381, 382, 383]  # the vacant pool stock first
    assert len(ids) == 5 and min(ids[3:]) > 1002, ids
