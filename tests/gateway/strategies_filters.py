"""Hypothesis strategies for get methods' filter trees, with hostile values and text."""

from __future__ import annotations

from functools import cache
from typing import Final

from hypothesis import strategies as st

from contract.methods import JSONRPC_METHODS as METHODS
from tests.gateway.strategies_params import item_fields, wire_values
from tests.gateway.strategies_values import HOSTILE_FLOATS, HOSTILE_INTEGERS, HOSTILE_STRINGS, Json

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
