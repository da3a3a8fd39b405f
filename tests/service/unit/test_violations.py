"""Every violation at once (service/walk.py) and its status (service/errors.py), over messages in memory.

The walk goes on past the first violation and raises it carrying the others; the status lists them all in
one BadRequest, the first being the error a single-error walk raised (the JSON-RPC answer's).
"""

from __future__ import annotations

import pytest
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from contract.faults import Fault, Faults
from service import walk
from service.errors import STATUS_BYTES_MAX, VIOLATIONS_MAX, ServiceError
from service.rules import CREATE_CAMPAIGN
from service.walk import check_structure

REQUIRED = "required_parameter_missed"
INVALID = "invalid_parameter_value"
C = "campaign_conditions.group_conditions"


def valid_create() -> spb.CreateCampaignRequest:
    request = spb.CreateCampaignRequest(name="Spring sale", site_id=10)
    request.site_blocks.add(site_block_id=101, phone_number_id=301)
    return request


def condition(parameter: int = pb.CAMPAIGN_PARAMETER_UTM_SOURCE, operator: int = 1, value: str = "v") -> pb.Condition:
    return pb.Condition(
        type=pb.CONDITION_TYPE_INCLUDE,
        campaign_parameter=parameter,  # type: ignore[arg-type]
        operator=operator,  # type: ignore[arg-type]
        value=value,
    )


def raised(request: spb.CreateCampaignRequest, faults: Faults | None = None) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        check_structure(request, CREATE_CAMPAIGN, faults or Faults())
    return caught.value


def violations(request: spb.CreateCampaignRequest, faults: Faults | None = None) -> list[tuple[str, str | None]]:
    error = raised(request, faults)
    return [(each.mnemonic, each.path) for each in (error, *error.further)]


def test_a_single_violation_carries_no_others() -> None:
    request = valid_create()
    request.ClearField("name")
    error = raised(request)
    assert (error.mnemonic, error.path, error.further) == (REQUIRED, "name", ())


def test_every_violation_in_the_contracts_order() -> None:
    request = valid_create()
    request.ClearField("name")
    request.description = "d" * 256
    request.status = 99  # type: ignore[assignment]
    groups = request.campaign_conditions.group_conditions
    groups.add().conditions.extend([condition(), condition(pb.CAMPAIGN_PARAMETER_CHANNEL, value="nope")])
    groups.add().conditions.extend([condition(value=""), condition(value="ok"), condition(operator=3, value="(")])
    request.site_blocks.add(site_block_id=102)  # no phone_number_id
    request.site_blocks.add(site_block_id=103, phone_number_id=303)
    request.dynamic_call_tracking.count_visits = 0
    # At each level: the missing parameters first, then each parameter's value, descending into it.
    assert violations(request) == [
        (REQUIRED, "name"),
        (INVALID, "description"),
        (INVALID, "status"),
        (INVALID, f"{C}[0].conditions[1].value"),
        (INVALID, f"{C}[1].conditions[0].value"),
        (INVALID, f"{C}[1].conditions[2].value"),
        (REQUIRED, "site_blocks[1].phone_number_id"),
        (REQUIRED, "dynamic_call_tracking.count_virtual_numbers"),
        (INVALID, "dynamic_call_tracking.count_visits"),
    ]
    error = raised(request)
    assert (error.further[0].value, error.further[1].value) == ("d" * 256, "99")


def test_a_refused_value_is_not_looked_into() -> None:
    # A required list sent empty, a list over its size: one violation each, not one per item inside.
    request = valid_create()
    request.campaign_conditions.SetInParent()
    for index in range(100):
        request.site_blocks.add(site_block_id=200 + index)  # none has a phone_number_id
    request.dynamic_call_tracking.SetInParent()
    assert violations(request) == [
        (REQUIRED, f"{C}"),
        (INVALID, "site_blocks"),
        (REQUIRED, "dynamic_call_tracking.count_virtual_numbers"),
        (REQUIRED, "dynamic_call_tracking.count_visits"),
    ]


def test_rules_across_fields_run_only_over_fields_that_passed() -> None:
    # The condition rule reads a known campaign_parameter; the distinct-blocks rule, blocks that passed.
    request = valid_create()
    request.campaign_conditions.group_conditions.add().conditions.extend(
        [condition(parameter=99, operator=2), condition(pb.CAMPAIGN_PARAMETER_CHANNEL, operator=2, value="nope")]
    )
    request.site_blocks.add(site_block_id=101)  # the same block again, without its phone_number_id
    assert violations(request) == [
        (INVALID, f"{C}[0].conditions[0].campaign_parameter"),
        (INVALID, f"{C}[0].conditions[1].operator"),  # a rule reports its one (first) violation
        (REQUIRED, "site_blocks[1].phone_number_id"),
    ]
    request.site_blocks[1].phone_number_id = 302
    assert violations(request)[-1] == (INVALID, "site_blocks[1].site_block_id")


def test_the_gateways_faults_are_listed_in_their_places() -> None:
    request = valid_create()
    request.description = "d" * 256
    request.site_blocks.add()  # the gateway's placeholder for a block that is not an object
    request.site_blocks.add(site_block_id=103)
    faults = Faults(
        at={
            "name": Fault.WRONG_TYPE,
            "site_blocks[1]": Fault.WRONG_TYPE,
            "site_blocks[2].phone_number_id": Fault.INVALID_VALUE,
        },
        unexpected={"": "colour", "site_blocks[0]": "site_blocks[0].size"},
    )
    assert violations(request, faults) == [
        ("unexpected_parameters", "colour"),
        ("data_type_error", "name"),
        (INVALID, "description"),
        ("unexpected_parameters", "site_blocks[0].size"),
        ("data_type_error", "site_blocks[1]"),  # its placeholder's missing fields are not reported
        (INVALID, "site_blocks[2].phone_number_id"),
    ]


def test_the_walk_stops_at_the_cap() -> None:
    request = valid_create()
    for _ in range(30):
        request.campaign_conditions.group_conditions.add().conditions.extend(
            condition(pb.CAMPAIGN_PARAMETER_CHANNEL, value="nope") for _ in range(50)
        )
    found = violations(request)
    assert len(found) == VIOLATIONS_MAX
    assert found[0] == (INVALID, f"{C}[0].conditions[0].value")
    assert found[-1] == (INVALID, f"{C}[1].conditions[49].value")


# --------------------------------------------------------------------------- the status


def _unpacked(status: status_pb2.Status) -> tuple[error_details_pb2.ErrorInfo, error_details_pb2.BadRequest]:
    info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
    assert [detail.Unpack(target) for detail, target in zip(status.details, (info, bad), strict=True)] == [True] * 2
    return info, bad


def test_one_violation_is_encoded_as_it_always_was() -> None:
    error = ServiceError(INVALID, path="site_blocks[1].phone_number_id", value="7", params={"components": "va"})
    before = status_pb2.Status(
        code=3,
        message="Invalid parameter value",
        details=[
            _any(
                error_details_pb2.ErrorInfo(
                    reason="INVALID_PARAMETER_VALUE",
                    domain="campaigns.v1",
                    metadata={"components": "va", "field": "site_blocks.phone_number_id", "value": "7"},
                )
            ),
            _any(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field="site_blocks[1].phone_number_id",
                            description="Invalid parameter value",
                            reason="INVALID_PARAMETER_VALUE",
                        )
                    ]
                )
            ),
        ],
    )
    assert error.to_status().SerializeToString(deterministic=True) == before.SerializeToString(deterministic=True)


def _any(message: error_details_pb2.ErrorInfo | error_details_pb2.BadRequest) -> any_pb2.Any:
    container = any_pb2.Any()
    container.Pack(message)
    return container


def test_the_status_lists_every_violation_the_first_as_errorinfo_says() -> None:
    request = valid_create()
    request.ClearField("name")
    request.status = 99  # type: ignore[assignment]
    request.site_blocks.add(site_block_id=102)
    status = raised(request).to_status()
    info, bad = _unpacked(status)
    assert (status.code, status.message) == (3, "The required parameter has been missed")
    assert (info.reason, dict(info.metadata)) == ("REQUIRED_PARAMETER_MISSED", {"field": "name"})
    assert [(v.field, v.reason, v.description) for v in bad.field_violations] == [
        ("name", "REQUIRED_PARAMETER_MISSED", "The required parameter has been missed"),
        ("status", "INVALID_PARAMETER_VALUE", "Invalid parameter value"),
        ("site_blocks[1].phone_number_id", "REQUIRED_PARAMETER_MISSED", "The required parameter has been missed"),
    ]


@pytest.mark.parametrize(
    ("value", "at_least"),
    [("nope", 33), ("n" * 1000, 29), ("\N{GRINNING FACE}" * 1000, 15)],
    ids=["short", "echo-cut-at-512", "echo-of-2-KiB-in-utf-8"],
)
def test_1500_bad_conditions_make_a_status_well_under_8_kib(value: str, at_least: int) -> None:
    """The walk stops at 100; the status lists as many as fit in 4 KiB with the first's ErrorInfo (whose
    echoed value takes its share): 33 of these (about 113 bytes each) when that value is short."""
    request = valid_create()
    for _ in range(30):
        request.campaign_conditions.group_conditions.add().conditions.extend(
            condition(pb.CAMPAIGN_PARAMETER_CHANNEL, value=value) for _ in range(50)
        )
    error = raised(request)
    status = error.to_status()
    _info, bad = _unpacked(status)
    assert len(error.further) == VIOLATIONS_MAX - 1
    assert status.ByteSize() <= STATUS_BYTES_MAX
    assert len(bad.field_violations) == at_least
    assert [v.field for v in bad.field_violations] == [each.path for each in (error, *error.further)][:at_least]


def test_the_first_violation_is_listed_whatever_its_size() -> None:
    long_path = "filter" + ".filters[0]" * 400
    error = ServiceError(INVALID, path=long_path, further=(ServiceError(INVALID, path="limit"),))
    _info, bad = _unpacked(error.to_status())
    assert [v.field for v in bad.field_violations] == [long_path]


def violations_item_by_item(
    request: spb.CreateCampaignRequest, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, str | None]]:
    """violations() of a walk with no flat-item ways: every item walked in full, one by one."""
    monkeypatch.setattr(walk, "_flat_checks", lambda _params, _descriptor: None)
    monkeypatch.setattr(walk, "_STEPS", {})
    return violations(request)


def test_flat_items_passed_in_one_loop_report_what_the_full_walk_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    # A list of flat messages (conditions) is passed item by item in one tight loop, and an item that
    # fails it is walked in full: the violations must be those of a walk without that loop.
    request = valid_create()
    group = request.campaign_conditions.group_conditions.add()
    group.conditions.append(condition())
    group.conditions.append(condition(value=""))  # blank text
    group.conditions.append(condition(value="a\x00b"))  # NUL
    missing = condition()
    missing.ClearField("operator")
    group.conditions.append(missing)
    group.conditions.append(condition(parameter=999))  # no such parameter
    group.conditions.append(condition(pb.CAMPAIGN_PARAMETER_CHANNEL, value="nowhere"))  # the message rule's
    group.conditions.append(condition())
    with_loop = violations(request)
    assert with_loop == [
        (INVALID, f"{C}[0].conditions[1].value"),
        (INVALID, f"{C}[0].conditions[2].value"),
        (REQUIRED, f"{C}[0].conditions[3].operator"),
        (INVALID, f"{C}[0].conditions[4].campaign_parameter"),
        (INVALID, f"{C}[0].conditions[5].value"),
    ]
    assert violations_item_by_item(request, monkeypatch) == with_loop


def test_items_whose_fields_all_pass_report_their_rules_violations_as_the_full_walk_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Items whose fields all pass are checked a column at a time and their rule decided from the values
    # read, the rule itself called only where that says no (a regex, a fixed value refused): the same
    # violations, in the same places, as a walk item by item.
    request = valid_create()
    first = request.campaign_conditions.group_conditions.add()
    first.conditions.append(condition())
    first.conditions.append(condition(pb.CAMPAIGN_PARAMETER_CHANNEL, value="nowhere"))
    first.conditions.append(condition(operator=pb.CONDITION_OPERATOR_REGEX, value="(?i)sale"))
    first.conditions.append(condition(operator=pb.CONDITION_OPERATOR_REGEX, value="a(b"))
    second = request.campaign_conditions.group_conditions.add()
    second.conditions.append(condition(pb.CAMPAIGN_PARAMETER_ENGINE, pb.CONDITION_OPERATOR_SUB, "1"))
    second.conditions.append(condition(pb.CAMPAIGN_PARAMETER_CHANNEL, value="paid"))
    by_columns = violations(request)
    assert by_columns == [
        (INVALID, f"{C}[0].conditions[1].value"),
        (INVALID, f"{C}[0].conditions[3].value"),
        (INVALID, f"{C}[1].conditions[0].operator"),
    ]
    assert violations_item_by_item(request, monkeypatch) == by_columns
