"""CreateCampaign over gRPC: the accepted requests and the rows they write (the faulty requests are in
test_create_values.py and test_create_rules.py).
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb

from service.storage import schema as t
from tests.conftest import Service
from tests.service.helpers import (
    block,
    condition,
    conditions,
    count,
    create,
    dct,
    query,
    request,
    stored_conditions,
)
from tests.service.support_create_campaign import CSB, one_condition

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
    assert await stored_conditions(service.database_url, campaign_id) == []


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

    stored = await stored_conditions(service.database_url, campaign_id)
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

    stored = await stored_conditions(service.database_url, campaign_id)
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

    stored = await stored_conditions(service.database_url, campaign_id)
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

    stored = await stored_conditions(service.database_url, campaign_id)
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

    stored = await stored_conditions(service.database_url, campaign_id)
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

    assert len(await stored_conditions(service.database_url, campaign_id)) == 79
    assert await count(service.database_url, t.pool_numbers, t.pool_numbers.c.campaign_id == campaign_id) == 100
