"""Enum spellings both ways, from the wire_value option."""

from __future__ import annotations

import pytest
from campaigns.v1 import campaign_pb2 as pb
from google.protobuf.descriptor import EnumDescriptor

from contract.wire import wire_name, wire_number

ENUMS = [
    pb.CampaignStatus.DESCRIPTOR,
    pb.CampaignType.DESCRIPTOR,
    pb.PhoneNumberType.DESCRIPTOR,
    pb.ConditionType.DESCRIPTOR,
    pb.CampaignParameter.DESCRIPTOR,
    pb.ConditionOperator.DESCRIPTOR,
    pb.CostRatioOperator.DESCRIPTOR,
    pb.ReservationTime.DESCRIPTOR,
]


def test_known_spellings() -> None:
    assert wire_name(pb.CampaignStatus.DESCRIPTOR, pb.CAMPAIGN_STATUS_ACTIVE) == "active"
    assert wire_number(pb.CampaignStatus.DESCRIPTOR, "inactive") == pb.CAMPAIGN_STATUS_INACTIVE
    assert wire_number(pb.PhoneNumberType.DESCRIPTOR, "va") == pb.PHONE_NUMBER_TYPE_VA


@pytest.mark.parametrize("enum", ENUMS, ids=lambda enum: enum.name)
def test_both_ways_for_every_value(enum: EnumDescriptor) -> None:
    for value in enum.values:
        name = wire_name(enum, value.number)
        if value.number == 0:
            assert name is None
            continue
        assert name, value.name
        assert wire_number(enum, name) == value.number


@pytest.mark.parametrize("enum", ENUMS, ids=lambda enum: enum.name)
def test_spellings_are_distinct(enum: EnumDescriptor) -> None:
    names = [wire_name(enum, value.number) for value in enum.values if value.number]
    assert len(set(names)) == len(names)


def test_no_spelling_is_unspecified() -> None:
    status = pb.CampaignStatus.DESCRIPTOR
    assert wire_name(status, 0) is None
    assert wire_name(status, 99) is None
    assert wire_number(status, None) == 0
    assert wire_number(status, "ACTIVE") == 0
    assert wire_number(status, "") == 0
    assert wire_number(status, "CAMPAIGN_STATUS_ACTIVE") == 0
