"""The admin API's one error type and its google.rpc.Status encoding.

The public service's errors are the contract's catalogue (service/errors.py); the
admin API speaks to operators and internal services instead, so its errors are
plain gRPC codes with the path of each bad field (BadRequest) and a reason
(ErrorInfo, domain "admin.campaigns").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import grpc
from google.rpc import error_details_pb2, status_pb2

from service.errors import packed

DOMAIN: Final = "admin.campaigns"


@dataclass(frozen=True, slots=True)
class Violation:
    path: str  # accounts[0].users[1].login; "" for the request as a whole
    description: str


# reason -> the gRPC code it is answered with.
REASONS: Final[dict[str, grpc.StatusCode]] = {
    "INVALID_DIRECTORY": grpc.StatusCode.INVALID_ARGUMENT,
    "INVALID_REQUEST": grpc.StatusCode.INVALID_ARGUMENT,
    "HELD_ELSEWHERE": grpc.StatusCode.ALREADY_EXISTS,
    "NOT_FOUND": grpc.StatusCode.NOT_FOUND,
    "IN_USE": grpc.StatusCode.FAILED_PRECONDITION,
    "ADMIN_TOKEN_MISSING": grpc.StatusCode.UNAUTHENTICATED,
    "ADMIN_TOKEN_INVALID": grpc.StatusCode.UNAUTHENTICATED,
    "ADMIN_API_DISABLED": grpc.StatusCode.UNAVAILABLE,
}


@dataclass(slots=True)
class AdminError(Exception):
    reason: str
    message: str
    violations: list[Violation] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown reason {self.reason!r}")

    def __str__(self) -> str:
        return self.message

    @classmethod
    def at(cls, reason: str, path: str, description: str) -> AdminError:
        """An error about one field: the message names it."""
        return cls(reason, f"{path}: {description}" if path else description, [Violation(path, description)])

    @property
    def code(self) -> grpc.StatusCode:
        return REASONS[self.reason]

    def to_status(self) -> status_pb2.Status:
        details = [error_details_pb2.ErrorInfo(reason=self.reason, domain=DOMAIN)]
        if self.violations:
            details.append(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=each.path, description=each.description, reason=self.reason
                        )
                        for each in self.violations
                    ]
                )
            )
        return status_pb2.Status(code=self.code.value[0], message=self.message, details=packed(details))
