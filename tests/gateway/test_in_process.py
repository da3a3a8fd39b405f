"""The gateway calling its service in process (`campaigns serve`) answers every call as over gRPC does.

Two stacks, each a service on its own fresh demo database with a real uvicorn gateway in front: one
gateway reaches its service over gRPC on a loopback port (`serve-gateway` + `serve-grpc`), the other calls
it in process (`campaigns serve`). The same calls go to both, in the same order, and the JSON-RPC answers
must be equal byte for byte: results with their ids and metadata, every kind of error with its code,
message, data and limits, replays of idempotent calls. The rest of the gateway suite runs on SQLite in
process and on PostgreSQL over gRPC (tests/conftest.py), so both hops meet every test as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import start_gateway, start_service, stop_gateway
from tests.databases import DatabaseFactory
from tests.gateway.wire import VALID, request

_RESET = re.compile(rb'"(day|minute)_reset":\d+')
SQLITE = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)

ALLOWED = [{"site_block_id": 101, "phone_number_id": 301, "redirection_phone_number_id": 401}]
# A campaign's fields but its creation time (the two stacks create theirs a moment apart).
KEYED = {"field": "name", "operator": "=", "value": "Keyed"}
SHOWN = ["id", "name", "status", "site_id", "site_blocks", "campaign_conditions"]

# (method, params, headers): each kind of answer a client depends on, in an order where later calls
# see what earlier ones wrote.
CALLS: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    ("create.campaigns", VALID, {}),
    ("create.campaigns", {**VALID, "name": "With blocks", "site_blocks": ALLOWED}, {}),
    ("create.campaigns", {**VALID, "name": "Keyed"}, {"Idempotency-Key": "same-key"}),
    ("create.campaigns", {**VALID, "name": "Keyed"}, {"Idempotency-Key": "same-key"}),
    ("create.campaigns", {**VALID, "name": "Only checked", "validate_only": True}, {}),
    ("create.campaigns", {**VALID, "name": "Taken", "site_blocks": ALLOWED}, {}),
    ("create.campaigns", {**VALID, "site_id": "ten", "name": ""}, {}),
    ("create.campaigns", {**VALID, "site_id": 99999}, {}),
    ("create.campaigns", {**VALID, "access_token": "tok_nope"}, {}),
    ("create.campaigns", {**VALID, "access_token": "tok_expired"}, {}),
    ("create.campaigns", {**VALID, "access_token": "tok_noperm"}, {}),
    ("create.campaigns", {**VALID, "access_token": "tok_ipdeny"}, {}),
    ("create.campaigns", {**VALID, "access_token": "tok_quota"}, {}),
    ("create.campaigns", {**VALID, "access_token": "tok_ratelimited"}, {}),
    ("create.campaigns", {**VALID, "unknown_param": 1}, {}),
    ("get.campaigns", {"access_token": "tok_cust", "fields": SHOWN, "sort": [{"field": "id", "order": "desc"}]}, {}),
    (
        "get.campaigns",
        {"access_token": "tok_cust", "fields": SHOWN, "filter": KEYED},
        {},
    ),
    ("get.campaigns", {"access_token": "tok_cust", "limit": -1}, {}),
    ("get.sites", {"access_token": "tok_cust"}, {}),
    ("get.site_blocks", {"access_token": "tok_cust", "fields": ["id", "name", "site_id"]}, {}),
    ("get.account", {"access_token": "tok_cust"}, {}),
    ("update.campaigns", {"access_token": "tok_cust", "id": 1001, "site_id": 10, "name": "Renamed"}, {}),
    ("update.campaigns", {"access_token": "tok_cust", "id": 8, "site_id": 10, "name": "Integrated"}, {}),
    ("delete.campaigns", {"access_token": "tok_cust", "id": 1001}, {}),
    ("delete.campaigns", {"access_token": "tok_cust", "id": 8}, {}),
    ("delete.campaigns", {"access_token": "tok_cust", "id": 1001}, {}),
    ("get.campaigns", {"access_token": "tok_cust", "fields": SHOWN}, {}),
]


@dataclass
class Stack:
    url: str
    client: httpx.AsyncClient
    database_url: str

    async def answer(self, method: str, params: dict[str, Any], headers: dict[str, str], n: int) -> tuple[int, bytes]:
        reply = await self.client.post(self.url, content=request(method, params, f"r-{n}"), headers=headers)
        # Seconds to the limits' reset: the one thing that may differ, when a second passes between the two.
        return reply.status_code, _RESET.sub(rb'"\1_reset":0', reply.content)

    def campaigns_named(self, name: str) -> int:
        with contextlib.closing(sqlite3.connect(self.database_url.removeprefix("sqlite:///"))) as conn:
            count: int = conn.execute("SELECT count(*) FROM campaigns WHERE name = ?", (name,)).fetchone()[0]
        return count


@contextlib.asynccontextmanager
async def two_stacks(database_factory: DatabaseFactory, **gateway: Any) -> AsyncIterator[tuple[Stack, Stack]]:
    """(over gRPC, in process), each on a fresh demo database; `gateway`: both gateways' settings."""
    urls = [await database_factory.fresh(), await database_factory.fresh()]
    over_grpc, in_process = [await start_service(url) for url in urls]
    grpc_gateway = await start_gateway(f"127.0.0.1:{over_grpc.port}", **gateway)
    local_gateway = await start_gateway(f"127.0.0.1:{in_process.port}", in_process.in_process, **gateway)
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            yield (
                Stack(f"http://127.0.0.1:{grpc_gateway[2]}/v2.0", client, urls[0]),
                Stack(f"http://127.0.0.1:{local_gateway[2]}/v2.0", client, urls[1]),
            )
    finally:
        for server, task, _port in (grpc_gateway, local_gateway):
            await stop_gateway(server, task)
        for running in (over_grpc, in_process):
            await running.stop(grace=1)


@pytest.fixture
async def stacks(database_factory: DatabaseFactory) -> AsyncIterator[tuple[Stack, Stack]]:
    async with two_stacks(database_factory) as both:
        yield both


@SQLITE
async def test_every_answer_is_the_same_in_process_as_over_grpc(stacks: tuple[Stack, Stack]) -> None:
    over_grpc, in_process = stacks
    kinds = set()
    for n, (method, params, headers) in enumerate(CALLS):
        expected = await over_grpc.answer(method, params, headers, n)
        got = await in_process.answer(method, params, headers, n)
        assert got == expected, (method, params)
        kinds.add(b'"error"' in expected[1])
    # The table is only worth comparing if it holds both successes and errors.
    assert kinds == {True, False}


@SQLITE
async def test_a_call_past_its_deadline_is_answered_alike_and_writes_nothing(database_factory: DatabaseFactory) -> None:
    """The database is locked by another process for longer than the gateway's call timeout: both hops give
    up at the deadline with the same answer, and the create, abandoned, is never written."""
    async with two_stacks(database_factory, call_timeout=1.0) as (over_grpc, in_process):
        answers = []
        for stack in (over_grpc, in_process):
            with contextlib.closing(sqlite3.connect(stack.database_url.removeprefix("sqlite:///"))) as locker:
                locker.isolation_level = None
                locker.execute("BEGIN IMMEDIATE")
                answers.append(await stack.answer("create.campaigns", {**VALID, "name": "Given up"}, {}, 0))
                locker.execute("ROLLBACK")
        assert answers[1] == answers[0]
        assert b'"internal_error"' in answers[1][1]
        # Time for an abandoned create to commit, if one were still pending.
        await asyncio.sleep(1.0)
        assert [stack.campaigns_named("Given up") for stack in (over_grpc, in_process)] == [0, 0]
