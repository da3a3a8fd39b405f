"""CreateCampaign: the rules that depend on the account and what it holds (docs/contract.md sections 5-6:
steps 5 and 8-11 of the order of checks, components, combinations, entities, the plan quota), over gRPC.

One table of refused requests (support_create_campaign.Case); a request's own structure and values are in
test_create_values.py, the accepted requests and the rows they write in test_create_accepted.py.
"""

from __future__ import annotations

import pytest
from campaigns.v1 import campaign_pb2 as pb

from tests.conftest import Service
from tests.service.helpers import UNCHECKED, block, dct, request
from tests.service.support_create_campaign import (
    ALREADY_EXISTS,
    BAD_VALUE,
    COMBINATION,
    COMPONENT,
    FAILED_PRECONDITION,
    INVALID,
    NOT_FOUND,
    NOT_FOUND_REASON,
    REQUIRED,
    Case,
    assert_refused,
)

CASES = [
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
    await assert_refused(service, case)
