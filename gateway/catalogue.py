"""The JSON-RPC error objects, built from the contract's catalogue (contract/catalogue.py).

The service reads the same catalogue for its gRPC codes, so the two never drift.
"""

from __future__ import annotations

from typing import Any, Final

from contract.catalogue import CATALOGUE

# Message params that are numbers on the wire (ErrorInfo metadata carries strings).
INTEGER_PARAMS: Final = frozenset({"limit_max_value"})


def error_object(
    key: str,
    *,
    field: str | None = None,
    value: str | None = None,
    params: dict[str, str | int] | None = None,
    metadata: dict[str, object] | None = None,
) -> dict[str, object]:
    """The `error` member of a JSON-RPC response, exactly as clients expect it."""
    entry = CATALOGUE[key]
    params = params or {}
    data: dict[str, object] = {"mnemonic": entry.mnemonic}
    if field is not None:
        data["field"] = field
    if value is not None:
        data["value"] = value
    data["params"] = params
    data["metadata"] = metadata or {}
    return {"code": entry.jsonrpc_code, "message": entry.message(params), "data": data}


def error_response(request_id: Any, key: str) -> dict[str, Any]:
    """A whole JSON-RPC response answering with the catalogue error `key` (no field, params or metadata)."""
    return {"jsonrpc": "2.0", "id": request_id, "error": error_object(key)}
