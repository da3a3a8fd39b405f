"""GetAccount over gRPC (get.account): the account a call acts for, as a get of one item.

Against the demo data set (docs/demo-data.md; every account's timezone is UTC): who may call it (customers,
agents acting for one, no component needed), the get parameters it takes (nothing filterable or sortable),
the account checks before it, and the point it costs.
"""

from __future__ import annotations

from typing import Any, Final

import grpc
from campaigns.v1 import account_service_pb2 as apb
from campaigns.v1 import campaign_pb2 as pb
from google.protobuf import struct_pb2

from tests.conftest import Service
from tests.service.helpers import assert_failure, execute, expect_error
from tests.service.rpcs import accounts_stub, answered, auth, limits_in, succeed

# The demo accounts' point budgets (docs/demo-data.md).
DEMO_DAY_LIMIT: Final = 100_000_000
ALL_FIELDS: Final = ["app_id", "name", "timezone"]

Call = grpc.aio.UnaryUnaryCall[apb.GetAccountRequest, apb.GetAccountResponse]


def get_account(service: Service, token: str | None = "tok_cust", **fields: Any) -> Call:
    return accounts_stub(service).GetAccount(apb.GetAccountRequest(**fields), metadata=auth(token), timeout=60)


def _text(text: str) -> struct_pb2.Value:
    return struct_pb2.Value(string_value=text)


# --------------------------------------------------------------------------- answers


async def test_a_customer_reads_its_own_account(service: Service) -> None:
    reply = await succeed(get_account(service))

    assert list(reply.data) == [apb.Account(app_id=1000, name="Demo Shop", timezone="UTC")]
    assert reply.total_items == 1
    assert list(reply.fields) == ALL_FIELDS


async def test_each_token_reads_the_account_it_acts_for(service: Service) -> None:
    nova = await succeed(get_account(service, "tok_nova"))
    # An agent acts for the customer user it names (docs/decisions.md).
    agent = await succeed(get_account(service, "tok_agent", user_id=5002))
    owner = await succeed(get_account(service, "tok_agent", user_id=5001))
    # A read-only user reads as the owner does; a customer may name a user of its own account.
    reader = await succeed(get_account(service, "tok_noperm"))
    named = await succeed(get_account(service, "tok_cust", user_id=5005))

    assert list(nova.data) == list(agent.data) == [apb.Account(app_id=1001, name="No VA Ltd", timezone="UTC")]
    assert (
        list(owner.data)
        == list(reader.data)
        == list(named.data)
        == [apb.Account(app_id=1000, name="Demo Shop", timezone="UTC")]
    )
    assert nova.total_items == agent.total_items == 1


async def test_no_component_is_needed(service: Service) -> None:
    # Account 1003 has no component at all: every other account method refuses it.
    reply = await succeed(get_account(service, "tok_nocomp"))

    assert list(reply.data) == [apb.Account(app_id=1003, name="Bare Account", timezone="UTC")]


async def test_the_values_come_from_the_account_row(service: Service) -> None:
    await execute(
        service.database_url, "UPDATE accounts SET name = 'Renamed Shop', timezone = 'Europe/Moscow' WHERE id = 1000"
    )

    reply = await succeed(get_account(service))

    assert list(reply.data) == [apb.Account(app_id=1000, name="Renamed Shop", timezone="Europe/Moscow")]
    nova = await succeed(get_account(service, "tok_nova"))
    assert list(nova.data) == [apb.Account(app_id=1001, name="No VA Ltd", timezone="UTC")]


async def test_fields_paging_as_for_any_get(service: Service) -> None:
    picked = await succeed(get_account(service, fields=["timezone", "app_id", "timezone"]))
    # The selection, each name once and in the order asked, is what the response says it carries.
    assert list(picked.fields) == ["timezone", "app_id"]
    assert picked.total_items == 1

    for paged in ({"limit": 0}, {"offset": 1}):
        reply = await succeed(get_account(service, "tok_cust", **paged))
        assert (list(reply.data), reply.total_items) == ([], 1), paged
    reply = await succeed(get_account(service, limit=1, offset=0))
    assert [item.app_id for item in reply.data] == [1000]


# --------------------------------------------------------------------------- the get parameters' errors


async def test_no_field_can_be_sorted(service: Service) -> None:
    for index, name in enumerate(ALL_FIELDS):
        sort = [pb.Sort(field=name, order=pb.SORT_ORDER_DESC)] if index else [pb.Sort(field=name)]
        failure = await expect_error(get_account(service, sort=sort))
        assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "SORT_PROHIBITED", "sort[0].field", name)


async def test_no_field_can_be_filtered(service: Service) -> None:
    for name in ALL_FIELDS:
        leaf = pb.Filter(field=name, operator=pb.FILTER_OPERATOR_EQUAL, value=_text("x"))
        failure = await expect_error(get_account(service, filter=leaf))
        assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "FILTER_PROHIBITED", "filter.field", name)

    null_test = pb.Filter(field="timezone", operator=pb.FILTER_OPERATOR_IS_NULL)
    tree = pb.Filter(filters=[null_test], condition=pb.FILTER_CONDITION_OR)
    failure = await expect_error(get_account(service, filter=tree))
    assert_failure(
        failure, grpc.StatusCode.INVALID_ARGUMENT, "FILTER_PROHIBITED", "filter.filters[0].field", "timezone"
    )


async def test_names_that_are_not_fields_of_the_account(service: Service) -> None:
    failure = await expect_error(get_account(service, fields=["name", "id"]))
    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "UNEXPECTED_PARAMETERS", "fields[1]", "id")

    failure = await expect_error(get_account(service, sort=[pb.Sort(field="id")]))
    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "UNEXPECTED_PARAMETERS", "sort[0].field", "id")

    odd = pb.Filter(field="state", operator=pb.FILTER_OPERATOR_EQUAL, value=_text("active"))
    failure = await expect_error(get_account(service, filter=odd))
    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "UNEXPECTED_PARAMETERS", "filter.field", "state")


async def test_a_limit_out_of_range(service: Service) -> None:
    failure = await expect_error(get_account(service, limit=10_001))

    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PARAMETER_VALUE", "limit", "10001")


# --------------------------------------------------------------------------- who may call


async def test_an_agent_needs_a_user_id_of_its_customers(service: Service) -> None:
    failure = await expect_error(get_account(service, "tok_agent"))
    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "REQUIRED_PARAMETER_MISSED", "user_id")

    failure = await expect_error(get_account(service, "tok_agent", user_id=5003))
    assert_failure(failure, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "user_id", "5003")

    # A customer may not name another account's user.
    failure = await expect_error(get_account(service, "tok_cust", user_id=5002))
    assert_failure(failure, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "user_id", "5002")


async def test_the_token_and_account_checks(service: Service) -> None:
    refusals: list[tuple[str | None, grpc.StatusCode, str, str | None, dict[str, str]]] = [
        (None, grpc.StatusCode.INVALID_ARGUMENT, "REQUIRED_PARAMETER_MISSED", "access_token", {}),
        ("tok_nope", grpc.StatusCode.UNAUTHENTICATED, "ACCESS_TOKEN_INVALID", None, {}),
        ("tok_expired", grpc.StatusCode.UNAUTHENTICATED, "ACCESS_TOKEN_EXPIRED", None, {}),
        ("tok_blocked", grpc.StatusCode.UNAUTHENTICATED, "ACCESS_TOKEN_BLOCKED", None, {}),
        ("tok_disabled", grpc.StatusCode.PERMISSION_DENIED, "ACCOUNT_INACTIVE", None, {}),
        ("tok_ipdeny", grpc.StatusCode.PERMISSION_DENIED, "IP_NOT_WHITELISTED", None, {"ip": "127.0.0.1"}),
        (
            "tok_ratelimited",
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "LIMIT_EXCEEDED",
            None,
            {"limit_type": "minute", "limit_max_value": "0"},
        ),
    ]
    for token, code, reason, path, params in refusals:
        # The account checks come before the parameters' (docs/contract.md §5).
        failure = await expect_error(get_account(service, token, sort=[pb.Sort(field="name")]))
        assert_failure(failure, code, reason, path, params=params)


# --------------------------------------------------------------------------- point limits in the trailers


async def test_get_account_carries_the_limits_and_costs_one_point(service: Service) -> None:
    _first, trailers = await answered(get_account(service))
    first = limits_in(trailers)
    _second, trailers = await answered(get_account(service))
    second = limits_in(trailers)
    failed = await expect_error(get_account(service, fields=["id"]))
    after_failure = limits_in(failed.trailers)

    assert first is not None and second is not None and after_failure is not None
    assert first.day_limit == DEMO_DAY_LIMIT
    assert first.day_remaining == DEMO_DAY_LIMIT - 1
    assert second.day_remaining == first.day_remaining - 1
    # A failed call carries the limits and costs nothing.
    assert after_failure.day_remaining == second.day_remaining
