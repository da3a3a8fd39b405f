"""Contract sections 1 and 2 on the wire: HTTP transport, body cap, strict JSON, the envelope table."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import Gateway
from tests.gateway.conftest import SMALL_BODY_LIMIT, LoneGateway
from tests.gateway.wire import (
    VALID,
    assert_error,
    envelope,
    http_request,
    json_rpc_body,
    post,
    raw_exchange,
    same_json,
)

NULL = None  # the expected `id` of answers to requests whose id cannot be echoed

# (body, mnemonic, id the answer must carry)
ENVELOPE_TABLE: list[Any] = [
    # body is not JSON
    pytest.param(b"", "parse_error", NULL, id="parse-empty-body"),
    pytest.param(b"   \n", "parse_error", NULL, id="parse-whitespace-only"),
    pytest.param(b"{", "parse_error", NULL, id="parse-truncated"),
    pytest.param(b"not json", "parse_error", NULL, id="parse-garbage"),
    pytest.param(b'{"jsonrpc":"2.0","id":1,}', "parse_error", NULL, id="parse-trailing-comma"),
    pytest.param(b"{'jsonrpc': '2.0', 'id': 1}", "parse_error", NULL, id="parse-single-quotes"),
    pytest.param(envelope(request_id=3, method="x") + b" x", "parse_error", NULL, id="parse-trailing-garbage"),
    # a JSON array
    pytest.param(b"[" + envelope(request_id=1) + b"]", "batch_opreations_not_supported", NULL, id="batch-one"),
    pytest.param(b"[]", "batch_opreations_not_supported", NULL, id="batch-empty"),
    pytest.param(b"[1, 2]", "batch_opreations_not_supported", NULL, id="batch-of-numbers"),
    # no id member
    pytest.param(
        b'{"jsonrpc":"2.0","method":"create.campaigns","params":{"access_token":"tok_cust"}}',
        "notifications_not_supported",
        NULL,
        id="notification",
    ),
    pytest.param(
        b'{"jsonrpc":"2.0","method":"create.campaign","params":{}}',
        "notifications_not_supported",
        NULL,
        id="notification-beats-method-lookup",
    ),
    # jsonrpc not exactly "2.0"
    pytest.param(
        b'{"jsonrpc":"1.0","id":5,"method":"create.campaigns","params":{}}', "invalid_request", 5, id="jsonrpc-1.0"
    ),
    pytest.param(b'{"id":"a","method":"create.campaigns","params":{}}', "invalid_request", "a", id="jsonrpc-missing"),
    pytest.param(
        b'{"jsonrpc":2.0,"id":5,"method":"create.campaigns","params":{}}', "invalid_request", 5, id="jsonrpc-number"
    ),
    pytest.param(
        b'{"jsonrpc":"2.0 ","id":5,"method":"create.campaigns","params":{}}', "invalid_request", 5, id="jsonrpc-space"
    ),
    pytest.param(
        b'{"jsonrpc":null,"id":5,"method":"create.campaigns","params":{}}', "invalid_request", 5, id="jsonrpc-null"
    ),
    pytest.param(
        b'{"jsonrpc":"1.0","method":"create.campaigns","params":{}}',
        "invalid_request",
        NULL,
        id="envelope-beats-notification",
    ),
    # id not a string or number
    pytest.param(
        b'{"jsonrpc":"2.0","id":true,"method":"create.campaigns","params":{}}', "invalid_request", NULL, id="id-true"
    ),
    pytest.param(
        b'{"jsonrpc":"2.0","id":false,"method":"create.campaigns","params":{}}', "invalid_request", NULL, id="id-false"
    ),
    pytest.param(
        b'{"jsonrpc":"2.0","id":null,"method":"create.campaigns","params":{}}', "invalid_request", NULL, id="id-null"
    ),
    pytest.param(
        b'{"jsonrpc":"2.0","id":{"a":1},"method":"create.campaigns","params":{}}',
        "invalid_request",
        NULL,
        id="id-object",
    ),
    pytest.param(
        b'{"jsonrpc":"2.0","id":[1],"method":"create.campaigns","params":{}}', "invalid_request", NULL, id="id-array"
    ),
    # method not a string
    pytest.param(b'{"jsonrpc":"2.0","id":5,"method":5,"params":{}}', "invalid_request", 5, id="method-number"),
    pytest.param(b'{"jsonrpc":"2.0","id":5,"method":null,"params":{}}', "invalid_request", 5, id="method-null"),
    pytest.param(b'{"jsonrpc":"2.0","id":5,"params":{}}', "invalid_request", 5, id="method-missing"),
    pytest.param(
        b'{"jsonrpc":"2.0","id":5,"method":["create.campaigns"],"params":{}}',
        "invalid_request",
        5,
        id="method-array",
    ),
    # params missing or not an object
    pytest.param(b'{"jsonrpc":"2.0","id":5,"method":"create.campaigns"}', "invalid_request", 5, id="params-missing"),
    pytest.param(
        b'{"jsonrpc":"2.0","id":5,"method":"create.campaigns","params":["tok_cust"]}',
        "invalid_request",
        5,
        id="params-list",
    ),
    pytest.param(
        b'{"jsonrpc":"2.0","id":5,"method":"create.campaigns","params":"tok_cust"}',
        "invalid_request",
        5,
        id="params-string",
    ),
    pytest.param(
        b'{"jsonrpc":"2.0","id":5,"method":"create.campaigns","params":null}', "invalid_request", 5, id="params-null"
    ),
    pytest.param(
        b'{"jsonrpc":"2.0","id":5,"method":"create.campaigns","params":5}', "invalid_request", 5, id="params-number"
    ),
    pytest.param(
        b'{"jsonrpc":"2.0","id":"q","method":"create.campaign","params":[]}',
        "invalid_request",
        "q",
        id="envelope-beats-method-lookup",
    ),
    # top level not an object
    pytest.param(b"5", "invalid_request", NULL, id="top-level-number"),
    pytest.param(b'"create.campaigns"', "invalid_request", NULL, id="top-level-string"),
    pytest.param(b"null", "invalid_request", NULL, id="top-level-null"),
    pytest.param(b"true", "invalid_request", NULL, id="top-level-true"),
    # unknown method
    pytest.param(envelope(VALID, 9, "create.campaign"), "method_not_found", 9, id="method-singular"),
    pytest.param(envelope(VALID, "m", "CREATE.CAMPAIGNS"), "method_not_found", "m", id="method-upper-case"),
    pytest.param(envelope(VALID, 9, ""), "method_not_found", 9, id="method-empty"),
    pytest.param(envelope(VALID, 9, " create.campaigns"), "method_not_found", 9, id="method-leading-space"),
]


@pytest.mark.parametrize(("body", "mnemonic", "request_id"), ENVELOPE_TABLE)
async def test_envelope_table(lone_gateway: LoneGateway, body: bytes, mnemonic: str, request_id: Any) -> None:
    """Each row of section 2's table; no service is behind this gateway, so it must answer on its own."""
    response = await post(lone_gateway.url, body)
    answer = json_rpc_body(response)
    data = assert_error(answer, mnemonic, request_id=request_id)
    assert "limits" not in data.get("metadata", {})


@pytest.mark.parametrize(
    "request_id",
    [
        pytest.param("7", id="string-7"),
        pytest.param(7, id="number-7"),
        pytest.param(7.5, id="fraction"),
        pytest.param(-3, id="negative"),
        pytest.param(0, id="zero"),
        pytest.param("", id="empty-string"),
        pytest.param("ид-№1", id="unicode-string"),
        pytest.param(2**63 - 1, id="int64-max"),
        pytest.param(2**63, id="uint64-range"),
    ],
)
async def test_id_echoed_with_its_json_type(lone_gateway: LoneGateway, request_id: Any) -> None:
    answer = json_rpc_body(await post(lone_gateway.url, envelope(VALID, request_id, "create.campaign")))
    assert same_json(answer["id"], request_id)
    assert_error(answer, "method_not_found", request_id=request_id)


async def test_id_beyond_64_bits_echoed_exactly(lone_gateway: LoneGateway) -> None:
    body = b'{"jsonrpc":"2.0","id":18446744073709551616,"method":"create.campaign","params":{}}'
    response = await post(lone_gateway.url, body)
    json_rpc_body(response)
    assert b'"id":18446744073709551616' in response.content


@pytest.mark.parametrize("request_id", ["7", 7])
async def test_id_echoed_on_success_and_on_service_error(gateway: Gateway, request_id: Any) -> None:
    success = await gateway.call("create.campaigns", VALID, request_id)
    assert same_json(success["id"], request_id)
    assert "result" in success
    failure = await gateway.call("create.campaigns", {**VALID, "access_token": "tok_nope"}, request_id)
    assert_error(failure, "access_token_invalid", request_id=request_id)


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param(None, id="none"),
        pytest.param("text/plain", id="text-plain"),
        pytest.param("application/x-www-form-urlencoded", id="form"),
        pytest.param("application/json; charset=utf-8", id="json"),
    ],
)
async def test_any_content_type_is_accepted(gateway: Gateway, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type is not None else {}
    async with httpx.AsyncClient(timeout=30) as client:
        request = client.build_request("POST", gateway.url, content=envelope(VALID, 11), headers=headers)
        assert request.headers.get("content-type") == content_type
        response = await client.send(request)
    answer = json_rpc_body(response)
    assert answer["id"] == 11
    assert isinstance(answer["result"]["data"]["id"], int)


async def test_trailing_slash_path_works(gateway: Gateway) -> None:
    answer = json_rpc_body(await post(gateway.url + "/", envelope(VALID, 12)))
    assert answer["id"] == 12
    assert isinstance(answer["result"]["data"]["id"], int)


@pytest.mark.parametrize("path", ["/v2.0", "/v2.0/"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
async def test_other_http_methods_are_405(lone_gateway: LoneGateway, method: str, path: str) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.request(method, f"http://127.0.0.1:{lone_gateway.port}{path}", content=envelope(VALID))
    assert response.status_code == 405


@pytest.mark.parametrize("path", ["/", "/v2", "/v1.0", "/v2.0/x", "/V2.0", "/v2.0.", "/api/v2.0"])
async def test_unknown_path_is_404(lone_gateway: LoneGateway, path: str) -> None:
    response = await post(f"http://127.0.0.1:{lone_gateway.port}{path}", envelope(VALID))
    assert response.status_code == 404


# The body cap (small_gateway: body_limit=1024).


def _padded_envelope(size: int, request_id: Any = 5) -> bytes:
    """A valid envelope (unknown method, so the gateway answers alone) padded with spaces to `size` bytes."""
    body = envelope({}, request_id, "create.campaign")
    assert len(body) < size
    return body[:-1] + b" " * (size - len(body)) + b"}"


def _assert_too_large(status: int, content_type: str, body: dict[str, Any]) -> None:
    assert status == 413
    assert content_type.split(";")[0].strip() == "application/json"
    assert_error(body, "invalid_request", request_id=None)


async def test_body_over_cap_is_413(small_gateway: LoneGateway) -> None:
    body = _padded_envelope(2 * 1024)
    response = await post(small_gateway.url, body)
    _assert_too_large(response.status_code, response.headers["content-type"], orjson.loads(response.content))


async def test_body_exactly_at_cap_is_read(small_gateway: LoneGateway) -> None:
    at_cap = await post(small_gateway.url, _padded_envelope(SMALL_BODY_LIMIT, "at"))
    assert_error(json_rpc_body(at_cap), "method_not_found", request_id="at")
    over = await post(small_gateway.url, _padded_envelope(SMALL_BODY_LIMIT + 1, "over"))
    _assert_too_large(over.status_code, over.headers["content-type"], orjson.loads(over.content))


@pytest.mark.parametrize("expect_continue", [False, True], ids=["plain", "expect-100-continue"])
async def test_declared_length_over_cap_refused_before_body_is_sent(
    small_gateway: LoneGateway, expect_continue: bool
) -> None:
    head = ["POST /v2.0 HTTP/1.1", "Host: 127.0.0.1", "Content-Length: 1048576", "Content-Type: application/json"]
    if expect_continue:
        head.append("Expect: 100-continue")
    started = time.monotonic()
    # Only the head goes out: a gateway that waited for the body would never answer.
    response = await raw_exchange(small_gateway.port, http_request(head))
    assert time.monotonic() - started < 5
    _assert_too_large(response.status, response.headers["content-type"], response.json())


async def test_chunked_body_over_cap_refused_before_it_ends(small_gateway: LoneGateway) -> None:
    head = ["POST /v2.0 HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked"]
    chunk = b"200\r\n" + b" " * 0x200 + b"\r\n"
    # 1536 bytes of body and no terminating chunk: the answer must come without the rest.
    response = await raw_exchange(small_gateway.port, http_request(head) + chunk * 3)
    _assert_too_large(response.status, response.headers["content-type"], response.json())


async def test_chunked_body_under_cap_is_read(small_gateway: LoneGateway) -> None:
    body = envelope({}, "chunked", "create.campaign")
    head = ["POST /v2.0 HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked"]
    half = len(body) // 2
    chunks = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:half], body[half:]))
    response = await raw_exchange(small_gateway.port, http_request(head) + chunks + b"0\r\n\r\n")
    assert response.status == 200
    assert response.headers["content-type"].split(";")[0] == "application/json"
    assert_error(response.json(), "method_not_found", request_id="chunked")


async def test_default_cap_accepts_a_large_body(gateway: Gateway) -> None:
    """Well under the 4 MiB default: a 1 MiB body is read whole and judged by the rules, not refused."""
    big = "n" * (1024 * 1024)
    answer = json_rpc_body(await post(gateway.url, envelope({**VALID, "notes": big}, 21)))
    assert_error(answer, "unexpected_parameters", request_id=21, field="notes", value=big)


# Strict JSON.

DEEP = 10_000


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * DEEP + b"]" * DEEP, id="deep-arrays-top-level"),
        pytest.param(b'{"a":' * DEEP + b"1" + b"}" * DEEP, id="deep-objects-top-level"),
        pytest.param(
            b'{"jsonrpc":"2.0","id":1,"method":"create.campaigns","params":{"access_token":"tok_cust","name":'
            + b"[" * DEEP
            + b"]" * DEEP
            + b"}}",
            id="deep-inside-params",
        ),
        pytest.param(b"[" * DEEP, id="deep-and-unclosed"),
    ],
)
async def test_deep_nesting_is_parse_error(lone_gateway: LoneGateway, body: bytes) -> None:
    assert_error(json_rpc_body(await post(lone_gateway.url, body)), "parse_error", request_id=None)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"jsonrpc":"2.0","id":NaN,"method":"create.campaign","params":{}}', id="nan-id"),
        pytest.param(b'{"jsonrpc":"2.0","id":1,"method":"create.campaign","params":{"site_id":NaN}}', id="nan"),
        pytest.param(b'{"jsonrpc":"2.0","id":1,"method":"create.campaign","params":{"x":Infinity}}', id="infinity"),
        pytest.param(b'{"jsonrpc":"2.0","id":1,"method":"create.campaign","params":{"x":-Infinity}}', id="-infinity"),
        pytest.param(b'{"jsonrpc":"2.0","id":1,"method":"create.campaign","params":{"x":"\\ud800"}}', id="lone-high"),
        pytest.param(b'{"jsonrpc":"2.0","id":1,"method":"create.campaign","params":{"x":"\\udc00"}}', id="lone-low"),
        pytest.param(
            b'{"jsonrpc":"2.0","id":"\\ud800","method":"create.campaign","params":{}}', id="lone-surrogate-in-id"
        ),
        pytest.param(
            b'{"jsonrpc":"2.0","id":1,"method":"create.campaign","params":{"x":"\xed\xa0\x80"}}',
            id="surrogate-encoded-in-utf8",
        ),
        pytest.param(b'{"jsonrpc":"2.0","id":1,"method":"create.campaign","params":{"x":"\xff"}}', id="byte-ff"),
        pytest.param(
            b'{"jsonrpc":"2.0","id":1,"method":"create.campaign","params":{"x":"caf\xe9"}}', id="latin-1-text"
        ),
        pytest.param(
            b'{"jsonrpc":"2.0","id":1,"method":"create.campaign","params":{"x":"\xc0\xaf"}}', id="overlong-utf8"
        ),
        pytest.param(b'{"jsonrpc":"2.0","id":1,"method":"create.campaign","params":{"x":"\xc3"}}', id="cut-utf8"),
    ],
)
async def test_non_strict_json_is_parse_error(lone_gateway: LoneGateway, body: bytes) -> None:
    assert_error(json_rpc_body(await post(lone_gateway.url, body)), "parse_error", request_id=None)


async def test_surrogate_pair_and_utf8_text_are_fine(lone_gateway: LoneGateway) -> None:
    """The controls of the test above: proper escapes and UTF-8 parse."""
    body = '{"jsonrpc":"2.0","id":"\\ud83d\\ude00 é","method":"create.campaign","params":{}}'.encode()
    assert_error(json_rpc_body(await post(lone_gateway.url, body)), "method_not_found", request_id="\U0001f600 é")


async def test_duplicate_envelope_keys_last_wins(lone_gateway: LoneGateway) -> None:
    body = (
        b'{"jsonrpc":"1.0","jsonrpc":"2.0","id":1,"id":"two","method":"create.campaigns","method":"nope","params":{}}'
    )
    assert_error(json_rpc_body(await post(lone_gateway.url, body)), "method_not_found", request_id="two")


async def test_duplicate_param_keys_last_wins(gateway: Gateway) -> None:
    good_last = (
        b'{"jsonrpc":"2.0","id":1,"method":"create.campaign","method":"create.campaigns",'
        b'"params":{"access_token":"tok_nope","access_token":"tok_cust","name":5,"name":"Spring","site_id":10}}'
    )
    answer = json_rpc_body(await post(gateway.url, good_last))
    assert isinstance(answer["result"]["data"]["id"], int)
    bad_last = (
        b'{"jsonrpc":"2.0","id":2,"method":"create.campaigns",'
        b'"params":{"access_token":"tok_cust","name":"Spring","site_id":10,"site_id":"10"}}'
    )
    answer = json_rpc_body(await post(gateway.url, bad_last))
    assert_error(answer, "data_type_error", request_id=2, field="site_id", value="10")
