"""gRPC statuses to JSON-RPC errors: a pure function of what the service answered and what the client sent.

The service describes a contract error in the status details (`grpc-status-details-bin`, a
google.rpc.Status): an ErrorInfo whose reason names the catalogue entry and whose metadata carries the
message's params, and, for a parameter, a BadRequest whose first violation is the parameter's path with
indices. The path without indices is `data.field`; the client's own JSON at that path is `data.value`
(echoed whole: the service's copy is cut short). A status without such details, also the service
unreachable or the deadline passed, is `internal_error`. Either way the point limits the service sent
become `metadata.limits`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import grpc
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2

from contract.catalogue import by_reason
from contract.limits import LIMITS_KEY, decode_limits
from contract.paths import strip_indices
from gateway import translate
from gateway.catalogue import INTEGER_PARAMS, error_object

STATUS_DETAILS: Final = "grpc-status-details-bin"

# What a call's trailing metadata looks like: (key, value) pairs, binary values (keys ending in -bin) as bytes.
Metadata = Iterable[tuple[str, str | bytes]]

# No service, or no answer in time: expected, so a status of these codes without details is not logged.
_EXPECTED: Final = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
# ErrorInfo metadata that is not a message param.
_NOT_PARAMS: Final = frozenset({"field", "value"})


@dataclass(frozen=True, slots=True)
class StatusDetails:
    """What the status details say, read once: the ErrorInfo, and the first violation's path."""

    info: error_details_pb2.ErrorInfo | None = None
    path: str | None = None


@dataclass(frozen=True, slots=True)
class MappedError:
    """The JSON-RPC error object of a failed call, and a warning to log when the status was unexpected."""

    error: dict[str, object]
    warning: str | None = None


def answer_metadata(trailing: Metadata | None) -> dict[str, object]:
    """`metadata.limits` from the service's trailing metadata, of a success or an error; {} when it sent none."""
    for key, value in trailing or ():
        if key == LIMITS_KEY:
            limits = decode_limits(value)
            return {"limits": limits.as_dict()} if limits is not None else {}
    return {}


def status_details(trailing: Metadata | None) -> StatusDetails:
    """The details of the first binary `grpc-status-details-bin`; none when it is absent or does not decode."""
    for key, value in trailing or ():
        if key == STATUS_DETAILS and isinstance(value, bytes):
            return _details(value)
    return StatusDetails()


def _details(raw: bytes) -> StatusDetails:
    try:
        status = status_pb2.Status.FromString(raw)
    except DecodeError:
        return StatusDetails()
    info: error_details_pb2.ErrorInfo | None = None
    path: str | None = None
    for detail in status.details:
        try:
            if info is None:
                candidate = error_details_pb2.ErrorInfo()
                if detail.Unpack(candidate):
                    info = candidate
                    continue
            if path is None:
                bad_request = error_details_pb2.BadRequest()
                if detail.Unpack(bad_request) and bad_request.field_violations:
                    path = bad_request.field_violations[0].field
        except DecodeError:
            continue  # a detail of the right type whose bytes do not decode says nothing
    return StatusDetails(info, path)


def jsonrpc_error(
    code: grpc.StatusCode, trailing: Metadata | None, params: dict[str, Any], translation: translate.Translation
) -> MappedError:
    """The JSON-RPC error of a call that ended with status `code` and `trailing` metadata.

    params: the request's params as the client sent them; translation: what the gateway made of them
    (where it found a fault, it knows the exact `field` and the value sent there).
    """
    metadata = answer_metadata(trailing)
    details = status_details(trailing)
    info = details.info
    entry = by_reason(info.reason) if info is not None else None
    if info is None or entry is None:
        warning = None if code in _EXPECTED else f"gRPC {code.name} without contract details"
        return MappedError(error_object("internal_error", metadata=metadata), warning)
    path = details.path or info.metadata.get("field")
    field = value = None
    if path is not None:
        field = translation.fields.get(path) or strip_indices(path)
        if path in translation.sent:
            value = translate.value_text(translation.sent[path])
        else:
            found, sent = translate.lookup(params, path)
            value = translate.value_text(sent) if found else None
    params_out: dict[str, str | int] = {}
    for key, text in info.metadata.items():
        if key in _NOT_PARAMS:
            continue
        params_out[key] = int(text) if key in INTEGER_PARAMS and text.lstrip("-").isdigit() else text
    return MappedError(error_object(entry.key, field=field, value=value, params=params_out, metadata=metadata))
