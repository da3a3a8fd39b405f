"""validate_only (AIP-163) on CreateCampaign and UpdateCampaign, over gRPC on both engines.

A validated call answers what the real call would (every error identical, compared whole), writes
nothing but the point it is charged, and a validated create keeps the plan's quota while still being
refused when the quota is full.
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import grpc
import pytest
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb

from contract.limits import Limits
from tests.conftest import Service
from tests.service.helpers import (
    Failure,
    assert_failure,
    basic_campaigns,
    block,
    condition,
    conditions,
    create,
    create_error,
    dct,
    execute,
    expect_error,
    request,
    snapshot,
    without_points,
)
from tests.service.rpcs import answered, auth, campaign_view, campaigns_stub, limits_in
from tests.service.test_create_rules import CASES as RULE_CASES
from tests.service.test_create_values import CASES as VALUE_CASES
from tests.service.test_update_rpc import update_request


def validated(sent: Any) -> Any:
    """The same request with validate_only set."""
    copy = type(sent)()
    copy.CopyFrom(sent)
    copy.validate_only = True
    return copy


def comparable(failure: Failure) -> Failure:
    """Everything a caller reads of a failure but the trailers, whose limits carry seconds to the reset."""
    return dataclasses.replace(failure, trailers=())


def charged_once(before: Limits | None, after: Limits | None) -> None:
    assert before is not None and after is not None
    assert after.day_remaining == before.day_remaining - 1, (before, after)
    assert after.minute_remaining == before.minute_remaining - 1, (before, after)


async def limits_now(service: Service, token: str = "tok_cust") -> Limits | None:
    """The limits as they stand, read from a get's trailers (which spends one point of its own)."""
    _reply, trailers = await answered(
        campaigns_stub(service).GetCampaigns(spb.GetCampaignsRequest(limit=1), metadata=auth(token), timeout=60)
    )
    return limits_in(trailers)


FULL_CREATE = request(
    name="Full",
    description="Everything at once",
    site_id=10,
    # 5 pool numbers for block 101: more than the account's vacant stock, so some would be bought.
    site_blocks=[block(101, 302, dct=True), block(102, 305, redirection=401, dct=False)],
    dynamic_call_tracking=dct(5, count_visits=100, reservation_time=pb.RESERVATION_TIME_1H),
    campaign_conditions=conditions([condition("/spring")], [condition("promo", pb.CAMPAIGN_PARAMETER_UTM_CAMPAIGN)]),
)

# --------------------------------------------------------------------------- create


async def test_a_validated_create_fails_as_the_real_one(service: Service) -> None:
    # Every case of the create refusal tables against one service: a refused create writes nothing, so the
    # cases share a database (a fresh service per case cost most of this file's time).
    before = await snapshot(service.database_url)
    for case in [*VALUE_CASES, *RULE_CASES]:
        checked = await create_error(service, validated(case.request), case.token)
        real = await create_error(service, case.request, case.token)

        assert comparable(checked) == comparable(real), case.id
        assert_failure(checked, case.code, case.reason, case.path, case.value, case.params)
    assert await snapshot(service.database_url) == before, "a refused validated create wrote rows"


async def test_a_validated_create_writes_nothing_and_is_charged_once(service: Service) -> None:
    before = await without_points(service.database_url)
    limits_before = await limits_now(service)

    reply, trailers = await answered(
        campaigns_stub(service).CreateCampaign(validated(FULL_CREATE), metadata=auth(), timeout=60)
    )

    # No id is assigned: the field is at its zero value.
    assert reply == spb.CreateCampaignResponse()
    assert await without_points(service.database_url) == before
    charged = limits_in(trailers)
    charged_once(limits_before, charged)
    # The trailer is computed; the counters stored say the same (the next call spends one more).
    charged_once(charged, await limits_now(service))


async def test_what_validated_is_what_the_real_create_then_does(service: Service) -> None:
    quota_before = await basic_campaigns(service.database_url)
    await answered(campaigns_stub(service).CreateCampaign(validated(FULL_CREATE), metadata=auth(), timeout=60))
    assert await basic_campaigns(service.database_url) == quota_before

    campaign_id = await create(service, FULL_CREATE)

    assert campaign_id > 0
    assert await basic_campaigns(service.database_url) == quota_before + 1
    view = await campaign_view(service, campaign_id)
    assert (view.name, len(view.site_blocks)) == ("Full", 2)
    # Its call_tracking number is now taken: validated, the same request fails as a second real one does.
    checked = await create_error(service, validated(FULL_CREATE))
    assert_failure(checked, grpc.StatusCode.ALREADY_EXISTS, "ALREADY_IN_USE", "site_blocks[1].phone_number_id", "305")
    assert comparable(checked) == comparable(await create_error(service, FULL_CREATE))


async def test_a_validated_create_keeps_the_last_place_of_the_quota(service: Service) -> None:
    used = await basic_campaigns(service.database_url)
    await execute(service.database_url, f"UPDATE accounts SET campaign_quota = {used + 1} WHERE id = 1000")
    sent = request(name="The last one")

    # The quota has room for one: validating twice takes none of it.
    for _ in range(2):
        reply, _trailers = await answered(
            campaigns_stub(service).CreateCampaign(validated(sent), metadata=auth(), timeout=60)
        )
        assert reply.id == 0
    assert await basic_campaigns(service.database_url) == used

    await create(service, sent)

    # Now it is full: validated or not, the create is refused at step 11, and nothing is charged.
    before = await snapshot(service.database_url)
    checked = await create_error(service, validated(sent))
    assert_failure(checked, grpc.StatusCode.FAILED_PRECONDITION, "TARIFF_RESTRICTIONS")
    assert comparable(checked) == comparable(await create_error(service, sent))
    assert await snapshot(service.database_url) == before


async def test_a_validated_create_with_false_is_a_real_create(service: Service) -> None:
    sent = request(name="Really", validate_only=False)

    campaign_id = await create(service, sent)

    assert (await campaign_view(service, campaign_id)).name == "Really"


# --------------------------------------------------------------------------- update


async def _update_failure(service: Service, sent: spb.UpdateCampaignRequest, token: str) -> Failure:
    return await expect_error(campaigns_stub(service).UpdateCampaign(sent, metadata=auth(token), timeout=60))


UPDATE_FAILURES = [
    pytest.param(update_request(12345, name="Ghost"), "tok_cust", id="entity_not_found"),
    pytest.param(update_request(60, 16, name="Not mine"), "tok_cust", id="another_accounts_campaign"),
    pytest.param(update_request(7, None, name="No site"), "tok_cust", id="site_id_missing"),
    pytest.param(update_request(7, 20, name="Moved"), "tok_cust", id="site_id_moved"),
    pytest.param(update_request(7, cost_ratio=0.5), "tok_cust", id="cost_ratio_below_1"),
    pytest.param(update_request(7, cleared_fields=["description", "colour"]), "tok_cust", id="cleared_unknown"),
    pytest.param(update_request(-1, 10, cleared_fields=["description"]), "tok_cust", id="system_forbidden"),
    pytest.param(update_request(8, 10, name="Integrated"), "tok_cust", id="integrated_forbidden"),
    pytest.param(update_request(7, site_blocks=[block(101, 304, 401), block(102, 304, 402)]), "tok_cust", id="twice"),
    pytest.param(
        update_request(7, status=pb.CAMPAIGN_STATUS_INACTIVE, site_blocks=[block(101, 302)]),
        "tok_cust",
        id="inactive_with_blocks",
    ),
    pytest.param(update_request(7, site_blocks=[block(999, 302)]), "tok_cust", id="unknown_block"),
    pytest.param(update_request(7, name="Nope"), "tok_noperm", id="read_only_user"),
    pytest.param(update_request(7, name="No user"), "tok_agent", id="agent_without_user_id"),
]


async def test_a_validated_update_fails_as_the_real_one(service: Service) -> None:
    before = await snapshot(service.database_url)
    for failure in UPDATE_FAILURES:
        sent, token = cast(tuple[spb.UpdateCampaignRequest, str], failure.values)
        checked = await _update_failure(service, validated(sent), token)
        real = await _update_failure(service, sent, token)

        assert comparable(checked) == comparable(real), failure.id
    assert await snapshot(service.database_url) == before, "a refused validated update wrote rows"


async def test_a_validated_update_changes_nothing_and_is_charged_once(service: Service) -> None:
    campaign_id = await create(
        service,
        request(
            name="Before",
            description="Kept",
            campaign_conditions=conditions([condition("/spring")]),
            site_blocks=[block(101, 301, 401, dct=True)],
            dynamic_call_tracking=dct(2, 50, pb.RESERVATION_TIME_1H),
        ),
    )
    # Every kind of change at once: fields, cleared lists, new blocks with a bigger pool, a status.
    sent = update_request(
        campaign_id,
        name="After",
        cost_ratio=2.5,
        cost_ratio_operator=pb.COST_RATIO_OPERATOR_MULTIPLY,
        site_blocks=[block(101, 302, dct=True), block(102, 305, 402)],
        dynamic_call_tracking=dct(6, 50),
        cleared_fields=["description", "campaign_conditions"],
    )
    view_before = await campaign_view(service, campaign_id)
    before = await without_points(service.database_url)
    limits_before = await limits_now(service)

    reply, trailers = await answered(campaigns_stub(service).UpdateCampaign(validated(sent), metadata=auth()))

    assert reply == spb.UpdateCampaignResponse()
    assert await without_points(service.database_url) == before
    charged_once(limits_before, limits_in(trailers))
    assert await campaign_view(service, campaign_id) == view_before

    # The real update of the same request is accepted and does change it.
    await answered(campaigns_stub(service).UpdateCampaign(sent, metadata=auth()))
    after = await campaign_view(service, campaign_id)
    assert (after.name, after.HasField("description"), after.cost_ratio) == ("After", False, 2.5)


async def test_a_validated_deactivation_keeps_the_blocks(service: Service) -> None:
    view_before = await campaign_view(service, 7)

    await answered(
        campaigns_stub(service).UpdateCampaign(
            validated(update_request(7, status=pb.CAMPAIGN_STATUS_INACTIVE)), metadata=auth()
        )
    )

    assert await campaign_view(service, 7) == view_before
