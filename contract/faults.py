"""Parameter faults: what only the gateway's JSON layer can see, sent to the service.

An unknown key, a JSON value of the wrong type, a value proto cannot hold: the
gateway records them by path, and the service reports the first fault of a
request in the contract's order, whoever found it. They cross as the
ParamFaults message in the request's binary metadata under FAULTS_KEY.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from campaigns.v1 import metadata_pb2
from google.protobuf.message import DecodeError

FAULTS_KEY: Final = "x-param-faults-bin"


class Fault(enum.Enum):
    """What is wrong with a value; its value is the catalogue key the service reports."""

    WRONG_TYPE = "data_type_error"
    INVALID_VALUE = "invalid_parameter_value"


@dataclass(frozen=True, slots=True)
class Faults:
    """at: path -> fault, for values that could not be converted;
    unexpected: path of a message ("" for the params) -> path of the first unknown key in it.
    """

    at: Mapping[str, Fault] = field(default_factory=dict)
    unexpected: Mapping[str, str] = field(default_factory=dict)

    def mnemonic_at(self, path: str) -> str | None:
        """The catalogue key of the fault at `path`, None when there is none."""
        fault = self.at.get(path)
        return fault.value if fault is not None else None


NO_FAULTS: Final = Faults()

_KINDS: Final = {
    Fault.WRONG_TYPE: metadata_pb2.FAULT_KIND_WRONG_TYPE,
    Fault.INVALID_VALUE: metadata_pb2.FAULT_KIND_INVALID_VALUE,
}
_FAULTS: Final = {kind: fault for fault, kind in _KINDS.items()}


def encode_faults(faults: Faults) -> bytes:
    """The metadata value under FAULTS_KEY."""
    message = metadata_pb2.ParamFaults(
        at={path: _KINDS[fault] for path, fault in faults.at.items()}, unexpected=faults.unexpected
    )
    return message.SerializeToString(deterministic=True)


def decode_faults(raw: str | bytes | None) -> Faults:
    """The faults a metadata value carries; NO_FAULTS when it is absent or does not decode."""
    if not isinstance(raw, bytes) or not raw:
        return NO_FAULTS
    try:
        message = metadata_pb2.ParamFaults.FromString(raw)
    except DecodeError:
        return NO_FAULTS
    at = {path: _FAULTS[kind] for path, kind in message.at.items() if kind in _FAULTS}
    return Faults(at=at, unexpected=dict(message.unexpected))
