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
    mnemonic: str  # what data.mnemonic says


def _load() -> dict[str, ErrorEntry]:
    """Keyed by reason in lower case (which is the mnemonic, unless the entry says otherwise)."""
    entries: dict[str, ErrorEntry] = {}
    for value in errors_pb2.ErrorReason.DESCRIPTOR.values:
        if value.number == 0:
            continue
        spec = value.GetOptions().Extensions[options_pb2.error_spec]
        key = value.name.removeprefix(_PREFIX).lower()
        entries[key] = ErrorEntry(spec.jsonrpc_code, spec.message, spec.mnemonic or key)
    return entries


ERRORS: Final = _load()

# Message params that are numbers on the wire (ErrorInfo metadata carries strings).
INTEGER_PARAMS: Final = frozenset({"limit_max_value"})


def entry_for_reason(reason: str) -> str | None:
    """ErrorInfo.reason (ACCESS_TOKEN_INVALID) -> its catalogue key, None when not in the catalogue."""
    key = reason.lower()
    return key if key in ERRORS else None


def error_object(
    key: str,
    *,
    field: str | None = None,
    value: str | None = None,
    params: dict[str, str | int] | None = None,
    metadata: dict[str, object] | None = None,
) -> dict[str, object]:
    """The `error` member of a JSON-RPC response, exactly as clients expect it."""
    entry = ERRORS[key]
    params = params or {}
    data: dict[str, object] = {"mnemonic": entry.mnemonic}
    if field is not None:
        data["field"] = field
    if value is not None:
        data["value"] = value
    data["params"] = params
    data["metadata"] = metadata or {}
    return {
        "code": entry.code,
        "message": entry.message.format_map({k: str(v) for k, v in params.items()}),
        "data": data,
    }
