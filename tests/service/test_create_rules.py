"""CreateCampaign: every rule of create.campaigns and CONTRACT.md sections 5-7, over gRPC.

One table of faulty requests, each with the status code, ErrorInfo reason, the
BadRequest path (with indices) and the `value` a caller reads back; then the
accepted requests and the rows they write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb

from service.storage import schema as t
from tests.conftest import Service
from tests.service.helpers import (
    UNCHECKED,
    Unchecked,
    assert_failure,
    block,
    condition,
    conditions,
    count,
    create,
    create_error,
    dct,
    query,
    request,
    snapshot,
)

INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
ALREADY_EXISTS = grpc.StatusCode.ALREADY_EXISTS
FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION

REQUIRED = "REQUIRED_PARAMETER_MISSED"
BAD_VALUE = "INVALID_PARAMETER_VALUE"
COMBINATION = "INVALID_PARAMETERS_COMBINATION"
COMPONENT = "PARAMETER_COMPONENT_DISABLED"
NOT_FOUND_REASON = "ENTITY_NOT_FOUND"

C0 = "campaign_conditions.group_conditions[0].conditions[0]"
CSB = t.campaign_site_blocks
CC = t.campaign_conditions


@dataclass(frozen=True)
class Case:
    id: str
    request: spb.CreateCampaignRequest
    code: grpc.StatusCode
    reason: str
    path: str | None
    value: str | Unchecked | None = None
    token: str = "tok_cust"
    params: dict[str, str] = field(default_factory=dict)


def one_condition(cond: pb.Condition) -> pb.CampaignConditions:
    return conditions([cond])


def groups(count: int, per_group: int = 1) -> pb.CampaignConditions:
    return conditions(*([condition(f"/page/{g}/{c}") for c in range(per_group)] for g in range(count)))


CASES = [
    # ---- step 7: structure and values, in document order
    Case("name-missing", request(name=None), INVALID, REQUIRED, "name"),
    Case("site_id-missing", request(site_id=None), INVALID, REQUIRED, "site_id"),
    Case("name-empty", request(name=""), INVALID, BAD_VALUE, "name", ""),
    Case("name-whitespace", request(name=" \t\n "), INVALID, BAD_VALUE, "name", " \t\n "),
    Case("name-256-chars", request(name="n" * 256), INVALID, BAD_VALUE, "name", "n" * 256),
    Case(
        "description-256-chars",
        request(description="d" * 256),
        INVALID,
        BAD_VALUE,
        "description",
        "d" * 256,
    ),
    Case("status-unknown-number", request(status=99), INVALID, BAD_VALUE, "status", "99"),
    Case(
        "block-site_block_id-missing",
        request(site_blocks=[block(site_block_id=None)]),
        INVALID,
        REQUIRED,
        "site_blocks[0].site_block_id",
    ),
    Case(
        "block-phone_number_id-missing",
        request(site_blocks=[block(101, 302), block(102, None)]),
        INVALID,
        REQUIRED,
        "site_blocks[1].phone_number_id",
    ),
    Case(
        "block-duplicate",
        request(site_blocks=[block(101, 302), block(101, 303)]),
        INVALID,
        BAD_VALUE,
        "site_blocks[1].site_block_id",
        "101",
    ),
    Case(
        "dct-count_virtual_numbers-0",
        request(dynamic_call_tracking=dct(count_virtual_numbers=0)),
        INVALID,
        BAD_VALUE,
        "dynamic_call_tracking.count_virtual_numbers",
        "0",
    ),
    Case(
        "dct-count_virtual_numbers-101",
        request(dynamic_call_tracking=dct(count_virtual_numbers=101)),
        INVALID,
        BAD_VALUE,
        "dynamic_call_tracking.count_virtual_numbers",
        "101",
    ),
    Case(
        "dct-count_visits-0",
        request(dynamic_call_tracking=dct(count_visits=0)),
        INVALID,
        BAD_VALUE,
        "dynamic_call_tracking.count_visits",
        "0",
    ),
    Case(
        "dct-count_virtual_numbers-missing",
        request(dynamic_call_tracking=dct(count_virtual_numbers=None)),
        INVALID,
        REQUIRED,
        "dynamic_call_tracking.count_virtual_numbers",
    ),
    Case(
        "dct-count_visits-missing",
        request(dynamic_call_tracking=dct(count_visits=None)),
        INVALID,
        REQUIRED,
        "dynamic_call_tracking.count_visits",
    ),
    Case(
        "dct-empty-object",
        request(dynamic_call_tracking=pb.DynamicCallTracking()),
        INVALID,
        REQUIRED,
        "dynamic_call_tracking.count_virtual_numbers",
    ),
    Case(
        "dct-reservation_time-unknown",
        request(dynamic_call_tracking=dct(reservation_time=99)),
        INVALID,
        BAD_VALUE,
        "dynamic_call_tracking.reservation_time",
        "99",
    ),
    Case(
        "conditions-31-groups",
        request(campaign_conditions=groups(31)),
        INVALID,
        BAD_VALUE,
        "campaign_conditions.group_conditions",
        UNCHECKED,
    ),
    Case(
        "conditions-51-in-a-group",
        request(campaign_conditions=conditions([condition()], [condition(f"/p{i}") for i in range(51)])),
        INVALID,
        BAD_VALUE,
        "campaign_conditions.group_conditions[1].conditions",
        UNCHECKED,
    ),
    Case(
        "conditions-no-groups",
        request(campaign_conditions=pb.CampaignConditions()),
        INVALID,
        REQUIRED,
        "campaign_conditions.group_conditions",
    ),
    Case(
        "conditions-empty-group",
        request(campaign_conditions=conditions([condition()], [])),
        INVALID,
        REQUIRED,
        "campaign_conditions.group_conditions[1].conditions",
    ),
    Case(
        "condition-type-missing",
        request(campaign_conditions=one_condition(condition(type=None))),
        INVALID,
        REQUIRED,
        f"{C0}.type",
    ),
    Case(
        "condition-campaign_parameter-missing",
        request(campaign_conditions=conditions([condition(), condition(parameter=None)])),
        INVALID,
        REQUIRED,
        "campaign_conditions.group_conditions[0].conditions[1].campaign_parameter",
    ),
    Case(
        "condition-operator-missing",
        request(campaign_conditions=conditions([condition()], [condition(), condition(), condition(operator=None)])),
        INVALID,
        REQUIRED,
        "campaign_conditions.group_conditions[1].conditions[2].operator",
    ),
    Case(
        "condition-value-missing",
        request(campaign_conditions=one_condition(condition(value=None))),
        INVALID,
        REQUIRED,
        f"{C0}.value",
    ),
    Case(
        "condition-type-unknown",
        request(campaign_conditions=one_condition(condition(type=7))),
        INVALID,
        BAD_VALUE,
        f"{C0}.type",
        "7",
    ),
    Case(
        "condition-campaign_parameter-unknown",
        request(campaign_conditions=one_condition(condition(parameter=999))),
        INVALID,
        BAD_VALUE,
        f"{C0}.campaign_parameter",
        "999",
    ),
    Case(
        "condition-operator-unknown",
        request(campaign_conditions=one_condition(condition(operator=9))),
        INVALID,
        BAD_VALUE,
        f"{C0}.operator",
        "9",
    ),
    *(
        Case(
            f"condition-{param_name}-operator-{op_name}",
            request(campaign_conditions=one_condition(condition(valid_value, parameter, operator))),
            INVALID,
            BAD_VALUE,
            f"{C0}.operator",
            op_name,
        )
        for param_name, parameter, valid_value in [
            ("search_engine", pb.CAMPAIGN_PARAMETER_SEARCH_ENGINE, "yandex"),
            ("engine", pb.CAMPAIGN_PARAMETER_ENGINE, "1"),
            ("channel", pb.CAMPAIGN_PARAMETER_CHANNEL, "organic"),
        ]
        for op_name, operator in [("sub", pb.CONDITION_OPERATOR_SUB), ("~", pb.CONDITION_OPERATOR_REGEX)]
    ),
    *(
        Case(
            f"condition-{param_name}-value-{bad!r}",
            request(campaign_conditions=one_condition(condition(bad, parameter))),
            INVALID,
            BAD_VALUE,
            f"{C0}.value",
            bad,
        )
        for param_name, parameter, bad in [
            ("search_engine", pb.CAMPAIGN_PARAMETER_SEARCH_ENGINE, "google"),
            ("search_engine", pb.CAMPAIGN_PARAMETER_SEARCH_ENGINE, "Yandex"),
            ("engine", pb.CAMPAIGN_PARAMETER_ENGINE, "0"),
            ("engine", pb.CAMPAIGN_PARAMETER_ENGINE, "9"),
            ("engine", pb.CAMPAIGN_PARAMETER_ENGINE, "yandex.direct"),
            ("channel", pb.CAMPAIGN_PARAMETER_CHANNEL, "tv"),
            ("channel", pb.CAMPAIGN_PARAMETER_CHANNEL, "cashe"),
        ]
    ),
    Case(
        "condition-regex-does-not-compile",
        request(
            campaign_conditions=one_condition(
                condition("^(/promo", pb.CAMPAIGN_PARAMETER_REFERRER, pb.CONDITION_OPERATOR_REGEX)
            )
        ),
        INVALID,
        BAD_VALUE,
        f"{C0}.value",
        "^(/promo",
    ),
    Case(
        "condition-regex-bad-in-second-group",
        request(
            campaign_conditions=conditions(
                [condition("[a-z]+", operator=pb.CONDITION_OPERATOR_REGEX)],
                [condition("ok"), condition("*oops", pb.CAMPAIGN_PARAMETER_UTM_SOURCE, pb.CONDITION_OPERATOR_REGEX)],
            )
        ),
        INVALID,
        BAD_VALUE,
        "campaign_conditions.group_conditions[1].conditions[1].value",
        "*oops",
    ),
    # ---- step 5: method component
    Case(
        "method-component-missing",
        request(site_id=13),
        FAILED_PRECONDITION,
        "METHOD_COMPONENT_DISABLED",
        None,
        token="tok_nocomp",
        params={"components": "call_tracking, va"},
    ),
    # ---- step 8: parameter components
    Case(
        "redirection-without-va-component",
        request(site_id=11, site_blocks=[block(111, 311, redirection=411)]),
        FAILED_PRECONDITION,
        COMPONENT,
        "site_blocks[0].redirection_phone_number_id",
        "411",
        token="tok_nova",
        params={"components": "va"},
    ),
    Case(
        "dct_enabled-true-without-dct-component",
        request(site_id=12, site_blocks=[block(121, 322, dct=True)], dynamic_call_tracking=dct()),
        FAILED_PRECONDITION,
        COMPONENT,
        "site_blocks[0].dynamic_call_tracking_enabled",
        "true",
        token="tok_nodct",
        params={"components": "dynamic_call_tracking"},
    ),
    Case(
        "dct_enabled-false-without-dct-component",
        request(site_id=12, site_blocks=[block(121, 322, dct=False)]),
        FAILED_PRECONDITION,
        COMPONENT,
        "site_blocks[0].dynamic_call_tracking_enabled",
        "false",
        token="tok_nodct",
        params={"components": "dynamic_call_tracking"},
    ),
    Case(
        "dct-object-without-dct-component",
        request(site_id=12, dynamic_call_tracking=dct()),
        FAILED_PRECONDITION,
        COMPONENT,
        "dynamic_call_tracking",
        UNCHECKED,
        token="tok_nodct",
        params={"components": "dynamic_call_tracking"},
    ),
    # ---- step 9: combinations
    Case(
        "inactive-with-site_blocks",
        request(status=pb.CAMPAIGN_STATUS_INACTIVE, site_blocks=[block(101, 302)]),
        INVALID,
        COMBINATION,
        "site_blocks",
        UNCHECKED,
    ),
    Case(
        "inactive-with-dct-enabled",
        request(
            status=pb.CAMPAIGN_STATUS_INACTIVE,
            site_blocks=[block(101, 302, dct=True)],
            dynamic_call_tracking=dct(),
        ),
        INVALID,
        COMBINATION,
        "site_blocks",
        UNCHECKED,
    ),
    Case(
        "redirection-with-va-number",
        request(site_blocks=[block(101, 305, redirection=401), block(102, 302, redirection=402)]),
        INVALID,
        COMBINATION,
        "site_blocks[1].redirection_phone_number_id",
        "402",
    ),
    Case(
        "redirection-with-user-number",
        request(site_blocks=[block(101, 303, redirection=401)]),
        INVALID,
        COMBINATION,
        "site_blocks[0].redirection_phone_number_id",
        "401",
    ),
    Case(
        "dct-enabled-with-user-number",
        request(site_blocks=[block(101, 303, dct=True)], dynamic_call_tracking=dct()),
        INVALID,
        COMBINATION,
        "site_blocks[0].dynamic_call_tracking_enabled",
        "true",
    ),
    Case(
        "dct-enabled-without-dct-object",
        request(site_blocks=[block(101, 302), block(102, 305, redirection=401, dct=True)]),
        INVALID,
        COMBINATION,
        "dynamic_call_tracking",
    ),
    # ---- step 10: entities
    Case("site-of-another-account", request(site_id=11), NOT_FOUND, NOT_FOUND_REASON, "site_id", "11"),
    Case("site-unknown", request(site_id=999), NOT_FOUND, NOT_FOUND_REASON, "site_id", "999"),
    Case(
        "block-of-another-site",
        request(site_blocks=[block(101, 302), block(201, 303)]),
        NOT_FOUND,
        NOT_FOUND_REASON,
        "site_blocks[1].site_block_id",
        "201",
    ),
    Case(
        "number-unknown",
        request(site_blocks=[block(101, 399)]),
        NOT_FOUND,
        NOT_FOUND_REASON,
        "site_blocks[0].phone_number_id",
        "399",
    ),
    Case(
        "number-pool-stock-not-offered",
        request(site_blocks=[block(101, 302), block(102, 381, redirection=401)]),
        NOT_FOUND,
        NOT_FOUND_REASON,
        "site_blocks[1].phone_number_id",
        "381",
    ),
    Case(
        "number-pool-stock-hosted-pbx-not-offered",
        request(site_blocks=[block(101, 384, redirection=401)]),
        NOT_FOUND,
        NOT_FOUND_REASON,
        "site_blocks[0].phone_number_id",
        "384",
    ),
    Case(
        "redirection-not-in-list",
        request(site_blocks=[block(101, 301, redirection=499)]),
        INVALID,
        BAD_VALUE,
        "site_blocks[0].redirection_phone_number_id",
        "499",
    ),
    Case(
        "call_tracking-without-redirection",
        request(site_blocks=[block(101, 302), block(102, 301)]),
        INVALID,
        REQUIRED,
        "site_blocks[1].redirection_phone_number_id",
    ),
    Case(
        "call_tracking-in-campaign-7",
        request(site_blocks=[block(101, 304, redirection=401)]),
        ALREADY_EXISTS,
        "ALREADY_IN_USE",
        "site_blocks[0].phone_number_id",
        "304",
    ),
    Case(
        "call_tracking-twice-in-one-request",
        request(site_blocks=[block(101, 305, redirection=401), block(102, 305, redirection=402)]),
        ALREADY_EXISTS,
        "ALREADY_IN_USE",
        "site_blocks[1].phone_number_id",
        "305",
    ),
    # ---- step 11: plan quota
    Case(
        "quota-reached",
        request(site_id=16, site_blocks=[block(161, 361)]),
        FAILED_PRECONDITION,
        "TARIFF_RESTRICTIONS",
        None,
        token="tok_quota",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_rule(service: Service, case: Case) -> None:
    before = await snapshot(service.database_url)

    failure = await create_error(service, case.request, case.token)

    assert_failure(failure, case.code, case.reason, case.path, case.value, case.params)
    assert await snapshot(service.database_url) == before, "a refused create wrote rows"


# --------------------------------------------------------------------------- accepted requests


async def campaign_row(service: Service, campaign_id: int) -> sa.Row[Any]:
    rows = await query(service.database_url, sa.select(t.campaigns).where(t.campaigns.c.id == campaign_id))
    assert len(rows) == 1
    return rows[0]


async def test_minimal_create(service: Service) -> None:
    campaign_id = await create(service, request(name="Spring sale", site_id=10))

    assert campaign_id > 1000
    row = await campaign_row(service, campaign_id)
    assert (row.account_id, row.name, row.description, row.status, row.type, row.site_id) == (
        1000,
        "Spring sale",
        None,
        "active",
        "basic",
        10,
    )
    assert (row.dct_reservation_time, row.dct_count_virtual_numbers, row.dct_count_visits) == (None, None, None)
    assert await count(service.database_url, CSB, CSB.c.campaign_id == campaign_id) == 0
    assert await count(service.database_url, CC, CC.c.campaign_id == campaign_id) == 0


async def test_ids_are_new_and_distinct(service: Service) -> None:
    first = await create(service, request(name="One"))
    second = await create(service, request(name="Two"))

    assert first > 1000
    assert second > 1000
    assert first != second
    assert first not in (7, 8, 9, 60)


async def test_inactive_without_blocks(service: Service) -> None:
    campaign_id = await create(service, request(name="Later", site_id=20, status=pb.CAMPAIGN_STATUS_INACTIVE))

    row = await campaign_row(service, campaign_id)
    assert (row.status, row.site_id) == ("inactive", 20)


async def test_boundary_lengths_are_accepted(service: Service) -> None:
    name, description = "N" * 255, "D" * 255
    campaign_id = await create(service, request(name=name, description=description))

    row = await campaign_row(service, campaign_id)
    assert (row.name, row.description) == (name, description)


async def test_full_create(service: Service) -> None:
    phone_numbers_before = await count(service.database_url, t.phone_numbers)
    cond_rows = [
        [
            condition("yandex", pb.CAMPAIGN_PARAMETER_SEARCH_ENGINE, pb.CONDITION_OPERATOR_EQUAL),
            condition("promo", pb.CAMPAIGN_PARAMETER_UTM_CAMPAIGN, pb.CONDITION_OPERATOR_SUB),
        ],
        [
            condition(
                "^/sale/[0-9]+$",
                pb.CAMPAIGN_PARAMETER_ENTRANCE_PAGE,
                pb.CONDITION_OPERATOR_REGEX,
                pb.CONDITION_TYPE_EXCLUDE,
            ),
        ],
    ]
    campaign_id = await create(
        service,
        request(
            name="Full",
            description="Everything at once",
            status=pb.CAMPAIGN_STATUS_ACTIVE,
            site_id=10,
            site_blocks=[
                block(101, 302, dct=True),
                block(102, 305, redirection=401, dct=False),
            ],
            dynamic_call_tracking=dct(5, count_visits=100, reservation_time=pb.RESERVATION_TIME_1H),
            campaign_conditions=conditions(*cond_rows),
        ),
    )

    row = await campaign_row(service, campaign_id)
    assert (row.account_id, row.name, row.description, row.status, row.type, row.site_id) == (
        1000,
        "Full",
        "Everything at once",
        "active",
        "basic",
        10,
    )
    assert (row.dct_reservation_time, row.dct_count_virtual_numbers, row.dct_count_visits) == ("1h", 5, 100)

    blocks = await query(
        service.database_url,
        sa.select(t.campaign_site_blocks)
        .where(t.campaign_site_blocks.c.campaign_id == campaign_id)
        .order_by(t.campaign_site_blocks.c.position),
    )
    assert [
        (
            b.site_block_id,
            b.position,
            b.phone_number_id,
            b.redirection_phone_number_id,
            bool(b.dynamic_call_tracking_enabled),
            b.exclusive_phone_number_id,
        )
        for b in blocks
    ] == [(101, 0, 302, None, True, None), (102, 1, 305, 401, False, 305)]

    # The pool of block 101: the three vacant, non-PBX numbers, then two purchased ones.
    pool = await query(
        service.database_url, sa.select(t.pool_numbers).where(t.pool_numbers.c.campaign_id == campaign_id)
    )
    assert {p.site_block_id for p in pool} == {101}
    pool_ids = sorted(p.phone_number_id for p in pool)
    assert len(pool_ids) == 5
    assert pool_ids[:3] == [381, 382, 383]
    assert 384 not in pool_ids
    purchased = await query(
        service.database_url, sa.select(t.phone_numbers).where(t.phone_numbers.c.id.in_(pool_ids[3:]))
    )
    assert len(purchased) == 2
    for number in purchased:
        assert number.id > 1000
        assert number.account_id == 1000
        assert number.type == "call_tracking"
        assert bool(number.is_pool_stock)
        assert not bool(number.is_hosted_pbx)
    assert len({n.phone_number for n in purchased}) == 2
    assert await count(service.database_url, t.phone_numbers) == phone_numbers_before + 2

    stored = await query(
        service.database_url,
        sa.select(t.campaign_conditions)
        .where(t.campaign_conditions.c.campaign_id == campaign_id)
        .order_by(t.campaign_conditions.c.group_index, t.campaign_conditions.c.position),
    )
    assert [(c.group_index, c.position, c.type, c.campaign_parameter, c.operator, c.value) for c in stored] == [
        (0, 0, "include", "search_engine", "=", "yandex"),
        (0, 1, "include", "utm_campaign", "sub", "promo"),
        (1, 0, "exclude", "entrance_page", "~", "^/sale/[0-9]+$"),
    ]


async def test_pool_takes_vacant_numbers_first_and_never_hosted_pbx(service: Service) -> None:
    phone_numbers_before = await count(service.database_url, t.phone_numbers)

    first = await create(
        service,
        request(name="Pool 1", site_blocks=[block(101, 302, dct=True)], dynamic_call_tracking=dct(2)),
    )
    second = await create(
        service,
        request(name="Pool 2", site_blocks=[block(101, 302, dct=True)], dynamic_call_tracking=dct(2)),
    )

    async def pool_of(campaign_id: int) -> list[int]:
        rows = await query(
            service.database_url,
            sa.select(t.pool_numbers.c.phone_number_id).where(t.pool_numbers.c.campaign_id == campaign_id),
        )
        return sorted(r.phone_number_id for r in rows)

    assert await pool_of(first) == [381, 382]
    second_pool = await pool_of(second)
    assert second_pool[0] == 383
    assert second_pool[1] > 1000, "384 is flagged for hosted PBX: the shortfall must be purchased"
    # Exactly one number was bought, for the second campaign.
    assert await count(service.database_url, t.phone_numbers) == phone_numbers_before + 1
    assert await count(service.database_url, t.pool_numbers, t.pool_numbers.c.phone_number_id == 384) == 0


async def test_each_dct_block_gets_its_own_pool(service: Service) -> None:
    campaign_id = await create(
        service,
        request(
            site_blocks=[block(101, 302, dct=True), block(102, 306, redirection=402, dct=True)],
            dynamic_call_tracking=dct(count_virtual_numbers=2),
        ),
    )

    rows = await query(
        service.database_url, sa.select(t.pool_numbers).where(t.pool_numbers.c.campaign_id == campaign_id)
    )
    by_block: dict[int, list[int]] = {}
    for row in rows:
        by_block.setdefault(row.site_block_id, []).append(row.phone_number_id)
    assert sorted(by_block) == [101, 102]
    assert all(len(numbers) == 2 for numbers in by_block.values())
    all_numbers = [n for numbers in by_block.values() for n in numbers]
    assert len(set(all_numbers)) == 4
    assert {381, 382, 383} <= set(all_numbers)
    assert 384 not in all_numbers


async def test_reservation_time_defaults_to_15m(service: Service) -> None:
    campaign_id = await create(
        service,
        request(site_blocks=[block(101, 302, dct=True)], dynamic_call_tracking=dct(count_virtual_numbers=1)),
    )

    row = await campaign_row(service, campaign_id)
    assert (row.dct_reservation_time, row.dct_count_virtual_numbers, row.dct_count_visits) == ("15m", 1, 10)


@pytest.mark.parametrize(
    ("number", "wire"),
    [(number, name.removeprefix("RESERVATION_TIME_").lower()) for name, number in pb.ReservationTime.items() if number],
)
async def test_every_reservation_time_is_accepted(service: Service, number: int, wire: str) -> None:
    campaign_id = await create(service, request(dynamic_call_tracking=dct(reservation_time=number)))

    row = await campaign_row(service, campaign_id)
    assert row.dct_reservation_time == wire


async def test_dct_object_without_dct_blocks_is_accepted(service: Service) -> None:
    pool_before = await count(service.database_url, t.pool_numbers)

    campaign_id = await create(service, request(site_blocks=[block(101, 302)], dynamic_call_tracking=dct(3)))

    row = await campaign_row(service, campaign_id)
    assert row.dct_count_virtual_numbers == 3
    assert await count(service.database_url, t.pool_numbers) == pool_before


async def test_va_and_user_numbers_may_be_shared(service: Service) -> None:
    first = await create(service, request(name="A", site_blocks=[block(101, 302), block(102, 303)]))
    second = await create(service, request(name="B", site_blocks=[block(101, 302), block(102, 303)]))

    assert first != second
    assert await count(service.database_url, CSB, CSB.c.phone_number_id == 302) == 2


@pytest.mark.parametrize("channel", ["cash", "cashed"])
async def test_channel_cash_and_cashed_are_accepted(service: Service, channel: str) -> None:
    campaign_id = await create(
        service, request(campaign_conditions=one_condition(condition(channel, pb.CAMPAIGN_PARAMETER_CHANNEL)))
    )

    stored = await query(
        service.database_url,
        sa.select(t.campaign_conditions.c.value).where(t.campaign_conditions.c.campaign_id == campaign_id),
    )
    assert [row.value for row in stored] == [channel]


SEARCH_ENGINES = ["askcom", "bing.com", "google.com", "mail.ru", "nigma", "rambler.ru", "yahoo.com", "yandex"]
ENGINES = [str(n) for n in range(1, 9)]
CHANNELS = [
    "display", "paid", "affiliate", "messenger", "social", "email", "organic",
    "internal", "recommendation", "cashed", "cash", "referral", "direct",
]  # fmt: skip


async def test_every_listed_value_is_accepted(service: Service) -> None:
    listed = [
        *(condition(v, pb.CAMPAIGN_PARAMETER_SEARCH_ENGINE) for v in SEARCH_ENGINES),
        *(condition(v, pb.CAMPAIGN_PARAMETER_ENGINE) for v in ENGINES),
        *(condition(v, pb.CAMPAIGN_PARAMETER_CHANNEL) for v in CHANNELS),
    ]
    campaign_id = await create(service, request(campaign_conditions=conditions(listed)))

    stored = await query(
        service.database_url,
        sa.select(t.campaign_conditions.c.campaign_parameter, t.campaign_conditions.c.value)
        .where(t.campaign_conditions.c.campaign_id == campaign_id)
        .order_by(t.campaign_conditions.c.position),
    )
    assert [(r.campaign_parameter, r.value) for r in stored] == [
        *(("search_engine", v) for v in SEARCH_ENGINES),
        *(("engine", v) for v in ENGINES),
        *(("channel", v) for v in CHANNELS),
    ]


FREE_TEXT = [
    name
    for name, number in pb.CampaignParameter.items()
    if number
    and number not in (pb.CAMPAIGN_PARAMETER_SEARCH_ENGINE, pb.CAMPAIGN_PARAMETER_ENGINE, pb.CAMPAIGN_PARAMETER_CHANNEL)
]


async def test_free_text_parameters_take_every_operator(service: Service) -> None:
    assert len(FREE_TEXT) == 27  # the third row of section 7
    group = [
        condition(value, pb.CampaignParameter.Value(name), operator)
        for name in FREE_TEXT
        for operator, value in [
            (pb.CONDITION_OPERATOR_EQUAL, "exact"),
            (pb.CONDITION_OPERATOR_SUB, "part"),
            (pb.CONDITION_OPERATOR_REGEX, r"^a.*\d{2}$"),
        ]
    ]
    # 81 conditions: two groups, as a group holds at most 50.
    campaign_id = await create(service, request(campaign_conditions=conditions(group[:50], group[50:])))

    stored = await query(
        service.database_url,
        sa.select(t.campaign_conditions)
        .where(t.campaign_conditions.c.campaign_id == campaign_id)
        .order_by(t.campaign_conditions.c.group_index, t.campaign_conditions.c.position),
    )
    assert len(stored) == 81
    assert [(r.group_index, r.position) for r in stored] == [(0, i) for i in range(50)] + [(1, i) for i in range(31)]
    wire_names = {name.removeprefix("CAMPAIGN_PARAMETER_").lower() for name in FREE_TEXT}
    assert {r.campaign_parameter for r in stored} == wire_names
    assert [r.operator for r in stored[:3]] == ["=", "sub", "~"]


async def test_conditions_are_stored_in_order(service: Service) -> None:
    values = [[f"g{g}c{c}" for c in range(g + 1)] for g in range(4)]
    campaign_id = await create(
        service, request(campaign_conditions=conditions(*([condition(v) for v in group] for group in values)))
    )

    stored = await query(
        service.database_url,
        sa.select(t.campaign_conditions)
        .where(t.campaign_conditions.c.campaign_id == campaign_id)
        .order_by(t.campaign_conditions.c.group_index, t.campaign_conditions.c.position),
    )
    assert [[r.value for r in stored if r.group_index == g] for g in range(4)] == values
    assert [r.position for r in stored if r.group_index == 3] == [0, 1, 2, 3]


async def test_limits_of_lists_are_inclusive(service: Service) -> None:
    campaign_id = await create(
        service,
        request(
            campaign_conditions=conditions(
                [condition(f"/p{i}") for i in range(50)], *([condition("/x")] for _ in range(29))
            ),
            site_blocks=[block(101, 302, dct=True)],
            dynamic_call_tracking=dct(count_virtual_numbers=100, count_visits=1),
        ),
    )

    assert await count(service.database_url, CC, CC.c.campaign_id == campaign_id) == 79
    assert await count(service.database_url, t.pool_numbers, t.pool_numbers.c.campaign_id == campaign_id) == 100
