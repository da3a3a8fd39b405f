"""Point limits: the six numbers of metadata.limits, sent by the service to the gateway.

The service puts them in the trailing metadata of every call made for an
account, failed or not, as the PointLimits message under LIMITS_KEY; the gateway
renders them as `metadata.limits` of its answer.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from campaigns.v1 import metadata_pb2
from google.protobuf.message import DecodeError

LIMITS_KEY: Final = "x-point-limits-bin"


class Limits(NamedTuple):
    """The six numbers of metadata.limits, in their order on the wire. A named tuple, not a frozen dataclass:
    every call makes two or three, and a tuple is made in C."""

    day_limit: int
    day_remaining: int
    day_reset: int  # seconds until the day's budget starts again
    minute_limit: int
    minute_remaining: int
    minute_reset: int  # seconds until the minute's budget starts again

    def as_dict(self) -> dict[str, int]:
        """metadata.limits as JSON, keys in order."""
        return dict(zip(_NAMES, self, strict=True))


_NAMES: Final = Limits._fields


def encode_limits(limits: Limits) -> bytes:
    """The metadata value under LIMITS_KEY."""
    return metadata_pb2.PointLimits(**dict(zip(_NAMES, limits, strict=True))).SerializeToString()


def decode_limits(raw: str | bytes | None) -> Limits | None:
    """The limits a metadata value carries; None when it is absent, does not decode or lacks a number."""
    if not isinstance(raw, bytes):
        return None
    try:
        message = metadata_pb2.PointLimits.FromString(raw)
    except DecodeError:
        return None
    # PointLimits has these six fields and no other: all are set when as many are.
    if len(message.ListFields()) != len(_NAMES):
        return None
    return Limits._make(getattr(message, name) for name in _NAMES)
