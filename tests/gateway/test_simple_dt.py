"""simple_dt ("simple dynamic call tracking"), METHODS.md §0.1 and §17: while an account has it, the campaign
methods refuse every call with forbidden, except get.campaigns and get.sites.

Account 1009 (`tok_simpledt`, docs/demo-data.md) has call_tracking, va and simple_dt, a site 19 with block
191 and a va number 391. The refusal is step 5: after the method component, before the permission and
before any parameter is looked at.
"""

from __future__ import annotations

from typing import Any, Final

import pytest

from tests.gateway.gets import Api
from tests.gateway.wire import assert_error

SIMPLE_DT: Final[dict[str, Any]] = {"access_token": "tok_simpledt"}

# Each refused campaign method with params that would otherwise succeed.
REFUSED: Final[dict[str, dict[str, Any]]] = {
    "create.campaigns": {
        "name": "Refused",
        "site_id": 19,
        "site_blocks": [{"site_block_id": 191, "phone_number_id": 391}],
    },
    "update.campaigns": {"id": -1, "site_id": 19, "name": "x"},
    "delete.campaigns": {"id": 1},
    "get.campaign_available_phone_numbers": {},
    "get.campaign_available_redirection_phone_numbers": {},
}


@pytest.mark.parametrize("method", sorted(REFUSED))
async def test_campaign_methods_are_forbidden(api: Api, method: str) -> None:
    body = await api.call(method, {**SIMPLE_DT, **REFUSED[method]})

    assert_error(body, "forbidden", request_id=1)


@pytest.mark.parametrize("method", sorted(REFUSED))
async def test_the_refusal_comes_before_the_parameters(api: Api, method: str) -> None:
    body = await api.call(method, {**SIMPLE_DT, "no_such_parameter": True})

    assert_error(body, "forbidden", request_id=1)


async def test_get_campaigns_and_get_sites_still_work(api: Api) -> None:
    campaigns = await api.call("get.campaigns", {**SIMPLE_DT, "fields": ["id", "name"]})
    sites = await api.call("get.sites", {**SIMPLE_DT, "fields": ["id", "domain_name"]})

    assert campaigns["result"]["data"] == [{"id": -1, "name": "Visitors without advertising campaign"}]
    assert sites["result"]["data"] == [{"id": 19, "domain_name": "simpledt.example"}]


async def test_an_account_without_simple_dt_is_not_refused(api: Api) -> None:
    body = await api.call("get.campaign_available_phone_numbers", {"access_token": "tok_sites", "fields": ["id"]})

    assert [item["id"] for item in body["result"]["data"]] == [392, 393, 394]
