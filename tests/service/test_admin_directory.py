"""campaigns.admin.v1.AdminService's directory over a real channel, on both engines: from an empty
database to a first campaign over JSON-RPC; apply is idempotent, all or nothing, never deletes by
omission, and names every bad field; exports apply back unchanged and hold no secret."""

from __future__ import annotations

import copy
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from campaigns.admin.v1 import admin_service_pb2 as apb
from campaigns.admin.v1 import directory_pb2 as dpb
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb

from service.access import hash_token
from service.storage import schema as t
from tests.conftest import bearer, start_gateway, stop_gateway
from tests.gateway.wire import JsonRpc
from tests.service.helpers import query
from tests.service.support_admin import ACME, ADMIN, Admin, acme, get_campaign_ids, table_counts, violations

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
