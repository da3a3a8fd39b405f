"""The two binary metadata codecs: parameter faults and point limits."""

from __future__ import annotations

from typing import Any

import pytest
from campaigns.v1 import metadata_pb2

from contract.faults import FAULTS_KEY, NO_FAULTS, Fault, Faults, decode_faults, encode_faults
from contract.limits import LIMITS_KEY, Limits, decode_limits, encode_limits

LIMITS = Limits(day_limit=1000, day_remaining=0, day_reset=86_399, minute_limit=30, minute_remaining=29, minute_reset=1)


def test_keys_are_binary_metadata() -> None:
    assert FAULTS_KEY.endswith("-bin")
    assert LIMITS_KEY.endswith("-bin")


def test_faults_round_trip() -> None:
    faults = Faults(
        at={"name": Fault.WRONG_TYPE, "site_blocks[1].phone_number_id": Fault.INVALID_VALUE},
        unexpected={"": "extra", "site_blocks[0]": "site_blocks[0].odd[key]", "ünï": "ünï.cödé"},
    )
    assert decode_faults(encode_faults(faults)) == faults
    assert decode_faults(encode_faults(NO_FAULTS)) == NO_FAULTS


def test_fault_mnemonics() -> None:
    faults = Faults(at={"a": Fault.WRONG_TYPE, "b": Fault.INVALID_VALUE})
    assert faults.mnemonic_at("a") == "data_type_error"
    assert faults.mnemonic_at("b") == "invalid_parameter_value"
    assert faults.mnemonic_at("c") is None


def test_every_fault_kind_but_unspecified_is_a_fault() -> None:
    kinds = {value.number for value in metadata_pb2.FaultKind.DESCRIPTOR.values if value.number}
    for kind in kinds:
        raw = metadata_pb2.ParamFaults(at={"x": kind}).SerializeToString()  # type: ignore[dict-item]
        assert "x" in decode_faults(raw).at


@pytest.mark.parametrize(
    "raw",
    [None, b"", "text metadata", b"\xff\xff\xff", b'{"at": {"name": "type"}}', b"\x0a\x05"],
    ids=["none", "empty", "str", "garbage", "json", "truncated"],
)
def test_malformed_faults_are_none(raw: Any) -> None:
    assert decode_faults(raw) == NO_FAULTS


def test_unknown_fault_kinds_are_ignored() -> None:
    raw = metadata_pb2.ParamFaults(
        at={"a": metadata_pb2.FAULT_KIND_UNSPECIFIED, "b": 7, "c": metadata_pb2.FAULT_KIND_WRONG_TYPE}  # type: ignore[dict-item]
    ).SerializeToString()
    assert decode_faults(raw) == Faults(at={"c": Fault.WRONG_TYPE})


def test_limits_round_trip() -> None:
    assert decode_limits(encode_limits(LIMITS)) == LIMITS
    zeros = Limits(0, 0, 0, 0, 0, 0)
    assert decode_limits(encode_limits(zeros)) == zeros


def test_limits_as_dict_in_wire_order() -> None:
    assert list(LIMITS.as_dict().items()) == [
        ("day_limit", 1000),
        ("day_remaining", 0),
        ("day_reset", 86_399),
        ("minute_limit", 30),
        ("minute_remaining", 29),
        ("minute_reset", 1),
    ]


@pytest.mark.parametrize(
    "raw",
    [None, b"", "1000", b"\xff\xff\xff", b"\x08"],
    ids=["none", "empty", "str", "garbage", "truncated"],
)
def test_malformed_limits_are_none(raw: Any) -> None:
    assert decode_limits(raw) is None


def test_limits_lacking_a_number_are_none() -> None:
    values = LIMITS.as_dict()
    del values["minute_reset"]
    assert decode_limits(metadata_pb2.PointLimits(**values).SerializeToString()) is None
