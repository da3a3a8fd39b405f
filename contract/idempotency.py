"""Idempotency keys: what a key is, and how it travels from the HTTP header to the gRPC metadata.

An rpc with the `accepts_idempotency_key` option (create.campaigns, create.sites, create.site_blocks)
honours a key: the same key with the same request answers what the first call answered
(service/idempotency.py). Over HTTP the key is the `Idempotency-Key` header of the IETF httpapi draft, a
structured-field string (`"8e03978e-..."`); the bare token form most clients send (`8e03978e-...`) is
taken too. Over gRPC it is the `idempotency-key` metadata, the key itself.

The rule for a key is here, once: the gateway applies it to decide what it can send, the service to
decide what it answers (`idempotency_key_invalid`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

METADATA_KEY: Final = "idempotency-key"
HEADER: Final = "idempotency-key"  # Starlette's headers are case-insensitive: Idempotency-Key
# Trailing metadata, and the HTTP response header the gateway makes of it, on an answer that is a replay.
REPLAYED_METADATA_KEY: Final = "idempotent-replayed"
REPLAYED_HEADER: Final = "Idempotent-Replayed"

MAX_LENGTH: Final = 255
# A key that cannot be one: what the gateway sends when the header cannot become a key, so that the
# service answers idempotency_key_invalid in its place in the order of checks (after the token).
UNUSABLE: Final = ""

# How long the service remembers a key, unless configured otherwise (`--idempotency-ttl`).
DEFAULT_TTL_SECONDS: Final = 24 * 60 * 60


def valid_key(key: str) -> bool:
    """1 to 255 visible ASCII characters: UUIDs, ULIDs and random tokens fit; blanks and controls do not."""
    return 0 < len(key) <= MAX_LENGTH and all("!" <= char <= "~" for char in key)


def key_from_headers(values: Sequence[str]) -> str | None:
    """The key the `Idempotency-Key` header values carry: None without the header, UNUSABLE when malformed.

    Sent twice is malformed (the draft's field is a single item). A value that starts with a quote is a
    structured-field string, whole: backslash escapes only a quote or a backslash.
    """
    if not values:
        return None
    if len(values) > 1:
        return UNUSABLE
    value = values[0].strip(" \t")
    if value.startswith('"'):
        # Meant as a structured-field string: it must be one.
        value = _unquoted(value[1:-1]) if len(value) >= 2 and value.endswith('"') else UNUSABLE
    return value if valid_key(value) else UNUSABLE


def _unquoted(inner: str) -> str:
    out: list[str] = []
    escaped = False
    for char in inner:
        if escaped:
            if char not in '"\\':
                return UNUSABLE
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            return UNUSABLE
        else:
            out.append(char)
    return UNUSABLE if escaped else "".join(out)
