"""The JSON-RPC error catalogue, read from the ErrorReason enum of the proto.

One table keyed by mnemonic: the JSON-RPC code and the exact message template.
The service reads the same enum for its gRPC codes, so the two never drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from campaigns.v1 import errors_pb2, options_pb2

_PREFIX: Final = "ERROR_REASON_"


@dataclass(frozen=True, slots=True)
class ErrorEntry:
    code: int
    message: str


def _load() -> dict[str, ErrorEntry]:
    entries: dict[str, ErrorEntry] = {}
    for value in errors_pb2.ErrorReason.DESCRIPTOR.values:
        if value.number == 0:
            continue
        spec = value.GetOptions().Extensions[options_pb2.error_spec]
        entries[value.name.removeprefix(_PREFIX).lower()] = ErrorEntry(spec.jsonrpc_code, spec.message)
    return entries


ERRORS: Final = _load()

# Message params that are numbers on the wire (ErrorInfo metadata carries strings).
INTEGER_PARAMS: Final = frozenset({"limit_max_value"})

# Where the contract gives a mnemonic another code: `forbidden` from a delete.* method
# on a protected entity is -32602, not -32003.
CODE_OVERRIDES: Final = {("delete", "forbidden"): -32602}


def mnemonic_for_reason(reason: str) -> str | None:
    """ErrorInfo.reason (ACCESS_TOKEN_INVALID) -> mnemonic, None when not in the catalogue."""
    mnemonic = reason.lower()
    return mnemonic if mnemonic in ERRORS else None


def error_object(
    mnemonic: str,
    *,
    verb: str | None = None,
    field: str | None = None,
    value: str | None = None,
    params: dict[str, str | int] | None = None,
    metadata: dict[str, object] | None = None,
) -> dict[str, object]:
    """The `error` member of a JSON-RPC response, exactly as clients expect it."""
    entry = ERRORS[mnemonic]
    params = params or {}
    data: dict[str, object] = {"mnemonic": mnemonic}
    if field is not None:
        data["field"] = field
    if value is not None:
        data["value"] = value
    data["params"] = params
    data["metadata"] = metadata or {}
    return {
        "code": CODE_OVERRIDES.get((verb or "", mnemonic), entry.code),
        "message": entry.message.format_map({k: str(v) for k, v in params.items()}),
        "data": data,
    }
