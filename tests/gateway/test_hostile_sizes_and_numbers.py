"""Hostile sizes and numbers over real HTTP: million-element arrays, too many conditions, 5000-digit
integers.

Hostile input over real HTTP: whatever a client sends, the answer is the contract's, promptly, and an
error writes nothing (see tests/gateway/support_hostile.py for the checks every answer passes).
"""

from __future__ import annotations

from typing import Final

import orjson
import pytest

from tests.gateway.strategies_reference import HugeInt
from tests.gateway.strategies_values import Json
from tests.gateway.support_hostile import (
    CAMPAIGN,
    CONDITION,
    HUGE_DIGITS,
    SQLITE_ONLY,
    VALID_PARAMS,
    ZEROS,
    ZEROS_TEXT,
    Wire,
    _assert_fault,
    _call,
    mnemonic_of,
    raw_envelope,
)

# (method, params, mnemonic, field, value): a million-element array where each kind of parameter is.
MILLIONS: Final = [
    pytest.param(
        "create.campaigns",
        {**CAMPAIGN, "junk": ZEROS},
        "unexpected_parameters",
        "junk",
        ZEROS_TEXT,
        id="create-unknown-key",
    ),
    pytest.param("create.campaigns", {**CAMPAIGN, "name": ZEROS}, "data_type_error", "name", ZEROS_TEXT, id="name"),
    pytest.param(
        "create.campaigns",
        {**CAMPAIGN, "site_blocks": ZEROS},
        "invalid_parameter_value",
        "site_blocks",
        ZEROS_TEXT,
        id="create-blocks",
    ),
    pytest.param(
        "create.campaigns",
        {**CAMPAIGN, "campaign_conditions": {"group_conditions": ZEROS}},
        "invalid_parameter_value",
        "campaign_conditions.group_conditions",
        ZEROS_TEXT,
        id="create-groups",
    ),
    pytest.param(
        "update.campaigns",
        {"access_token": "tok_cust", "id": 7, "site_id": 10, "site_blocks": ZEROS},
        "invalid_parameter_value",
        "site_blocks",
        ZEROS_TEXT,
        id="update-blocks",
    ),
    pytest.param(
        # Longer than any list the API takes: refused whole, before its items (docs/decisions.md).
        "get.campaigns",
        {"access_token": "tok_cust", "fields": ZEROS},
        "invalid_parameter_value",
        "fields",
        ZEROS_TEXT,
        id="fields",
    ),
    pytest.param(
        "create.campaigns",
        {"access_token": "tok_nope", "site_blocks": ZEROS},
        "access_token_invalid",
        None,
        None,
        id="token-checked-first",
    ),
]


@pytest.mark.parametrize(("method", "params", "mnemonic", "field", "value"), MILLIONS)
@SQLITE_ONLY
async def test_a_million_element_array(
    wire: Wire, method: str, params: dict[str, Json], mnemonic: str, field: str | None, value: str | None
) -> None:
    """Two megabytes of zeros, well within the cap: the parameter's own fault, promptly, nothing written."""
    data = _assert_fault(await _call(wire, method, params), mnemonic, field)
    assert data.get("value") == value, str(data.get("value"))[:80]


@pytest.mark.parametrize(
    ("groups", "per_group", "field"),
    [
        pytest.param(31, 51, "campaign_conditions.group_conditions", id="31x51"),
        pytest.param(31, 50, "campaign_conditions.group_conditions", id="31x50"),
        pytest.param(30, 51, "campaign_conditions.group_conditions.conditions", id="30x51"),
        pytest.param(30, 50, None, id="30x50-accepted"),
    ],
)
async def test_too_many_conditions(wire: Wire, groups: int, per_group: int, field: str | None) -> None:
    """Contract section 6: at most 30 groups of 50 conditions; more is invalid_parameter_value on the list."""
    group_conditions = [{"conditions": [CONDITION] * per_group} for _ in range(groups)]
    params = {**CAMPAIGN, "campaign_conditions": {"group_conditions": group_conditions}}
    answer = await _call(wire, "create.campaigns", params)
    if field is None:
        assert type(answer["result"]["data"]["id"]) is int, answer
        return
    data = _assert_fault(answer, "invalid_parameter_value", field)
    sent = group_conditions if field.endswith("group_conditions") else group_conditions[0]["conditions"]
    assert data["value"] == orjson.dumps(sent).decode(), data["value"][:120]


@SQLITE_ONLY
@pytest.mark.parametrize("sign", [b"", b"-"], ids=["positive", "negative"])
@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        pytest.param(b"create.campaigns", b'{"access_token":"tok_cust","name":"x","site_id":%s}', "site_id", id="site"),
        pytest.param(b"create.campaigns", b'{"access_token":"tok_cust","user_id":%s}', "user_id", id="user"),
        pytest.param(
            b"create.campaigns",
            b'{"access_token":"tok_cust","name":"x","site_id":10,"site_blocks":[{"site_block_id":%s,"phone_number_id":302}]}',
            "site_blocks.site_block_id",
            id="block",
        ),
        pytest.param(b"update.campaigns", b'{"access_token":"tok_cust","id":%s,"site_id":10}', "id", id="update-id"),
        pytest.param(b"get.campaigns", b'{"access_token":"tok_cust","limit":%s}', "limit", id="get-limit"),
    ],
)
async def test_a_5000_digit_integer_parameter(
    wire: Wire, method: bytes, params: bytes, field: str, sign: bytes
) -> None:
    """docs/decisions.md: an integer outside int64, of any length, is invalid_parameter_value with its exact digits."""
    digits = sign + HUGE_DIGITS
    exchange = await wire.exchange(raw_envelope(params % digits, b'"n"', method), method.decode())
    assert exchange.answer["id"] == "n"
    data = _assert_fault(exchange.answer, "invalid_parameter_value", field)
    assert data["value"] == digits.decode()


@SQLITE_ONLY
@pytest.mark.parametrize("sign", [b"", b"-"], ids=["positive", "negative"])
@pytest.mark.parametrize(
    ("method", "params", "outcome"),
    [
        pytest.param(b"create.campaign", b"{}", "method_not_found", id="envelope"),
        pytest.param(b"create.campaigns", b'{"access_token":"tok_nope"}', "access_token_invalid", id="service-error"),
        pytest.param(b"create.campaigns", VALID_PARAMS, None, id="success"),
    ],
)
async def test_a_5000_digit_id_is_echoed_exactly(
    wire: Wire, method: bytes, params: bytes, outcome: str | None, sign: bytes
) -> None:
    exchange = await wire.exchange(raw_envelope(params, sign + HUGE_DIGITS, method), method.decode())
    assert exchange.answer["id"] == HugeInt((sign + HUGE_DIGITS).decode())
    assert mnemonic_of(exchange.answer) == outcome, exchange.answer
