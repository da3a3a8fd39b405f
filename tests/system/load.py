"""Clients that drive create.campaigns through real gateways, and what they saw.

Every call is recorded as an Outcome: which gateway, the unique campaign name
sent, when it started and ended, the HTTP status and the JSON-RPC result or
error. The tests then hold the database to what the clients saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import httpx
import orjson

TOKEN: Final = "tok_cust"
ACCOUNT: Final = 1000
# The gateway's deadline on every gRPC call (gateway/app.py GatewaySettings.call_timeout).
CALL_TIMEOUT: Final = 5.0
# What a loaded 2-core machine may add to that before the HTTP answer is back.
SLACK: Final = 2.5
INTERNAL_ERROR: Final = (-32603, "Internal error, contact the support service")
CONDITION: Final = {"type": "include", "campaign_parameter": "city", "operator": "=", "value": "Moscow"}

Params = dict[str, Any]


def va_create(name: str) -> Params:
    """A create with exactly one block (101, va number 302) and one condition: checkable for completeness."""
    return {
        "access_token": TOKEN,
        "name": name,
        "site_id": 10,
        "site_blocks": [{"site_block_id": 101, "phone_number_id": 302}],
        "campaign_conditions": {"group_conditions": [{"conditions": [dict(CONDITION)]}]},
    }


def call_tracking_create(name: str, number: int) -> Params:
    """A create whose block holds call_tracking `number` (305 to 310): one campaign at most may get it."""
    return {
        "access_token": TOKEN,
        "name": name,
        "site_id": 10,
        "site_blocks": [{"site_block_id": 101, "phone_number_id": number, "redirection_phone_number_id": 401}],
    }


def pool_create(name: str, size: int = 2) -> Params:
    """A create with a dynamic call tracking pool of `size` numbers on block 101."""
    return {
        "access_token": TOKEN,
        "name": name,
        "site_id": 10,
        "site_blocks": [{"site_block_id": 101, "phone_number_id": 302, "dynamic_call_tracking_enabled": True}],
        "dynamic_call_tracking": {"reservation_time": "15m", "count_virtual_numbers": size, "count_visits": 10},
    }


@dataclass(frozen=True)
class Outcome:
    """One create.campaigns call as its client saw it."""

    url: str
    name: str
    params: Params
    started: float  # time.monotonic()
    ended: float
    wall_started: float  # time.time(), for point-limit windows
    wall_ended: float
    status: int | None = None  # HTTP status; None when the transport failed
    campaign_id: int | None = None
    code: int | None = None
    message: str | None = None
    mnemonic: str | None = None
    body: Any = None
    transport_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.campaign_id is not None

    @property
    def elapsed(self) -> float:
        return self.ended - self.started

    @property
    def internal_error(self) -> bool:
        return self.status == 200 and (self.code, self.message) == INTERNAL_ERROR and self.mnemonic == "internal_error"

    def summary(self) -> str:
        what = (
            f"id {self.campaign_id}"
            if self.ok
            else f"transport {self.transport_error}"
            if self.transport_error
            else f"HTTP {self.status} {self.code} {self.mnemonic}"
        )
        return f"{self.name} via {self.url}: {what} in {self.elapsed:.2f}s"


async def call_create(client: httpx.AsyncClient, url: str, name: str, params: Params) -> Outcome:
    """POST one create.campaigns envelope and record what came back."""
    body = orjson.dumps({"jsonrpc": "2.0", "id": name, "method": "create.campaigns", "params": params})
    started, wall_started = time.monotonic(), time.time()
    try:
        response = await client.post(url, content=body, headers={"content-type": "application/json"})
    except httpx.HTTPError as error:
        return Outcome(
            url, name, params, started, time.monotonic(), wall_started, time.time(), transport_error=repr(error)
        )
    ended, wall_ended = time.monotonic(), time.time()
    try:
        answer: Any = response.json()
    except ValueError:
        answer = response.text
    fields: dict[str, Any] = {"status": response.status_code, "body": answer}
    if isinstance(answer, dict):
        result, failure = answer.get("result"), answer.get("error")
        if isinstance(result, dict) and isinstance(result.get("data"), dict):
            fields["campaign_id"] = result["data"].get("id")
        elif isinstance(failure, dict):
            data = failure.get("data")
            fields.update(
                code=failure.get("code"),
                message=failure.get("message"),
                mnemonic=data.get("mnemonic") if isinstance(data, dict) else None,
            )
    return Outcome(url, name, params, started, ended, wall_started, wall_ended, **fields)


class Load:
    """Client tasks, each sending creates with unique names one after another until stopped.

    `make(name, task, n)` builds each call's params (va_create by default). After an
    error a task pauses briefly, so a dead service is not hammered in a tight loop.
    """

    def __init__(
        self,
        urls: Sequence[str],
        *,
        tasks_per_url: int,
        prefix: str,
        make: Callable[[str, int, int], Params] | None = None,
        limit: int | None = None,
        pause_after_error: float = 0.05,
    ) -> None:
        self.urls = list(urls)
        self.tasks_per_url = tasks_per_url
        self.prefix = prefix
        self.make = make or (lambda name, _task, _n: va_create(name))
        self.limit = limit  # total calls across all tasks, if bounded
        self.pause_after_error = pause_after_error
        self.outcomes: list[Outcome] = []
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._issued = itertools.count()

    @property
    def concurrency(self) -> int:
        return len(self.urls) * self.tasks_per_url

    def start(self) -> None:
        for index in range(self.concurrency):
            url = self.urls[index % len(self.urls)]
            self._tasks.append(asyncio.create_task(self._client(index, url)))

    async def _client(self, index: int, url: str) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(timeout=CALL_TIMEOUT + 20, limits=limits) as client:
            for n in itertools.count():
                if self._stopping.is_set():
                    return
                if self.limit is not None and next(self._issued) >= self.limit:
                    return
                name = f"{self.prefix} {index}-{n}"
                outcome = await call_create(client, url, name, self.make(name, index, n))
                self.outcomes.append(outcome)
                if not outcome.ok:
                    await asyncio.sleep(self.pause_after_error)

    async def finished(self, within: float) -> list[Outcome]:
        """Wait for a bounded load (`limit`) to send all its calls."""
        await asyncio.wait_for(asyncio.gather(*self._tasks), within)
        return self.outcomes

    async def stop(self) -> list[Outcome]:
        """Let each task finish its current call, then end. Idempotent."""
        self._stopping.set()
        if self._tasks:
            done, pending = await asyncio.wait(self._tasks, timeout=CALL_TIMEOUT + 25)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for task in done:
                task.result()
            assert not pending, f"{len(pending)} client tasks were still waiting for an answer"
            self._tasks.clear()
        return self.outcomes

    def successes_after(self, moment: float) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok and o.started >= moment]

    async def wait_successes(self, count: int, *, after: float = 0.0, within: float) -> float:
        """Until `count` calls started after `after` have succeeded; the seconds it took."""
        started = time.monotonic()
        while len(self.successes_after(after)) < count:
            for task in self._tasks:
                if task.done():
                    task.result()
            if time.monotonic() - started > within:
                recent = [o.summary() for o in self.outcomes[-5:]]
                raise AssertionError(f"fewer than {count} successes within {within}s; last calls: {recent}")
            await asyncio.sleep(0.05)
        return time.monotonic() - started


def assert_answered_within_deadline(outcomes: Sequence[Outcome]) -> None:
    """Every call got an HTTP 200 JSON-RPC answer: a campaign id or internal_error, within the deadline."""
    bad = [o.summary() for o in outcomes if o.status != 200 or not (o.ok or o.internal_error)]
    assert not bad, f"{len(bad)} calls answered other than with an id or internal_error: {bad[:5]}"
    slow = [o.summary() for o in outcomes if o.elapsed > CALL_TIMEOUT + SLACK]
    assert not slow, f"{len(slow)} calls took longer than the {CALL_TIMEOUT}s deadline: {slow[:5]}"


def between(outcomes: Sequence[Outcome], start: float, end: float) -> list[Outcome]:
    """Calls that started at or after `start` and were answered before `end` (monotonic)."""
    return [o for o in outcomes if o.started >= start and o.ended <= end]
