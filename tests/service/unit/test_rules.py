"""service/rules.py over messages built in memory: the first fault, in the contract's order."""

from __future__ import annotations

import pytest
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import number_service_pb2 as npb

from contract.faults import Fault, Faults
from service import numbers, rules
from service.errors import ServiceError
from service.rules import CREATE_CAMPAIGN, DELETE_CAMPAIGN, UPDATE_CAMPAIGN, check_components
from service.walk import check_structure


def valid_create() -> spb.CreateCampaignRequest:
    request = spb.CreateCampaignRequest(name="Spring sale", site_id=10)
    request.site_blocks.add(site_block_id=101, phone_number_id=301)
    return request


def first_fault(request: spb.CreateCampaignRequest, faults: Faults | None = None) -> tuple[str, str | None]:
    with pytest.raises(ServiceError) as caught:
        check_structure(request, CREATE_CAMPAIGN, faults or Faults())
    return caught.value.mnemonic, caught.value.path


def test_a_valid_request_passes() -> None:
    check_structure(valid_create(), CREATE_CAMPAIGN)


def test_required_parameters_in_the_tables_order() -> None:
    assert first_fault(spb.CreateCampaignRequest()) == ("required_parameter_missed", "name")
    assert first_fault(spb.CreateCampaignRequest(name="x")) == ("required_parameter_missed", "site_id")


def test_a_missing_parameter_comes_before_a_bad_value_earlier_in_the_message() -> None:
    # Presence of the message's parameters first, then their values.
    request = spb.CreateCampaignRequest(name=" ")
    assert first_fault(request) == ("required_parameter_missed", "site_id")


@pytest.mark.parametrize("name", ["", " ", "\t", "x" * 256, "a\x00b"])
def test_bad_names(name: str) -> None:
    request = valid_create()
    request.name = name
    assert first_fault(request) == ("invalid_parameter_value", "name")


def test_the_walk_goes_depth_first_and_names_indices() -> None:
    request = valid_create()
    request.site_blocks.add(site_block_id=102)
    assert first_fault(request) == ("required_parameter_missed", "site_blocks[1].phone_number_id")


def test_an_earlier_parameter_fails_first() -> None:
    request = valid_create()
    request.description = "x" * 256
    request.site_blocks.add(site_block_id=102)
    assert first_fault(request) == ("invalid_parameter_value", "description")


def test_an_unknown_enum_value() -> None:
    request = valid_create()
    request.status = 99  # type: ignore[assignment]
    with pytest.raises(ServiceError) as caught:
        check_structure(request, CREATE_CAMPAIGN)
    assert (caught.value.mnemonic, caught.value.path, caught.value.value) == ("invalid_parameter_value", "status", "99")


def test_the_list_rule_runs_after_its_elements() -> None:
    request = valid_create()
    request.site_blocks.add(site_block_id=101, phone_number_id=302)
    with pytest.raises(ServiceError) as caught:
        check_structure(request, CREATE_CAMPAIGN)
    assert (caught.value.path, caught.value.value) == ("site_blocks[1].site_block_id", "101")


def test_too_many_items() -> None:
    request = valid_create()
    for index in range(100):
        request.site_blocks.add(site_block_id=200 + index, phone_number_id=1)
    assert first_fault(request) == ("invalid_parameter_value", "site_blocks")


def test_conditions_are_checked_inside_their_groups() -> None:
    request = valid_create()
    group = request.campaign_conditions.group_conditions.add()
    group.conditions.add(
        type=pb.CONDITION_TYPE_INCLUDE,
        campaign_parameter=pb.CAMPAIGN_PARAMETER_CHANNEL,
        operator=pb.CONDITION_OPERATOR_SUB,
        value="paid",
    )
    assert first_fault(request) == (
        "invalid_parameter_value",
        "campaign_conditions.group_conditions[0].conditions[0].operator",
    )


def test_a_gateway_fault_is_raised_where_its_path_falls_in_the_walk() -> None:
    request = valid_create()
    request.description = "x" * 256  # would fail at description, after the fault at name
    faults = Faults(at={"name": Fault.WRONG_TYPE})
    assert first_fault(request, faults) == ("data_type_error", "name")


def test_a_fault_at_a_required_parameter_is_not_reported_missing() -> None:
    request = spb.CreateCampaignRequest(name="x")
    faults = Faults(at={"site_id": Fault.WRONG_TYPE})
    assert first_fault(request, faults) == ("data_type_error", "site_id")


def test_a_fault_later_in_the_walk_waits_for_earlier_ones() -> None:
    request = valid_create()
    request.name = ""
    faults = Faults(at={"site_blocks[0].phone_number_id": Fault.INVALID_VALUE})
    assert first_fault(request, faults) == ("invalid_parameter_value", "name")


def test_an_unknown_key_is_reported_when_its_message_is_entered() -> None:
    request = spb.CreateCampaignRequest()
    faults = Faults(unexpected={"": "colour"})
    assert first_fault(request, faults) == ("unexpected_parameters", "colour")


def test_an_unknown_key_in_a_nested_message() -> None:
    request = valid_create()
    faults = Faults(unexpected={"site_blocks[0]": "site_blocks[0].colour"})
    assert first_fault(request, faults) == ("unexpected_parameters", "site_blocks[0].colour")


def test_update_and_delete_tables() -> None:
    with pytest.raises(ServiceError) as caught:
        check_structure(spb.UpdateCampaignRequest(site_id=1), UPDATE_CAMPAIGN)
    assert (caught.value.mnemonic, caught.value.path) == ("required_parameter_missed", "id")
    with pytest.raises(ServiceError) as caught:
        check_structure(spb.UpdateCampaignRequest(id=1, site_id=1, cost_ratio=0.5), UPDATE_CAMPAIGN)
    assert caught.value.path == "cost_ratio"
    check_structure(spb.DeleteCampaignRequest(id=1), DELETE_CAMPAIGN)


def test_components_a_block_needs() -> None:
    request = valid_create()
    request.site_blocks[0].redirection_phone_number_id = 401
    check_components(request, frozenset({"va"}))
    with pytest.raises(ServiceError) as caught:
        check_components(request, frozenset({"call_tracking"}))
    assert (caught.value.mnemonic, caught.value.path, caught.value.params) == (
        "parameter_component_disabled",
        "site_blocks[0].redirection_phone_number_id",
        {"components": "va"},
    )


def test_dynamic_call_tracking_needs_its_component() -> None:
    request = valid_create()
    request.dynamic_call_tracking.count_visits = 1
    with pytest.raises(ServiceError) as caught:
        check_components(request, frozenset({"va"}))
    assert caught.value.path == "dynamic_call_tracking"


def _enable_fault(request: npb.EnableVirtualNumbersRequest, faults: Faults | None = None) -> tuple[str, str | None]:
    with pytest.raises(ServiceError) as caught:
        check_structure(request, numbers.ENABLE, faults or Faults())
    return caught.value.mnemonic, caught.value.path


def test_a_parameter_required_because_of_another() -> None:
    """enable.virtual_numbers: a number or ids; ids need a component. With the required parameters,
    before any value, on both walks (with and without gateway faults)."""
    assert _enable_fault(npb.EnableVirtualNumbersRequest()) == ("required_parameter_missed", "virtual_phone_number")
    with_ids = npb.EnableVirtualNumbersRequest(number_capacity_ids=["x"])
    assert _enable_fault(with_ids) == ("required_parameter_missed", "number_capacity_component")
    unknown_key = Faults(unexpected={"": "nope"})
    assert _enable_fault(with_ids, Faults(at={"number_capacity_ids[0]": Fault.WRONG_TYPE})) == (
        "required_parameter_missed",
        "number_capacity_component",
    )
    # A list sent with a wrong JSON type counts as sent: its fault, not the missing number.
    assert _enable_fault(npb.EnableVirtualNumbersRequest(), Faults(at={"number_capacity_ids": Fault.WRONG_TYPE})) == (
        "required_parameter_missed",
        "number_capacity_component",
    )
    assert _enable_fault(npb.EnableVirtualNumbersRequest(), unknown_key) == ("unexpected_parameters", "nope")
    check_structure(npb.EnableVirtualNumbersRequest(virtual_phone_number="+74959000901"), numbers.ENABLE)
    check_structure(
        npb.EnableVirtualNumbersRequest(
            number_capacity_ids=["901", "0902"], number_capacity_component=npb.NUMBER_CAPACITY_COMPONENT_VA
        ),
        numbers.ENABLE,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("901", "901"), ("0901", "901"), ("0", "0"), ("000", "0"), (str(2**63 - 1), str(2**63 - 1)),
     (str(2**63), None), ("0" * 50 + "7", "7"), ("-1", None), ("+1", None), ("", None), ("1 ", None),
     ("\u0661", None), ("1e3", None)],
)  # fmt: skip
def test_id_text(text: str, expected: str | None) -> None:
    assert numbers.id_text(text) == expected


# Values for each kind of parameter: fixed ones it takes and refuses, free text, and patterns good and bad.
_CONDITION_VALUES = ("paid", "yandex", "3", "google.com", "nowhere", "9", "", "free text", "a(b", "[z-a]", "(?i)sale")


@pytest.mark.parametrize("parameter", [number for number in pb.CampaignParameter.values() if number])
def test_the_conditions_shortcut_passes_only_what_the_rule_passes(parameter: int) -> None:
    # The walk decides a condition's rule from the values it read (message_rule_passes) and calls the rule
    # itself only where the shortcut says no: a yes the rule would refuse would let a bad condition in.
    condition_param = rules.CAMPAIGN_CONDITIONS[0].fields[0]  # type: ignore[index]
    shortcut, rule = condition_param.message_rule_passes, condition_param.message_rule
    assert shortcut is not None and rule is not None
    passed_by_shortcut = 0
    for operator in (number for number in pb.ConditionOperator.values() if number):
        for value in _CONDITION_VALUES:
            condition = pb.Condition(
                type=pb.CONDITION_TYPE_INCLUDE,
                campaign_parameter=parameter,  # type: ignore[arg-type]
                operator=operator,
                value=value,
            )
            if shortcut((condition.type, condition.campaign_parameter, condition.operator, condition.value)):
                passed_by_shortcut += 1
                rule(condition, "c")  # raises if the rule refuses what the shortcut passed
    assert passed_by_shortcut > 0  # every parameter takes some condition without the rule's call
