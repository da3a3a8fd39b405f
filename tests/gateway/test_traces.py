"""Traces, seen from outside: a real service and a real uvicorn gateway, traced into an in-memory exporter.

One service and gateway per engine for the module, each test reading the spans of its own requests. On
PostgreSQL a transaction runs in SQLAlchemy's greenlet, on SQLite on the event loop: the statements' spans
must be children of the call's either way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import orjson
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from cli.trace_providers import with_processors
from gateway import tracing as gateway_tracing
from gateway.request_ids import request_id as gateway_request_id
from service import tracing as service_tracing
from service.logs import JsonFormatter
from service.server import request_id as service_request_id
from tests.conftest import start_gateway, start_service, stop_gateway
from tests.databases import DatabaseFactory
from tests.gateway.wire import envelope

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"
CREATE_RPC = "/campaigns.v1.CampaignService/CreateCampaign"
# What must never be in a span: the demo tokens, and values the requests below send or get back.
NAME = "Traced spring sale 7f3e"
PASSWORD = "secret"
MISSING_NUMBER = "74950000301"


@dataclass
class Traced:
    url: str
    exporter: InMemorySpanExporter
    engine: str
    service_target: str

    async def post(self, body: bytes, **headers: str) -> dict[str, Any]:
        """The answer, once the gateway's span of the request has ended."""
        before = {span.context.span_id for span in self.exporter.get_finished_spans() if _is_http(span)}
        async with httpx.AsyncClient() as client:
            answer: dict[str, Any] = orjson.loads((await client.post(self.url, content=body, headers=headers)).content)
        for _ in range(200):  # the server span ends just after the last byte is sent
            if any(
                _is_http(span) and span.context.span_id not in before for span in self.exporter.get_finished_spans()
            ):
                return answer
            await asyncio.sleep(0.01)
        raise AssertionError("no span of the request")

    def trace(self, trace_id: int) -> list[ReadableSpan]:
        return [span for span in self.exporter.get_finished_spans() if span.context.trace_id == trace_id]


def _is_http(span: ReadableSpan) -> bool:
    return span.kind is SpanKind.SERVER and span.name.startswith("POST ")


def _children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    return [span for span in spans if span.parent is not None and span.parent.span_id == parent.context.span_id]


def _one(spans: list[ReadableSpan]) -> ReadableSpan:
    assert len(spans) == 1, [span.name for span in spans]
    return spans[0]


def _texts(span: ReadableSpan) -> list[str]:
    """Everything a span carries that an exporter sends, as text."""
    texts = [span.name, str(span.status.description or "")]
    texts += [f"{key}={value!r}" for key, value in (span.attributes or {}).items()]
    for event in span.events:
        texts.append(event.name)
        texts += [f"{key}={value!r}" for key, value in (event.attributes or {}).items()]
    return texts


@pytest.fixture(scope="module")
async def traced(engine: str, database_factory: DatabaseFactory) -> AsyncIterator[Traced]:
    exporter = InMemorySpanExporter()
    # What the `campaigns` command does in each process when OTEL_* variables switch traces on, with one
    # provider for both halves, exporting as each span ends.
    provider = with_processors("campaigns-test", [SimpleSpanProcessor(exporter)])
    gateway_tracing.instrument(provider)
    service_tracing.instrument(provider)
    try:
        # An empty database: the service migrates it and loads the demo data as it starts.
        running = await start_service(await database_factory.empty(), demo=True)
        try:
            # Opening, migrating and loading the demo data are no call's: not recorded.
            assert exporter.get_finished_spans() == ()
            server, task, port = await start_gateway(f"127.0.0.1:{running.port}")
            try:
                yield Traced(f"http://127.0.0.1:{port}/v2.0", exporter, engine, f"127.0.0.1:{running.port}")
            finally:
                await stop_gateway(server, task)
        finally:
            await running.stop(grace=1)
    finally:
        gateway_tracing.uninstrument()
        service_tracing.uninstrument()
        provider.shutdown()


async def test_one_create_is_one_trace_that_continues_the_clients(traced: Traced) -> None:
    params = {"access_token": "tok_cust", "name": NAME, "site_id": 10}
    answer = await traced.post(
        envelope(params, method="create.campaigns"), traceparent=f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"
    )
    assert "result" in answer, answer
    spans = traced.trace(int(CLIENT_TRACE, 16))

    request = _one([span for span in spans if _is_http(span)])
    assert request.parent is not None and request.parent.span_id == int(CLIENT_SPAN, 16)  # the client's
    assert request.name == "POST /v2.0"
    assert request.attributes is not None
    assert request.attributes["rpc.system"] == "jsonrpc"
    assert request.attributes["rpc.method"] == "create.campaigns"
    assert "rpc.jsonrpc.error_code" not in request.attributes

    call = _one(_children(spans, request))
    assert (call.kind, call.name) == (SpanKind.CLIENT, CREATE_RPC)
    assert call.attributes is not None and call.attributes["rpc.grpc.status_code"] == 0

    handler = _one(_children(spans, call))
    assert (handler.kind, handler.name) == (SpanKind.SERVER, CREATE_RPC)

    statements = [span for span in _children(spans, handler) if "db.statement" in (span.attributes or {})]
    assert any(str((span.attributes or {})["db.statement"]).startswith("INSERT INTO campaigns") for span in statements)
    # Every statement of a create takes the storage's fast path, which makes its own spans.
    scopes = {span.instrumentation_scope.name for span in statements if span.instrumentation_scope}
    assert scopes == {"service.tracing"}, scopes
    assert {(span.attributes or {})["db.system"] for span in statements} == {traced.engine}
    assert {span.context.span_id for span in spans} == {
        span.context.span_id for span in (request, call, handler, *_children(spans, handler))
    }


async def test_a_statement_sqlalchemy_runs_is_traced_by_its_instrumentation(traced: Traced) -> None:
    # A filtered listing is built per request and runs through SQLAlchemy, whose instrumentation traces it.
    params = {"access_token": "tok_cust", "filter": {"field": "name", "operator": "like", "value": "Traced%"}}
    answer = await traced.post(
        envelope(params, method="get.campaigns"), traceparent=f"00-{CLIENT_TRACE[::-1]}-{CLIENT_SPAN}-01"
    )
    assert "result" in answer, answer
    spans = traced.trace(int(CLIENT_TRACE[::-1], 16))
    handler = _one([span for span in spans if span.kind is SpanKind.SERVER and span.name.startswith("/campaigns")])
    statements = [span for span in _children(spans, handler) if "db.statement" in (span.attributes or {})]
    by_scope = {
        span.instrumentation_scope.name: str((span.attributes or {})["db.statement"])
        for span in statements
        if span.instrumentation_scope
    }
    assert by_scope["opentelemetry.instrumentation.sqlalchemy"].startswith("SELECT"), by_scope
    assert "service.tracing" in by_scope  # admission, on the fast path


async def test_an_error_names_its_mnemonic_and_code_and_the_logs_name_the_trace(traced: Traced) -> None:
    lines: list[dict[str, Any]] = []
    formatter = JsonFormatter([service_request_id, gateway_request_id], traces=True)

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(orjson.loads(formatter.format(record)))

    handler = Capture(level=logging.INFO)
    logger = logging.getLogger("campaigns.service")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        answer = await traced.post(envelope({"access_token": "tok_cust", "name": NAME}, method="create.campaigns"))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    assert answer["error"]["data"]["mnemonic"] == "required_parameter_missed"

    request = [span for span in traced.exporter.get_finished_spans() if _is_http(span)][-1]
    assert request.parent is None  # no traceparent: a trace of its own
    assert request.attributes is not None
    assert request.attributes["rpc.method"] == "create.campaigns"
    assert request.attributes["rpc.jsonrpc.error_code"] == -32602
    assert request.attributes["error.type"] == "required_parameter_missed"
    spans = traced.trace(request.context.trace_id)
    call = _one(_children(spans, request))
    assert call.attributes is not None and call.attributes["rpc.grpc.status_code"] == 3  # INVALID_ARGUMENT
    assert call.status.status_code is StatusCode.ERROR
    handler_span = _one(_children(spans, call))
    assert handler_span.attributes is not None
    assert handler_span.attributes["error.type"] == "required_parameter_missed"
    assert handler_span.attributes["rpc.grpc.status_code"] == 3

    logged = [line for line in lines if "required_parameter_missed" in line["message"]]
    assert logged, lines
    assert logged[0]["trace_id"] == format(request.context.trace_id, "032x")
    assert logged[0]["span_id"] == format(handler_span.context.span_id, "016x")
    assert logged[0]["request_id"]


async def test_no_token_password_or_parameter_value_is_in_any_span(traced: Traced) -> None:
    login = await traced.post(envelope({"login": "demo", "password": PASSWORD}, method="login.user"))
    session_token = login["result"]["data"]["access_token"]
    # A token in the query string and in headers, which the API does not read but a span could record.
    headers = {"authorization": "Bearer tok_noperm", "cookie": "token=tok_nocomp", "x-api-key": "tok_ratelimited"}
    async with httpx.AsyncClient() as client:
        await client.post(
            f"{traced.url}?access_token=tok_blocked",
            content=envelope({"access_token": "tok_cust", "name": NAME, "site_id": 10}, method="create.campaigns"),
            headers=headers,
        )
    await traced.post(
        envelope({"access_token": session_token, "name": NAME, "site_id": 8675309}, method="create.campaigns")
    )
    await traced.post(envelope({"access_token": "tok_unknown_never_traced", "name": NAME}, method="create.campaigns"))
    # The service's message for this error quotes the number sent.
    missing = {"access_token": "tok_sites", "virtual_phone_number": MISSING_NUMBER}
    answer = await traced.post(envelope(missing, method="enable.virtual_numbers"))
    assert answer["error"]["data"]["mnemonic"] == "virtual_phone_number_not_found", answer

    spans = traced.exporter.get_finished_spans()
    assert len(spans) > 10
    secrets = ("tok_", session_token, PASSWORD, NAME, "8675309", "demo", MISSING_NUMBER)
    found = [(span.name, text) for span in spans for text in _texts(span) if any(s in text for s in secrets)]
    assert found == []


async def test_probes_are_not_traced(traced: Traced) -> None:
    before = len(traced.exporter.get_finished_spans())
    async with httpx.AsyncClient() as client:
        health = await client.get(traced.url.replace("/v2.0", "/healthz"))  # a gRPC health check behind it
    assert health.status_code == 200
    async with grpc.aio.insecure_channel(traced.service_target) as channel:  # a load balancer's
        answer = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""))
    assert answer.status == health_pb2.HealthCheckResponse.SERVING
    await traced.post(envelope({"access_token": "tok_cust"}, method="get.account"))
    names = [span.name for span in traced.exporter.get_finished_spans()[before:]]
    assert names and not [name for name in names if "health" in name.lower()], names
