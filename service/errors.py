"""The one error type of the service and its google.rpc.Status encoding.

The catalogue (gRPC code, exact message) is the contract's (contract/catalogue.py),
the same table the gateway reads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from contract.catalogue import CATALOGUE, ErrorEntry
from contract.limits import Limits
from contract.paths import strip_indices

DOMAIN: Final = "campaigns.v1"
# The echoed value is cut here: the status travels in trailing metadata, which
# gRPC clients cap at 8 KiB by default. The gateway echoes the JSON it received.
VALUE_ECHO_MAX: Final = 512
# For the same reason a parameter error's BadRequest lists at most this many violations (the walk stops
# there), and no more than keep the serialized status within STATUS_BYTES_MAX; the first is always listed.
# A violation of a condition is about 113 bytes: of a request with 1,500 bad conditions, 33 are listed.
VIOLATIONS_MAX: Final = 100
STATUS_BYTES_MAX: Final = 4096
# What packing the BadRequest in an Any adds to the status, its type URL included (an upper bound).
_BAD_REQUEST_WRAPPER: Final = 64


@dataclass(slots=True)
class ServiceError(Exception):
    """A contract error: a mnemonic from the catalogue plus where and what.

    path: the parameter path with indices (site_blocks[1].phone_number_id),
    None when the error is not about one parameter.
    value: the offending value as the client would read it back.
    params: values substituted into the message template.
    limits: the caller's point limits, once its account is known: the answer carries them.
    further: the parameter errors found after this one, in the contract's order (step 7 reports every
    violation at once on gRPC; this one stays the error, the one the JSON-RPC answer reports).
    """

    mnemonic: str
    path: str | None = None
    value: str | None = None
    params: Mapping[str, str | int] = field(default_factory=dict)
    limits: Limits | None = None
    further: tuple[ServiceError, ...] = ()

    def __post_init__(self) -> None:
        if self.mnemonic not in CATALOGUE:
            raise ValueError(f"unknown mnemonic {self.mnemonic!r}")

    def carrying(self, limits: Limits) -> ServiceError:
        """The same error, answered with the caller's limits."""
        return dataclasses.replace(self, limits=limits)

    @property
    def entry(self) -> ErrorEntry:
        return CATALOGUE[self.mnemonic]

    @property
    def message(self) -> str:
        return self.entry.message(self.params)

    def to_status(self) -> status_pb2.Status:
        entry = self.entry
        metadata = {name: str(value) for name, value in self.params.items()}
        if self.path is not None:
            metadata["field"] = strip_indices(self.path)
        if self.value is not None:
            metadata["value"] = self.value if len(self.value) <= VALUE_ECHO_MAX else self.value[:VALUE_ECHO_MAX] + "…"
        status = status_pb2.Status(
            code=entry.grpc_code.value[0],
            message=self.message,
            details=packed([error_details_pb2.ErrorInfo(reason=entry.reason, domain=DOMAIN, metadata=metadata)]),
        )
        if self.path is not None:
            room = STATUS_BYTES_MAX - status.ByteSize() - _BAD_REQUEST_WRAPPER
            status.details.extend(packed([error_details_pb2.BadRequest(field_violations=self._violations(room))]))
        return status

    def _violations(self, room: int) -> list[error_details_pb2.BadRequest.FieldViolation]:
        """This error's violation, whatever its size (as it always was), then the further ones in order
        while they fit in `room` bytes."""
        out: list[error_details_pb2.BadRequest.FieldViolation] = []
        for error in (self, *self.further[: VIOLATIONS_MAX - 1]):
            if error.path is None:
                continue
            violation = _violation(error)
            size = violation.ByteSize()
            room -= 1 + _varint_size(size) + size  # its tag, its length, itself
            if out and room < 0:
                break
            out.append(violation)
        return out


def _violation(error: ServiceError) -> error_details_pb2.BadRequest.FieldViolation:
    return error_details_pb2.BadRequest.FieldViolation(
        field=error.path, description=error.message, reason=error.entry.reason
    )


def _varint_size(value: int) -> int:
    return max(1, (value.bit_length() + 6) // 7)


def packed(details: list[Any]) -> list[any_pb2.Any]:
    """Status details, each packed in an Any as google.rpc.Status carries them."""
    out = []
    for detail in details:
        container = any_pb2.Any()
        container.Pack(detail)
        out.append(container)
    return out


class UnexpectedError(Exception):
    """An unexpected failure (its cause chained) of a call whose account was known.

    Answered as a bare INTERNAL, as any unexpected failure is, but with the caller's limits.
    """

    def __init__(self, limits: Limits) -> None:
        super().__init__("unexpected failure")
        self.limits = limits


def internal_status() -> status_pb2.Status:
    """What a caller sees for anything unexpected: no detail of the failure."""
    entry = CATALOGUE["internal_error"]
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=entry.reason, domain=DOMAIN))
    return status_pb2.Status(code=code_pb2.INTERNAL, message=entry.message(), details=[info])
