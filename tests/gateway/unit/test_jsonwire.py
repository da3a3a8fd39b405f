"""gateway/jsonwire.py: strict JSON in, exact integers of any size, and compact text out."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.jsonwire import BigInt, JSONError, compact, dumps, loads

REFUSED = [
    pytest.param(b"NaN", id="NaN"),
    pytest.param(b'{"a": NaN}', id="NaN in an object"),
    pytest.param(b"[Infinity]", id="Infinity"),
    pytest.param(b"-Infinity", id="-Infinity"),
    pytest.param(b"1e400", id="a float that overflows"),
    pytest.param(b"[1e400, 12345678901234567890]", id="a float that overflows beside a long integer"),
    pytest.param(b'"\\ud800"', id="lone high surrogate"),
    pytest.param(b'"\\udc00"', id="lone low surrogate"),
    pytest.param(b'{"id": 12345678901234567890, "s": "\\udc00"}', id="lone surrogate beside a long integer"),
    pytest.param(b'"\xff"', id="invalid UTF-8"),
    pytest.param(b"\xef\xbb\xbf{}", id="byte-order mark"),
    pytest.param(b"", id="empty"),
    pytest.param(b"{} x", id="trailing garbage"),
    pytest.param(b"[1,]", id="trailing comma"),
    pytest.param(b"{'a': 1}", id="single quotes"),
    pytest.param(b"[" * 2000 + b"]" * 2000, id="nested too deep"),
    pytest.param(b"[" * 2000 + b"12345678901234567890" + b"]" * 2000, id="nested too deep with a long integer"),
    pytest.param(b"01", id="leading zero"),
]


@pytest.mark.parametrize("body", REFUSED)
def test_refused(body: bytes) -> None:
    with pytest.raises(JSONError):
        loads(body)


def test_json_error_is_a_value_error() -> None:
    assert issubclass(JSONError, ValueError)


def test_deep_but_admitted_nesting() -> None:
    body = b"[" * 1000 + b"]" * 1000
    document = loads(body)
    depth = 0
    while document:
        document = document[0]
        depth += 1
    assert depth == 999  # the innermost list is empty


def test_integers_within_64_bits_are_ints() -> None:
    assert loads(b"[-9223372036854775808, 18446744073709551615, 9223372036854775807]") == [
        -(2**63),
        2**64 - 1,
        2**63 - 1,
    ]


@pytest.mark.parametrize(
    "text",
    ["18446744073709551616", "-9223372036854775809", "1" * 100, "-" + "9" * 5000],
)
def test_integers_past_64_bits_are_bigints_kept_as_text(text: str) -> None:
    document = loads(b'{"jsonrpc": "2.0", "id": ' + text.encode() + b', "n": 1.5}')
    assert isinstance(document["id"], BigInt)
    assert document["id"].text == text
    assert document["n"] == 1.5
    assert repr(document["id"]) == f"BigInt({text})"


def test_a_long_run_of_digits_inside_a_string_changes_nothing() -> None:
    assert loads(b'{"s": "12345678901234567890", "n": 7}') == {"s": "12345678901234567890", "n": 7}


def test_a_long_float_stays_a_float() -> None:
    assert loads(b"[1.2345678901234567890123]") == [1.2345678901234567]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"a": 1, "a": 2}', {"a": 2}),
        (b'{"a": 1, "b": 0, "a": {"c": 3}}', {"a": {"c": 3}, "b": 0}),
        (b'{"id": 12345678901234567890, "id": 5}', {"id": 5}),
    ],
)
def test_duplicate_keys_last_wins(body: bytes, expected: dict[str, Any]) -> None:
    assert loads(body) == expected


def test_dumps_renders_bigints_exactly() -> None:
    big = "-" + "7" * 40
    document = loads(b'{"jsonrpc":"2.0","id":' + big.encode() + b',"x":[1,"\xc3\xa9"]}')
    assert dumps(document) == b'{"jsonrpc":"2.0","id":' + big.encode() + b',"x":[1,"\xc3\xa9"]}'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"a": [1, 2.5, None, True], "b": "é"}, '{"a":[1,2.5,null,true],"b":"é"}'),
        ([BigInt("1" * 30), {}], "[" + "1" * 30 + ",{}]"),
        ("plain", '"plain"'),
    ],
)
def test_compact(value: Any, expected: str) -> None:
    assert compact(value) == expected


def test_compact_past_orjsons_depth() -> None:
    value: Any = {"k": BigInt("1" * 20)}
    for _ in range(300):
        value = [{"n": value}, 0]
    assert compact(value) == '[{"n":' * 300 + '{"k":' + "1" * 20 + "}" + "},0]" * 300
