"""Hypothesis strategies for hostile JSON-RPC envelopes and request bodies.

- bodies: any JSON document, envelope-like documents, and bytes that are almost JSON;
- envelopes: `jsonrpc`, `id`, `method` and `params` of any type, with real and made-up method names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from hypothesis import strategies as st

from contract.methods import JSONRPC_METHODS as METHODS
from tests.gateway.strategies_mutations import mutated
from tests.gateway.strategies_params import params_for
from tests.gateway.strategies_values import HOSTILE_INTEGERS, TOKENS, Json, encoded, json_values

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
