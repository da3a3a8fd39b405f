"""Hypothesis strategies for hostile input to the gateway, and a reference reading of what comes back.

Three families of input:

- bodies: any JSON document, envelope-like documents, and bytes that are almost JSON;
- envelopes: `jsonrpc`, `id`, `method` and `params` of any type, with real and made-up method names;
- method params built by walking the request message descriptors of the proto (valid-shaped, with
  the demo data's ids where a field names an entity), then mutated: types, values, sizes, nulls,
  dropped keys and unknown keys at any depth.

The reference parser and the envelope verdict are written from docs/contract.md sections 1 and 2, not read
from the gateway, so that a drift on either side shows up.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from campaigns.v1 import options_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from hypothesis import strategies as st

from contract.methods import JSONRPC_METHODS as METHODS

Json = Any
Path = tuple[str | int, ...]

# The JSON-RPC methods docs/contract.md lists; generation also draws from the proto's jsonrpc_method options.
DOCUMENTED_METHODS: Final = frozenset(
    {
        "create.campaigns",
        "get.campaigns",
        "update.campaigns",
        "delete.campaigns",
        "get.campaign_available_phone_numbers",
        "get.campaign_available_redirection_phone_numbers",
        "get.sites",
        "get.site_blocks",
        "get.customer_users",
        "login.user",
        "logout.user",
    }
)

MADE_UP_METHODS: Final = (
    "create.campaign",
    "CREATE.CAMPAIGNS",
    "Create.Campaigns",
    " create.campaigns",
    "create.campaigns ",
    "create.campaigns\x00",
    "create..campaigns",
    "create_campaigns",
    "create.campaigns.",
    "get.campaign",
    "get.campaigns/",
    "delete",
    "campaigns",
    ".",
    "",
    "rpc.discover",
    "system.listMethods",
    "__proto__",
    "constructor",
    "get.customer_user",
    "login.users",
    "create.\u0441ampaigns",  # a Cyrillic es for the first c
)

# Every demo token (docs/demo-data.md), a made-up one and near misses of a good one.
TOKENS: Final = (
    "tok_cust",
    "tok_nova",
    "tok_nodct",
    "tok_nocomp",
    "tok_noperm",
    "tok_ipdeny",
    "tok_disabled",
    "tok_quota",
    "tok_ratelimited",
    "tok_expired",
    "tok_blocked",
    "tok_agent",
    "tok_nope",
    "",
    " tok_cust",
    "TOK_CUST",
    "tok_cust\x00",
)

INT64_MAX: Final = 2**63 - 1
INT64_MIN: Final = -(2**63)

HOSTILE_INTEGERS: Final = (
    0,
    -1,
    1,
    2**31 - 1,
    2**31,
    -(2**31) - 1,
    2**53 + 1,
    INT64_MAX,
    INT64_MAX + 1,
    INT64_MIN,
    INT64_MIN - 1,
    2**64 - 1,
    2**64,
    10**40,
    -(10**40),
)
HOSTILE_FLOATS: Final = (0.5, -0.0, 1.0, 10.0, 1e308, -1e308, 5e-324, 9.3e18, 1e-7)
HOSTILE_STRINGS: Final = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\t\n",
    "0",
    "10",
    "-1",
    "1e3",
    "true",
    "null",
    "[]",
    "{}",
    "a" * 256,
    "ж" * 300,
    "x" * 1001,
    "\U0001f600",
    "\u202e",
    "\ufeff",
    "%",
    "_",
    "\\",
    "[a",
    "(",
    "a{99999999999}",
    "(?P<",
    "tok_cust",
    "active",
    "inactive",
    "basic",
    "include",
    "=",
    "~",
    "sub",
    "15m",
    "asc",
    "in",
    "and",
    "2026-01-15 10:00:00",
)

# Keys that are unknown where they are added (or known elsewhere, which is worse).
UNKNOWN_KEYS: Final = (
    "type",
    "access_token",
    "Name",
    "site_id ",
    "id",
    "filters",
    "value",
    "name",
    "",
    "__proto__",
    "site_blocks[0]",
    "a.b",
    "k" * 250,
    "ключ",
    "\x00",
)

json_scalars: st.SearchStrategy[Json] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Json]:
    """Any JSON value the standard library can write (integers of any size up to 4,300 digits)."""
    return st.recursive(
        json_scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


hostile_values: st.SearchStrategy[Json] = st.one_of(
    st.sampled_from(HOSTILE_INTEGERS),
    st.sampled_from(HOSTILE_FLOATS),
    st.sampled_from(HOSTILE_STRINGS),
    st.sampled_from((None, True, False, [], {}, [None], {"": None})),
    json_values(6),
)


def encode(document: Json, *, ascii_only: bool = False, spaced: bool = False) -> bytes:
    """Strict JSON text of a document, as a client's encoder writes it."""
    separators = (", ", ": ") if spaced else (",", ":")
    text = json.dumps(document, ensure_ascii=ascii_only, separators=separators, allow_nan=False)
    return text.encode()


@st.composite
def encoded(draw: st.DrawFn, documents: st.SearchStrategy[Json]) -> bytes:
    return encode(draw(documents), ascii_only=draw(st.booleans()), spaced=draw(st.booleans()))


# --------------------------------------------------------------------------- envelopes


def params_objects() -> st.SearchStrategy[dict[str, Json]]:
    """A `params` object: a demo token (usually) beside random members."""
    token = st.sampled_from(TOKENS) | json_values(3)
    return st.fixed_dictionaries(
        {}, optional={"access_token": token, "user_id": st.sampled_from((5001, 5002)) | json_values(2)}
    ).flatmap(lambda fixed: st.dictionaries(st.text(max_size=12), json_values(6), max_size=4).map(fixed.__or__))


method_names: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(sorted(METHODS)),
    st.sampled_from(sorted(METHODS)),
    st.sampled_from(MADE_UP_METHODS),
    st.text(max_size=24),
)

ENVELOPE_MEMBERS: Final = ("jsonrpc", "id", "method", "params")
_VALID_MEMBERS: Final[Mapping[str, st.SearchStrategy[Json]]] = {
    "jsonrpc": st.just("2.0"),
    "id": st.one_of(
        st.integers(),
        st.text(max_size=12),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(HOSTILE_INTEGERS),
    ),
    "method": method_names,
}
# Any JSON, so also a valid value now and then.
_BROKEN_MEMBERS: Final[Mapping[str, st.SearchStrategy[Json]]] = {
    "jsonrpc": st.one_of(st.sampled_from(("1.0", "2", "2.0 ", "2.00", 2.0, 2, None)), json_values(3)),
    "id": st.one_of(st.sampled_from((None, True, False, [], {}, [1])), json_values(4)),
    "method": json_values(3),
    "params": st.one_of(st.sampled_from((None, [], ["tok_cust"], "tok_cust", 0)), json_values(6)),
}


@st.composite
def envelopes(draw: st.DrawFn) -> dict[str, Json]:
    """A JSON-RPC request object with up to two members missing or of any type, and maybe extra members.

    The params of a real method are, half the time, that method's own (descriptor-derived, mutated).
    """
    faults = draw(st.sampled_from((0, 0, 1, 1, 2)))
    broken = draw(st.lists(st.sampled_from(ENVELOPE_MEMBERS), min_size=faults, max_size=faults, unique=True))
    document: dict[str, Json] = {}
    for name in ENVELOPE_MEMBERS:
        if name in broken:
            if draw(st.booleans()):
                document[name] = draw(_BROKEN_MEMBERS[name])
        elif name != "params":
            document[name] = draw(_VALID_MEMBERS[name])
        elif isinstance(document.get("method"), str) and document["method"] in METHODS and draw(st.booleans()):
            document[name] = draw(mutated(params_for(document["method"])))
        else:
            document[name] = draw(params_objects())
    extra = draw(st.dictionaries(st.text(max_size=8), json_values(3), max_size=2))
    for key, value in extra.items():
        document.setdefault(key, value)
    return document


# --------------------------------------------------------------------------- bodies


@st.composite
def damaged(draw: st.DrawFn, bodies: st.SearchStrategy[bytes]) -> bytes:
    """A body with a few bytes cut, inserted, replaced or repeated."""
    body = bytearray(draw(bodies))
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(body)))
        action = draw(st.sampled_from(("cut", "insert", "replace", "repeat")))
        if action == "cut":
            del body[position:]
        elif action == "insert":
            body[position:position] = draw(st.binary(min_size=1, max_size=4) | st.sampled_from(SPLICES))
        elif action == "replace" and position < len(body):
            body[position] = draw(st.integers(0, 255))
        elif action == "repeat":
            body[position:position] = body[position : position + draw(st.integers(1, 16))]
    return bytes(body)


# Byte sequences that make almost-JSON: non-standard constants, bad escapes, bad UTF-8.
SPLICES: Final = (
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"\\ud800",
    b"\\udfff",
    b"\xed\xa0\x80",
    b"\xff",
    b"\xc0\xaf",
    b"\x00",
    b",",
    b"]",
    b"}",
    b"1e400",
    b"\xef\xbb\xbf",
    b"//",
    b"'",
)


def bodies() -> st.SearchStrategy[bytes]:
    return st.one_of(
        encoded(json_values()),
        encoded(envelopes()),
        damaged(encoded(envelopes())),
        st.binary(max_size=48),
    )


# --------------------------------------------------------------------------- params from descriptors

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


# --------------------------------------------------------------------------- get filters

GET_METHODS: Final = tuple(sorted(name for name in METHODS if name.startswith("get.")))
# Pieces of text that mean something to LIKE, to SQL or to a database's text type, or are wide.
_SPLINTERS: Final = ("\x00", "%", "_", "\\", "'", '"', "\\%", "%_%", "\U0001f600", "\u044f", "\ufffd", "\u200b")
filter_texts: st.SearchStrategy[str] = st.one_of(
    st.tuples(st.text(max_size=6), st.sampled_from(_SPLINTERS), st.text(max_size=6)).map("".join),
    st.text(max_size=12),
    st.sampled_from(HOSTILE_STRINGS),
)
_FILTER_SCALARS: Final = st.one_of(
    filter_texts,
    filter_texts,
    st.sampled_from((*HOSTILE_INTEGERS, *HOSTILE_FLOATS, True, False, None, 7, 10, 101, 301)),
    st.integers(-5, 2000),
    st.floats(allow_nan=False, allow_infinity=False),
)


@cache
def _filter_plan(method: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(item field names, filter operators, group conditions) of a get method, read from the descriptors."""
    node = METHODS[method].rpc.input_type.fields_by_name["filter"]
    assert node.message_type is not None
    members = node.message_type.fields_by_name
    return item_fields(method), tuple(wire_values(members["operator"])), tuple(wire_values(members["condition"]))


@st.composite
def _comparison(draw: st.DrawFn, method: str) -> dict[str, Json]:
    names, operators, _ = _filter_plan(method)
    # Mostly a field of the method's items, so that the comparison reaches the value rules.
    field = draw(st.sampled_from((*names, *names, *names, None)))
    node: dict[str, Json] = {
        "field": draw(filter_texts) if field is None else field,
        "operator": draw(st.sampled_from(operators)),
    }
    if draw(st.sampled_from((True, True, True, True, False))):
        node["value"] = draw(st.one_of(_FILTER_SCALARS, _FILTER_SCALARS, st.lists(_FILTER_SCALARS, max_size=5)))
    return node


@cache
def filters_for(method: str, levels: int = 2) -> st.SearchStrategy[dict[str, Json]]:
    """A get method's filter tree: mostly single comparisons on its item fields with hostile values, and
    groups of them up to `levels` deep."""
    comparison = _comparison(method)
    if levels == 0:
        return comparison
    group = st.fixed_dictionaries(
        {"filters": st.lists(filters_for(method, levels - 1), min_size=1, max_size=3)},
        optional={"condition": st.sampled_from(_filter_plan(method)[2])},
    )
    return st.one_of(comparison, comparison, group)


# --------------------------------------------------------------------------- mutations

RESIZES: Final = (0, 1, 2, 9, 31, 51, 101, 201, 1001)
# A mutated document stays small: sizes multiply when nested lists are resized.
MAX_MUTATED_BYTES: Final = 192 * 1024


def paths(document: Json, prefix: Path = ()) -> Iterator[Path]:
    """Every member and element path in a document, parents before children."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield (*prefix, index)
            yield from paths(value, (*prefix, index))


def containers(document: Json, kind: type, prefix: Path = ()) -> Iterator[Path]:
    """Paths of the objects (kind=dict) or arrays (kind=list) in a document, the root included."""
    if isinstance(document, kind):
        yield prefix
    if isinstance(document, dict):
        for key, value in document.items():
            yield from containers(value, kind, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from containers(value, kind, (*prefix, index))


def at(document: Json, path: Path) -> Json:
    node = document
    for step in path:
        node = node[step]
    return node


def _set(document: Json, path: Path, value: Json) -> None:
    at(document, path[:-1])[path[-1]] = value


@st.composite
def mutated(draw: st.DrawFn, documents: st.SearchStrategy[dict[str, Json]], max_mutations: int = 3) -> dict[str, Json]:
    """A document with up to `max_mutations` hostile changes anywhere in it."""
    document = draw(documents)
    for _ in range(draw(st.integers(0, max_mutations))):
        changed = copy.deepcopy(document)
        action = draw(st.sampled_from(("replace", "replace", "null", "drop", "unknown", "unknown", "resize", "wrap")))
        members = list(paths(changed))
        if action in ("replace", "null", "wrap") and members:
            path = members[draw(st.integers(0, len(members) - 1))]
            if action == "replace":
                _set(changed, path, draw(hostile_values))
            elif action == "null":
                _set(changed, path, None)
            else:
                old = at(changed, path)
                _set(changed, path, draw(st.sampled_from(([old], {"value": old}))))
        elif action == "drop":
            keyed = [path for path in members if isinstance(path[-1], str)]
            if keyed:
                path = keyed[draw(st.integers(0, len(keyed) - 1))]
                del at(changed, path[:-1])[path[-1]]
        elif action == "unknown":
            objects = list(containers(changed, dict))
            target = at(changed, objects[draw(st.integers(0, len(objects) - 1))])
            key = draw(st.sampled_from(UNKNOWN_KEYS) | st.text(max_size=10))
            target[key] = draw(hostile_values)
        elif action == "resize":
            arrays = [path for path in containers(changed, list) if path and at(changed, path)]
            if arrays:
                path = arrays[draw(st.integers(0, len(arrays) - 1))]
                items = at(changed, path)
                size = draw(st.sampled_from(RESIZES))
                _set(changed, path, [items[index % len(items)] for index in range(size)])
        if len(encode(changed)) <= MAX_MUTATED_BYTES:
            document = changed
    return document


# --------------------------------------------------------------------------- reading answers


@dataclass(frozen=True)
class HugeInt:
    """An integer literal too long for Python's int() (over 4,000 digits), kept as its text."""

    text: str


class NotStrictJson(ValueError):
    pass


def _integer(text: str) -> int | HugeInt:
    return int(text) if len(text.lstrip("-")) <= 4000 else HugeInt(text)


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise NotStrictJson(f"{text} is out of range")
    return value


def _constant(name: str) -> Any:
    raise NotStrictJson(f"{name} is not JSON")


def _no_lone_surrogates(document: Json) -> None:
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            node.encode("utf-8")  # a lone surrogate does not encode
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def depth(document: Json) -> int:
    deepest = 0
    stack: list[tuple[Json, int]] = [(document, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            level += 1
            deepest = max(deepest, level)
            stack.extend((child, level) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


# Nesting this deep is refused by the gateway's parser (contract section 1: a parse_error, never a 500);
# anything a client's encoder writes in practice is far shallower.
PARSER_DEPTH: Final = 1024


def strict_loads(body: bytes, *, hook: Callable[[list[tuple[str, Json]]], Json] | None = None) -> Json:
    """The document a strict parser reads (contract section 1), or NotStrictJson.

    UTF-8 only, no NaN/Infinity, no numbers that overflow to infinity, no lone surrogates;
    duplicate keys: last wins (unless `hook` says otherwise). Integers of any length are kept.
    """
    try:
        text = body.decode("utf-8")
        document = json.loads(
            text, parse_int=_integer, parse_float=_finite, parse_constant=_constant, object_pairs_hook=hook
        )
        _no_lone_surrogates(document)
    except (UnicodeError, ValueError, RecursionError) as error:
        raise NotStrictJson(str(error)) from None
    if depth(document) > PARSER_DEPTH:
        raise NotStrictJson("nested deeper than the parser allows")
    return document


def is_valid_id(value: Json) -> bool:
    """Contract section 2: an id is a string or a number."""
    return isinstance(value, str | int | float | HugeInt) and not isinstance(value, bool)


@dataclass(frozen=True)
class Verdict:
    """What the envelope layer must answer: a mnemonic (None: the method runs) and the answer's id."""

    mnemonic: str | None
    request_id: Json


def envelope_verdict(document: Json) -> Verdict:
    """Contract section 2 and the first step of section 5, for a document that parsed."""
    if isinstance(document, list):
        return Verdict("batch_opreations_not_supported", None)
    if not isinstance(document, dict):
        return Verdict("invalid_request", None)
    request_id = document.get("id")
    echo = request_id if is_valid_id(request_id) else None
    if (
        document.get("jsonrpc") != "2.0"
        or ("id" in document and not is_valid_id(request_id))
        or not isinstance(document.get("method"), str)
        or not isinstance(document.get("params"), dict)
    ):
        return Verdict("invalid_request", echo)
    if "id" not in document:
        return Verdict("notifications_not_supported", None)
    if document["method"] not in DOCUMENTED_METHODS:
        return Verdict("method_not_found", request_id)
    return Verdict(None, request_id)


def same_json(actual: Json, expected: Json) -> bool:
    """Equal and of the same JSON type throughout (7 is not 7.0, 1 is not true)."""
    if type(actual) is not type(expected):
        return False
    if isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(same_json(actual[key], expected[key]) for key in actual)
    if isinstance(actual, list):
        return len(actual) == len(expected) and all(map(same_json, actual, expected))
    return bool(actual == expected)
