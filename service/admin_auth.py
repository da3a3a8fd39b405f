"""Who may call the admin API: the holder of the admin token, and no one else.

One interceptor, for one concern: calls to campaigns.admin.v1.AdminService must
carry `authorization: Bearer <admin token>`, compared in constant time. The
public services are not its business (their callers present customer tokens,
which are never admin tokens: the two are checked in different places, against
different stores). The token is never logged.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any, Final

import grpc

from service.access import bearer_token
from service.admin_errors import AdminError

ADMIN_PREFIX: Final = "/campaigns.admin.v1.AdminService/"


def admin_refusal(configured: str | None, metadata: Any) -> AdminError | None:
    """Why a call with this metadata may not use the admin API, or None when it may."""
    if not configured:
        return AdminError("ADMIN_API_DISABLED", "the admin API is off: the service was started without --admin-token")
    authorization = next((value for key, value in metadata or () if key == "authorization"), None)
    presented = bearer_token(authorization if isinstance(authorization, str) else None)
    if presented is None:
        return AdminError("ADMIN_TOKEN_MISSING", "the admin API needs authorization: Bearer <admin token>")
    if not hmac.compare_digest(presented.encode("utf-8", "surrogatepass"), configured.encode("utf-8", "surrogatepass")):
        return AdminError("ADMIN_TOKEN_INVALID", "not the admin token")
    return None


class AdminAuthInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, admin_token: str | None) -> None:
        self._admin_token = admin_token

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        method: str = handler_call_details.method
        if not method.startswith(ADMIN_PREFIX):
            return await continuation(handler_call_details)
        refusal = admin_refusal(self._admin_token, handler_call_details.invocation_metadata)
        if refusal is None:
            return await continuation(handler_call_details)

        async def refuse(_request: bytes, _context: grpc.aio.ServicerContext[Any, Any]) -> None:
            # The request is never deserialised: a refused caller's bytes are not looked at.
            raise refusal

        return grpc.unary_unary_rpc_method_handler(refuse)
