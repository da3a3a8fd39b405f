"""The JSON-RPC endpoint: one envelope in (POST /v2.0), one answer out, through the upstream gRPC call.

The wire format lives here and nowhere else: the envelope checks (docs/contract.md §2), params to
protobuf (translate.py), the call's metadata, and the reply (replies.py) or the status (errors.py) back
to JSON-RPC. Every rule about the params is the service's. The request id, the overload guard and the metrics are
middleware around this endpoint (request_ids.py, overload.py, metrics.py); it notes the method and the
outcome of each answer for the metrics (`note_answer`) and, when traces are on, for the request's span
(tracing.py).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Final

import grpc
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from contract import idempotency
from contract.faults import FAULTS_KEY
from contract.methods import JSONRPC_METHODS, Method
from contract.openrpc import DISCOVER, document
from gateway import jsonwire, replies, tracing, translate
from gateway.catalogue import error_response
from gateway.errors import answer_metadata, jsonrpc_error
from gateway.metrics import note_answer
from gateway.request_ids import request_id
from gateway.settings import GatewaySettings
from gateway.upstream import Upstream

log = logging.getLogger("campaigns.gateway")

_ENVELOPE_KEYS: Final = frozenset({"access_token"})
# Stands in for a token that cannot be sent as metadata: no issued token is this short.
_UNMATCHABLE_TOKEN: Final = "-"
# No issued token is longer; a longer one would not fit the metadata anyway.
_MAX_TOKEN: Final = 1024


class _BodyTooLarge(Exception):
    pass


def json_response(payload: dict[str, Any], status_code: int = 200) -> Response:
    return Response(jsonwire.dumps(payload), status_code=status_code, media_type="application/json")


@dataclass(frozen=True, slots=True)
class _Answer:
    """A JSON-RPC response before it is rendered, with what the metrics count it as."""

    payload: dict[str, Any]
    method: str  # a known method's name, or "-" for envelope failures (never the client's text)
    outcome: str  # "ok" or the error's mnemonic
    status_code: int = 200
    replayed: bool = False  # the service answered an idempotency key's first answer again


def _failed(request_id: Any, key: str, status_code: int = 200) -> _Answer:
    payload = error_response(request_id, key)
    return _Answer(payload, "-", _mnemonic_of(payload["error"]), status_code)


def _mnemonic_of(error: dict[str, object]) -> str:
    data = error["data"]
    return str(data["mnemonic"]) if isinstance(data, dict) else "-"


def _valid_id(value: Any) -> bool:
    return isinstance(value, str | int | float | jsonwire.BigInt) and not isinstance(value, bool)


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it is known to exceed `limit`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class JsonRpcEndpoint:
    """Answers JSON-RPC envelopes by calling the service through `upstream`."""

    def __init__(self, settings: GatewaySettings, upstream: Upstream) -> None:
        self.settings = settings
        self.upstream = upstream

    async def endpoint(self, request: Request) -> Response:
        answer = await self._answer(request)
        note_answer(request.scope, answer.method, answer.outcome)
        tracing.note_answer(answer.method, answer.payload.get("error"))
        response = json_response(answer.payload, answer.status_code)
        if answer.replayed:
            response.headers[idempotency.REPLAYED_HEADER] = "true"
        if answer.status_code != 200:
            # A body over the cap or too slow: the rest of it is not read, so the connection ends
            # here (gracefully: gateway/protocol.py drains what is still coming before it closes).
            response.headers["connection"] = "close"
        return response

    async def _answer(self, request: Request) -> _Answer:
        try:
            # A deadline on this task (asyncio.timeout), not wait_for's task of its own per request.
            async with asyncio.timeout(self.settings.body_timeout):
                body = await _read_body(request, self.settings.body_limit)
        except _BodyTooLarge:
            return _failed(None, "invalid_request", status_code=413)
        except (TimeoutError, ClientDisconnect):
            return _failed(None, "invalid_request", status_code=408)
        try:
            envelope = jsonwire.loads(body)
        except jsonwire.JSONError:
            return _failed(None, "parse_error")
        if isinstance(envelope, list):
            return _failed(None, "batch_opreations_not_supported")
        if not isinstance(envelope, dict):
            return _failed(None, "invalid_request")
        request_id_ = envelope.get("id")
        echo_id = request_id_ if _valid_id(request_id_) else None
        method_name = envelope.get("method")
        params = envelope.get("params")
        if method_name == DISCOVER and ("params" not in envelope or params == []):
            # OpenRPC clients call rpc.discover without params, or with an empty list.
            params = {}
        if (
            envelope.get("jsonrpc") != "2.0"
            or ("id" in envelope and not _valid_id(request_id_))
            or not isinstance(method_name, str)
            or not isinstance(params, dict)
        ):
            return _failed(echo_id, "invalid_request")
        if "id" not in envelope:
            return _failed(None, "notifications_not_supported")
        if method_name == DISCOVER:
            # Answered here from the descriptors: no token, no points, no call to the service.
            return _Answer({"jsonrpc": "2.0", "id": request_id_, "result": document()}, DISCOVER, "ok")
        method = JSONRPC_METHODS.get(method_name)
        if method is None:
            return _failed(request_id_, "method_not_found")
        client = request.client.host if request.client else None
        # Only a method that honours a key gets it; elsewhere the header is ignored, as HTTP allows.
        key = idempotency.key_from_headers(request.headers.getlist(idempotency.HEADER))
        return await self._call(method, params, request_id_, client, key if method.accepts_idempotency_key else None)

    async def _call(
        self, method: Method, params: dict[str, Any], request_id_: Any, client: str | None, key: str | None
    ) -> _Answer:
        translation = translate.to_message(params, method.request_type(), skip=_ENVELOPE_KEYS)
        metadata: list[tuple[str, str | bytes]] = [("x-request-id", request_id.get())]
        if key is not None:
            # A malformed header goes as the unusable key: the service refuses it after the token checks.
            metadata.append((idempotency.METADATA_KEY, key))
        token = params.get("access_token")
        if token is not None:
            text = token if isinstance(token, str) else translate.value_text(token)
            # Metadata values are printable ASCII without surrounding blanks; a token that is
            # anything else matches no token, so it goes as one that cannot.
            sendable = 0 < len(text) <= _MAX_TOKEN and text.isascii() and text.isprintable() and text == text.strip()
            metadata.append(("authorization", f"Bearer {text if sendable else _UNMATCHABLE_TOKEN}"))
        if client:
            metadata.append(("x-forwarded-for", client))
        faults = translation.faults_metadata()
        if faults is not None:
            metadata.append((FAULTS_KEY, faults))
        try:
            reply, trailing = await self.upstream.call(method, translation.message, metadata)
        except grpc.aio.AioRpcError as error:
            mapped = jsonrpc_error(error.code(), error.trailing_metadata(), params, translation)
            if mapped.warning is not None:
                log.warning("%s: %s", method.name, mapped.warning)
            payload = {"jsonrpc": "2.0", "id": request_id_, "error": mapped.error}
            return _Answer(payload, method.name, _mnemonic_of(mapped.error))
        data, reply_metadata = replies.to_result(reply)
        result = {
            **replies.result_members(reply),
            "data": data,
            "metadata": {**reply_metadata, **answer_metadata(trailing)},
        }
        replayed = any(name == idempotency.REPLAYED_METADATA_KEY for name, _value in trailing or ())
        return _Answer({"jsonrpc": "2.0", "id": request_id_, "result": result}, method.name, "ok", replayed=replayed)
