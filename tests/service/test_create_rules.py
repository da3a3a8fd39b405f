"""CreateCampaign: every rule of create.campaigns and docs/contract.md sections 5-7, over gRPC.

One table of faulty requests, each with the status code, ErrorInfo reason, the
BadRequest path (with indices) and the `value` a caller reads back (the accepted requests and the
rows they write are in test_create_accepted.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
import pytest
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb

from tests.conftest import Service
from tests.service.helpers import (
    UNCHECKED,
    Unchecked,
    assert_failure,
    block,
    condition,
    conditions,
    create_error,
    dct,
    request,
    snapshot,
)
from tests.service.support_create_campaign import one_condition

INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
ALREADY_EXISTS = grpc.StatusCode.ALREADY_EXISTS
FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION

REQUIRED = "REQUIRED_PARAMETER_MISSED"
BAD_VALUE = "INVALID_PARAMETER_VALUE"
COMBINATION = "INVALID_PARAMETERS_COMBINATION"
COMPONENT = "PARAMETER_COMPONENT_DISABLED"
NOT_FOUND_REASON = "ENTITY_NOT_FOUND"

C0 = "campaign_conditions.group_conditions[0].conditions[0]"


@dataclass(frozen=True)
class Case:
    id: str
    request: spb.CreateCampaignRequest
    code: grpc.StatusCode
    reason: str
    path: str | None
    value: str | Unchecked | None = None
    token: str = "tok_cust"
    params: dict[str, str] = field(default_factory=dict)


def groups(count: int, per_group: int = 1) -> pb.CampaignConditions:
    return conditions(*([condition(f"/page/{g}/{c}") for c in range(per_group)] for g in range(count)))


CASES = [
    # ---- step 7: structure and values, in document order
    Case("name-missing", request(name=None), INVALID, REQUIRED, "name"),
    Case("site_id-missing", request(site_id=None), INVALID, REQUIRED, "site_id"),
    Case("name-empty", request(name=""), INVALID, BAD_VALUE, "name", ""),
    Case("name-whitespace", request(name=" \t\n "), INVALID, BAD_VALUE, "name", " \t\n "),
    Case("name-256-chars", request(name="n" * 256), INVALID, BAD_VALUE, "name", "n" * 256),
    Case(
        "description-256-chars",
        request(description="d" * 256),
        INVALID,
        BAD_VALUE,
        "description",
        "d" * 256,
    ),
    Case("status-unknown-number", request(status=99), INVALID, BAD_VALUE, "status", "99"),
    Case(
        "block-site_block_id-missing",
        request(site_blocks=[block(site_block_id=None)]),
        INVALID,
        REQUIRED,
        "site_blocks[0].site_block_id",
    ),
    Case(
        "block-phone_number_id-missing",
        request(site_blocks=[block(101, 302), block(102, None)]),
        INVALID,
        REQUIRED,
        "site_blocks[1].phone_number_id",
    ),
    Case(
        "block-duplicate",
        request(site_blocks=[block(101, 302), block(101, 303)]),
        INVALID,
        BAD_VALUE,
        "site_blocks[1].site_block_id",
        "101",
    ),
    Case(
        "dct-count_virtual_numbers-0",
        request(dynamic_call_tracking=dct(count_virtual_numbers=0)),
        INVALID,
        BAD_VALUE,
        "dynamic_call_tracking.count_virtual_numbers",
        "0",
    ),
    Case(
        "dct-count_virtual_numbers-101",
        request(dynamic_call_tracking=dct(count_virtual_numbers=101)),
        INVALID,
        BAD_VALUE,
        "dynamic_call_tracking.count_virtual_numbers",
        "101",
    ),
    Case(
        "dct-count_visits-0",
        request(dynamic_call_tracking=dct(count_visits=0)),
        INVALID,
        BAD_VALUE,
        "dynamic_call_tracking.count_visits",
        "0",
    ),
    Case(
        "dct-count_virtual_numbers-missing",
        request(dynamic_call_tracking=dct(count_virtual_numbers=None)),
        INVALID,
        REQUIRED,
        "dynamic_call_tracking.count_virtual_numbers",
    ),
    Case(
        "dct-count_visits-missing",
        request(dynamic_call_tracking=dct(count_visits=None)),
        INVALID,
        REQUIRED,
        "dynamic_call_tracking.count_visits",
    ),
    Case(
        "dct-empty-object",
        request(dynamic_call_tracking=pb.DynamicCallTracking()),
        INVALID,
        REQUIRED,
        "dynamic_call_tracking.count_virtual_numbers",
    ),
    Case(
        "dct-reservation_time-unknown",
        request(dynamic_call_tracking=dct(reservation_time=99)),
        INVALID,
        BAD_VALUE,
        "dynamic_call_tracking.reservation_time",
        "99",
    ),
    Case(
        "conditions-31-groups",
        request(campaign_conditions=groups(31)),
        INVALID,
        BAD_VALUE,
        "campaign_conditions.group_conditions",
        UNCHECKED,
    ),
    Case(
        "conditions-51-in-a-group",
        request(campaign_conditions=conditions([condition()], [condition(f"/p{i}") for i in range(51)])),
        INVALID,
        BAD_VALUE,
        "campaign_conditions.group_conditions[1].conditions",
        UNCHECKED,
    ),
    Case(
        "conditions-no-groups",
        request(campaign_conditions=pb.CampaignConditions()),
        INVALID,
        REQUIRED,
        "campaign_conditions.group_conditions",
    ),
    Case(
        "conditions-empty-group",
        request(campaign_conditions=conditions([condition()], [])),
        INVALID,
        REQUIRED,
        "campaign_conditions.group_conditions[1].conditions",
    ),
    Case(
        "condition-type-missing",
        request(campaign_conditions=one_condition(condition(type=None))),
        INVALID,
        REQUIRED,
        f"{C0}.type",
    ),
    Case(
        "condition-campaign_parameter-missing",
        request(campaign_conditions=conditions([condition(), condition(parameter=None)])),
        INVALID,
        REQUIRED,
        "campaign_conditions.group_conditions[0].conditions[1].campaign_parameter",
    ),
    Case(
        "condition-operator-missing",
        request(campaign_conditions=conditions([condition()], [condition(), condition(), condition(operator=None)])),
        INVALID,
        REQUIRED,
        "campaign_conditions.group_conditions[1].conditions[2].operator",
    ),
    Case(
        "condition-value-missing",
        request(campaign_conditions=one_condition(condition(value=None))),
        INVALID,
        REQUIRED,
        f"{C0}.value",
    ),
    Case(
        "condition-type-unknown",
        request(campaign_conditions=one_condition(condition(type=7))),
        INVALID,
        BAD_VALUE,
        f"{C0}.type",
        "7",
    ),
    Case(
        "condition-campaign_parameter-unknown",
        request(campaign_conditions=one_condition(condition(parameter=999))),
        INVALID,
        BAD_VALUE,
        f"{C0}.campaign_parameter",
        "999",
    ),
    Case(
        "condition-operator-unknown",
        request(campaign_conditions=one_condition(condition(operator=9))),
        INVALID,
        BAD_VALUE,
        f"{C0}.operator",
        "9",
    ),
    *(
        Case(
            f"condition-{param_name}-operator-{op_name}",
            request(campaign_conditions=one_condition(condition(valid_value, parameter, operator))),
            INVALID,
            BAD_VALUE,
            f"{C0}.operator",
            op_name,
        )
        for param_name, parameter, valid_value in [
            ("search_engine", pb.CAMPAIGN_PARAMETER_SEARCH_ENGINE, "yandex"),
            ("engine", pb.CAMPAIGN_PARAMETER_ENGINE, "1"),
            ("channel", pb.CAMPAIGN_PARAMETER_CHANNEL, "organic"),
        ]
        for op_name, operator in [("sub", pb.CONDITION_OPERATOR_SUB), ("~", pb.CONDITION_OPERATOR_REGEX)]
    ),
    *(
        Case(
            f"condition-{param_name}-value-{bad!r}",
            request(campaign_conditions=one_condition(condition(bad, parameter))),
            INVALID,
            BAD_VALUE,
            f"{C0}.value",
            bad,
        )
        for param_name, parameter, bad in [
            ("search_engine", pb.CAMPAIGN_PARAMETER_SEARCH_ENGINE, "google"),
            ("search_engine", pb.CAMPAIGN_PARAMETER_SEARCH_ENGINE, "Yandex"),
            ("engine", pb.CAMPAIGN_PARAMETER_ENGINE, "0"),
            ("engine", pb.CAMPAIGN_PARAMETER_ENGINE, "9"),
            ("engine", pb.CAMPAIGN_PARAMETER_ENGINE, "yandex.direct"),
            ("channel", pb.CAMPAIGN_PARAMETER_CHANNEL, "tv"),
            ("channel", pb.CAMPAIGN_PARAMETER_CHANNEL, "cashe"),
        ]
    ),
    Case(
        "condition-regex-does-not-compile",
        request(
            campaign_conditions=one_condition(
                condition("^(/promo", pb.CAMPAIGN_PARAMETER_REFERRER, pb.CONDITION_OPERATOR_REGEX)
            )
        ),
        INVALID,
        BAD_VALUE,
        f"{C0}.value",
        "^(/promo",
    ),
    Case(
        "condition-regex-bad-in-second-group",
        request(
            campaign_conditions=conditions(
                [condition("[a-z]+", operator=pb.CONDITION_OPERATOR_REGEX)],
                [condition("ok"), condition("*oops", pb.CAMPAIGN_PARAMETER_UTM_SOURCE, pb.CONDITION_OPERATOR_REGEX)],
            )
        ),
        INVALID,
        BAD_VALUE,
        "campaign_conditions.group_conditions[1].conditions[1].value",
        "*oops",
    ),
    # ---- step 5: method component
    Case(
        "method-component-missing",
        request(site_id=13),
        FAILED_PRECONDITION,
        "METHOD_COMPONENT_DISABLED",
        None,
        token="tok_nocomp",
        params={"components": "call_tracking, va"},
    ),
    # ---- step 8: parameter components
    Case(
        "redirection-without-va-component",
        request(site_id=11, site_blocks=[block(111, 311, redirection=411)]),
        FAILED_PRECONDITION,
        COMPONENT,
        "site_blocks[0].redirection_phone_number_id",
        "411",
        token="tok_nova",
        params={"components": "va"},
    ),
    Case(
        "dct_enabled-true-without-dct-component",
        request(site_id=12, site_blocks=[block(121, 322, dct=True)], dynamic_call_tracking=dct()),
        FAILED_PRECONDITION,
        COMPONENT,
        "site_blocks[0].dynamic_call_tracking_enabled",
        "true",
        token="tok_nodct",
        params={"components": "dynamic_call_tracking"},
    ),
    Case(
        "dct_enabled-false-without-dct-component",
        request(site_id=12, site_blocks=[block(121, 322, dct=False)]),
        FAILED_PRECONDITION,
        COMPONENT,
        "site_blocks[0].dynamic_call_tracking_enabled",
        "false",
        token="tok_nodct",
        params={"components": "dynamic_call_tracking"},
    ),
    Case(
        "dct-object-without-dct-component",
        request(site_id=12, dynamic_call_tracking=dct()),
        FAILED_PRECONDITION,
        COMPONENT,
        "dynamic_call_tracking",
        UNCHECKED,
        token="tok_nodct",
        params={"components": "dynamic_call_tracking"},
    ),
    # ---- step 9: combinations
    Case(
        "inactive-with-site_blocks",
        request(status=pb.CAMPAIGN_STATUS_INACTIVE, site_blocks=[block(101, 302)]),
        INVALID,
        COMBINATION,
        "site_blocks",
        UNCHECKED,
    ),
    Case(
        "inactive-with-dct-enabled",
        request(
            status=pb.CAMPAIGN_STATUS_INACTIVE,
            site_blocks=[block(101, 302, dct=True)],
            dynamic_call_tracking=dct(),
        ),
        INVALID,
        COMBINATION,
        "site_blocks",
        UNCHECKED,
    ),
    Case(
        "redirection-with-va-number",
        request(site_blocks=[block(101, 305, redirection=401), block(102, 302, redirection=402)]),
        INVALID,
        COMBINATION,
        "site_blocks[1].redirection_phone_number_id",
        "402",
    ),
    Case(
        "redirection-with-user-number",
        request(site_blocks=[block(101, 303, redirection=401)]),
        INVALID,
        COMBINATION,
        "site_blocks[0].redirection_phone_number_id",
        "401",
    ),
    Case(
        "dct-enabled-with-user-number",
        request(site_blocks=[block(101, 303, dct=True)], dynamic_call_tracking=dct()),
        INVALID,
        COMBINATION,
        "site_blocks[0].dynamic_call_tracking_enabled",
        "true",
    ),
    Case(
        "dct-enabled-without-dct-object",
        request(site_blocks=[block(101, 302), block(102, 305, redirection=401, dct=True)]),
        INVALID,
        COMBINATION,
        "dynamic_call_tracking",
    ),
    # ---- step 10: entities
    Case("site-of-another-account", request(site_id=11), NOT_FOUND, NOT_FOUND_REASON, "site_id", "11"),
    Case("site-unknown", request(site_id=999), NOT_FOUND, NOT_FOUND_REASON, "site_id", "999"),
    Case(
        "block-of-another-site",
        request(site_blocks=[block(101, 302), block(201, 303)]),
        NOT_FOUND,
        NOT_FOUND_REASON,
        "site_blocks[1].site_block_id",
        "201",
    ),
    Case(
        "number-unknown",
        request(site_blocks=[block(101, 399)]),
        NOT_FOUND,
        NOT_FOUND_REASON,
        "site_blocks[0].phone_number_id",
        "399",
    ),
    Case(
        "number-pool-stock-not-offered",
        request(site_blocks=[block(101, 302), block(102, 381, redirection=401)]),
        NOT_FOUND,
        NOT_FOUND_REASON,
        "site_blocks[1].phone_number_id",
        "381",
    ),
    Case(
        "number-pool-stock-hosted-pbx-not-offered",
        request(site_blocks=[block(101, 384, redirection=401)]),
        NOT_FOUND,
        NOT_FOUND_REASON,
        "site_blocks[0].phone_number_id",
        "384",
    ),
    Case(
        "redirection-not-in-list",
        request(site_blocks=[block(101, 301, redirection=499)]),
        INVALID,
        BAD_VALUE,
        "site_blocks[0].redirection_phone_number_id",
        "499",
    ),
    Case(
        "call_tracking-without-redirection",
        request(site_blocks=[block(101, 302), block(102, 301)]),
        INVALID,
        REQUIRED,
        "site_blocks[1].redirection_phone_number_id",
    ),
    Case(
        "call_tracking-in-campaign-7",
        request(site_blocks=[block(101, 304, redirection=401)]),
        ALREADY_EXISTS,
        "ALREADY_IN_USE",
        "site_blocks[0].phone_number_id",
        "304",
    ),
    Case(
        "call_tracking-twice-in-one-request",
        request(site_blocks=[block(101, 305, redirection=401), block(102, 305, redirection=402)]),
        ALREADY_EXISTS,
        "ALREADY_IN_USE",
        "site_blocks[1].phone_number_id",
        "305",
    ),
    # ---- step 11: plan quota
    Case(
        "quota-reached",
        request(site_id=16, site_blocks=[block(161, 361)]),
        FAILED_PRECONDITION,
        "TARIFF_RESTRICTIONS",
        None,
        token="tok_quota",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_rule(service: Service, case: Case) -> None:
    before = await snapshot(service.database_url)

    failure = await create_error(service, case.request, case.token)

    assert_failure(failure, case.code, case.reason, case.path, case.value, case.params)
    assert await snapshot(service.database_url) == before, "a refused create wrote rows"
