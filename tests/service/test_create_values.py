"""CreateCampaign: the structure and values of a request (docs/contract.md sections 6-7; step 7 of the order
of checks in section 5), over gRPC.

One table of faulty requests in document order (support_create_campaign.Case); the rules that depend on
the account and what it holds are in test_create_rules.py, the accepted requests and the rows they write
in test_create_accepted.py.
"""

from __future__ import annotations

import pytest
from campaigns.v1 import campaign_pb2 as pb

from tests.conftest import Service
from tests.service.helpers import UNCHECKED, block, condition, conditions, dct, request
from tests.service.support_create_campaign import (
    BAD_VALUE,
    C0,
    INVALID,
    REQUIRED,
    Case,
    assert_refused,
    groups,
    one_condition,
)

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
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_value(service: Service, case: Case) -> None:
    await assert_refused(service, case)
