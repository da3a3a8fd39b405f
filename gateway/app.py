"""The Starlette app: JSON-RPC 2.0 envelopes on POST /v2.0, answered through gRPC.

The wire format lives here and nowhere else: envelope checks (contract
section 2), params to protobuf (translate.py), and gRPC statuses back to the
exact JSON-RPC error objects (catalogue.py). Every rule about the params is
the service's.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

import grpc
from google.protobuf.message import DecodeError, Message
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from contract.catalogue import by_reason
from contract.faults import FAULTS_KEY
from contract.limits import LIMITS_KEY, decode_limits
from contract.methods import JSONRPC_METHODS, Method
from contract.paths import strip_indices
from gateway import jsonwire, metrics, translate
from gateway.catalogue import INTEGER_PARAMS, error_object
from gateway.settings import GatewaySettings

log = logging.getLogger("campaigns.gateway")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("gateway_request_id", default="-")

_STATUS_DETAILS: Final = "grpc-status-details-bin"
_ENVELOPE_KEYS: Final = frozenset({"access_token"})
# Stands in for a token that cannot be sent as metadata: no issued token is this short.
_UNMATCHABLE_TOKEN: Final = "-"
# No issued token is longer; a longer one would not fit the metadata anyway.
_MAX_TOKEN: Final = 1024


class _BodyTooLarge(Exception):
    pass


def _json(payload: dict[str, Any], status_code: int = 200) -> Response:
    return Response(jsonwire.dumps(payload), status_code=status_code, media_type="application/json")


@dataclass(frozen=True, slots=True)
class _Answer:
    """A JSON-RPC response before it is rendered, with what the metrics count it as."""

    payload: dict[str, Any]
    method: str  # a known method's name, or "-" for envelope failures (never the client's text)
    outcome: str  # "ok" or the error's mnemonic
    status_code: int = 200


def _failed(request_id: Any, key: str, status_code: int = 200) -> _Answer:
    error = error_object(key)
    return _Answer({"jsonrpc": "2.0", "id": request_id, "error": error}, "-", _mnemonic_of(error), status_code)


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


class Gateway:
    """Holds the one long-lived channel and the per-method gRPC callables."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.channel: grpc.aio.Channel | None = None
        self._in_flight = 0
        self._calls: dict[str, grpc.aio.UnaryUnaryMultiCallable[Any, Any]] = {}

    async def open(self) -> None:
        self.channel = grpc.aio.insecure_channel(
            self.settings.target,
            options=[
                # A target that resolves to several services (a list of addresses, or a DNS
                # name with several records) spreads calls over every one that answers;
                # gRPC's default, pick_first, would send them all to one.
                ("grpc.lb_policy_name", "round_robin"),
                # Come back quickly once the service is up again.
                ("grpc.initial_reconnect_backoff_ms", 100),
                ("grpc.min_reconnect_backoff_ms", 100),
                ("grpc.max_reconnect_backoff_ms", 1000),
                ("grpc.max_send_message_length", 2 * self.settings.body_limit),
                ("grpc.max_receive_message_length", 2 * self.settings.body_limit),
                ("grpc.max_metadata_size", 64 * 1024),
            ],
        )
        for method in JSONRPC_METHODS.values():
            self._calls[method.name] = self.channel.unary_unary(
                method.path,
                request_serializer=method.request_type.SerializeToString,
                response_deserializer=method.response_type.FromString,
            )

    async def healthz(self, _request: Request) -> Response:
        """200 while the service behind answers its gRPC health check as SERVING, else 503."""
        status = "UNKNOWN"
        if self.channel is not None:
            try:
                reply = await health_pb2_grpc.HealthStub(self.channel).Check(
                    health_pb2.HealthCheckRequest(service=""), timeout=min(self.settings.call_timeout, 2.0)
                )
                status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
            except grpc.aio.AioRpcError as error:
                status = f"UNREACHABLE ({error.code().name})"
        return _json({"service": status}, 200 if status == "SERVING" else 503)

    async def close(self) -> None:
        if self.channel is not None:
            await self.channel.close()

    async def endpoint(self, request: Request) -> Response:
        incoming = request.headers.get("x-request-id")
        rid = incoming if incoming and len(incoming) <= 128 and incoming.isascii() and incoming.isprintable() else None
        rid = rid or uuid.uuid4().hex
        token = request_id.set(rid)
        metrics.IN_FLIGHT.inc()
        self._in_flight += 1
        started = time.perf_counter()
        try:
            if self._in_flight > self.settings.max_in_flight:
                log.warning("overloaded: %d requests in flight", self._in_flight)
                answer = _failed(None, "internal_error")
            else:
                answer = await self._answer(request, rid)
        finally:
            self._in_flight -= 1
            metrics.IN_FLIGHT.dec()
            request_id.reset(token)
        metrics.REQUESTS.labels(answer.method, answer.outcome).inc()
        metrics.LATENCY.labels(answer.method).observe(time.perf_counter() - started)
        response = _json(answer.payload, answer.status_code)
        response.headers["x-request-id"] = rid
        if answer.status_code != 200:
            # A body over the cap or too slow: the rest of it is not read, so the connection ends
            # here (gracefully: gateway/protocol.py drains what is still coming before it closes).
            response.headers["connection"] = "close"
        return response

    async def _answer(self, request: Request, rid: str) -> _Answer:
        try:
            body = await asyncio.wait_for(_read_body(request, self.settings.body_limit), self.settings.body_timeout)
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
        if (
            envelope.get("jsonrpc") != "2.0"
            or ("id" in envelope and not _valid_id(request_id_))
            or not isinstance(method_name, str)
            or not isinstance(params, dict)
        ):
            return _failed(echo_id, "invalid_request")
        if "id" not in envelope:
            return _failed(None, "notifications_not_supported")
        method = JSONRPC_METHODS.get(method_name)
        if method is None:
            return _failed(request_id_, "method_not_found")
        client = request.client.host if request.client else None
        return await self._call(method, params, request_id_, client, rid)

    async def _call(
        self, method: Method, params: dict[str, Any], request_id: Any, client: str | None, rid: str
    ) -> _Answer:
        translation = translate.to_message(params, method.request_type(), skip=_ENVELOPE_KEYS)
        metadata: list[tuple[str, str | bytes]] = [("x-request-id", rid)]
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
        call = self._calls[method.name](translation.message, metadata=metadata, timeout=self.settings.call_timeout)
        try:
            reply: Message = await call
            trailing = await call.trailing_metadata()
        except grpc.aio.AioRpcError as error:
            failure = self._error_from_status(method, error, params, translation)
            return _Answer({"jsonrpc": "2.0", "id": request_id, "error": failure}, method.name, _mnemonic_of(failure))
        data, reply_metadata = translate.to_result(reply)
        result = {"data": data, "metadata": {**reply_metadata, **_metadata(trailing)}}
        return _Answer({"jsonrpc": "2.0", "id": request_id, "result": result}, method.name, "ok")

    def _error_from_status(
        self, method: Method, error: grpc.aio.AioRpcError, params: dict[str, Any], translation: translate.Translation
    ) -> dict[str, object]:
        trailing = error.trailing_metadata()
        metadata = _metadata(trailing)
        info = _error_info(trailing)
        entry = by_reason(info.reason) if info is not None else None
        if info is None or entry is None:
            if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                log.warning("%s: gRPC %s without contract details", method.name, error.code().name)
            return error_object("internal_error", metadata=metadata)
        path = _violation_path(trailing) or info.metadata.get("field")
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
            if key in ("field", "value"):
                continue
            params_out[key] = int(text) if key in INTEGER_PARAMS and text.lstrip("-").isdigit() else text
        return error_object(entry.key, field=field, value=value, params=params_out, metadata=metadata)


def _metadata(trailing: Any) -> dict[str, object]:
    """`metadata.limits` from the service's trailing metadata; {} when it sent none."""
    for key, value in trailing or ():
        if key == LIMITS_KEY:
            limits = decode_limits(value)
            return {"limits": limits.as_dict()} if limits is not None else {}
    return {}


def _status(trailing: Any) -> status_pb2.Status | None:
    for key, value in trailing or ():
        if key == _STATUS_DETAILS and isinstance(value, bytes):
            try:
                return status_pb2.Status.FromString(value)
            except DecodeError:
                return None
    return None


def _error_info(trailing: Any) -> error_details_pb2.ErrorInfo | None:
    status = _status(trailing)
    for detail in status.details if status is not None else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info
    return None


def _violation_path(trailing: Any) -> str | None:
    status = _status(trailing)
    for detail in status.details if status is not None else ():
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request) and bad_request.field_violations:
            path: str = bad_request.field_violations[0].field
            return path
    return None


def create_app(settings: GatewaySettings | None = None) -> Starlette:
    gateway = Gateway(settings or GatewaySettings())

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await gateway.open()
        try:
            yield
        finally:
            await gateway.close()

    routes = [
        Route("/v2.0", gateway.endpoint, methods=["POST"]),
        Route("/v2.0/", gateway.endpoint, methods=["POST"]),
        Route("/metrics", metrics.endpoint, methods=["GET"]),
        Route("/healthz", gateway.healthz, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.gateway = gateway
    return app
