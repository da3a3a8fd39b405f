"""Helpers for the gRPC-level tests: request builders, error decoding, database peeks.

Nothing here stands in for the service: requests go over a real channel to a
real server, and the database is read through the service's own schema.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

import grpc
import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import campaign_service_pb2_grpc as spb_grpc
from google.rpc import error_details_pb2  # type: ignore[import-untyped,unused-ignore]
from grpc_status import rpc_status

from service.errors import VALUE_ECHO_MAX
from service.storage import Storage
from service.storage import schema as t
from tests.conftest import Service, bearer

DOMAIN: Final = "campaigns.v1"
# Section 4 of the contract: the exact messages clients match on, by ErrorInfo.reason.
MESSAGES: Final = {
    "INTERNAL_ERROR": "Internal error, contact the support service",
    "ACCESS_TOKEN_INVALID": "Access token is invalid",
    "ACCESS_TOKEN_EXPIRED": "Access token has been expired",
    "ACCESS_TOKEN_BLOCKED": "Access token has been blocked",
    "AUTH_ERROR": "Login or password is wrong",
    "IP_NOT_WHITELISTED": "Your IP {ip} is not whitelisted",
    "FORBIDDEN": "Permission denied",
    "ACCOUNT_INACTIVE": "Your account has been disabled, contact the support service",
    "METHOD_COMPONENT_DISABLED": (
        "You need at least one of the following components to access this method: {components}"
    ),
    "PARAMETER_COMPONENT_DISABLED": (
        "You need at least on of the following components to access this parameter: {components}"
    ),
    "LIMIT_EXCEEDED": (
        "Limit per {limit_type} has been exceeded. Value of current limit per {limit_type} is {limit_max_value}"
    ),
    "DATA_TYPE_ERROR": "Data supplied is of wrong type",
    "REQUIRED_PARAMETER_MISSED": "The required parameter has been missed",
    "INVALID_PARAMETER_VALUE": "Invalid parameter value",
    "UNEXPECTED_PARAMETERS": "Unexpected method parameter(s)",
    "INVALID_PARAMETERS_COMBINATION": "The combination of parameters is not permitted",
    "ENTITY_NOT_FOUND": "Entity not found",
    "DUPLICATE_ENTITY": "Duplicate entity",
    "ALREADY_IN_USE": "This value is already used by another entity",
    "TARIFF_RESTRICTIONS": (
        "Action is not allowed for your tariff plan. You need contact support service or change your tariff plan "
        "settings in your account"
    ),
    "SORT_PROHIBITED": "Sort by parameter is prohibited",
    "FILTER_PROHIBITED": "Filter by parameter is prohibited",
    "DEPENDENCY_ERROR": "You have interdependent entities",
    # METHODS.md §19.
    "INVALID_DATE_TIME": "Invalid date time",
    "VIRTUAL_PHONE_NUMBER_NOT_FOUND": "Virtual phone number {virtual_phone_number} not found.",
    # Deleting a system or integrated campaign: `forbidden`'s message under a reason of its own.
    "PROTECTED_ENTITY": "Permission denied",
    # Issue 15: idempotency keys.
    "IDEMPOTENCY_KEY_INVALID": "Idempotency key must be 1 to 255 visible ASCII characters",
    "IDEMPOTENCY_KEY_REUSED": "Idempotency key has already been used with other parameters",
}
INTERNAL_MESSAGE: Final = MESSAGES["INTERNAL_ERROR"]
# The tables a create writes to (accounts: a successful call is charged, a create takes quota).
WRITTEN_TABLES: Final = (
    t.campaigns,
    t.campaign_site_blocks,
    t.pool_numbers,
    t.phone_numbers,
    t.accounts,
    t.idempotency_keys,
)


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class Failure:
    """What a caller can read from a failed call.

    reason/metadata come from the google.rpc.ErrorInfo detail, path from the
    first BadRequest field violation; None/empty when the detail is absent.
    """

    code: grpc.StatusCode
    message: str
    reason: str | None = None
    domain: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    path: str | None = None
    detail_types: tuple[str, ...] = ()
    # Every string a caller could read: message, detail fields, metadata.
    visible_text: str = ""
    # The call's trailing metadata as received (the point limits travel there).
    trailers: tuple[tuple[str, str | bytes], ...] = ()

    @property
    def field(self) -> str | None:
        return self.metadata.get("field")

    @property
    def value(self) -> str | None:
        return self.metadata.get("value")

    def summary(self) -> tuple[grpc.StatusCode, str | None, str | None, str | None]:
        """(code, reason, path, value): what an error says about which parameter."""
        return (self.code, self.reason, self.path, self.value)


def decode(error: grpc.aio.AioRpcError) -> Failure:
    """The contract view of an AioRpcError: status code, ErrorInfo and BadRequest."""
    code = error.code()
    message = error.details() or ""
    trailers = tuple(error.trailing_metadata() or ())
    try:
        status = rpc_status.from_call(error)
    except ValueError:
        # The rich status disagrees with the transport status: report the transport's view.
        status = None
    if status is None:
        return Failure(code=code, message=message, visible_text=message, trailers=trailers)
    reason = domain = path = None
    metadata: dict[str, str] = {}
    types: list[str] = []
    texts = [message, status.message]
    for detail in status.details:
        types.append(detail.TypeName())
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, domain, metadata = info.reason, info.domain, dict(info.metadata)
            texts.extend([info.reason, info.domain, *info.metadata.keys(), *info.metadata.values()])
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            if bad.field_violations:
                path = bad.field_violations[0].field
            for violation in bad.field_violations:
                texts.extend([violation.field, violation.description, violation.reason])
        else:
            texts.append(detail.value.decode("utf-8", "replace"))
    return Failure(
        code=code,
        message=message,
        reason=reason,
        domain=domain,
        metadata=metadata,
        path=path,
        detail_types=tuple(types),
        visible_text="\n".join(texts),
        trailers=trailers,
    )


class Unchecked:
    """Marks an expectation the test leaves open."""

    def __repr__(self) -> str:
        return "UNCHECKED"


UNCHECKED: Final = Unchecked()


def strip_indices(path: str) -> str:
    """site_blocks[1].phone_number_id -> site_blocks.phone_number_id (the JSON-RPC `field`)."""
    return re.sub(r"\[\d+\]", "", path)


def assert_failure(
    failure: Failure,
    code: grpc.StatusCode,
    reason: str,
    path: str | None = None,
    value: str | Unchecked | None = None,
    params: Mapping[str, str] | None = None,
) -> None:
    """The whole contract of one error (section 8): code, ErrorInfo, BadRequest, message.

    path None: the error is about no parameter, so no `field` and no BadRequest.
    value None: the parameter's value is absent; UNCHECKED: not asserted.
    params: the message params, each also an ErrorInfo metadata entry.
    """
    seen = (failure.code, failure.reason, failure.path, failure.value)
    assert (failure.code, failure.reason) == (code, reason), seen
    assert failure.domain == DOMAIN, seen
    assert failure.path == path, seen
    if path is None:
        assert "field" not in failure.metadata, failure.metadata
        assert "google.rpc.BadRequest" not in failure.detail_types, failure.detail_types
    else:
        assert failure.field == strip_indices(path), failure.metadata
    if not isinstance(value, Unchecked):
        assert failure.value == echoed(value), seen
    params = dict(params or {})
    for name, expected in params.items():
        assert failure.metadata.get(name) == expected, failure.metadata
    # The message's placeholders are filled from the params the error carries.
    assert failure.message == MESSAGES[reason].format_map({**failure.metadata, **params}), failure.message


async def expect_error(call: Awaitable[Any]) -> Failure:
    """Await a call that must fail and decode its status; a success fails the test."""
    try:
        response = await call
    except grpc.aio.AioRpcError as error:
        return decode(error)
    raise AssertionError(f"expected the call to fail, it returned {response!r}")


async def outcome(call: Awaitable[spb.CreateCampaignResponse]) -> int | Failure:
    """The campaign id of a successful create, or the decoded failure."""
    try:
        response = await call
    except grpc.aio.AioRpcError as error:
        return decode(error)
    return response.id


# --------------------------------------------------------------------------- calls


def stub_for(channel: grpc.aio.Channel) -> spb_grpc.CampaignServiceAsyncStub:
    return spb_grpc.CampaignServiceStub(channel)


def create_call(
    target: Service | grpc.aio.Channel,
    request: spb.CreateCampaignRequest,
    token: str | None = "tok_cust",
    metadata: Sequence[tuple[str, str]] = (),
) -> Awaitable[spb.CreateCampaignResponse]:
    """A CreateCampaign call with the token as `authorization: Bearer` metadata (None: no header)."""
    auth = bearer(token) if token is not None else ()
    channel = target.channel if isinstance(target, Service) else target
    return stub_for(channel).CreateCampaign(request, metadata=(*auth, *metadata), timeout=60)


async def create(
    target: Service | grpc.aio.Channel,
    request: spb.CreateCampaignRequest,
    token: str | None = "tok_cust",
    metadata: Sequence[tuple[str, str]] = (),
) -> int:
    """Create and return the id; a failure fails the test with what the service said."""
    result = await outcome(create_call(target, request, token, metadata))
    if isinstance(result, Failure):
        raise AssertionError(f"create failed: {result.summary()} {result.message!r}")
    return result


async def create_error(
    target: Service | grpc.aio.Channel,
    request: spb.CreateCampaignRequest,
    token: str | None = "tok_cust",
    metadata: Sequence[tuple[str, str]] = (),
) -> Failure:
    return await expect_error(create_call(target, request, token, metadata))


# --------------------------------------------------------------------------- request builders


def request(name: str | None = "Campaign", site_id: int | None = 10, **fields: Any) -> spb.CreateCampaignRequest:
    """A CreateCampaignRequest; name/site_id None leaves them unset."""
    return spb.CreateCampaignRequest(**_set(name=name, site_id=site_id), **fields)


def _set(**fields: Any) -> dict[str, Any]:
    """The keyword arguments that are not None: unset fields stay unset (proto3 optional)."""
    return {name: value for name, value in fields.items() if value is not None}


def block(
    site_block_id: int | None = 101,
    phone_number_id: int | None = 302,
    redirection: int | None = None,
    dct: bool | None = None,
) -> pb.SiteBlock:
    return pb.SiteBlock(
        **_set(
            site_block_id=site_block_id,
            phone_number_id=phone_number_id,
            redirection_phone_number_id=redirection,
            dynamic_call_tracking_enabled=dct,
        )
    )


def dct(
    count_virtual_numbers: int | None = 1,
    count_visits: int | None = 10,
    reservation_time: int | None = None,
) -> pb.DynamicCallTracking:
    return pb.DynamicCallTracking(
        **_set(
            count_virtual_numbers=count_virtual_numbers,
            count_visits=count_visits,
            reservation_time=reservation_time,
        )
    )


def condition(
    value: str | None = "/landing",
    parameter: int | None = pb.CAMPAIGN_PARAMETER_ENTRANCE_PAGE,
    operator: int | None = pb.CONDITION_OPERATOR_EQUAL,
    type: int | None = pb.CONDITION_TYPE_INCLUDE,
) -> pb.Condition:
    return pb.Condition(**_set(type=type, campaign_parameter=parameter, operator=operator, value=value))


def conditions(*groups: Iterable[pb.Condition]) -> pb.CampaignConditions:
    return pb.CampaignConditions(group_conditions=[pb.ConditionGroup(conditions=list(group)) for group in groups])


def echoed(value: str | None) -> str | None:
    """What ErrorInfo carries of a sent value: long ones are cut (the gateway echoes the JSON in full)."""
    if value is None or len(value) <= VALUE_ECHO_MAX:
        return value
    return value[:VALUE_ECHO_MAX] + "…"


# --------------------------------------------------------------------------- database


async def query(database_url: str, statement: sa.Executable) -> list[sa.Row[Any]]:
    """Rows of one statement, read with the service's storage layer (no migration)."""
    storage = await Storage.open(database_url, migrate=False, pool_size=1)
    try:
        return await storage.read(lambda conn: list(conn.execute(statement).all()))
    finally:
        await storage.close()


async def execute(database_url: str, *statements: str) -> None:
    """Run raw SQL statements in one write transaction."""
    storage = await Storage.open(database_url, migrate=False, pool_size=1)

    def run(conn: sa.Connection) -> None:
        for statement in statements:
            conn.execute(sa.text(statement))

    try:
        await storage.write(run)
    finally:
        await storage.close()


class StoredCondition(NamedTuple):
    group_index: int
    position: int
    type: str
    campaign_parameter: str
    operator: str
    value: str


async def stored_conditions(database_url: str, campaign_id: int) -> list[StoredCondition]:
    """A campaign's conditions as its row stores them (a JSON document, read here without the service's
    code), in order; [] for none (NULL) or no such campaign."""
    rows = await query(database_url, sa.select(t.campaigns.c.conditions).where(t.campaigns.c.id == campaign_id))
    document = rows[0].conditions if rows else None
    if document is None:
        return []
    return [
        StoredCondition(group_index, position, *item)
        for group_index, group in enumerate(json.loads(document))
        for position, item in enumerate(group)
    ]


async def count(database_url: str, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    rows = await query(database_url, sa.select(sa.func.count()).select_from(table).where(*where))
    return int(rows[0][0])


async def snapshot(database_url: str, tables: Sequence[sa.Table] = WRITTEN_TABLES) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the given tables, sorted: equal snapshots mean nothing was written."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    for table in tables:
        rows = await query(database_url, sa.select(table))
        result[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return result


# The account columns a charged call moves (a validate_only call changes nothing else).
_POINT_COLUMNS: Final = ("day_window_start", "day_points_used", "minute_window_start", "minute_points_used")


async def without_points(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The snapshot with the accounts' point counters left out, basic_campaigns (the quota) kept."""
    tables = await snapshot(database_url)
    kept = [column for column in t.accounts.columns if column.name not in _POINT_COLUMNS]
    rows = await query(database_url, sa.select(*kept))
    tables["accounts"] = sorted((tuple(row) for row in rows), key=repr)
    return tables


async def basic_campaigns(database_url: str, account_id: int = 1000) -> int:
    """How many basic campaigns count against the account's plan quota."""
    rows = await query(database_url, sa.select(t.accounts.c.basic_campaigns).where(t.accounts.c.id == account_id))
    return int(rows[0].basic_campaigns)


async def gather_outcomes(calls: Iterable[Awaitable[spb.CreateCampaignResponse]]) -> list[int | Failure]:
    return list(await asyncio.gather(*(outcome(call) for call in calls)))
