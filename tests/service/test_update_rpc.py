"""UpdateCampaign over gRPC: what an internal caller sends (including cleared_fields) and reads back.

Every change is read back with GetCampaigns; every failure is checked whole (status code,
ErrorInfo reason and metadata, BadRequest path with indices) and shown to write nothing.
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb

from tests.conftest import Service
from tests.service.helpers import (
    assert_failure,
    block,
    condition,
    conditions,
    create,
    dct,
    expect_error,
    request,
    snapshot,
)
from tests.service.rpcs import (
    answered,
    auth,
    blocks_of,
    campaign_view,
    campaigns_stub,
    limits_in,
    pool_of,
    succeed,
)


def update_request(campaign_id: int = 7, site_id: int | None = 10, **fields: Any) -> spb.UpdateCampaignRequest:
    sent = {"id": campaign_id, "site_id": site_id, **fields}
    return spb.UpdateCampaignRequest(**{name: value for name, value in sent.items() if value is not None})


async def update(service: Service, sent: spb.UpdateCampaignRequest, token: str = "tok_cust") -> None:
    reply = await succeed(campaigns_stub(service).UpdateCampaign(sent, metadata=auth(token), timeout=60))
    assert reply == spb.UpdateCampaignResponse()


async def update_fails(service: Service, sent: spb.UpdateCampaignRequest, token: str = "tok_cust") -> Any:
    before = await snapshot(service.database_url)
    failure = await expect_error(campaigns_stub(service).UpdateCampaign(sent, metadata=auth(token), timeout=60))
    # A failed update writes nothing and is not charged.
    assert await snapshot(service.database_url) == before
    return failure


async def full_campaign(service: Service) -> int:
    """A basic campaign with every clearable field set: description, conditions, a pooled block."""
    campaign_id = await create(
        service,
        request(
            name="Everything set",
            description="To be cleared",
            campaign_conditions=conditions([condition("/spring")]),
            site_blocks=[block(101, 301, 401, dct=True)],
            dynamic_call_tracking=dct(2, 50, pb.RESERVATION_TIME_1H),
        ),
    )
    await update(
        service,
        update_request(campaign_id, cost_ratio=2.5, cost_ratio_operator=pb.COST_RATIO_OPERATOR_MULTIPLY),
    )
    view = await campaign_view(service, campaign_id)
    assert view.description == "To be cleared"
    assert len(view.campaign_conditions.group_conditions) == 1
    assert blocks_of(view) == [(101, 301, 401, True)]
    assert view.HasField("dynamic_call_tracking")
    assert (view.cost_ratio, view.cost_ratio_operator) == (2.5, pb.COST_RATIO_OPERATOR_MULTIPLY)
    assert await pool_of(service.database_url, campaign_id) == [(381, 101), (382, 101)]
    return campaign_id


# --------------------------------------------------------------------------- changes


async def test_update_changes_what_is_sent_and_keeps_the_rest(service: Service) -> None:
    before = await campaign_view(service, 7)

    await update(service, update_request(7, name="Renamed", description="Spring", cost_ratio=3.0))

    after = await campaign_view(service, 7)
    assert (after.name, after.description, after.cost_ratio) == ("Renamed", "Spring", 3.0)
    for kept in ("status", "site_id", "site_blocks", "campaign_conditions", "cost_ratio_operator", "type"):
        assert getattr(after, kept) == getattr(before, kept), kept


async def test_sent_site_blocks_replace_the_stored_ones(service: Service) -> None:
    await update(service, update_request(7, site_blocks=[block(101, 302), block(102, 305, 402)]))

    assert blocks_of(await campaign_view(service, 7)) == [(101, 302, None, False), (102, 305, 402, False)]
    # The number the old block held is free again.
    assert isinstance(await create(service, request(site_blocks=[block(101, 304, 401)])), int)


async def test_update_sets_pool_settings_and_reserves_the_pool(service: Service) -> None:
    campaign_id = await create(service, request(site_blocks=[block(101, 302)]))

    await update(
        service,
        update_request(
            campaign_id,
            site_blocks=[block(101, 302, dct=True)],
            dynamic_call_tracking=dct(2, 50, pb.RESERVATION_TIME_1H),
        ),
    )

    view = await campaign_view(service, campaign_id)
    assert (
        view.dynamic_call_tracking.reservation_time,
        view.dynamic_call_tracking.count_virtual_numbers,
        view.dynamic_call_tracking.count_visits,
    ) == (pb.RESERVATION_TIME_1H, 2, 50)
    assert not view.dynamic_call_tracking.HasField("coverage_visitors")
    assert await pool_of(service.database_url, campaign_id) == [(381, 101), (382, 101)]


# --------------------------------------------------------------------------- cleared_fields


async def test_cleared_fields_clear_all_six(service: Service) -> None:
    campaign_id = await full_campaign(service)
    clearable = [
        "description",
        "campaign_conditions",
        "site_blocks",
        "dynamic_call_tracking",
        "cost_ratio",
        "cost_ratio_operator",
    ]

    await update(service, update_request(campaign_id, cleared_fields=clearable))

    view = await campaign_view(service, campaign_id)
    assert not view.HasField("description")
    # A basic campaign still shows its conditions, now without a group.
    assert view.HasField("campaign_conditions")
    assert list(view.campaign_conditions.group_conditions) == []
    assert list(view.site_blocks) == []
    assert not view.HasField("dynamic_call_tracking")
    assert (view.cost_ratio, view.cost_ratio_operator) == (1.0, pb.COST_RATIO_OPERATOR_WO_CHANGES)
    # What was not cleared stays.
    assert (view.name, view.status, view.site_id) == ("Everything set", pb.CAMPAIGN_STATUS_ACTIVE, 10)
    assert await pool_of(service.database_url, campaign_id) == []


@pytest.mark.parametrize(
    ("cleared", "check"),
    [
        ("description", lambda view: not view.HasField("description")),
        ("campaign_conditions", lambda view: list(view.campaign_conditions.group_conditions) == []),
        ("cost_ratio", lambda view: view.cost_ratio == 1.0),
        ("cost_ratio_operator", lambda view: view.cost_ratio_operator == pb.COST_RATIO_OPERATOR_WO_CHANGES),
    ],
)
async def test_each_clearable_field_clears_alone(service: Service, cleared: str, check: Any) -> None:
    campaign_id = await full_campaign(service)
    before = await campaign_view(service, campaign_id)
    assert not check(before)

    await update(service, update_request(campaign_id, cleared_fields=[cleared]))

    after = await campaign_view(service, campaign_id)
    assert check(after)
    # Only that field changed.
    after_fields = {f.name: v for f, v in after.ListFields() if f.name != cleared}
    before_fields = {f.name: v for f, v in before.ListFields() if f.name != cleared}
    assert after_fields == before_fields


async def test_clearing_the_blocks_keeps_the_pool_settings(service: Service) -> None:
    campaign_id = await full_campaign(service)

    await update(service, update_request(campaign_id, cleared_fields=["site_blocks"]))

    view = await campaign_view(service, campaign_id)
    assert list(view.site_blocks) == []
    assert view.dynamic_call_tracking.count_virtual_numbers == 2
    assert await pool_of(service.database_url, campaign_id) == []
    # The call_tracking number the block held is free again.
    assert isinstance(await create(service, request(site_blocks=[block(102, 301, 402)])), int)


async def test_clearing_pool_settings_a_kept_block_uses_is_refused(service: Service) -> None:
    campaign_id = await full_campaign(service)

    failure = await update_fails(service, update_request(campaign_id, cleared_fields=["dynamic_call_tracking"]))

    assert_failure(
        failure, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PARAMETERS_COMBINATION", "dynamic_call_tracking", None
    )
    # Together with the blocks that use them, they clear.
    await update(service, update_request(campaign_id, cleared_fields=["dynamic_call_tracking", "site_blocks"]))
    view = await campaign_view(service, campaign_id)
    assert not view.HasField("dynamic_call_tracking")
    assert await pool_of(service.database_url, campaign_id) == []


async def test_clearing_name_or_status_means_not_sent(service: Service) -> None:
    # For name and status, clearing means "not sent", as null does on the JSON side.
    await update(service, update_request(7, cleared_fields=["name", "status"]))

    view = await campaign_view(service, 7)
    assert (view.name, view.status) == ("Existing call tracking", pb.CAMPAIGN_STATUS_ACTIVE)
    assert blocks_of(view) == [(102, 304, 402, False)]


async def test_an_unknown_cleared_field_is_an_invalid_value(service: Service) -> None:
    failure = await update_fails(service, update_request(7, cleared_fields=["description", "colour"]))

    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PARAMETER_VALUE", "cleared_fields", "colour")


@pytest.mark.parametrize(("campaign_id", "site_id"), [(-1, 10), (8, 10)], ids=["system", "integrated"])
async def test_a_protected_campaign_refuses_clearing_its_description(
    service: Service, campaign_id: int, site_id: int
) -> None:
    failure = await update_fails(service, update_request(campaign_id, site_id, cleared_fields=["description"]))

    assert_failure(failure, grpc.StatusCode.PERMISSION_DENIED, "FORBIDDEN", "description", None)


async def test_a_protected_campaign_clears_its_blocks(service: Service) -> None:
    await update(service, update_request(8, site_blocks=[block(101, 303)]))
    assert blocks_of(await campaign_view(service, 8)) == [(101, 303, None, False)]

    await update(service, update_request(8, cleared_fields=["site_blocks"]))

    view = await campaign_view(service, 8)
    assert list(view.site_blocks) == []
    assert (view.name, view.type, view.engine) == ("Yandex.Direct", pb.CAMPAIGN_TYPE_INTEGRATED, "yandex.direct")


# --------------------------------------------------------------------------- errors


async def test_unknown_campaign(service: Service) -> None:
    failure = await update_fails(service, update_request(12345, name="Ghost"))

    assert_failure(failure, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "id", "12345")


async def test_another_accounts_campaign_is_not_found(service: Service) -> None:
    failure = await update_fails(service, update_request(60, 16, name="Not mine"))

    assert_failure(failure, grpc.StatusCode.NOT_FOUND, "ENTITY_NOT_FOUND", "id", "60")


async def test_missing_site_id(service: Service) -> None:
    failure = await update_fails(service, update_request(7, None, name="No site"))

    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "REQUIRED_PARAMETER_MISSED", "site_id", None)


async def test_a_campaign_does_not_move(service: Service) -> None:
    failure = await update_fails(service, update_request(7, 20, name="Moved"))

    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PARAMETER_VALUE", "site_id", "20")


async def test_a_number_in_use_is_reported_at_its_block(service: Service) -> None:
    other = await create(service, request(site_blocks=[block(101, 301, 401)]))

    failure = await update_fails(
        service, update_request(other, site_blocks=[block(101, 305, 401), block(102, 304, 402)])
    )

    assert_failure(failure, grpc.StatusCode.ALREADY_EXISTS, "ALREADY_IN_USE", "site_blocks[1].phone_number_id", "304")


async def test_a_condition_error_carries_both_indices(service: Service) -> None:
    sent = conditions(
        [condition()], [condition(), condition("(", pb.CAMPAIGN_PARAMETER_REFERRER, pb.CONDITION_OPERATOR_REGEX)]
    )

    failure = await update_fails(service, update_request(7, campaign_conditions=sent))

    path = "campaign_conditions.group_conditions[1].conditions[1].value"
    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PARAMETER_VALUE", path, "(")


async def test_a_read_only_user_is_forbidden(service: Service) -> None:
    failure = await update_fails(service, update_request(7, name="Nope"), token="tok_noperm")

    assert_failure(failure, grpc.StatusCode.PERMISSION_DENIED, "FORBIDDEN")


async def test_an_agent_updates_for_its_customer(service: Service) -> None:
    await update(service, update_request(7, user_id=5001, name="By the agency"), token="tok_agent")
    assert (await campaign_view(service, 7)).name == "By the agency"

    failure = await update_fails(service, update_request(7, name="No user"), token="tok_agent")
    assert_failure(failure, grpc.StatusCode.INVALID_ARGUMENT, "REQUIRED_PARAMETER_MISSED", "user_id", None)


async def test_an_update_is_charged_and_a_failed_one_is_not(service: Service) -> None:
    stub = campaigns_stub(service)
    _reply, trailers = await answered(stub.UpdateCampaign(update_request(7, name="One point"), metadata=auth()))
    updated = limits_in(trailers)
    failed = await expect_error(stub.UpdateCampaign(update_request(7, 20, name="Free"), metadata=auth()))
    after = limits_in(failed.trailers)

    assert updated is not None and after is not None, failed.trailers
    assert updated.day_remaining == updated.day_limit - 1
    assert after.day_remaining == updated.day_remaining
