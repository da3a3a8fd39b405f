"""docs/contract.md section 5: a request with several faults reports the first in the contract's order.

Every request below carries faults of at least two steps; the expected error is
the earliest step's. A last test peels one request's faults off one at a time.
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
    create,
    create_error,
    dct,
    request,
    snapshot,
)

INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
DENIED = grpc.StatusCode.PERMISSION_DENIED
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED


def everything_wrong(site_id: int = 999) -> spb.CreateCampaignRequest:
    """Faults of steps 7, 9 and 10 at once: no name, a dct count of 0, inactive with
    blocks, dct enabled on a number of no known type, an unknown site, block, number
    and redirection."""
    return request(
        name=None,
        site_id=site_id,
        status=pb.CAMPAIGN_STATUS_INACTIVE,
        site_blocks=[block(999, 399, redirection=499, dct=True)],
        dynamic_call_tracking=dct(count_visits=0),
    )


@dataclass(frozen=True)
class Case:
    id: str
    token: str | None
    request: spb.CreateCampaignRequest
    code: grpc.StatusCode
    reason: str
    path: str | None = None
    value: str | Unchecked | None = UNCHECKED
    params: dict[str, str] = field(default_factory=dict)
    metadata: tuple[tuple[str, str], ...] = ()


CASES = [
    # ---- step 2 beats everything after it
    Case("no-token-beats-params", None, everything_wrong(), INVALID, "REQUIRED_PARAMETER_MISSED", "access_token", None),
    Case("unknown-token-beats-params", "tok_nope", everything_wrong(), UNAUTHENTICATED, "ACCESS_TOKEN_INVALID"),
    Case(
        "unknown-token-beats-missing-name",
        "tok_nope",
        request(name=None),
        UNAUTHENTICATED,
        "ACCESS_TOKEN_INVALID",
    ),
    Case("expired-token-beats-params", "tok_expired", everything_wrong(), UNAUTHENTICATED, "ACCESS_TOKEN_EXPIRED"),
    Case("blocked-token-beats-params", "tok_blocked", everything_wrong(), UNAUTHENTICATED, "ACCESS_TOKEN_BLOCKED"),
    # ---- step 3 beats steps 4 and later
    Case(
        "account-disabled-beats-foreign-user_id",
        "tok_disabled",
        request(name=None, user_id=5002),
        DENIED,
        "ACCOUNT_INACTIVE",
    ),
    Case(
        "ip-not-whitelisted-beats-foreign-user_id",
        "tok_ipdeny",
        request(name=None, user_id=5002),
        DENIED,
        "IP_NOT_WHITELISTED",
        params={"ip": "127.0.0.1"},
    ),
    # ---- step 4 beats steps 5 and later
    Case(
        "agent-without-user_id-beats-params",
        "tok_agent",
        everything_wrong(),
        INVALID,
        "REQUIRED_PARAMETER_MISSED",
        "user_id",
        None,
    ),
    Case(
        "agent-foreign-user_id-beats-params",
        "tok_agent",
        request(name=None, user_id=5003),
        NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "user_id",
        "5003",
    ),
    Case(
        "customer-foreign-user_id-beats-params",
        "tok_cust",
        request(name=None, user_id=5002),
        NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "user_id",
        "5002",
    ),
    Case(
        "customer-foreign-user_id-beats-forbidden",
        "tok_noperm",
        request(user_id=5002),
        NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "user_id",
        "5002",
    ),
    # ---- step 5 beats steps 6 and later
    Case(
        "method-component-beats-params",
        "tok_nocomp",
        everything_wrong(site_id=13),
        FAILED_PRECONDITION,
        "METHOD_COMPONENT_DISABLED",
        None,
        None,
    ),
    Case("forbidden-beats-params", "tok_noperm", everything_wrong(), DENIED, "FORBIDDEN", None, None),
    Case("forbidden-beats-missing-name", "tok_noperm", request(name=None), DENIED, "FORBIDDEN", None, None),
    # ---- step 6 beats step 7
    Case(
        "limit-beats-params",
        "tok_ratelimited",
        everything_wrong(site_id=17),
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "LIMIT_EXCEEDED",
        None,
        None,
        params={"limit_type": "minute", "limit_max_value": "0"},
    ),
    # ---- step 7 beats step 8 and later
    Case(
        "structure-beats-component",
        "tok_nova",
        request(name=None, site_id=11, site_blocks=[block(111, 312, redirection=411)]),
        INVALID,
        "REQUIRED_PARAMETER_MISSED",
        "name",
        None,
    ),
    Case(
        "structure-later-in-document-beats-component",
        "tok_nova",
        request(site_id=11, site_blocks=[block(111, 311, redirection=411)], dynamic_call_tracking=dct(count_visits=0)),
        INVALID,
        "INVALID_PARAMETER_VALUE",
        "dynamic_call_tracking.count_visits",
        "0",
    ),
    Case(
        "structure-beats-combination",
        "tok_cust",
        request(status=pb.CAMPAIGN_STATUS_INACTIVE, site_blocks=[block(101, 302), block(101, 303)]),
        INVALID,
        "INVALID_PARAMETER_VALUE",
        "site_blocks[1].site_block_id",
        "101",
    ),
    Case(
        "structure-beats-entity",
        "tok_cust",
        request(site_id=999, campaign_conditions=conditions([condition("(", operator=pb.CONDITION_OPERATOR_REGEX)])),
        INVALID,
        "INVALID_PARAMETER_VALUE",
        "campaign_conditions.group_conditions[0].conditions[0].value",
        "(",
    ),
    Case(
        "structure-beats-quota",
        "tok_quota",
        request(name=" ", site_id=16),
        INVALID,
        "INVALID_PARAMETER_VALUE",
        "name",
        " ",
    ),
    # ---- step 8 beats step 9 and later
    Case(
        "component-beats-combination",
        "tok_nova",
        request(site_id=11, status=pb.CAMPAIGN_STATUS_INACTIVE, site_blocks=[block(111, 312, redirection=411)]),
        FAILED_PRECONDITION,
        "PARAMETER_COMPONENT_DISABLED",
        "site_blocks[0].redirection_phone_number_id",
        "411",
        params={"components": "va"},
    ),
    Case(
        "component-beats-dct-object-combination",
        "tok_nodct",
        request(site_id=12, site_blocks=[block(121, 322, dct=True)]),
        FAILED_PRECONDITION,
        "PARAMETER_COMPONENT_DISABLED",
        "site_blocks[0].dynamic_call_tracking_enabled",
        "true",
        params={"components": "dynamic_call_tracking"},
    ),
    Case(
        "component-beats-entity",
        "tok_nodct",
        request(site_id=999, dynamic_call_tracking=dct()),
        FAILED_PRECONDITION,
        "PARAMETER_COMPONENT_DISABLED",
        "dynamic_call_tracking",
        params={"components": "dynamic_call_tracking"},
    ),
    Case(
        "component-block-before-dct-object",
        "tok_nodct",
        request(site_id=12, site_blocks=[block(121, 322, dct=True)], dynamic_call_tracking=dct()),
        FAILED_PRECONDITION,
        "PARAMETER_COMPONENT_DISABLED",
        "site_blocks[0].dynamic_call_tracking_enabled",
        "true",
        params={"components": "dynamic_call_tracking"},
    ),
    # ---- step 9 beats step 10 and later
    Case(
        "combination-beats-unknown-site",
        "tok_cust",
        request(site_id=999, status=pb.CAMPAIGN_STATUS_INACTIVE, site_blocks=[block(101, 302)]),
        INVALID,
        "INVALID_PARAMETERS_COMBINATION",
        "site_blocks",
    ),
    Case(
        "combination-beats-unknown-block",
        "tok_cust",
        request(site_blocks=[block(999, 302, redirection=401)]),
        INVALID,
        "INVALID_PARAMETERS_COMBINATION",
        "site_blocks[0].redirection_phone_number_id",
        "401",
    ),
    Case(
        "combination-beats-already-in-use",
        "tok_cust",
        request(site_blocks=[block(101, 304, redirection=401), block(102, 302, redirection=402)]),
        INVALID,
        "INVALID_PARAMETERS_COMBINATION",
        "site_blocks[1].redirection_phone_number_id",
        "402",
    ),
    Case(
        "combination-beats-quota",
        "tok_quota",
        request(site_id=16, site_blocks=[block(161, 361, dct=True)]),
        INVALID,
        "INVALID_PARAMETERS_COMBINATION",
        "dynamic_call_tracking",
        None,
    ),
    # ---- within step 10: site, block, number, redirection, missing redirection, in use
    Case(
        "site-before-block",
        "tok_cust",
        request(site_id=999, site_blocks=[block(201, 302)]),
        NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "site_id",
        "999",
    ),
    Case(
        "block-before-number",
        "tok_cust",
        request(site_blocks=[block(101, 399), block(201, 302)]),
        NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "site_blocks[1].site_block_id",
        "201",
    ),
    Case(
        "number-before-redirection",
        "tok_cust",
        request(site_blocks=[block(101, 301, redirection=499), block(102, 399)]),
        NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "site_blocks[1].phone_number_id",
        "399",
    ),
    Case(
        "redirection-before-missing-redirection",
        "tok_cust",
        request(site_blocks=[block(101, 301), block(102, 305, redirection=499)]),
        INVALID,
        "INVALID_PARAMETER_VALUE",
        "site_blocks[1].redirection_phone_number_id",
        "499",
    ),
    Case(
        "missing-redirection-before-in-use",
        "tok_cust",
        request(site_blocks=[block(101, 304, redirection=401), block(102, 301)]),
        INVALID,
        "REQUIRED_PARAMETER_MISSED",
        "site_blocks[1].redirection_phone_number_id",
        None,
    ),
    # ---- step 10 beats step 11
    Case(
        "entity-beats-quota",
        "tok_quota",
        request(site_id=10),
        NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "site_id",
        "10",
    ),
    Case(
        "block-entity-beats-quota",
        "tok_quota",
        request(site_id=16, site_blocks=[block(101, 361)]),
        NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "site_blocks[0].site_block_id",
        "101",
    ),
    # ---- within step 7: document order, and a level's required parameters before its values
    Case(
        "structure-first-in-document-order",
        "tok_cust",
        request(name="", status=99),
        INVALID,
        "INVALID_PARAMETER_VALUE",
        "name",
        "",
    ),
    Case(
        "structure-description-before-blocks",
        "tok_cust",
        request(description="d" * 256, site_blocks=[block(101, 302), block(101, 303)]),
        INVALID,
        "INVALID_PARAMETER_VALUE",
        "description",
        "d" * 256,
    ),
    Case(
        "structure-required-before-invalid-at-one-level",
        "tok_cust",
        request(name="", site_id=None),
        INVALID,
        "REQUIRED_PARAMETER_MISSED",
        "site_id",
        None,
    ),
    Case(
        "structure-first-block-first",
        "tok_cust",
        request(site_blocks=[block(101, None), block(None, 302)]),
        INVALID,
        "REQUIRED_PARAMETER_MISSED",
        "site_blocks[0].phone_number_id",
        None,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_first_fault_is_reported(service: Service, case: Case) -> None:
    before = await snapshot(service.database_url)

    failure = await create_error(service, case.request, case.token, case.metadata)

    assert_failure(failure, case.code, case.reason, case.path, case.value, case.params)
    assert await snapshot(service.database_url) == before


async def test_faults_come_off_one_step_at_a_time(service: Service) -> None:
    """One request with faults of steps 7 to 10 (tok_nova: account 1001, no va component);
    fixing the reported fault reveals the next step's."""
    message = request(
        name=None,
        site_id=999,
        status=pb.CAMPAIGN_STATUS_INACTIVE,
        site_blocks=[block(111, 312, redirection=411)],
    )

    failure = await create_error(service, message, "tok_nova")
    assert_failure(failure, INVALID, "REQUIRED_PARAMETER_MISSED", "name")

    message.name = "Peeled"
    failure = await create_error(service, message, "tok_nova")
    assert_failure(
        failure,
        FAILED_PRECONDITION,
        "PARAMETER_COMPONENT_DISABLED",
        "site_blocks[0].redirection_phone_number_id",
        "411",
        {"components": "va"},
    )

    message.site_blocks[0].ClearField("redirection_phone_number_id")
    failure = await create_error(service, message, "tok_nova")
    assert_failure(failure, INVALID, "INVALID_PARAMETERS_COMBINATION", "site_blocks", UNCHECKED)

    message.ClearField("status")
    failure = await create_error(service, message, "tok_nova")
    assert_failure(failure, NOT_FOUND, "ENTITY_NOT_FOUND", "site_id", "999")

    message.site_id = 11
    campaign_id = await create(service, message, "tok_nova")
    assert campaign_id > 1000


async def test_quota_is_the_last_check(service: Service) -> None:
    message = request(site_id=999, site_blocks=[block(161, 361)])

    failure = await create_error(service, message, "tok_quota")
    assert_failure(failure, NOT_FOUND, "ENTITY_NOT_FOUND", "site_id", "999")

    message.site_id = 16
    failure = await create_error(service, message, "tok_quota")
    assert_failure(failure, FAILED_PRECONDITION, "TARIFF_RESTRICTIONS")
