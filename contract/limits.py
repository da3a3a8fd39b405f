"""Point limits: the six numbers of metadata.limits, sent by the service to the gateway.

The service puts them in the trailing metadata of every call made for an
account, failed or not, as the PointLimits message under LIMITS_KEY; the gateway
renders them as `metadata.limits` of its answer.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final

from campaigns.v1 import metadata_pb2
from google.protobuf.message import DecodeError

LIMITS_KEY: Final = "x-point-limits-bin"


@dataclass(frozen=True, slots=True)
class Limits:
    """The six numbers of metadata.limits, in their order on the wire."""

    day_limit: int
    day_remaining: int
    day_reset: int  # seconds until the day's budget starts again
    minute_limit: int
    minute_remaining: int
    minute_reset: int  # seconds until the minute's budget starts again

    def as_dict(self) -> dict[str, int]:
        """metadata.limits as JSON, keys in order."""
        return {name: getattr(self, name) for name in _NAMES}


_NAMES: Final = tuple(f.name for f in fields(Limits))


def encode_limits(limits: Limits) -> bytes:
    """The metadata value under LIMITS_KEY."""
    return metadata_pb2.PointLimits(**limits.as_dict()).SerializeToString()


def decode_limits(raw: str | bytes | None) -> Limits | None:
    """The limits a metadata value carries; None when it is absent, does not decode or lacks a number."""
    if not isinstance(raw, bytes):
        return None
    try:
        message = metadata_pb2.PointLimits.FromString(raw)
    except DecodeError:
        return None
    if {field.name for field, _value in message.ListFields()} != set(_NAMES):
        return None
    return Limits(**{name: getattr(message, name) for name in _NAMES})
