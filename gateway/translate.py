"""JSON params to protobuf messages, by walking the message descriptors (replies.py is the way back).

No per-field code: a field added to the proto is accepted here as it is.
JSON keys are proto field names; enum values are spelled as their wire_value
option says. What JSON can express and proto cannot (an unknown key, a wrong
type, an enum spelling with no value) is recorded as a fault for the service,
which reports the first fault of the request in the contract's order. A
faulty field gets a placeholder so that it still counts as sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from campaigns.v1 import options_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from contract import paths
from contract.faults import Fault, Faults, encode_faults
from contract.wire import INTEGER_TYPES, wire_number, wire_numbers
from gateway.jsonwire import BigInt, compact

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
# The service needs only the first faults in document order; more would swell the metadata.
MAX_FAULTS: Final = 16
# Longest key echoed back in a fault path.
_MAX_KEY: Final = 100
# Bounds on what is turned into protobuf at all (the service's own limits are far smaller):
# deeper messages or longer lists are reported as invalid values where they start, so that
# the request still decodes (protobuf stops at 100 levels) and fits the gRPC message limit.
MAX_DEPTH: Final = 24
MAX_ITEMS: Final = 10_000

_VALUE: Final = "google.protobuf.Value"


@dataclass(slots=True)
class Translation:
    """A request message and what the JSON layer saw wrong in it."""

    message: Message
    at: dict[str, Fault] = field(default_factory=dict)
    unexpected: dict[str, str] = field(default_factory=dict)  # parent path -> first unknown key's path
    # path of each fault -> the JSON value the client sent there, and its `field`
    sent: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    count: int = 0

    def fault(self, path: str, dotted: str, fault: Fault, value: Any) -> None:
        if self.count < MAX_FAULTS:
            self.at[path] = fault
            self.sent[path] = value
            self.fields[path] = dotted
        self.count += 1

    def unknown_key(self, parent: str, path: str, dotted: str, value: Any) -> None:
        if self.count < MAX_FAULTS and parent not in self.unexpected:
            self.unexpected[parent] = path
            self.sent[path] = value
            self.fields[path] = dotted
        self.count += 1

    def faults_metadata(self) -> bytes | None:
        """The faults as request metadata (contract/faults.py), None when there are none."""
        if not self.count:
            return None
        return encode_faults(Faults(at=self.at, unexpected=self.unexpected))


# How a singular scalar field takes a JSON value that is plainly right, without a path written down
# for a fault that does not happen (the rest goes through _scalar).
_AS_IS: Final = 1  # a string, or a boolean
_INTEGER: Final = 2
_ENUM: Final = 3


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the walk needs of one message type, read from its descriptor once."""

    params: tuple[Any, ...]  # the fields that are JSON parameters, in document order
    names: frozenset[str]
    nulled_field: str | None  # the JSON_ROLE_NULLED_PARAMS field, if any
    # Per param: (0 or one of the kinds above, the JSON type it takes as is, an enum's spellings).
    quick: tuple[tuple[int, type | None, Mapping[str, int] | None], ...]
    # What _flat_set reads: the params that can be quick, and the same split by kind so that each key
    # costs one or two look-ups (the enums' spellings, the JSON type of a string or boolean taken as is,
    # the integers).
    flat_names: frozenset[str]
    flat_enums: Mapping[str, Mapping[str, int]]
    flat_as_is: Mapping[str, type]
    flat_integers: frozenset[str]


@cache
def _plan(descriptor: Any) -> _Plan:
    params = []
    nulled = None
    for fd in descriptor.fields:
        role = fd.GetOptions().Extensions[options_pb2.json_role]
        if role == options_pb2.JSON_ROLE_NULLED_PARAMS:
            nulled = fd.name
        elif role == options_pb2.JSON_ROLE_UNSPECIFIED:
            params.append(fd)
    quick = tuple(_quick(fd) for fd in params)
    by_name = {fd.name: how for fd, how in zip(params, quick, strict=True) if how[0]}
    return _Plan(
        tuple(params),
        frozenset(fd.name for fd in params),
        nulled,
        quick,
        flat_names=frozenset(by_name),
        flat_enums={name: spellings for name, (kind, _, spellings) in by_name.items() if kind == _ENUM and spellings},
        flat_as_is={name: json_type for name, (kind, json_type, _) in by_name.items() if kind == _AS_IS and json_type},
        flat_integers=frozenset(name for name, (kind, _, _) in by_name.items() if kind == _INTEGER),
    )


def _flat_set(item: dict[str, Any], message: Message, plan: _Plan) -> bool:
    """Set a list item's fields when each key is a scalar param and each value plainly right (null: not
    sent); False, with some of them set, when anything needs _fill's checks and paths (_fill then sets
    each again as it is, and looks at the rest).

    The items of a long list (a maximal campaign's 1,500 conditions) are flat and right: this fills each
    with no path written down for a fault that does not happen, and no keyword dict built for `add`.
    """
    enums, as_is = plan.flat_enums, plan.flat_as_is
    for key, given in item.items():
        spellings = enums.get(key)
        if spellings is not None:
            number = spellings.get(given) if type(given) is str else None
            if number:
                setattr(message, key, number)
            elif given is not None:
                return False
            continue  # a spelling, or null: not sent
        if type(given) is as_is.get(key) or (
            key in plan.flat_integers and type(given) is int and INT64_MIN <= given <= INT64_MAX
        ):
            setattr(message, key, given)
        elif given is not None or key not in plan.flat_names:
            return False  # a key that is not a scalar param, or a value _fill must look at
    return True


def _took(message: Message, name: str, quick: int, value: Any, spellings: Mapping[str, int] | None) -> bool:
    """Set a plainly right scalar; False (nothing set) for anything _scalar must look at."""
    if quick == _AS_IS or (quick == _INTEGER and INT64_MIN <= value <= INT64_MAX):
        setattr(message, name, value)
        return True
    if quick == _ENUM and spellings is not None and (number := spellings.get(value)):
        setattr(message, name, number)
        return True
    return False


def _quick(fd: Any) -> tuple[int, type | None, Mapping[str, int] | None]:
    if fd.is_repeated or fd.message_type is not None:
        return (0, None, None)
    if fd.type == FieldDescriptor.TYPE_STRING:
        return (_AS_IS, str, None)
    if fd.type == FieldDescriptor.TYPE_BOOL:
        return (_AS_IS, bool, None)
    if fd.type in INTEGER_TYPES:
        return (_INTEGER, int, None)
    if fd.type == FieldDescriptor.TYPE_ENUM:
        return (_ENUM, str, wire_numbers(fd.enum_type))
    return (0, None, None)


@cache
def _integer_as_text(fd: Any) -> bool:
    return bool(fd.GetOptions().Extensions[options_pb2.integer_as_text])


def _is_json_value(fd: Any) -> bool:
    return fd.message_type is not None and fd.message_type.full_name == _VALUE


def to_message(params: dict[str, Any], message: Message, *, skip: frozenset[str] = frozenset()) -> Translation:
    """Fill `message` from a JSON object; keys in `skip` are the envelope's (access_token)."""
    translation = Translation(message)
    _fill(params, message, "", "", translation, skip)
    plan = _plan(message.DESCRIPTOR)
    if plan.nulled_field is not None:
        # An update's nulls clear what they name (elsewhere null is simply "not sent"), and
        # so does an empty list, which protobuf cannot tell from a list not sent.
        getattr(message, plan.nulled_field).extend(
            key for key, value in params.items() if (value is None or value == []) and key in plan.names
        )
    return translation


def _fill(
    obj: dict[str, Any], message: Message, path: str, dotted: str, out: Translation, skip: frozenset[str]
) -> None:
    """`path` carries indices (site_blocks[1].x), `dotted` is the same without them."""
    plan = _plan(message.DESCRIPTOR)
    if path.count(".") + path.count("[") >= MAX_DEPTH:
        out.fault(path, dotted, Fault.INVALID_VALUE, obj)
        return
    for key, given in obj.items():
        if key not in plan.names and key not in skip:
            out.unknown_key(path, paths.join(path, key[:_MAX_KEY]), paths.join(dotted, key[:_MAX_KEY]), given)
    for fd, (quick, json_type, spellings) in zip(plan.params, plan.quick, strict=True):
        if fd.name not in obj:
            continue
        value = obj[fd.name]
        if quick and type(value) is json_type and _took(message, fd.name, quick, value, spellings):
            continue
        if value is None and not (_is_json_value(fd) and not fd.is_repeated):
            continue  # null counts as not sent (except as a filter's value)
        field_path = paths.join(path, fd.name)
        field_dotted = paths.join(dotted, fd.name)
        if fd.is_repeated:
            if not isinstance(value, list):
                out.fault(field_path, field_dotted, Fault.WRONG_TYPE, value)
                continue
            if len(value) > MAX_ITEMS:
                out.fault(field_path, field_dotted, Fault.INVALID_VALUE, value)
                continue
            container = getattr(message, fd.name)
            # An item's own depth is checked in _fill; a flat item is filled here only above the bound.
            flat_allowed = field_path.count(".") + field_path.count("[") + 1 < MAX_DEPTH
            item_plan = _plan(fd.message_type) if fd.message_type is not None and flat_allowed else None
            for index, item in enumerate(value):
                if fd.message_type is None:
                    container.append(_scalar(fd, item, paths.item(field_path, index), field_dotted, out))
                    continue
                element = container.add()
                if item_plan is not None and type(item) is dict and _flat_set(item, element, item_plan):
                    continue
                if isinstance(item, dict):
                    _fill(item, element, paths.item(field_path, index), field_dotted, out, frozenset())
                else:
                    out.fault(paths.item(field_path, index), field_dotted, Fault.WRONG_TYPE, item)
        elif _is_json_value(fd):
            if not _set_json_value(getattr(message, fd.name), value, MAX_DEPTH):
                message.ClearField(fd.name)
                out.fault(field_path, field_dotted, Fault.INVALID_VALUE, value)
        elif fd.message_type is not None:
            child = getattr(message, fd.name)
            child.SetInParent()
            if isinstance(value, dict):
                _fill(value, child, field_path, field_dotted, out, frozenset())
            else:
                out.fault(field_path, field_dotted, Fault.WRONG_TYPE, value)
        else:
            setattr(message, fd.name, _scalar(fd, value, field_path, field_dotted, out))


def _set_json_value(target: Any, value: Any, depth: int) -> bool:
    """Any JSON into a google.protobuf.Value; False when it is deeper or longer than the bounds."""
    if depth <= 0:
        return False
    if isinstance(value, list | dict) and len(value) > MAX_ITEMS:
        return False
    if value is None:
        target.null_value = 0
    elif isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int | float):
        target.number_value = float(value)
    elif isinstance(value, BigInt):
        target.string_value = value.text  # out of range whatever it is compared with
    elif isinstance(value, str):
        target.string_value = value
    elif isinstance(value, list):
        target.list_value.SetInParent()
        return all(_set_json_value(target.list_value.values.add(), item, depth - 1) for item in value)
    else:
        target.struct_value.SetInParent()
        return all(_set_json_value(target.struct_value.fields[key], item, depth - 1) for key, item in value.items())
    return True


def _scalar(fd: Any, value: Any, path: str, dotted: str, out: Translation) -> Any:
    """The proto value for a JSON scalar, or a placeholder after recording a fault."""
    kind = fd.type
    if kind in INTEGER_TYPES:
        if isinstance(value, int) and not isinstance(value, bool):
            if INT64_MIN <= value <= INT64_MAX:
                return value
            out.fault(path, dotted, Fault.INVALID_VALUE, value)
        elif isinstance(value, BigInt):
            out.fault(path, dotted, Fault.INVALID_VALUE, value)
        else:
            out.fault(path, dotted, Fault.WRONG_TYPE, value)
        return 0
    if kind == FieldDescriptor.TYPE_STRING:
        if isinstance(value, str):
            return value
        if _integer_as_text(fd):
            # The integer's exact decimal text; the service checks it as it checks a string sent.
            if isinstance(value, int) and not isinstance(value, bool):
                return str(value)
            if isinstance(value, BigInt):
                return value.text
        out.fault(path, dotted, Fault.WRONG_TYPE, value)
        return ""
    if kind == FieldDescriptor.TYPE_BOOL:
        if isinstance(value, bool):
            return value
        out.fault(path, dotted, Fault.WRONG_TYPE, value)
        return False
    if kind == FieldDescriptor.TYPE_ENUM:
        if isinstance(value, str):
            number = wire_number(fd.enum_type, value)
            if number:
                return number
            out.fault(path, dotted, Fault.INVALID_VALUE, value)
        else:
            out.fault(path, dotted, Fault.WRONG_TYPE, value)
        return 0
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        out.fault(path, dotted, Fault.INVALID_VALUE if isinstance(value, BigInt) else Fault.WRONG_TYPE, value)
        return 0.0
    out.fault(path, dotted, Fault.WRONG_TYPE, value)  # bytes and the like: not on this API
    return fd.default_value


_SEGMENT = re.compile(r"([^.\[]+)|\[(\d+)\]")


def lookup(params: Any, path: str) -> tuple[bool, Any]:
    """The JSON value at a service-reported path (proto field names and indices)."""
    node = params
    for name, index in _SEGMENT.findall(path):
        if name:
            if not isinstance(node, dict) or name not in node:
                return False, None
            node = node[name]
        else:
            position = int(index)
            if not isinstance(node, list) or position >= len(node):
                return False, None
            node = node[position]
    if node is None:
        return False, None  # null counts as not sent
    return True, node


def value_text(value: Any) -> str:
    """`data.value` is always a string: numbers as decimal text, the rest compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, BigInt):
        return value.text
    return compact(value)
