"""UserService over gRPC: Login, Logout and GetCustomerUsers.

A session token from Login acts as its user; Logout ends that session and no other; the agent's
GetCustomerUsers is its own call (no account, so no point limits). Password guessing is
test_login_throttle.py's.
"""

from __future__ import annotations

import time
from typing import Final

import grpc
import pytest
import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import user_service_pb2 as uspb
from google.protobuf import struct_pb2

from service.storage import schema as t
from tests.conftest import Service
from tests.service.helpers import (
    Failure,
    assert_failure,
    create,
    create_error,
    expect_error,
    query,
    request,
)
from tests.service.rpcs import (
    answered,
    auth,
    campaign_views,
    campaigns_stub,
    limits_in,
    succeed,
    users_stub,
)

SESSION_SECONDS: Final = 3600


async def login(service: Service, user: str = "demo", password: str = "secret") -> uspb.LoginResponse:
    sent = uspb.LoginRequest(login=user, password=password)
    return await succeed(users_stub(service).Login(sent, timeout=60))


async def login_fails(service: Service, sent: uspb.LoginRequest) -> Failure:
    return await expect_error(users_stub(service).Login(sent, timeout=60))


async def logout(service: Service, token: str) -> None:
    reply = await succeed(users_stub(service).Logout(uspb.LogoutRequest(), metadata=auth(token), timeout=60))
    assert reply == uspb.LogoutResponse()


async def logout_fails(service: Service, token: str | None) -> Failure:
    return await expect_error(users_stub(service).Logout(uspb.LogoutRequest(), metadata=auth(token), timeout=60))


async def sessions(database_url: str) -> list[int]:
    rows = await query(database_url, sa.select(t.access_tokens.c.user_id).where(t.access_tokens.c.is_temporary))
    return sorted(int(row.user_id) for row in rows)


# --------------------------------------------------------------------------- Login


async def test_login_opens_a_session_for_the_customer(service: Service) -> None:
    before = int(time.time())
    reply = await login(service)
    after = int(time.time())

    assert len(reply.access_token) >= 20
    assert reply.access_token not in {"tok_cust", "tok_agent"}
    assert before + SESSION_SECONDS <= reply.expire_at <= after + SESSION_SECONDS
    assert reply.HasField("app_id")
    assert reply.app_id == 1000
    assert await sessions(service.database_url) == [5001]
    # The session acts as its user, in its account.
    campaign_id = await create(service, request(name="By session"), token=reply.access_token)
    assert campaign_id in await campaign_views(service)
    # Each login is a session of its own.
    assert (await login(service)).access_token != reply.access_token


async def test_login_of_an_agent_has_no_account(service: Service) -> None:
    reply = await login(service, "agency")

    assert not reply.HasField("app_id")
    missing = await create_error(service, request(), token=reply.access_token)
    assert_failure(missing, grpc.StatusCode.INVALID_ARGUMENT, "REQUIRED_PARAMETER_MISSED", "user_id", None)
    assert isinstance(await create(service, request(user_id=5001), token=reply.access_token), int)


@pytest.mark.parametrize(
    ("user", "password"),
    [("demo", "wrong"), ("nobody", "secret"), ("agency", "Secret"), ("", "")],
    ids=["wrong-password", "unknown-login", "agent-wrong-password", "empty"],
)
async def test_wrong_credentials(service: Service, user: str, password: str) -> None:
    failure = await login_fails(service, uspb.LoginRequest(login=user, password=password))

    assert_failure(failure, grpc.StatusCode.UNAUTHENTICATED, "AUTH_ERROR")
    assert limits_in(failure.trailers) is None
    assert await sessions(service.database_url) == []


@pytest.mark.parametrize(
    ("sent", "path"),
    [(uspb.LoginRequest(password="secret"), "login"), (uspb.LoginRequest(login="demo"), "password")],
    ids=["login", "password"],
)
async def test_a_missing_credential(service: Service, sent: uspb.LoginRequest, path: str) -> None:
    failure = await login_fails(service, sent)

    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "REQUIRED_PARAMETER_MISSED", path, None)
    assert await sessions(service.database_url) == []


# --------------------------------------------------------------------------- Logout


async def test_logout_ends_the_session(service: Service) -> None:
    token = (await login(service)).access_token
    other = (await login(service)).access_token

    await logout(service, token)

    ended = await create_error(service, request(name="After logout"), token=token)
    assert_failure(ended, grpc.StatusCode.UNAUTHENTICATED, "ACCESS_TOKEN_INVALID")
    read = await expect_error(
        campaigns_stub(service).GetCampaigns(spb.GetCampaignsRequest(), metadata=auth(token), timeout=60)
    )
    assert_failure(read, grpc.StatusCode.UNAUTHENTICATED, "ACCESS_TOKEN_INVALID")
    twice = await logout_fails(service, token)
    assert_failure(twice, grpc.StatusCode.UNAUTHENTICATED, "ACCESS_TOKEN_INVALID")
    # Only that session ended.
    assert await sessions(service.database_url) == [5001]
    assert isinstance(await create(service, request(name="Other session"), token=other), int)


async def test_logout_of_an_agent_session(service: Service) -> None:
    token = (await login(service, "agency")).access_token
    listed = await succeed(
        users_stub(service).GetCustomerUsers(uspb.GetCustomerUsersRequest(), metadata=auth(token), timeout=60)
    )
    assert [user.id for user in listed.data] == [5001, 5002]

    await logout(service, token)

    failure = await expect_error(
        users_stub(service).GetCustomerUsers(uspb.GetCustomerUsersRequest(), metadata=auth(token), timeout=60)
    )
    assert_failure(failure, grpc.StatusCode.UNAUTHENTICATED, "ACCESS_TOKEN_INVALID")


@pytest.mark.parametrize("token", ["tok_cust", "tok_agent"])
async def test_logout_with_a_permanent_token_is_forbidden(service: Service, token: str) -> None:
    failure = await logout_fails(service, token)

    assert_failure(failure, grpc.StatusCode.PERMISSION_DENIED, "FORBIDDEN")
    # The token still works.
    assert isinstance(await create(service, request(user_id=5001), token=token), int)


@pytest.mark.parametrize(
    ("token", "code", "reason", "path"),
    [
        (None, grpc.StatusCode.INVALID_ARGUMENT, "REQUIRED_PARAMETER_MISSED", "access_token"),
        ("tok_nope", grpc.StatusCode.UNAUTHENTICATED, "ACCESS_TOKEN_INVALID", None),
        ("tok_expired", grpc.StatusCode.UNAUTHENTICATED, "ACCESS_TOKEN_EXPIRED", None),
        ("tok_blocked", grpc.StatusCode.UNAUTHENTICATED, "ACCESS_TOKEN_BLOCKED", None),
    ],
    ids=["no-token", "unknown", "expired", "blocked"],
)
async def test_logout_token_errors(
    service: Service, token: str | None, code: grpc.StatusCode, reason: str, path: str | None
) -> None:
    failure = await logout_fails(service, token)

    assert_failure(failure, code, reason, path, None)


async def test_logout_costs_no_points(service: Service) -> None:
    token = (await login(service)).access_token
    reply, trailers = await answered(users_stub(service).Logout(uspb.LogoutRequest(), metadata=auth(token), timeout=60))

    assert reply == uspb.LogoutResponse()
    assert limits_in(trailers) is None
    _campaigns, trailers = await answered(
        campaigns_stub(service).GetCampaigns(spb.GetCampaignsRequest(), metadata=auth(), timeout=60)
    )
    limits = limits_in(trailers)
    assert limits is not None
    # Only the get was charged: the login and the logout cost nothing.
    assert limits.day_remaining == limits.day_limit - 1


# --------------------------------------------------------------------------- GetCustomerUsers


async def test_customer_users_of_the_agent(service: Service) -> None:
    reply, trailers = await answered(
        users_stub(service).GetCustomerUsers(uspb.GetCustomerUsersRequest(), metadata=auth("tok_agent"), timeout=60)
    )

    assert list(reply.data) == [
        uspb.CustomerUser(id=5001, login="demo", name="Demo Shop owner", customer_id=1000),
        uspb.CustomerUser(id=5002, name="No VA user", customer_id=1001),
    ]
    assert not reply.data[1].HasField("login")
    assert not reply.data[0].HasField("description")
    assert reply.total_items == 2
    assert list(reply.fields) == ["id", "login", "name", "description", "customer_id"]
    # The agent's own call: no account, so no limits.
    assert limits_in(trailers) is None


async def test_customer_users_sorted_and_filtered(service: Service) -> None:
    stub = users_stub(service)
    by_name = uspb.GetCustomerUsersRequest(
        fields=["name", "customer_id"], sort=[pb.Sort(field="name", order=pb.SORT_ORDER_DESC)]
    )
    reply = await succeed(stub.GetCustomerUsers(by_name, metadata=auth("tok_agent"), timeout=60))
    assert [(user.name, user.customer_id) for user in reply.data] == [("No VA user", 1001), ("Demo Shop owner", 1000)]
    assert list(reply.fields) == ["name", "customer_id"]

    one = pb.Filter(field="customer_id", operator=pb.FILTER_OPERATOR_EQUAL, value=struct_pb2.Value(number_value=1001))
    reply = await succeed(
        stub.GetCustomerUsers(uspb.GetCustomerUsersRequest(filter=one), metadata=auth("tok_agent"), timeout=60)
    )
    assert ([user.id for user in reply.data], reply.total_items) == ([5002], 1)


async def test_customer_users_refused_to_a_customer_with_its_limits(service: Service) -> None:
    failure = await expect_error(
        users_stub(service).GetCustomerUsers(uspb.GetCustomerUsersRequest(), metadata=auth("tok_cust"), timeout=60)
    )

    assert_failure(failure, grpc.StatusCode.PERMISSION_DENIED, "FORBIDDEN")
    limits = limits_in(failure.trailers)
    assert limits is not None, failure.trailers
    assert limits.day_remaining == limits.day_limit


async def test_customer_users_main_parameter_error(service: Service) -> None:
    sent = uspb.GetCustomerUsersRequest(sort=[pb.Sort(field="name"), pb.Sort(field="login")])

    failure = await expect_error(users_stub(service).GetCustomerUsers(sent, metadata=auth("tok_agent"), timeout=60))

    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "SORT_PROHIBITED", "sort[1].field", "login")
