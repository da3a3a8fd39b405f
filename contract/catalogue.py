"""The error catalogue, read once from the ErrorReason enum's error_spec options.

One entry per reason, used by both halves: the service raises errors by key and
sends the gRPC code and ErrorInfo.reason; the gateway turns the reason back into
the JSON-RPC code and mnemonic. The message template is the same on both sides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import grpc
from campaigns.v1 import errors_pb2, options_pb2

_PREFIX: Final = "ERROR_REASON_"


@dataclass(frozen=True, slots=True)
class ErrorEntry:
    """One error reason and everything the contract says about it."""

    reason: str  # ErrorInfo.reason: the enum value's name without its prefix (PROTECTED_ENTITY)
    key: str  # the reason in lower case: what the service raises (protected_entity)
    mnemonic: str  # data.mnemonic on the JSON-RPC wire; the key unless the entry names another (forbidden)
    jsonrpc_code: int
    grpc_code: grpc.StatusCode
    template: str  # the exact message, with {placeholders}

    def message(self, params: Mapping[str, object] | None = None) -> str:
        """The message with the error's params filled in."""
        return self.template.format_map({name: str(value) for name, value in (params or {}).items()})


def _load() -> dict[str, ErrorEntry]:
    codes = {code.value[0]: code for code in grpc.StatusCode}
    entries: dict[str, ErrorEntry] = {}
    for value in errors_pb2.ErrorReason.DESCRIPTOR.values:
        if value.number == 0:
            continue
        spec = value.GetOptions().Extensions[options_pb2.error_spec]
        reason = value.name.removeprefix(_PREFIX)
        key = reason.lower()
        entries[key] = ErrorEntry(
            reason=reason,
            key=key,
            mnemonic=spec.mnemonic or key,
            jsonrpc_code=spec.jsonrpc_code,
            grpc_code=codes[spec.grpc_code],
            template=spec.message,
        )
    return entries


CATALOGUE: Final[Mapping[str, ErrorEntry]] = _load()


def by_reason(reason: str) -> ErrorEntry | None:
    """The entry of an ErrorInfo.reason (ACCESS_TOKEN_INVALID), None when it is not in the catalogue."""
    return CATALOGUE.get(reason.lower())
