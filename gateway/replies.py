"""Replies back to JSON: a service's reply message as the `result` a JSON-RPC client expects.

By walking the message descriptors, as translate.py does the other way: unset optional fields are null
(or absent, with omit_when_unset), enums their wire spelling; a list reply is cut to the fields the
client selected, and its other fields go to `result.metadata`. Plans are read from the descriptors once
per message type; a page renders thousands of items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from campaigns.v1 import options_pb2
from google.protobuf.message import Message

from contract.wire import wire_name, wire_names


def to_json(message: Message, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A message as JSON: unset optional fields are null (or absent, with omit_when_unset),
    enums their wire spelling. fields: only these, in this order (a get's selected fields)."""
    return _render(message, _render_plan(message.DESCRIPTOR, fields))


def _render(message: Message, plan: _RenderPlan) -> dict[str, Any]:
    # Start from what every unset field renders as, in the descriptor's order, and fill in what is
    # set: ListFields (one call into the C implementation) names only those, which for a page of
    # thousands of items costs a fraction of asking each field in turn.
    result = dict(plan.unset)
    for name in plan.repeated:
        result[name] = []  # a list of its own, not the plan's
    by_field = plan.by_field
    for fd, value in message.ListFields():
        known = by_field.get(fd)  # descriptors are one object each: hashed by identity, no name looked up
        if known is None:
            continue
        name, how, repeated = known
        if how is None:
            result[name] = list(value) if repeated else value
        elif repeated:
            result[name] = [how(fd, item) for item in value]
        else:
            result[name] = how(fd, value)
    for name in plan.omitted:
        if result[name] is _OMITTED:
            del result[name]
    return result


_OMITTED: Final = object()


@dataclass(frozen=True, slots=True)
class _RenderPlan:
    unset: dict[str, Any]  # field -> what it renders as when not set (_OMITTED: absent)
    omitted: tuple[str, ...]  # fields absent when unset (omit_when_unset)
    repeated: tuple[str, ...]
    # What to_json reads per field listed: its name, its conversion (None: the value as it is), whether
    # it is a list.
    by_field: dict[Any, tuple[str, Callable[[Any, Any], Any] | None, bool]]


def _message_json(descriptor: Any) -> Callable[[Any, Any], Any]:
    """A message field's renderer, its plan found on first use (a message type may contain itself) and
    kept, not looked up again for each value."""
    plans: list[_RenderPlan] = []

    def render(_fd: Any, value: Any) -> Any:
        if not plans:
            plans.append(_render_plan(descriptor))
        return _render(value, plans[0])

    return render


def _enum_json(enum: Any) -> Callable[[Any, Any], Any]:
    """An enum field's renderer: its spellings looked up once, not per value (a page renders 30,000)."""
    spellings = wire_names(enum)
    return lambda _fd, value: spellings.get(value)


@cache
def _render_plan(descriptor: Any, fields: tuple[str, ...] | None = None) -> _RenderPlan:
    unset: dict[str, Any] = {}
    convert: dict[str, Callable[[Any, Any], Any] | None] = {}
    omitted = []
    by_name = descriptor.fields_by_name
    chosen = descriptor.fields if fields is None else [by_name[name] for name in fields if name in by_name]
    for fd in chosen:
        if fd.message_type is not None:
            convert[fd.name] = _message_json(fd.message_type)
        elif fd.enum_type is not None:
            convert[fd.name] = _enum_json(fd.enum_type)
        else:
            convert[fd.name] = None
        if fd.is_repeated:
            unset[fd.name] = []
        elif fd.GetOptions().Extensions[options_pb2.omit_when_unset]:
            # Without presence, "unset" is the zero value (a validate_only create's id: none assigned).
            unset[fd.name] = _OMITTED
            omitted.append(fd.name)
        elif fd.has_presence:
            unset[fd.name] = None
        else:
            # A proto3 scalar at its zero value is not listed: it renders as that value.
            unset[fd.name] = _json_value(fd, fd.default_value)
    repeated = tuple(fd.name for fd in chosen if fd.is_repeated)
    by_field = {fd: (fd.name, convert[fd.name], fd.is_repeated) for fd in chosen}
    return _RenderPlan(unset, tuple(omitted), repeated, by_field)


@dataclass(frozen=True, slots=True)
class _ResultPlan:
    data: Any | None  # the JSON_ROLE_DATA field
    selected: Any | None  # the JSON_ROLE_SELECTED_FIELDS field
    metadata: tuple[Any, ...]
    members: tuple[Any, ...]  # the JSON_ROLE_RESULT_MEMBER fields


@cache
def _result_plan(descriptor: Any) -> _ResultPlan:
    data = selected = None
    metadata = []
    members = []
    for fd in descriptor.fields:
        role = fd.GetOptions().Extensions[options_pb2.json_role]
        if role == options_pb2.JSON_ROLE_DATA:
            data = fd
        elif role == options_pb2.JSON_ROLE_SELECTED_FIELDS:
            selected = fd
        else:
            if role == options_pb2.JSON_ROLE_RESULT_MEMBER:
                members.append(fd)
            metadata.append(fd)
    return _ResultPlan(data, selected, tuple(metadata), tuple(members))


def result_members(reply: Message) -> dict[str, Any]:
    """The reply's fields that are members of `result` itself (JSON_ROLE_RESULT_MEMBER), before `data`."""
    return {fd.name: _json_value(fd, getattr(reply, fd.name)) for fd in _result_plan(reply.DESCRIPTOR).members}


def to_result(reply: Message) -> tuple[Any, dict[str, Any]]:
    """`result.data` and the reply's part of `result.metadata`.

    A reply with a JSON_ROLE_DATA field puts that field in `data` (each item cut
    to the selected fields) and its other fields in `metadata` (total_items);
    any other reply is `data` as a whole.
    """
    plan = _result_plan(reply.DESCRIPTOR)
    if plan.data is None:
        return to_json(reply), {}
    selected = tuple(getattr(reply, plan.selected.name)) if plan.selected is not None else ()
    item_plan = _render_plan(plan.data.message_type, selected or None)  # once, not per item
    items = [_render(item, item_plan) for item in getattr(reply, plan.data.name)]
    metadata = {fd.name: getattr(reply, fd.name) for fd in plan.metadata}
    return items, metadata


def _json_value(fd: Any, value: Any) -> Any:
    if fd.message_type is not None:
        return to_json(value)
    if fd.enum_type is not None:
        return wire_name(fd.enum_type, value)
    return value
