"""create.campaigns requests that must be accepted, through the wire, against the demo data set (docs/demo-data.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Gateway
from tests.gateway.support_create import (
    condition,
    conditions,
    with_,
)
from tests.gateway.wire import VALID


@pytest.mark.parametrize(("user_id", "site_id"), [(5001, 10), (5002, 11)])
async def test_agent_creates_for_its_customer(gateway: Gateway, user_id: int, site_id: int) -> None:
    answer = await gateway.call(
        "create.campaigns", {"access_token": "tok_agent", "user_id": user_id, "name": "Agency", "site_id": site_id}
    )
    assert "result" in answer, answer
    assert isinstance(answer["result"]["data"]["id"], int)


ACCEPTED: list[Any] = [
    pytest.param(VALID, id="minimal"),
    pytest.param(
        with_(
            description=None,
            status=None,
            user_id=None,
            site_blocks=None,
            campaign_conditions=None,
            dynamic_call_tracking=None,
        ),
        id="nulls-are-not-sent",
    ),
    pytest.param(with_(description="d" * 255), id="description-255"),
    pytest.param(with_(description=""), id="description-empty"),
    pytest.param(with_(status="inactive"), id="inactive-without-blocks"),
    pytest.param(with_(status="active", site_blocks=[]), id="empty-block-list"),
    pytest.param(with_(user_id=5001), id="own-user-id"),
    pytest.param(with_(user_id=5005), id="user-of-own-account"),
    pytest.param(
        with_(
            site_blocks=[{"site_block_id": 101, "phone_number_id": 302}, {"site_block_id": 102, "phone_number_id": 303}]
        ),
        id="va-and-user-numbers",
    ),
    pytest.param(
        with_(site_blocks=[{"site_block_id": 101, "phone_number_id": 301, "redirection_phone_number_id": 401}]),
        id="call-tracking-with-redirection",
    ),
    pytest.param(
        with_(
            site_blocks=[
                {
                    "site_block_id": 101,
                    "phone_number_id": 301,
                    "redirection_phone_number_id": 401,
                    "dynamic_call_tracking_enabled": True,
                },
                {"site_block_id": 102, "phone_number_id": 302, "dynamic_call_tracking_enabled": False},
            ],
            dynamic_call_tracking={"reservation_time": "1h", "count_virtual_numbers": 2, "count_visits": 10},
        ),
        id="dynamic-call-tracking",
    ),
    pytest.param(
        with_(
            campaign_conditions={
                "group_conditions": [
                    {
                        "conditions": [
                            condition(campaign_parameter="search_engine", value="yandex"),
                            condition(campaign_parameter="engine", value="8", type="exclude"),
                        ]
                    },
                    {
                        "conditions": [
                            condition(campaign_parameter="channel", value="cash"),
                            condition(campaign_parameter="utm_source", operator="sub", value="goo"),
                            condition(campaign_parameter="referrer", operator="~", value="^https?://"),
                        ]
                    },
                ]
            }
        ),
        id="conditions",
    ),
    pytest.param(
        with_(campaign_conditions={"group_conditions": [{"conditions": [condition()]} for _ in range(30)]}),
        id="thirty-groups",
    ),
    pytest.param(
        with_(campaign_conditions=conditions(*[condition(value=f"c{n}") for n in range(50)])),
        id="fifty-conditions",
    ),
]


@pytest.mark.parametrize("params", ACCEPTED)
async def test_create_accepted(gateway: Gateway, params: dict[str, Any]) -> None:
    answer = await gateway.call("create.campaigns", params, "ok")
    assert answer["id"] == "ok"
    assert "error" not in answer, answer
    result = answer["result"]
    assert set(result) == {"data", "metadata"}
    assert set(result["data"]) == {"id"}
    assert type(result["data"]["id"]) is int
    assert result["data"]["id"] > 1000
