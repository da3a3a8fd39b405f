from __future__ import annotations

from tests.conftest import Gateway


async def test_create_through_the_wire(gateway: Gateway) -> None:
    body = await gateway.call("create.campaigns", {"access_token": "tok_cust", "name": "Spring", "site_id": 10}, "7")
    assert body["id"] == "7"
    assert body["result"]["data"]["id"] > 1000
    assert set(body["result"]["metadata"]["limits"]) == {
        "day_limit",
        "day_remaining",
        "day_reset",
        "minute_limit",
        "minute_remaining",
        "minute_reset",
    }
