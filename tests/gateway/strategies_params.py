"""Hypothesis strategies for method params, built by walking the request message descriptors of the proto.

The params are valid-shaped, with the demo data's ids where a field names an entity; strategies_mutations
then changes types, values, sizes, nulls, dropped keys and unknown keys at any depth.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Final

from campaigns.v1 import options_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from hypothesis import strategies as st

from contract.methods import JSONRPC_METHODS as METHODS
from tests.gateway.strategies_values import HOSTILE_STRINGS, TOKENS, Json, json_scalars

# Demo-data values (docs/demo-data.md) for the fields that name entities, so that valid-shaped params reach
# the entity checks and sometimes succeed.
KNOWN_INTEGERS: Final[Mapping[str, tuple[int, ...]]] = {
    "user_id": (5001, 5001, 5002, 5005),
    "site_id": (10, 10, 20, 11),
    "site_block_id": (101, 102, 201, 111),
    "phone_number_id": (301, 302, 303, 304, 305, 306, 307, 311, 381),
    "redirection_phone_number_id": (401, 402, 411),
    "id": (7, 8, 9, -1, 60, 1001, 1002),
    "count_virtual_numbers": (1, 2),
    "count_visits": (1, 10, 1000),
    "limit": (0, 1, 5, 10_000),
    "offset": (0, 1, 3),
}
KNOWN_STRINGS: Final[Mapping[str, tuple[str, ...]]] = {
    "value": ("/landing", "google.com", "yandex", "1", "9", "paid", "cash", "a.*b", "[a", "(?i)x"),
    "name": ("Spring sale", "Existing call tracking", "x"),
    "description": ("", "d" * 255, "d" * 256),
}
# Message fields a client usually sends: present unless a mutation drops them.
USUALLY_SENT: Final[Mapping[str, tuple[str, ...]]] = {
    "CreateCampaignRequest": ("name", "site_id"),
    "UpdateCampaignRequest": ("id", "site_id"),
    "SiteBlock": ("site_block_id", "phone_number_id"),
    "Condition": ("type", "campaign_parameter", "operator", "value"),
    "ConditionGroup": ("conditions",),
    "CampaignConditions": ("group_conditions",),
    "DynamicCallTracking": ("count_virtual_numbers", "count_visits"),
    "Sort": ("field",),
}
# Messages that are one of several shapes (docs/decisions.md: a filter is {field, operator, value} or
# {filters, condition}, not both): each shape lists its members, the first ones usually sent.
SHAPES: Final[Mapping[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]]] = {
    "Filter": ((("field", "operator"), ("value",)), (("filters",), ("condition",))),
}
MAX_MESSAGE_DEPTH: Final = 3


def _is_param(fd: FieldDescriptor) -> bool:
    return bool(fd.GetOptions().Extensions[options_pb2.json_role] == options_pb2.JSON_ROLE_UNSPECIFIED)


def wire_values(fd: FieldDescriptor) -> list[str]:
    """An enum field's wire spellings (the `wire_value` option), in declaration order."""
    enum = fd.enum_type
    assert enum is not None, fd.full_name
    return [value.GetOptions().Extensions[options_pb2.wire_value] for value in enum.values if value.number != 0]


@cache
def item_fields(method: str) -> tuple[str, ...]:
    """The names a get method's items have (its response's JSON_ROLE_DATA message)."""
    output = METHODS[method].rpc.output_type
    for fd in output.fields:
        if fd.GetOptions().Extensions[options_pb2.json_role] == options_pb2.JSON_ROLE_DATA and fd.message_type:
            return tuple(child.name for child in fd.message_type.fields)
    return ()


def _scalar(fd: FieldDescriptor, names: tuple[str, ...]) -> st.SearchStrategy[Json]:
    if fd.type == FieldDescriptor.TYPE_ENUM:
        return st.sampled_from(wire_values(fd))
    if fd.type == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if fd.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return st.one_of(st.floats(1, 10, allow_nan=False), st.integers(1, 10))
    if fd.type == FieldDescriptor.TYPE_STRING:
        if fd.name in ("field", "fields") and names:
            return st.one_of(st.sampled_from(names), st.sampled_from(names), st.text(max_size=12))
        known = KNOWN_STRINGS.get(fd.name)
        text = st.one_of(st.text(min_size=1, max_size=16), st.sampled_from(HOSTILE_STRINGS))
        return st.one_of(st.sampled_from(known), text) if known else text
    known_ints = KNOWN_INTEGERS.get(fd.name)
    small = st.integers(-3, 2000)
    return st.one_of(st.sampled_from(known_ints), st.sampled_from(known_ints), small) if known_ints else small


def _json_value_field(names: tuple[str, ...]) -> st.SearchStrategy[Json]:
    """A google.protobuf.Value (a filter's value): a scalar, or a short list for in/not_in."""
    scalar = st.one_of(
        st.sampled_from((1, 7, 10, -1, "active", "basic", "Spring sale", "%a%", "2026-01-15 10:00:00", *names)),
        st.sampled_from(HOSTILE_STRINGS),
        json_scalars,
    )
    return st.one_of(scalar, scalar, st.lists(scalar, max_size=4))


def message_params(descriptor: Descriptor, names: tuple[str, ...], depth: int = 0) -> st.SearchStrategy[Json]:
    """Valid-shaped JSON for one message: its parameter fields, walked from the descriptor."""
    members: dict[str, st.SearchStrategy[Json]] = {}
    for fd in descriptor.fields:
        if not _is_param(fd):
            continue
        if fd.message_type is not None and fd.message_type.full_name == "google.protobuf.Value":
            value: st.SearchStrategy[Json] = _json_value_field(names)
        elif fd.message_type is not None:
            if depth >= MAX_MESSAGE_DEPTH and fd.message_type is descriptor:
                continue  # a recursive message (Filter.filters) stops here
            value = message_params(fd.message_type, names, depth + 1)
        else:
            value = _scalar(fd, names)
        if fd.is_repeated:
            value = st.lists(value, min_size=1 if fd.name in USUALLY_SENT.get(descriptor.name, ()) else 0, max_size=3)
        members[fd.name] = value
    shapes = SHAPES.get(descriptor.name) or ((USUALLY_SENT.get(descriptor.name, ()), tuple(members)),)
    return st.one_of(
        *(
            st.fixed_dictionaries(
                {name: members[name] for name in usual if name in members},
                optional={name: members[name] for name in others if name in members and name not in usual},
            )
            for usual, others in shapes
        )
    )


def params_for(method: str) -> st.SearchStrategy[dict[str, Json]]:
    """Valid-shaped params of a method, from its request descriptor, with a demo token."""
    descriptor = METHODS[method].rpc.input_type
    names = item_fields(method)
    token = st.one_of(*(st.just("tok_cust"),) * 6, st.sampled_from(TOKENS))
    shaped = message_params(descriptor, names)
    return st.tuples(token, shaped).map(lambda pair: {"access_token": pair[0], **pair[1]})
