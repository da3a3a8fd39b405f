"""A reference reading of what comes back from the gateway: a strict JSON parser and the envelope verdict.

They are written from docs/contract.md sections 1 and 2, not read from the gateway, so that a drift on
either side shows up.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from tests.gateway.strategies_values import Json

# The JSON-RPC methods docs/contract.md lists; generation also draws from the proto's jsonrpc_method options.
DOCUMENTED_METHODS: Final = frozenset(
    {
        "create.campaigns",
        "get.campaigns",
        "update.campaigns",
        "delete.campaigns",
        "get.campaign_available_phone_numbers",
        "get.campaign_available_redirection_phone_numbers",
        "get.campaign_parameter_weights",
        "update.campaign_parameter_weights",
        "upload.campaign_costs",
        "get.sites",
        "get.site_blocks",
        "create.sites",
        "update.sites",
        "delete.sites",
        "create.site_blocks",
        "update.site_blocks",
        "delete.site_blocks",
        "get.customer_users",
        "get.account",
        "get.virtual_numbers",
        "get.available_virtual_numbers",
        "enable.virtual_numbers",
        "disable.virtual_numbers",
        "login.user",
        "logout.user",
        # Answered by the gateway itself (docs/contract.md, "Discovery"); params may be left out or [].
        "rpc.discover",
    }
)


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
    params = document.get("params")
    if document.get("method") == "rpc.discover" and ("params" not in document or params == []):
        params = {}
    if (
        document.get("jsonrpc") != "2.0"
        or ("id" in document and not is_valid_id(request_id))
        or not isinstance(document.get("method"), str)
        or not isinstance(params, dict)
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
