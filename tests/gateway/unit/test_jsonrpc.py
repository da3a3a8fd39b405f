"""gateway/jsonrpc.py in process: the envelope checks, the call's metadata, and the reply or status back to
JSON-RPC. The upstream is a recording stand-in that answers as the service would (a reply with trailing
metadata, or an AioRpcError); everything between the request and it is the real endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
import orjson
import pytest
from campaigns.v1 import campaign_service_pb2
from google.protobuf.message import Message
from starlette.routing import request_response

from contract.faults import FAULTS_KEY, Fault, decode_faults
from contract.limits import LIMITS_KEY, Limits, encode_limits
from contract.methods import Method
from gateway.errors import Metadata
from gateway.jsonrpc import JsonRpcEndpoint
from gateway.settings import GatewaySettings
from gateway.upstream import Upstream
from tests.gateway.unit.support import Sent, details, http_scope, info, run, violation

LIMITS = Limits(day_limit=10, day_remaining=9, day_reset=100, minute_limit=5, minute_remaining=4, minute_reset=10)


@dataclass
class Recorded:
    method: str
    message: Message
    metadata: dict[str, str | bytes]


@dataclass
class FakeUpstream(Upstream):
    """Answers every call with `reply` (or raises `error`) and records what was sent."""

    reply: Message = field(default_factory=lambda: campaign_service_pb2.CreateCampaignResponse(id=1001))
    trailing: Metadata = ((LIMITS_KEY, encode_limits(LIMITS)),)
    error: grpc.aio.AioRpcError | None = None
    calls: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(GatewaySettings())

    async def call(
        self, method: Method, message: Message, metadata: Sequence[tuple[str, str | bytes]]
    ) -> tuple[Message, Metadata]:
        self.calls.append(Recorded(method.name, message, dict(metadata)))
        if self.error is not None:
            raise self.error
        return self.reply, self.trailing


async def post(upstream: FakeUpstream, body: bytes, headers: dict[str, str] | None = None) -> tuple[Sent, Any]:
    endpoint = JsonRpcEndpoint(GatewaySettings(), upstream)
    scope = http_scope(headers)
    sent = await run(request_response(endpoint.endpoint), scope, body)
    return sent, orjson.loads(sent.body)


def envelope(params: Any, method: str = "create.campaigns", request_id: Any = 1) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})


ENVELOPES = [
    pytest.param(b"{", "parse_error", None, id="not JSON"),
    pytest.param(b"[]", "batch_opreations_not_supported", None, id="batch"),
    pytest.param(b"7", "invalid_request", None, id="not an object"),
    pytest.param(b'{"jsonrpc":"1.0","id":3,"method":"m","params":{}}', "invalid_request", 3, id="wrong version"),
    pytest.param(b'{"jsonrpc":"2.0","id":true,"method":"m","params":{}}', "invalid_request", None, id="boolean id"),
    pytest.param(b'{"jsonrpc":"2.0","id":"a","method":7,"params":{}}', "invalid_request", "a", id="method no string"),
    pytest.param(b'{"jsonrpc":"2.0","id":4,"method":"m","params":[]}', "invalid_request", 4, id="params a list"),
    pytest.param(b'{"jsonrpc":"2.0","method":"m","params":{}}', "notifications_not_supported", None, id="no id"),
    pytest.param(b'{"jsonrpc":"2.0","id":5,"method":"m","params":{}}', "method_not_found", 5, id="unknown method"),
]


@pytest.mark.parametrize(("body", "mnemonic", "echoed"), ENVELOPES)
async def test_envelope_failures_never_call_the_service(body: bytes, mnemonic: str, echoed: Any) -> None:
    upstream = FakeUpstream()
    sent, answer = await post(upstream, body)
    assert sent.status == 200
    assert answer["id"] == echoed
    assert answer["error"]["data"]["mnemonic"] == mnemonic
    assert upstream.calls == []


async def test_a_success_carries_the_data_and_the_limits() -> None:
    upstream = FakeUpstream()
    _sent, answer = await post(
        upstream, envelope({"access_token": "tok_cust", "name": "n", "site_id": 10}, "create.campaigns", "c-1")
    )
    assert answer == {
        "jsonrpc": "2.0",
        "id": "c-1",
        "result": {
            "data": {"id": 1001},
            "metadata": {
                "limits": {
                    "day_limit": 10,
                    "day_remaining": 9,
                    "day_reset": 100,
                    "minute_limit": 5,
                    "minute_remaining": 4,
                    "minute_reset": 10,
                }
            },
        },
    }
    (call,) = upstream.calls
    assert call.method == "create.campaigns"
    assert isinstance(call.message, campaign_service_pb2.CreateCampaignRequest)
    assert (call.message.name, call.message.site_id) == ("n", 10)
    assert call.metadata["authorization"] == "Bearer tok_cust"
    assert call.metadata["x-forwarded-for"] == "127.0.0.1"
    assert FAULTS_KEY not in call.metadata


async def test_a_list_reply_puts_its_other_fields_in_metadata() -> None:
    reply = campaign_service_pb2.GetCampaignsResponse(total_items=3, fields=["id"])
    reply.data.add(id=7, name="x")
    upstream = FakeUpstream(reply=reply, trailing=())
    _sent, answer = await post(upstream, envelope({"access_token": "t"}, "get.campaigns"))
    assert answer["result"] == {"data": [{"id": 7}], "metadata": {"total_items": 3}}


@pytest.mark.parametrize(
    ("token", "sent_as"),
    [
        pytest.param(12345, "Bearer 12345", id="a number as its text"),
        pytest.param("", "Bearer -", id="empty"),
        pytest.param(" tok", "Bearer -", id="surrounding blank"),
        pytest.param("tök", "Bearer -", id="not ascii"),
        pytest.param("t\nk", "Bearer -", id="not printable"),
        pytest.param("t" * 1025, "Bearer -", id="too long"),
        pytest.param("t" * 1024, "Bearer " + "t" * 1024, id="the longest"),
        pytest.param(None, None, id="null: no authorization"),
    ],
)
async def test_the_token_goes_as_metadata_only_when_it_can(token: Any, sent_as: str | None) -> None:
    upstream = FakeUpstream()
    await post(upstream, envelope({"access_token": token, "name": "n"}))
    assert upstream.calls[0].metadata.get("authorization") == sent_as


async def test_the_request_id_and_the_faults_go_as_metadata() -> None:
    upstream = FakeUpstream()
    await post(upstream, envelope({"site_id": "10", "odd": 1}))
    metadata = upstream.calls[0].metadata
    assert metadata["x-request-id"] == "-"  # outside the request id middleware
    faults = decode_faults(metadata[FAULTS_KEY])
    assert dict(faults.at) == {"site_id": Fault.WRONG_TYPE}
    assert dict(faults.unexpected) == {"": "odd"}


async def test_a_status_becomes_the_jsonrpc_error_with_the_clients_value() -> None:
    trailing = grpc.aio.Metadata(
        ("grpc-status-details-bin", details(info("DATA_TYPE_ERROR", field="site_id"), violation("site_id"))),
        (LIMITS_KEY, encode_limits(LIMITS)),
    )
    upstream = FakeUpstream(error=grpc.aio.AioRpcError(grpc.StatusCode.INVALID_ARGUMENT, None, trailing))
    _sent, answer = await post(upstream, envelope({"access_token": "t", "site_id": "10"}, request_id=8))
    assert answer["id"] == 8
    error = answer["error"]
    assert (error["code"], error["message"]) == (-32602, "Data supplied is of wrong type")
    assert error["data"]["mnemonic"] == "data_type_error"
    assert (error["data"]["field"], error["data"]["value"]) == ("site_id", "10")
    assert error["data"]["metadata"]["limits"]["day_limit"] == 10


async def test_an_unreachable_service_is_internal_error(caplog: pytest.LogCaptureFixture) -> None:
    upstream = FakeUpstream(error=grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, None, grpc.aio.Metadata()))
    _sent, answer = await post(upstream, envelope({"access_token": "t"}))
    assert answer["error"]["data"] == {"mnemonic": "internal_error", "params": {}, "metadata": {}}
    assert "without contract details" not in caplog.text


async def test_an_undescribed_status_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    upstream = FakeUpstream(error=grpc.aio.AioRpcError(grpc.StatusCode.INTERNAL, None, grpc.aio.Metadata()))
    _sent, answer = await post(upstream, envelope({"access_token": "t"}))
    assert answer["error"]["data"]["mnemonic"] == "internal_error"
    assert "create.campaigns: gRPC INTERNAL without contract details" in caplog.text


async def test_the_outcome_is_noted_for_the_metrics() -> None:
    upstream = FakeUpstream()
    endpoint = JsonRpcEndpoint(GatewaySettings(), upstream)
    scope = http_scope()
    await run(request_response(endpoint.endpoint), scope, envelope({"access_token": "t"}))
    assert scope["state"]["gateway.answered"] == ("create.campaigns", "ok")
    scope = http_scope()
    await run(request_response(endpoint.endpoint), scope, envelope({}, "made.up"))
    assert scope["state"]["gateway.answered"] == ("-", "method_not_found")
