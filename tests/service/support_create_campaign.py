"""What the CreateCampaign tests over gRPC share: the tables they count rows of, conditions builders, and the
row of a refusal table (Case) with the check every row gets."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb

from service.storage import schema as t
from tests.conftest import Service
from tests.service.helpers import Unchecked, assert_failure, condition, conditions, create_error, snapshot

CSB = t.campaign_site_blocks


def one_condition(cond: pb.Condition) -> pb.CampaignConditions:
    return conditions([cond])


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


def groups(count: int, per_group: int = 1) -> pb.CampaignConditions:
    return conditions(*([condition(f"/page/{g}/{c}") for c in range(per_group)] for g in range(count)))


@dataclass(frozen=True)
class Case:
    """A refused create: the status code, ErrorInfo reason, BadRequest path (with indices) and the `value` a
    caller reads back."""

    id: str
    request: spb.CreateCampaignRequest
    code: grpc.StatusCode
    reason: str
    path: str | None
    value: str | Unchecked | None = None
    token: str = "tok_cust"
    params: dict[str, str] = field(default_factory=dict)


async def assert_refused(service: Service, case: Case) -> None:
    """The create fails as the case says, and writes nothing."""
    before = await snapshot(service.database_url)

    failure = await create_error(service, case.request, case.token)

    assert_failure(failure, case.code, case.reason, case.path, case.value, case.params)
    assert await snapshot(service.database_url) == before, "a refused create wrote rows"
