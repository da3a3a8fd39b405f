"""A running service's admin API (campaigns.admin.v1.AdminService), as the commands call it.

One synchronous call per command (the admin API is served on the service's own gRPC port, an
internal one), with `authorization: Bearer <admin token>` and a deadline; over TLS with
--target-ca, presenting --target-cert to a service that requires client certificates, as the
gateway does (the same flags and twins). A refusal becomes Refused: the service's message, then
each bad field's path. An admin token the service does not take, or no service at the target,
is a ConfigError that names the flag to fix.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TypeVar

from cli.flags import flags_of, values
from cli.mistakes import ConfigError, Refused
from gateway.settings import GatewaySettings
from service.config import ServiceSettings

if TYPE_CHECKING:
    import grpc
    from campaigns.admin.v1.admin_service_pb2_grpc import AdminServiceStub

# Seconds one call may take: applying a large directory hashes every password in it.
DEADLINE: Final = 60.0
DOMAIN: Final = "admin.campaigns"  # service/admin_errors.py's; the command does not import the service
_TOKEN_REFUSALS: Final = frozenset({"ADMIN_TOKEN_MISSING", "ADMIN_TOKEN_INVALID"})

(ADMIN_TOKEN,) = (
    dataclasses.replace(flag, help="the admin token the service was started with (its --admin-token)")
    for flag in flags_of(ServiceSettings, only={"admin_token"})
)
(TARGET,) = (
    dataclasses.replace(flag, help="HOST:PORT of the service's gRPC port (the admin API is not on the gateway)")
    for flag in flags_of(GatewaySettings, only={"target"})
)
# The gateway's flags for TLS to the service, with what they mean for a command.
_TLS_HELP: Final = {
    "target_ca": "PEM file of the CAs the service's certificate must come from: the command calls it over TLS",
    "target_cert": "PEM file of the client certificate to present to a service that requires one (mutual TLS); "
    "with --target-key and --target-ca",
    "target_key": "PEM file of the private key of --target-cert (unencrypted)",
    "target_name": "the name the service's certificate must carry, when it is not the host of --target",
}
TLS = tuple(
    dataclasses.replace(flag, help=_TLS_HELP[flag.fields[0]]) for flag in flags_of(GatewaySettings, only=set(_TLS_HELP))
)
ADMIN = (TARGET, ADMIN_TOKEN, *TLS)

Request = TypeVar("Request")
Response = TypeVar("Response")


@dataclass(frozen=True, slots=True)
class AdminTarget:
    target: str
    token: str = dataclasses.field(repr=False)
    # TLS: the channel's credentials (None: plaintext) and the name to check the certificate for.
    credentials: grpc.ChannelCredentials | None = None
    name: str = ""


def admin_target(args: argparse.Namespace, environ: Mapping[str, str], target: str) -> AdminTarget:
    """The service at `target`, the admin token to call it with and the TLS to reach it; ConfigError without a
    token, or with TLS files that cannot be used."""
    from gateway.tls import channel_credentials

    token = ADMIN_TOKEN.read(getattr(args, ADMIN_TOKEN.dest), environ)
    if not token:
        raise ConfigError(
            f"{ADMIN_TOKEN.name} (or {ADMIN_TOKEN.env}) is needed: the admin token the service at {target} "
            "was started with"
        )
    try:
        # The gateway's settings check the flags' combinations, and the files, the gateway's way.
        tls = GatewaySettings(target=target, **values(TLS, args, environ))
        credentials = channel_credentials(tls)
    except ValueError as error:  # TlsFileError is one
        raise ConfigError(str(error)) from None
    return AdminTarget(target, token, credentials, tls.target_name)


def call(
    admin: AdminTarget,
    method: Callable[[AdminServiceStub], grpc.UnaryUnaryMultiCallable[Request, Response]],
    request: Request,
) -> Response:
    """One call of the admin API: its response, or Refused / ConfigError."""
    import grpc
    from campaigns.admin.v1.admin_service_pb2_grpc import AdminServiceStub

    if admin.credentials is None:
        channel = grpc.insecure_channel(admin.target)
    else:
        options = [("grpc.ssl_target_name_override", admin.name)] if admin.name else None
        channel = grpc.secure_channel(admin.target, admin.credentials, options=options)
    with channel:
        try:
            return method(AdminServiceStub(channel))(
                request, metadata=(("authorization", f"Bearer {admin.token}"),), timeout=DEADLINE
            )
        except grpc.RpcError as error:
            raise _refusal(error, admin.target, tls=admin.credentials is not None) from None


def refused(message: str, violations: Sequence[tuple[str, str]], *, prefix: str = "") -> Refused:
    """Refused with the message, and each bad field on a line of its own unless the message says it all."""
    lines = tuple(f"{path}: {description}" if path else description for path, description in violations)
    return Refused(prefix + message, () if lines == (message,) else lines)


def _refusal(error: grpc.RpcError, target: str, *, tls: bool = False) -> Exception:
    import grpc
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status

    if not isinstance(error, grpc.Call):  # pragma: no cover - every RpcError of a unary call is one
        return Refused(f"the service at {target} failed: {error}")
    code = error.code()
    message = error.details() or code.name
    reason = ""
    violations: list[tuple[str, str]] = []
    status = rpc_status.from_call(error)
    for detail in status.details if status is not None else ():
        info = error_details_pb2.ErrorInfo()
        bad = error_details_pb2.BadRequest()
        if detail.Is(info.DESCRIPTOR) and detail.Unpack(info) and info.domain == DOMAIN:
            reason = info.reason
        elif detail.Is(bad.DESCRIPTOR) and detail.Unpack(bad):
            violations = [(each.field, each.description) for each in bad.field_violations]
    if reason in _TOKEN_REFUSALS:
        return ConfigError(f"{ADMIN_TOKEN.name}: the service at {target} refused it: {message}")
    if not reason and code == grpc.StatusCode.UNAVAILABLE:
        # A handshake refused looks like no service at all: say which TLS flags to look at.
        hint = "; check --target-ca, --target-cert and --target-key" if tls else ""
        return ConfigError(f"{TARGET.name}: no service answers at {target} ({message}){hint}")
    if not reason and code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return Refused(f"the service at {target} did not answer within {DEADLINE:g} s")
    if not reason and code == grpc.StatusCode.UNIMPLEMENTED:
        return ConfigError(f"{TARGET.name}: {target} serves no admin API ({message})")
    return refused(message, violations)
