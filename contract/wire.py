"""Enum values as the Data API spells them ("active", "=", "15m"), from the wire_value option.

Number 0 (UNSPECIFIED) has no spelling: it is what proto holds when nothing was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Final

from campaigns.v1 import options_pb2
from google.protobuf.descriptor import EnumDescriptor, FieldDescriptor

# The protobuf field types that are integers: a JSON integer on the wire, whatever their width.
INTEGER_TYPES: Final = frozenset(
    {
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_INT32,
        FieldDescriptor.TYPE_SINT64,
        FieldDescriptor.TYPE_SINT32,
        FieldDescriptor.TYPE_UINT64,
        FieldDescriptor.TYPE_UINT32,
        FieldDescriptor.TYPE_FIXED64,
        FieldDescriptor.TYPE_FIXED32,
        FieldDescriptor.TYPE_SFIXED64,
        FieldDescriptor.TYPE_SFIXED32,
    }
)


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


def wire_numbers(enum: EnumDescriptor) -> Mapping[str, int]:
    """Spelling -> number, for every spelled value of the enum (read only)."""
    return _numbers(enum)


def wire_names(enum: EnumDescriptor) -> Mapping[int, str]:
    """Number -> spelling, for every spelled value of the enum (read only): for loops over many values."""
    return _names(enum)


def wire_name(enum: EnumDescriptor, number: int) -> str | None:
    """The spelling of an enum number; None for UNSPECIFIED and numbers the enum does not have."""
    return _names(enum).get(number)


def wire_number(enum: EnumDescriptor, name: str | None) -> Any:
    """The enum number of a spelling; 0 (UNSPECIFIED) for None and spellings the enum does not have.

    Any, not int: the number goes into generated messages, whose enum fields are typed per enum.
    """
    return _numbers(enum).get(name, 0) if name is not None else 0
