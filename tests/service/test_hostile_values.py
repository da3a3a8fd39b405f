"""Hostile values: empty and huge strings, extreme ids and enum numbers, the largest
condition sets. Each gets its contract error (or is accepted), never INTERNAL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import grpc
import pytest
import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb

from service.storage import schema as t
from tests.conftest import Service
from tests.service.helpers import (
    Failure,
    assert_failure,
    block,
    condition,
    conditions,
    count,
    create,
    create_call,
    create_error,
    dct,
    expect_error,
    outcome,
    query,
    request,
    snapshot,
    stored_conditions,
)

INT64_MAX = 9223372036854775807
INT64_MIN = -9223372036854775808
INT32_MAX = 2147483647
INT32_MIN = -2147483648
HUGE_IDS = [0, -1, INT64_MAX, INT64_MIN]

INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
C0 = "campaign_conditions.group_conditions[0].conditions[0]"


@pytest.fixture
async def wide_channel(service: Service) -> AsyncIterator[grpc.aio.Channel]:
    """A channel that accepts trailers of any size, so echoed 10,000-char values can be read."""
    channel = grpc.aio.insecure_channel(
        service.target,
        options=[("grpc.max_metadata_size", 1 << 20), ("grpc.absolute_max_metadata_size", 1 << 20)],
    )
    try:
        yield channel
    finally:
        await channel.close()


async def campaign(service: Service, campaign_id: int) -> sa.Row[tuple[str, str | None]]:
    rows = await query(
        service.database_url,
        sa.select(t.campaigns.c.name, t.campaigns.c.description).where(t.campaigns.c.id == campaign_id),
    )
    assert len(rows) == 1
    return rows[0]


# --------------------------------------------------------------------------- empty strings


async def test_empty_name(service: Service) -> None:
    assert_failure(await create_error(service, request(name="")), INVALID, "INVALID_PARAMETER_VALUE", "name", "")


async def test_empty_description_is_accepted(service: Service) -> None:
    campaign_id = await create(service, request(description=""))

    row = await campaign(service, campaign_id)
    assert row.description == ""


@pytest.mark.parametrize("value", ["", " ", "\t\n"])
async def test_empty_condition_value(service: Service, value: str) -> None:
    failure = await create_error(service, request(campaign_conditions=conditions([condition(value)])))

    assert_failure(failure, INVALID, "INVALID_PARAMETER_VALUE", f"{C0}.value", value)


async def test_empty_token(service: Service) -> None:
    failure = await create_error(service, request(), token="")

    assert failure.code != grpc.StatusCode.INTERNAL
    assert (failure.code, failure.reason) in {
        (grpc.StatusCode.UNAUTHENTICATED, "ACCESS_TOKEN_INVALID"),
        (INVALID, "REQUIRED_PARAMETER_MISSED"),
    }


# --------------------------------------------------------------------------- 10,000-char strings

LONG_STRINGS = {"ascii": "x" * 10_000, "cyrillic": "ж" * 10_000, "astral": "😀" * 10_000}
LONG_FIELDS: dict[str, tuple[Callable[[str], spb.CreateCampaignRequest], str]] = {
    "name": (lambda s: request(name=s), "name"),
    "description": (lambda s: request(description=s), "description"),
    "condition-value": (lambda s: request(campaign_conditions=conditions([condition(s)])), f"{C0}.value"),
}


@pytest.mark.parametrize("alphabet", list(LONG_STRINGS))
@pytest.mark.parametrize("where", list(LONG_FIELDS))
async def test_long_string(service: Service, wide_channel: grpc.aio.Channel, where: str, alphabet: str) -> None:
    build, path = LONG_FIELDS[where]
    text = LONG_STRINGS[alphabet]
    before = await snapshot(service.database_url)

    failure = await expect_error(create_call(wide_channel, build(text)))

    assert_failure(failure, INVALID, "INVALID_PARAMETER_VALUE", path, text)
    assert await snapshot(service.database_url) == before


@pytest.mark.parametrize("where", list(LONG_FIELDS))
async def test_long_string_error_reaches_a_default_client(service: Service, where: str) -> None:
    build, path = LONG_FIELDS[where]

    failure = await create_error(service, build(LONG_STRINGS["cyrillic"]))

    assert (failure.code, failure.reason, failure.path) == (INVALID, "INVALID_PARAMETER_VALUE", path)


async def test_long_token(service: Service) -> None:
    failure = await create_error(service, request(), token="t" * 10_000)

    assert_failure(failure, grpc.StatusCode.UNAUTHENTICATED, "ACCESS_TOKEN_INVALID")


async def test_long_forwarded_for_is_not_believed(service: Service) -> None:
    failure = await create_error(
        service, request(site_id=14), token="tok_ipdeny", metadata=[("x-forwarded-for", "9" * 10_000)]
    )

    assert_failure(failure, grpc.StatusCode.PERMISSION_DENIED, "IP_NOT_WHITELISTED", params={"ip": "127.0.0.1"})


@pytest.mark.parametrize(
    "text",
    [
        "😀" * 255,
        "Ünïcödé ñame — with \u2018quotes\u2019",
        "\u202eRTL override",
        "e\u0301\u0301\u0301 combining",
        "'; DROP TABLE campaigns; --",
        "%s %(name)s {name} $1 ?",
        "\\ \\\\ \\x00",
    ],
    ids=["255-astral", "accents", "rtl", "combining", "sql", "placeholders", "backslashes"],
)
async def test_odd_names_are_stored_exactly(service: Service, text: str) -> None:
    campaign_id = await create(service, request(name=text, description=text))

    row = await campaign(service, campaign_id)
    assert (row.name, row.description) == (text, text)
    # Demo Shop's two basic campaigns and this one: nothing else was written.
    assert (
        await count(service.database_url, t.campaigns, t.campaigns.c.type == "basic", t.campaigns.c.account_id == 1000)
        == 3
    )


@pytest.mark.parametrize("where", list(LONG_FIELDS))
async def test_nul_character(service: Service, where: str) -> None:
    """U+0000 is a valid proto string character, but PostgreSQL cannot store it in text: it is
    refused as invalid_parameter_value on both engines (docs/decisions.md), never INTERNAL."""
    build, path = LONG_FIELDS[where]
    before = await snapshot(service.database_url)

    failure = await create_error(service, build("a\x00b"))

    assert_failure(failure, INVALID, "INVALID_PARAMETER_VALUE", path, "a\x00b")
    assert await snapshot(service.database_url) == before


# --------------------------------------------------------------------------- extreme ids and numbers

ID_FIELDS: dict[str, tuple[Callable[[int], spb.CreateCampaignRequest], grpc.StatusCode, str, str, str]] = {
    "site_id": (lambda i: request(site_id=i), NOT_FOUND, "ENTITY_NOT_FOUND", "site_id", "tok_cust"),
    "site_block_id": (
        lambda i: request(site_blocks=[block(i, 302)]),
        NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "site_blocks[0].site_block_id",
        "tok_cust",
    ),
    "phone_number_id": (
        lambda i: request(site_blocks=[block(101, i)]),
        NOT_FOUND,
        "ENTITY_NOT_FOUND",
        "site_blocks[0].phone_number_id",
        "tok_cust",
    ),
    "redirection_phone_number_id": (
        lambda i: request(site_blocks=[block(101, 301, redirection=i)]),
        INVALID,
        "INVALID_PARAMETER_VALUE",
        "site_blocks[0].redirection_phone_number_id",
        "tok_cust",
    ),
    "user_id": (lambda i: request(user_id=i), NOT_FOUND, "ENTITY_NOT_FOUND", "user_id", "tok_cust"),
    "user_id-agent": (lambda i: request(user_id=i), NOT_FOUND, "ENTITY_NOT_FOUND", "user_id", "tok_agent"),
}


@pytest.mark.parametrize("number", HUGE_IDS)
@pytest.mark.parametrize("where", list(ID_FIELDS))
async def test_extreme_ids(service: Service, where: str, number: int) -> None:
    build, code, reason, path, token = ID_FIELDS[where]

    failure = await create_error(service, build(number), token)

    assert_failure(failure, code, reason, path, str(number))


COUNT_FIELDS: dict[str, Callable[[int], pb.DynamicCallTracking]] = {
    "count_virtual_numbers": lambda n: dct(count_virtual_numbers=n),
    "count_visits": lambda n: dct(count_visits=n),
}


@pytest.mark.parametrize("number", [0, -1, INT64_MIN])
@pytest.mark.parametrize("where", list(COUNT_FIELDS))
async def test_counts_below_the_minimum(service: Service, where: str, number: int) -> None:
    failure = await create_error(service, request(dynamic_call_tracking=COUNT_FIELDS[where](number)))

    assert_failure(failure, INVALID, "INVALID_PARAMETER_VALUE", f"dynamic_call_tracking.{where}", str(number))


async def test_count_virtual_numbers_int64_max(service: Service) -> None:
    """Numbers may be bought for the pool: the count is capped (100, docs/decisions.md)."""
    failure = await create_error(service, request(dynamic_call_tracking=dct(count_virtual_numbers=INT64_MAX)))

    assert_failure(
        failure, INVALID, "INVALID_PARAMETER_VALUE", "dynamic_call_tracking.count_virtual_numbers", str(INT64_MAX)
    )


async def test_count_visits_int64_max(service: Service) -> None:
    """The page gives count_visits a minimum only: int64-max is stored or refused as a value, never INTERNAL."""
    result = await outcome(create_call(service, request(dynamic_call_tracking=dct(count_visits=INT64_MAX))))

    if isinstance(result, Failure):
        assert_failure(result, INVALID, "INVALID_PARAMETER_VALUE", "dynamic_call_tracking.count_visits", str(INT64_MAX))
    else:
        rows = await query(
            service.database_url, sa.select(t.campaigns.c.dct_count_visits).where(t.campaigns.c.id == result)
        )
        assert [row.dct_count_visits for row in rows] == [INT64_MAX]


ENUM_FIELDS: dict[str, tuple[Callable[[int], spb.CreateCampaignRequest], str]] = {
    "status": (lambda n: request(status=n), "status"),
    "reservation_time": (
        lambda n: request(dynamic_call_tracking=dct(reservation_time=n)),
        "dynamic_call_tracking.reservation_time",
    ),
    "type": (lambda n: request(campaign_conditions=conditions([condition(type=n)])), f"{C0}.type"),
    "campaign_parameter": (
        lambda n: request(campaign_conditions=conditions([condition(parameter=n)])),
        f"{C0}.campaign_parameter",
    ),
    "operator": (lambda n: request(campaign_conditions=conditions([condition(operator=n)])), f"{C0}.operator"),
}


@pytest.mark.parametrize("number", [0, -1, INT32_MAX, INT32_MIN])
@pytest.mark.parametrize("where", list(ENUM_FIELDS))
async def test_enum_numbers_outside_the_enum(service: Service, where: str, number: int) -> None:
    """Proto3 enums are open: any int32 arrives. 0 is *_UNSPECIFIED, sent explicitly."""
    build, path = ENUM_FIELDS[where]

    failure = await create_error(service, build(number))

    assert_failure(failure, INVALID, "INVALID_PARAMETER_VALUE", path, str(number))


# --------------------------------------------------------------------------- the largest condition sets


def full_conditions(length: int, *, last_length: int | None = None) -> pb.CampaignConditions:
    """30 groups of 50 conditions, values of `length` chars (the very last of `last_length`)."""
    groups = []
    for g in range(30):
        group = []
        for c in range(50):
            size = last_length if (last_length is not None and (g, c) == (29, 49)) else length
            group.append(condition(f"{g:02d}{c:02d}".ljust(size, "v"), pb.CAMPAIGN_PARAMETER_REFERRER))
        groups.append(group)
    return conditions(*groups)


async def test_largest_condition_set_is_accepted(service: Service) -> None:
    campaign_id = await create(service, request(campaign_conditions=full_conditions(1000)))

    stored = await stored_conditions(service.database_url, campaign_id)
    assert len(stored) == 1500
    assert [(r.group_index, r.position) for r in stored] == [(g, c) for g in range(30) for c in range(50)]
    assert all(len(r.value) == 1000 and r.value.startswith(f"{r.group_index:02d}{r.position:02d}") for r in stored)


async def test_largest_condition_set_with_1001_char_values(service: Service) -> None:
    message = request(campaign_conditions=full_conditions(1001))
    before = await snapshot(service.database_url)

    failure = await create_error(service, message)

    assert_failure(failure, INVALID, "INVALID_PARAMETER_VALUE", f"{C0}.value", "0000".ljust(1001, "v"))
    assert await snapshot(service.database_url) == before


async def test_largest_condition_set_with_one_1001_char_value_at_the_end(service: Service) -> None:
    failure = await create_error(service, request(campaign_conditions=full_conditions(1000, last_length=1001)))

    assert_failure(
        failure,
        INVALID,
        "INVALID_PARAMETER_VALUE",
        "campaign_conditions.group_conditions[29].conditions[49].value",
        "2949".ljust(1001, "v"),
    )


@pytest.mark.parametrize(
    "pattern",
    ["(" * 1000 + ")" * 1000, "a{1000000000}", "(a+)+$", "[" + "a" * 500, "(?P<x>a)(?P=y)", "\\"],
    ids=["nested-1000", "huge-repeat", "catastrophic", "open-class", "bad-backref", "trailing-backslash"],
)
async def test_hostile_regexes(service: Service, pattern: str) -> None:
    """A pattern is stored or refused as invalid_parameter_value on its value, never INTERNAL."""
    result = await outcome(create_call(service, regex_request(pattern)))

    if isinstance(result, Failure):
        assert_failure(result, INVALID, "INVALID_PARAMETER_VALUE", f"{C0}.value", pattern)


@pytest.mark.parametrize("pattern", ["[[a]", "[a||b]", "[a&&b]"])
async def test_regex_that_python_warns_about(service: Service, pattern: str) -> None:
    result = await outcome(create_call(service, regex_request(pattern)))

    # Valid patterns (the warnings are about a future meaning): stored, or refused as a value.
    if isinstance(result, Failure):
        assert_failure(result, INVALID, "INVALID_PARAMETER_VALUE", f"{C0}.value", pattern)


def regex_request(pattern: str) -> spb.CreateCampaignRequest:
    regex = condition(pattern, pb.CAMPAIGN_PARAMETER_REFERRER, pb.CONDITION_OPERATOR_REGEX)
    return request(campaign_conditions=conditions([regex]))


@pytest.mark.parametrize("distinct_numbers", [False, True], ids=["one-number", "distinct-numbers"])
async def test_forty_thousand_blocks(service: Service, distinct_numbers: bool) -> None:
    """No rule caps site_blocks; a site has a handful of blocks, so 40,000 of them are refused
    (entity_not_found on the first unknown block, or a list-size invalid_parameter_value)."""
    message = request(
        site_blocks=[block(i, i if distinct_numbers else 302) for i in range(1, 40_001)],
    )

    failure = await create_error(service, message)

    assert failure.code in (INVALID, NOT_FOUND), failure.summary()
    assert failure.reason in ("ENTITY_NOT_FOUND", "INVALID_PARAMETER_VALUE"), failure.summary()
    assert failure.path is not None
    assert failure.path.startswith("site_blocks")
