"""Hypothesis strategies that mutate a JSON document: types, values, sizes, nulls, dropped keys and unknown
keys at any depth."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Final

from hypothesis import strategies as st

from tests.gateway.strategies_values import UNKNOWN_KEYS, Json, encode, hostile_values

Path = tuple[str | int, ...]

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
