"""gateway/translate.py: JSON params to protobuf (and the faults JSON can have that protobuf cannot), and the
helpers the error mapping uses (lookup, value_text). Replies back to JSON: test_replies.py."""

from __future__ import annotations

from typing import Any

import pytest
from campaigns.v1 import campaign_pb2, campaign_service_pb2, number_service_pb2
from google.protobuf import json_format

from contract.faults import Fault, decode_faults
from gateway import translate
from gateway.jsonwire import BigInt, loads

ENVELOPE = frozenset({"access_token"})


def create(params: dict[str, Any]) -> translate.Translation:
    return translate.to_message(params, campaign_service_pb2.CreateCampaignRequest(), skip=ENVELOPE)


def test_params_become_the_message() -> None:
    translation = create(
        {
            "access_token": "tok",
            "name": "Spring sale",
            "status": "inactive",
            "site_id": 10,
            "site_blocks": [{"site_block_id": 101, "phone_number_id": 301, "dynamic_call_tracking_enabled": True}],
            "campaign_conditions": {
                "group_conditions": [
                    {"conditions": [{"type": "include", "campaign_parameter": "utm_source", "operator": "~"}]}
                ]
            },
            "dynamic_call_tracking": {"reservation_time": "1h", "count_visits": 3},
            "description": None,  # null is not sent
        }
    )
    message = translation.message
    assert isinstance(message, campaign_service_pb2.CreateCampaignRequest)
    assert message.name == "Spring sale"
    assert message.status == campaign_pb2.CAMPAIGN_STATUS_INACTIVE
    assert message.site_id == 10
    assert not message.HasField("description")
    assert [(b.site_block_id, b.phone_number_id, b.dynamic_call_tracking_enabled) for b in message.site_blocks] == [
        (101, 301, True)
    ]
    condition = message.campaign_conditions.group_conditions[0].conditions[0]
    assert (condition.type, condition.campaign_parameter, condition.operator) == (
        campaign_pb2.CONDITION_TYPE_INCLUDE,
        campaign_pb2.CAMPAIGN_PARAMETER_UTM_SOURCE,
        campaign_pb2.CONDITION_OPERATOR_REGEX,
    )
    assert message.dynamic_call_tracking.reservation_time == campaign_pb2.RESERVATION_TIME_1H
    assert translation.count == 0
    assert translation.faults_metadata() is None


FAULTS = [
    pytest.param({"site_id": "10"}, {"site_id": Fault.WRONG_TYPE}, id="string for an integer"),
    pytest.param({"site_id": True}, {"site_id": Fault.WRONG_TYPE}, id="boolean for an integer"),
    pytest.param({"site_id": 1.5}, {"site_id": Fault.WRONG_TYPE}, id="float for an integer"),
    pytest.param({"site_id": 2**63}, {"site_id": Fault.INVALID_VALUE}, id="past int64"),
    pytest.param({"site_id": BigInt("1" * 30)}, {"site_id": Fault.INVALID_VALUE}, id="BigInt"),
    pytest.param({"name": 5}, {"name": Fault.WRONG_TYPE}, id="number for a string"),
    pytest.param({"status": "paused"}, {"status": Fault.INVALID_VALUE}, id="enum spelling with no value"),
    pytest.param({"status": "CAMPAIGN_STATUS_ACTIVE"}, {"status": Fault.INVALID_VALUE}, id="enum by its proto name"),
    pytest.param({"status": 1}, {"status": Fault.WRONG_TYPE}, id="enum by number"),
    pytest.param({"site_blocks": {"site_block_id": 1}}, {"site_blocks": Fault.WRONG_TYPE}, id="object for a list"),
    pytest.param({"site_blocks": [7]}, {"site_blocks[0]": Fault.WRONG_TYPE}, id="list item not an object"),
    pytest.param(
        {"site_blocks": [{"site_block_id": 1}, {"phone_number_id": "x"}]},
        {"site_blocks[1].phone_number_id": Fault.WRONG_TYPE},
        id="indexed path",
    ),
    pytest.param(
        {"site_blocks": [{}] * (translate.MAX_ITEMS + 1)}, {"site_blocks": Fault.INVALID_VALUE}, id="too many items"
    ),
    pytest.param({"dynamic_call_tracking": []}, {"dynamic_call_tracking": Fault.WRONG_TYPE}, id="list for an object"),
    pytest.param(
        {"site_blocks": [{"dynamic_call_tracking_enabled": "yes"}]},
        {"site_blocks[0].dynamic_call_tracking_enabled": Fault.WRONG_TYPE},
        id="string for a boolean",
    ),
]


@pytest.mark.parametrize(("params", "expected"), FAULTS)
def test_faults_by_path(params: dict[str, Any], expected: dict[str, Fault]) -> None:
    translation = create(params)
    assert translation.at == expected
    assert translation.unexpected == {}
    faults = decode_faults(translation.faults_metadata())
    assert dict(faults.at) == expected
    for path in expected:
        assert translation.fields[path] == path.replace("[0]", "").replace("[1]", "")


def test_list_items_filled_at_once_are_those_filled_field_by_field(monkeypatch: pytest.MonkeyPatch) -> None:
    # Plain list items are filled without paths (_flat_set); anything else goes field by field, over
    # what _flat_set set before it met the key it could not take. The same message, the same faults.
    conditions = [
        {"type": "include", "campaign_parameter": "utm_source", "operator": "=", "value": "x"},
        {"type": "exclude", "campaign_parameter": "city", "operator": "~", "value": None},  # null: not sent
        {"type": "include", "campaign_parameter": "no_such_parameter", "operator": "="},
        {"type": "include", "odd": 1},
        {"type": 1, "operator": "="},
        {"type": "include", "campaign_parameter": "utm_source", "operator": "nope", "value": "x"},
        {"value": "y", "operator": "=", "type": ["include"]},
    ]
    params = {
        "site_blocks": [
            {"site_block_id": 2**63},
            {"site_block_id": -(2**63), "phone_number_id": 301, "dynamic_call_tracking_enabled": False},
            {"site_block_id": 101, "phone_number_id": True},
        ],
        "campaign_conditions": {"group_conditions": [{"conditions": conditions}]},
    }
    at_once = create(params)
    monkeypatch.setattr(translate, "_flat_set", lambda _item, _message, _plan: False)
    field_by_field = create(params)
    assert at_once.message == field_by_field.message
    assert (at_once.at, at_once.unexpected, at_once.sent, at_once.count) == (
        field_by_field.at,
        field_by_field.unexpected,
        field_by_field.sent,
        field_by_field.count,
    )
    message = at_once.message
    assert isinstance(message, campaign_service_pb2.CreateCampaignRequest)
    sent = message.campaign_conditions.group_conditions[0].conditions
    assert sent[0].value == "x" and not sent[1].HasField("value")
    assert message.site_blocks[1].site_block_id == -(2**63)
    assert set(at_once.at) == {
        "site_blocks[0].site_block_id",
        "site_blocks[2].phone_number_id",
        "campaign_conditions.group_conditions[0].conditions[2].campaign_parameter",
        "campaign_conditions.group_conditions[0].conditions[4].type",
        "campaign_conditions.group_conditions[0].conditions[5].operator",
        "campaign_conditions.group_conditions[0].conditions[6].type",
    }
    assert sent[5].campaign_parameter and sent[6].value == "y"  # set before the key that failed, and kept


def test_a_faulty_field_still_counts_as_sent() -> None:
    message = create({"site_id": "10", "name": 5}).message
    assert isinstance(message, campaign_service_pb2.CreateCampaignRequest)
    assert message.HasField("site_id") and message.site_id == 0
    assert message.HasField("name") and message.name == ""


def test_unknown_keys_first_per_message_with_the_value_sent() -> None:
    translation = create({"extra": 1, "more": 2, "site_blocks": [{"odd": [1], "site_block_id": 1}]})
    assert translation.unexpected == {"": "extra", "site_blocks[0]": "site_blocks[0].odd"}
    assert translation.sent == {"extra": 1, "site_blocks[0].odd": [1]}
    assert translation.fields == {"extra": "extra", "site_blocks[0].odd": "site_blocks.odd"}
    assert translation.count == 3
    assert dict(decode_faults(translation.faults_metadata()).unexpected) == translation.unexpected


def test_long_keys_are_cut_in_the_path() -> None:
    key = "k" * 500
    translation = create({key: None})
    assert translation.unexpected == {"": "k" * 100}
    assert translation.sent == {"k" * 100: None}


def test_faults_are_capped_but_counted() -> None:
    params = {f"x{n}": n for n in range(translate.MAX_FAULTS + 5)}
    params["site_blocks"] = [{"site_block_id": "a"}] * (translate.MAX_FAULTS + 5)  # type: ignore[assignment]
    translation = create(params)
    assert translation.count == 2 * (translate.MAX_FAULTS + 5)
    assert len(translation.at) + len(translation.unexpected) <= translate.MAX_FAULTS
    assert translation.unexpected == {"": "x0"}


def test_depth_is_bounded() -> None:
    filters: dict[str, Any] = {"field": "id"}
    for _ in range(translate.MAX_DEPTH + 5):
        filters = {"filters": [filters]}
    translation = translate.to_message({"filter": filters}, campaign_service_pb2.GetCampaignsRequest(), skip=ENVELOPE)
    assert list(translation.at.values()) == [Fault.INVALID_VALUE]
    (path,) = translation.at
    assert path.count(".") + path.count("[") == translate.MAX_DEPTH
    translation.message.SerializeToString()  # still a message protobuf can send


def test_a_string_field_marked_integer_as_text_takes_integers_as_their_text() -> None:
    """number_capacity_ids (integer_as_text): an integer becomes its exact decimal text, however large;
    any other JSON type is still a wrong type; the service judges the text."""
    params = loads(b'{"number_capacity_ids":[901,"0902",-3,123456789012345678901234567890,1.5,true,null,[1]]}')
    translation = translate.to_message(params, number_service_pb2.EnableVirtualNumbersRequest())
    message = translation.message
    assert isinstance(message, number_service_pb2.EnableVirtualNumbersRequest)
    assert list(message.number_capacity_ids) == ["901", "0902", "-3", "123456789012345678901234567890", "", "", "", ""]
    assert decode_faults(translation.faults_metadata()).at == {
        f"number_capacity_ids[{index}]": Fault.WRONG_TYPE for index in range(4, 8)
    }
    # Strings without the option still refuse integers.
    plain = translate.to_message(
        {"virtual_phone_number": 74959000901}, number_service_pb2.EnableVirtualNumbersRequest()
    )
    assert decode_faults(plain.faults_metadata()).at == {"virtual_phone_number": Fault.WRONG_TYPE}


def test_a_filter_value_is_any_json_and_null_is_a_value() -> None:
    for value, expected in [(None, None), ([1, "a", True], [1.0, "a", True]), ({"k": [None]}, {"k": [None]})]:
        translation = translate.to_message(
            {"filter": {"field": "id", "operator": "=", "value": value}},
            campaign_service_pb2.GetCampaignsRequest(),
            skip=ENVELOPE,
        )
        assert translation.count == 0
        assert translation.message.filter.HasField("value")  # type: ignore[attr-defined]
        assert json_format.MessageToDict(translation.message.filter)["value"] == expected  # type: ignore[attr-defined]


def test_a_filter_value_too_deep_is_an_invalid_value() -> None:
    value: Any = 1
    for _ in range(translate.MAX_DEPTH + 1):
        value = [value]
    translation = translate.to_message(
        {"filter": {"field": "id", "value": value}}, campaign_service_pb2.GetCampaignsRequest(), skip=ENVELOPE
    )
    assert translation.at == {"filter.value": Fault.INVALID_VALUE}
    assert not translation.message.filter.HasField("value")  # type: ignore[attr-defined]


def test_an_update_names_what_its_nulls_and_empty_lists_clear() -> None:
    translation = translate.to_message(
        {"id": 1, "description": None, "site_blocks": [], "name": "n", "unknown": None, "access_token": None},
        campaign_service_pb2.UpdateCampaignRequest(),
        skip=ENVELOPE,
    )
    message = translation.message
    assert isinstance(message, campaign_service_pb2.UpdateCampaignRequest)
    assert list(message.cleared_fields) == ["description", "site_blocks"]
    assert translation.unexpected == {"": "unknown"}


def test_cleared_fields_is_not_a_parameter() -> None:
    translation = translate.to_message(
        {"cleared_fields": ["name"]}, campaign_service_pb2.UpdateCampaignRequest(), skip=ENVELOPE
    )
    assert translation.unexpected == {"": "cleared_fields"}
    assert list(translation.message.cleared_fields) == []  # type: ignore[attr-defined]


def test_cost_takes_any_json_number_and_ids_only_integers() -> None:
    translation = translate.to_message(
        loads(
            b'{"costs":[{"campaign_id":70,"site_id":21,"cost":12,"date_from":"2026-01-01"},{"cost":0.015},'
            b'{"campaign_id":7.5,"cost":"1"},3]}'
        ),
        campaign_service_pb2.UploadCampaignCostsRequest(),
    )
    costs = translation.message.costs  # type: ignore[attr-defined]

    assert (costs[0].cost, costs[1].cost) == (12.0, 0.015)
    assert {path: fault for path, fault in translation.at.items()} == {
        "costs[2].campaign_id": Fault.WRONG_TYPE,
        "costs[2].cost": Fault.WRONG_TYPE,
        "costs[3]": Fault.WRONG_TYPE,
    }
    # The error's field is the path without indices (contract §3).
    assert translation.fields["costs[3]"] == "costs"


LOOKUPS = [
    pytest.param("name", (True, "n"), id="top level"),
    pytest.param("site_blocks[1].site_block_id", (True, 2), id="indexed"),
    pytest.param("site_blocks[2].site_block_id", (False, None), id="index past the end"),
    pytest.param("site_blocks.site_block_id", (False, None), id="no index where a list is"),
    pytest.param("name.x", (False, None), id="into a string"),
    pytest.param("site_blocks[0]", (True, {"site_block_id": 1}), id="a whole item"),
    pytest.param("description", (False, None), id="null is not sent"),
    pytest.param("missing", (False, None), id="absent"),
    pytest.param("deep[0][1]", (True, "b"), id="nested lists"),
]


@pytest.mark.parametrize(("path", "expected"), LOOKUPS)
def test_lookup(path: str, expected: tuple[bool, Any]) -> None:
    params = {
        "name": "n",
        "description": None,
        "site_blocks": [{"site_block_id": 1}, {"site_block_id": 2}],
        "deep": [["a", "b"]],
    }
    assert translate.lookup(params, path) == expected


VALUE_TEXTS = [
    pytest.param("text", "text", id="string as itself"),
    pytest.param("", "", id="empty string"),
    pytest.param(True, "true", id="true"),
    pytest.param(False, "false", id="false"),
    pytest.param(-12, "-12", id="integer"),
    pytest.param(1.5, "1.5", id="float as JSON"),
    pytest.param(BigInt("123456789012345678901234567890"), "123456789012345678901234567890", id="BigInt"),
    pytest.param(None, "null", id="null"),
    pytest.param({"a": [1, "é", None]}, '{"a":[1,"é",null]}', id="object, compact"),
    pytest.param([BigInt("9" * 25)], "[" + "9" * 25 + "]", id="BigInt inside a list"),
]


@pytest.mark.parametrize(("value", "expected"), VALUE_TEXTS)
def test_value_text(value: Any, expected: str) -> None:
    assert translate.value_text(value) == expected


def test_value_text_of_a_deeply_nested_value() -> None:
    deep = loads(b"[" * 1000 + b"]" * 1000)
    assert translate.value_text(deep) == "[" * 1000 + "]" * 1000
