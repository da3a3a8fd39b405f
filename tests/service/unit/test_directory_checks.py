"""What a directory must say before anything is written (service/directory_checks.py), and the
admin API's reason -> gRPC code table (service/admin_errors.py). No database, no server."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2  # type: ignore[import-untyped,unused-ignore]

from contract.directory_files import directory_from_data
from service.admin_errors import REASONS, AdminError
from service.directory_checks import ANY_ADDRESS, Plan, check_directory


def plan(data: dict[str, Any]) -> Plan:
    return check_directory(directory_from_data(data))


def paths(data: dict[str, Any]) -> list[str]:
    with pytest.raises(AdminError) as caught:
        plan(data)
    assert caught.value.reason == "INVALID_DIRECTORY"
    return [violation.path for violation in caught.value.violations]


def test_rows_are_what_the_tables_store() -> None:
    checked = plan(
        {
            "accounts": [
                {
                    "app_id": 1,
                    "name": "A",
                    "components": ["va", "va", "call_tracking"],
                    "phone_numbers": [{"id": 5, "number": "+74990000005", "type": "pool", "hosted_pbx": True}],
                    "users": [{"login": "a", "read_only": True}],
                }
            ]
        }
    )

    (account,) = checked.accounts
    assert account.account.values == {
        "name": "A",
        "components": "va,call_tracking",
        "ip_whitelist": ANY_ADDRESS,
        "virtual_number_quota": None,
    }
    assert account.kept == {}  # a new account gets the defaults; an existing one keeps its values
    assert account.numbers[0].values == {
        "phone_number": "74990000005",
        "type": "call_tracking",
        "is_pool_stock": True,
        "is_hosted_pbx": True,
    }
    (user,) = account.users
    assert (user.id, user.login, user.can_write, user.password) == (None, "a", False, None)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param({"accounts": [{"name": "A"}]}, ["accounts[0].app_id"], id="no-app-id"),
        pytest.param({"accounts": [{"app_id": 1}]}, ["accounts[0].name"], id="no-name"),
        pytest.param({"accounts": [{"app_id": -1, "name": "A"}]}, ["accounts[0].app_id"], id="negative"),
        pytest.param(
            {"accounts": [{"app_id": 1, "name": "A"}, {"app_id": 1, "name": "B"}]}, ["accounts[1].app_id"], id="twice"
        ),
        pytest.param(
            {"accounts": [{"app_id": 1, "name": "A", "users": [{"read_only": True}]}]},
            ["accounts[0].users[0].id"],
            id="user-without-id-or-login",
        ),
        pytest.param(
            {
                "accounts": [{"app_id": 1, "name": "A", "users": [{"id": 7}]}],
                "agents": [{"id": 7, "name": "Partner"}],
            },
            ["agents[0].id"],
            id="user-and-agent-share-ids",
        ),
        pytest.param(
            {
                "accounts": [
                    {"app_id": 1, "name": "A", "sites": [{"id": 3, "domain_name": "a.example"}]},
                    {"app_id": 2, "name": "B", "sites": [{"id": 3, "domain_name": "b.example"}]},
                ]
            },
            ["accounts[1].sites[0].id"],
            id="site-in-two-accounts",
        ),
        pytest.param(
            {
                "accounts": [
                    {"app_id": 1, "name": "A", "phone_numbers": [{"id": 5, "number": "74990000005", "type": "va"}]}
                ],
                "number_stock": [{"id": 6, "number": "+74990000005"}],
            },
            ["number_stock[0].number"],
            id="number-in-account-and-stock",
        ),
        pytest.param(
            {"accounts": [{"app_id": 1, "name": "A", "phone_numbers": [{"id": 5, "number": "74990000005"}]}]},
            ["accounts[0].phone_numbers[0].type"],
            id="number-without-type",
        ),
        pytest.param(
            {
                "accounts": [
                    {
                        "app_id": 1,
                        "name": "A",
                        "users": [{"id": 2, "tokens": [{"token": "t"}]}, {"id": 3, "tokens": [{"token": "t"}]}],
                    }
                ]
            },
            ["accounts[0].users[1].tokens[0].token"],
            id="token-twice",
        ),
        pytest.param(
            {"agents": [{"id": 9, "name": "P", "customer_user_ids": [0]}]},
            ["agents[0].customer_user_ids[0]"],
            id="customer-id",
        ),
        pytest.param({"agents": [{"id": 9}]}, ["agents[0].name"], id="agent-name"),
        pytest.param(
            {"number_stock": [{"id": 9, "number": "74990000009", "min_charge": -1}]},
            ["number_stock[0].min_charge"],
            id="charge",
        ),
        pytest.param(
            {"accounts": [{"app_id": 1, "name": "A", "point_limits": {"day": -1}, "campaign_quota": -2}]},
            ["accounts[0].campaign_quota", "accounts[0].point_limits.day"],
            id="negative-limits",
        ),
        pytest.param({"accounts": [{"app_id": 1, "name": "A\x00"}]}, ["accounts[0].name"], id="nul"),
    ],
)
def test_each_violation_is_named_by_its_path(data: dict[str, Any], expected: list[str]) -> None:
    assert paths(data) == expected


def test_the_status_lists_every_violation() -> None:
    with pytest.raises(AdminError) as caught:
        plan({"accounts": [{"app_id": 0}, {"app_id": 1, "name": "B", "timezone": "Nowhere/Town"}]})

    status = caught.value.to_status()
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert status.message == "accounts[0].app_id: required: a positive id (and 2 more)"
    bad = error_details_pb2.BadRequest()
    assert status.details[1].Unpack(bad)
    assert [v.field for v in bad.field_violations] == ["accounts[0].app_id", "accounts[0].name", "accounts[1].timezone"]


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("INVALID_DIRECTORY", grpc.StatusCode.INVALID_ARGUMENT),
        ("INVALID_REQUEST", grpc.StatusCode.INVALID_ARGUMENT),
        ("HELD_ELSEWHERE", grpc.StatusCode.ALREADY_EXISTS),
        ("NOT_FOUND", grpc.StatusCode.NOT_FOUND),
        ("IN_USE", grpc.StatusCode.FAILED_PRECONDITION),
        ("ADMIN_TOKEN_MISSING", grpc.StatusCode.UNAUTHENTICATED),
        ("ADMIN_TOKEN_INVALID", grpc.StatusCode.UNAUTHENTICATED),
        ("ADMIN_API_DISABLED", grpc.StatusCode.UNAVAILABLE),
    ],
)
def test_each_reason_has_its_code(reason: str, code: grpc.StatusCode) -> None:
    assert REASONS[reason] == code
    assert AdminError(reason, "x").to_status().code == code.value[0]


def test_the_reason_table_is_exactly_these() -> None:
    assert len(REASONS) == 8
    with pytest.raises(ValueError, match="unknown reason"):
        AdminError("NOPE", "x")
