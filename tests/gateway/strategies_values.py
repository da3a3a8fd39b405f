"""Hypothesis strategies for hostile input to the gateway: JSON values, hostile constants, and encoding.

The building blocks of the other strategies_* modules: any JSON document, hostile integers, floats,
strings and keys, the demo tokens, and strict JSON text of a document.
"""

from __future__ import annotations

import json
from typing import Any, Final

from hypothesis import strategies as st

Json = Any

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
