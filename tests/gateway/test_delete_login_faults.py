"""delete.campaigns, login.user and logout.user faults through the wire, one table row per request and the
one error object it must produce.

Against the demo data set (docs/demo-data.md): every error is checked whole (code, message, mnemonic, field,
value, params). Rows change nothing when they fail, so they share one gateway per engine (`shared`).
update.campaigns is in test_update_faults.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.support_campaign_calls import (
    DELETE,
    LOGIN,
    LOGOUT,
    Fault,
    assert_fault,
)
from tests.gateway.support_campaign_calls import fault_case as case

DELETE_ERRORS: list[Any] = [
    case("id-missing", DELETE, {"access_token": "tok_cust"}, "required_parameter_missed", field="id"),
    case("id-null", DELETE, {"access_token": "tok_cust", "id": None}, "required_parameter_missed", field="id"),
    case(
        "id-unknown", DELETE, {"access_token": "tok_cust", "id": 12345}, "entity_not_found", field="id", value="12345"
    ),
    case(
        "id-of-another-account",
        DELETE,
        {"access_token": "tok_cust", "id": 60},
        "entity_not_found",
        field="id",
        value="60",
    ),
    case("id-zero", DELETE, {"access_token": "tok_cust", "id": 0}, "entity_not_found", field="id", value="0"),
    case(
        "id-system-row",
        DELETE,
        {"access_token": "tok_cust", "id": -1000},
        "entity_not_found",
        field="id",
        value="-1000",
    ),
    case(
        "unknown-parameter",
        DELETE,
        {"access_token": "tok_cust", "id": 9, "name": "x"},
        "unexpected_parameters",
        field="name",
        value="x",
    ),
    case("system", DELETE, {"access_token": "tok_cust", "id": -1}, "forbidden", field="id", value="-1", code=-32602),
    case("integrated", DELETE, {"access_token": "tok_cust", "id": 8}, "forbidden", field="id", value="8", code=-32602),
    case(
        "agent-system",
        DELETE,
        {"access_token": "tok_agent", "user_id": 5001, "id": -1},
        "forbidden",
        field="id",
        value="-1",
        code=-32602,
    ),
    case(
        "read-only-user",
        DELETE,
        {"access_token": "tok_noperm", "id": 9},
        "forbidden",
    ),
    case(
        "agent-foreign-customer",
        DELETE,
        {"access_token": "tok_agent", "user_id": 5003, "id": 9},
        "entity_not_found",
        field="user_id",
        value="5003",
    ),
]

LOGIN_ERRORS: list[Any] = [
    case("wrong-password", LOGIN, {"login": "demo", "password": "wrong"}, "auth_error"),
    case("unknown-login", LOGIN, {"login": "nobody", "password": "secret"}, "auth_error"),
    case("empty-login", LOGIN, {"login": "", "password": ""}, "auth_error"),
    case("agent-wrong-password", LOGIN, {"login": "agency", "password": "Secret"}, "auth_error"),
    case("login-missing", LOGIN, {"password": "secret"}, "required_parameter_missed", field="login"),
    case("login-null", LOGIN, {"login": None, "password": "secret"}, "required_parameter_missed", field="login"),
    case("password-missing", LOGIN, {"login": "demo"}, "required_parameter_missed", field="password"),
    case("login-number", LOGIN, {"login": 5001, "password": "secret"}, "data_type_error", field="login", value="5001"),
    case(
        "unknown-parameter",
        LOGIN,
        {"login": "demo", "password": "secret", "remember": True},
        "unexpected_parameters",
        field="remember",
        value="true",
    ),
    case("token-missing", LOGOUT, {}, "required_parameter_missed", field="access_token"),
    case("token-unknown", LOGOUT, {"access_token": "tok_nope"}, "access_token_invalid"),
    case("permanent-token", LOGOUT, {"access_token": "tok_cust"}, "forbidden"),
    case("permanent-agent-token", LOGOUT, {"access_token": "tok_agent"}, "forbidden"),
    case("expired-permanent-token", LOGOUT, {"access_token": "tok_expired"}, "access_token_expired"),
    case("blocked-token", LOGOUT, {"access_token": "tok_blocked"}, "access_token_blocked"),
    case("customer-token", "get.customer_users", {"access_token": "tok_cust"}, "forbidden"),
]


@pytest.mark.parametrize("fault", DELETE_ERRORS + LOGIN_ERRORS)
async def test_fault(shared: str, fault: Fault) -> None:
    await assert_fault(shared, fault)
