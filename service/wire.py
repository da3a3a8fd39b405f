"""Enum values as the Data API spells them, read from the proto's wire_value option."""

from __future__ import annotations

from functools import cache
from typing import Any

from campaigns.v1 import options_pb2
from google.protobuf.descriptor import EnumDescriptor


@cache
def _names(enum: EnumDescriptor) -> dict[int, str]:
    return {
        value.number: value.GetOptions().Extensions[options_pb2.wire_value]
        for value in enum.values
        if value.number != 0
    }


@cache
def _numbers(enum: EnumDescriptor) -> dict[str, int]:
    return {name: number for number, name in _names(enum).items()}


def wire_name(enum: EnumDescriptor, number: int) -> str | None:
    """The wire spelling of an enum number, None for UNSPECIFIED and unknown numbers."""
    return _names(enum).get(number)


def wire_number(enum: EnumDescriptor, name: str) -> int | None:
    return _numbers(enum).get(name)


def enum_value(enum: EnumDescriptor, name: str | None) -> Any:
    """The proto number of a stored wire spelling (0, UNSPECIFIED, for none or an unknown one)."""
    return _numbers(enum).get(name, 0) if name is not None else 0
