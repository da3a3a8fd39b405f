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


@dataclass(slots=True)
class ServiceError(Exception):
    """A contract error: a mnemonic from the catalogue plus where and what.

    path: the parameter path with indices (site_blocks[1].phone_number_id),
    None when the error is not about one parameter.
    value: the offending value as the client would read it back.
    params: values substituted into the message template.
    limits: the caller's point limits, once its account is known: the answer carries them.
    """

    mnemonic: str
    path: str | None = None
    value: str | None = None
    params: Mapping[str, str | int] = field(default_factory=dict)
    limits: Limits | None = None

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
        details = [error_details_pb2.ErrorInfo(reason=entry.reason, domain=DOMAIN, metadata=metadata)]
        if self.path is not None:
            details.append(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=self.path, description=self.message, reason=entry.reason
                        )
                    ]
                )
            )
        return status_pb2.Status(code=entry.grpc_code.value[0], message=self.message, details=packed(details))


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
