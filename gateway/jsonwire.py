"""Strict JSON in and out of the gateway, exact for integers of any size.

orjson parses and renders the common case. It reads integers past 64 bits as
floats (and very long ones as an error), so a body holding a run of 19 or more
digits is read again by the standard library, keeping such integers as
BigInt: a number the API can name in an error (`value`) or echo as an `id`,
but never use.
"""

from __future__ import annotations

import json
from typing import Any, Final

import orjson

# A body is read again only if it holds a run of this many digits. Found by mapping every digit to 1 and
# every other byte to 0 and looking for a run of ones: two passes in C, where a regular expression
# stepped through a 200 KB body byte by byte in its own loop (14 % of the gateway's CPU on a maximal create).
_LONG_RUN: Final = 19
_DIGIT_MAP: Final = bytes(0x31 if 0x30 <= byte <= 0x39 else 0x30 for byte in range(256))
_ONES: Final = b"1" * _LONG_RUN
_INT64_MIN: Final = -(2**63)
_UINT64_MAX: Final = 2**64 - 1
# Python refuses to convert longer digit strings to int (sys.get_int_max_str_digits).
_CONVERTIBLE_DIGITS: Final = 4000


class JSONError(ValueError):
    """The body is not strict JSON."""


class BigInt:
    """An integer literal outside what the API's numbers can hold, kept as its text."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"BigInt({self.text})"


def _integer(text: str) -> int | BigInt:
    if len(text) <= _CONVERTIBLE_DIGITS:
        value = int(text)
        if _INT64_MIN <= value <= _UINT64_MAX:
            return value
    return BigInt(text)


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JSONError("number out of range")
    return value


def _reject_constant(name: str) -> Any:
    raise JSONError(f"{name} is not JSON")


def _fragment(value: Any) -> Any:
    if isinstance(value, BigInt):
        return orjson.Fragment(value.text.encode())
    raise TypeError


def loads(body: bytes) -> Any:
    if body.startswith(b"\xef\xbb\xbf"):
        raise JSONError("a byte-order mark is not JSON")  # RFC 8259: must not add one
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        if not _has_long_digits(body):
            raise JSONError(str(error)) from None
        return _loads_exact(body)
    if _has_long_digits(body):
        return _loads_exact(body)
    return document


def _has_long_digits(body: bytes) -> bool:
    return len(body) >= _LONG_RUN and _ONES in body.translate(_DIGIT_MAP)


def _loads_exact(body: bytes) -> Any:
    try:
        document = json.loads(body, parse_int=_integer, parse_float=_finite, parse_constant=_reject_constant)
        # The standard library lets lone surrogates through; rendering catches them.
        orjson.dumps(document, default=_fragment)
    except (ValueError, RecursionError, TypeError, orjson.JSONEncodeError) as error:
        raise JSONError(str(error)) from None
    return document


def dumps(document: Any) -> bytes:
    return orjson.dumps(document, default=_fragment)


def compact(value: Any) -> str:
    """Compact JSON text of any parsed value, however deeply nested."""
    try:
        return orjson.dumps(value, default=_fragment).decode()
    except orjson.JSONEncodeError:
        return _compact_iteratively(value)


class _Text:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _compact_iteratively(value: Any) -> str:
    # orjson stops at 254 levels; the parser admits 1024. An explicit stack has no limit.
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Text):
            out.append(item.text)
        elif isinstance(item, dict):
            parts: list[Any] = [_Text("{")]
            for index, (key, child) in enumerate(item.items()):
                parts.append(_Text(("," if index else "") + orjson.dumps(key).decode() + ":"))
                parts.append(child)
            parts.append(_Text("}"))
            stack.extend(reversed(parts))
        elif isinstance(item, list):
            parts = [_Text("[")]
            for index, child in enumerate(item):
                if index:
                    parts.append(_Text(","))
                parts.append(child)
            parts.append(_Text("]"))
            stack.extend(reversed(parts))
        else:
            out.append(orjson.dumps(item, default=_fragment).decode())
    return "".join(out)
