"""Wire helpers for the gateway tests: raw HTTP exchanges and exact JSON-RPC checks.

The expected codes and messages are written out here from docs/contract.md section 4,
not read from the gateway's own catalogue, so a drift in either shows up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

import httpx
import orjson


class Absent(Enum):
    """Marks a member of `error.data` that must not be there."""

    ABSENT = "absent"


ABSENT: Final = Absent.ABSENT

CATALOGUE: Final[dict[str, tuple[int, str]]] = {
    "parse_error": (-32700, "Invalid JSON was received by the server."),
    "invalid_request": (-32600, "Invalid Request The JSON sent is not a valid Request object"),
    "method_not_found": (-32601, "The method does not exist / is not available"),
    "batch_opreations_not_supported": (-32099, "Batch operations not supported"),
    "notifications_not_supported": (-32099, "Notifications not supported"),
    "internal_error": (-32603, "Internal error, contact the support service"),
    "access_token_invalid": (-32001, "Access token is invalid"),
    "access_token_expired": (-32001, "Access token has been expired"),
    "access_token_blocked": (-32001, "Access token has been blocked"),
    "auth_error": (-32001, "Login or password is wrong"),
    "ip_not_whitelisted": (-32003, "Your IP {ip} is not whitelisted"),
    "forbidden": (-32003, "Permission denied"),
    "account_inactive": (-32009, "Your account has been disabled, contact the support service"),
    "method_component_disabled": (
        -32008,
        "You need at least one of the following components to access this method: {components}",
    ),
    "parameter_component_disabled": (
        -32008,
        "You need at least on of the following components to access this parameter: {components}",
    ),
    "limit_exceeded": (
        -32029,
        "Limit per {limit_type} has been exceeded. Value of current limit per {limit_type} is {limit_max_value}",
    ),
    "data_type_error": (-32602, "Data supplied is of wrong type"),
    "required_parameter_missed": (-32602, "The required parameter has been missed"),
    "invalid_parameter_value": (-32602, "Invalid parameter value"),
    "unexpected_parameters": (-32602, "Unexpected method parameter(s)"),
    "invalid_parameters_combination": (-32602, "The combination of parameters is not permitted"),
    "entity_not_found": (-32602, "Entity not found"),
    "duplicate_entity": (-32602, "Duplicate entity"),
    "already_in_use": (-32602, "This value is already used by another entity"),
    "tariff_restrictions": (
        -32602,
        "Action is not allowed for your tariff plan. You need contact support service or change your tariff plan "
        "settings in your account",
    ),
    "campaign_is_inactive": (-32602, "Campaign is inactive"),
    "dependency_error": (-32602, "You have interdependent entities"),
    "sort_prohibited": (-32602, "Sort by parameter is prohibited"),
    "filter_prohibited": (-32602, "Filter by parameter is prohibited"),
    # METHODS.md section 19.
    "virtual_phone_number_not_found": (-32007, "Virtual phone number {virtual_phone_number} not found."),
    "invalid_date_time": (-32602, "Invalid date time"),
    # Issue 15: idempotency keys (docs/contract.md).
    "idempotency_key_invalid": (-32602, "Idempotency key must be 1 to 255 visible ASCII characters"),
    "idempotency_key_reused": (-32602, "Idempotency key has already been used with other parameters"),
}

LIMIT_KEYS: Final = ("day_limit", "day_remaining", "day_reset", "minute_limit", "minute_remaining", "minute_reset")

# Account 1000 (tok_cust) in the demo data set.
DEMO_DAY_LIMIT: Final = 100_000_000
DEMO_MINUTE_LIMIT: Final = 10_000_000

VALID: Final[dict[str, Any]] = {"access_token": "tok_cust", "name": "Spring sale", "site_id": 10}


def message_for(mnemonic: str, params: dict[str, Any] | None = None) -> str:
    template = CATALOGUE[mnemonic][1]
    return template.format_map({key: str(value) for key, value in (params or {}).items()})


def envelope(
    params: dict[str, Any] | None = None, request_id: Any = 1, method: str = "create.campaigns", **extra: Any
) -> bytes:
    """`request` for create.campaigns with empty params unless told; `extra` adds members to the envelope."""
    return request(method, params or {}, request_id, **extra)


def request(method: str, params: Any, request_id: Any = 1, **extra: Any) -> bytes:
    """A JSON-RPC request as `JsonRpc.call` sends it: the standard library's strict JSON (compact, UTF-8,
    no NaN), which writes any integer and any depth; `extra` adds members to the envelope."""
    body = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params, **extra}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


class JsonRpc:
    """The JSON-RPC client of the gateway tests (every other helper that calls a gateway goes through it).

    With `client`, requests share that kept-alive HTTP client (a fresh client per call costs ~35 ms);
    without one, each request opens its own.
    """

    def __init__(self, url: str, client: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self.client = client

    async def post(self, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        """Any body, as is; the raw HTTP response."""
        if self.client is not None:
            return await self.client.post(self.url, content=content, headers=headers)
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.post(self.url, content=content, headers=headers)

    async def call(self, method: str, params: Any, request_id: Any = 1) -> dict[str, Any]:
        """One request; the answer, checked to be a JSON-RPC response (HTTP 200, application/json)."""
        return json_rpc_body(await self.post(request(method, params, request_id)))


async def post(url: str, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    """`JsonRpc(url).post`."""
    return await JsonRpc(url).post(content, headers)


async def call(
    url: str, params: dict[str, Any], request_id: Any = 1, method: str = "create.campaigns"
) -> dict[str, Any]:
    """`JsonRpc(url).call`, create.campaigns unless told."""
    return await JsonRpc(url).call(method, params, request_id)


def json_rpc_body(response: httpx.Response) -> dict[str, Any]:
    """A JSON-RPC answer is HTTP 200 with Content-Type application/json (contract section 1)."""
    assert response.status_code == 200, (response.status_code, response.text)
    assert response.headers["content-type"].split(";")[0].strip() == "application/json"
    body = orjson.loads(response.content)
    assert isinstance(body, dict)
    return body


def same_json(actual: Any, expected: Any) -> bool:
    """Equal and of the same JSON type (7 is not 7.0, 1 is not true); object key order aside."""
    return orjson.dumps(actual, option=orjson.OPT_SORT_KEYS) == orjson.dumps(expected, option=orjson.OPT_SORT_KEYS)


def assert_error(
    body: dict[str, Any],
    mnemonic: str,
    *,
    request_id: Any,
    field: str | Absent = ABSENT,
    value: str | Absent = ABSENT,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The exact error object of contract section 3; returns `error.data` for further checks."""
    code, _template = CATALOGUE[mnemonic]
    params = params or {}
    assert set(body) == {"jsonrpc", "id", "error"}, body
    assert body["jsonrpc"] == "2.0"
    assert same_json(body["id"], request_id), (body["id"], request_id)
    error = body["error"]
    assert set(error) == {"code", "message", "data"}, error
    data = error["data"]
    assert data["mnemonic"] == mnemonic, data
    assert error["code"] == code, error
    assert error["message"] == message_for(mnemonic, params), error
    if isinstance(field, Absent):
        assert "field" not in data, data
    else:
        assert data.get("field") == field, data
    if isinstance(value, Absent):
        assert "value" not in data, data
    else:
        assert isinstance(data.get("value"), str), data
        assert data["value"] == value, data
    assert same_json(data["params"], params), (data["params"], params)
    assert isinstance(data.get("metadata", {}), dict), data
    return dict(data)


def limits_of(metadata: dict[str, Any]) -> dict[str, int]:
    """metadata.limits with its six integers checked."""
    limits = metadata["limits"]
    assert isinstance(limits, dict)
    assert set(limits) == set(LIMIT_KEYS), limits
    for key in LIMIT_KEYS:
        assert type(limits[key]) is int, (key, limits[key])
    return {key: int(limits[key]) for key in LIMIT_KEYS}


def free_port() -> int:
    """A loopback TCP port where nothing listens (for now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        body = orjson.loads(self.body)
        assert isinstance(body, dict)
        return body


async def raw_exchange(port: int, request: bytes, *, patience: float = 5.0) -> RawResponse:
    """Write `request` as is on a fresh connection and read one response (Content-Length framed).

    Nothing more is sent: a server that waits for the rest of a body never answers,
    and the read times out.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), patience)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for line in header_lines:
            if line:
                name, _, content = line.partition(":")
                headers[name.strip().lower()] = content.strip()
        length = int(headers.get("content-length", "0"))
        body = await asyncio.wait_for(reader.readexactly(length), patience) if length else b""
        return RawResponse(int(status_line.split(" ")[1]), headers, body)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def http_request(head_lines: Sequence[str], body: bytes = b"") -> bytes:
    return ("\r\n".join(head_lines) + "\r\n\r\n").encode("latin-1") + body


def rows_of(table: Sequence[Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """(id, values) of each case of a parametrize table (pytest.param entries or plain tuples): for a test
    that runs a whole table of refusals against one stack, since a refusal writes nothing."""
    return [
        (str(case.id if case.id is not None else index), tuple(case.values))
        if hasattr(case, "values")
        else (str(index), tuple(case))
        for index, case in enumerate(table)
    ]
