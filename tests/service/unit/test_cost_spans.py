"""The span arithmetic of service/costs.py: spreading, exact splits, overlays, and the values it reads."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.costs import Span, cents_between, cents_of, day_of, overlay, split


def per_day(span: Span) -> list[int]:
    return [cents_between(span, day, day) for day in range(span.day_from, span.day_till + 1)]


def test_the_first_days_take_the_extra_cents() -> None:
    assert per_day(Span(0, 2, 10)) == [4, 3, 3]
    assert per_day(Span(5, 9, 3)) == [1, 1, 1, 0, 0]
    assert per_day(Span(0, 30, 310_000)) == [10_000] * 31


@given(
    day_from=st.integers(-50, 50),
    days=st.integers(1, 400),
    cents=st.integers(0, 10**14),
    cut=st.integers(1, 399),
)
def test_a_split_keeps_every_days_cents(day_from: int, days: int, cents: int, cut: int) -> None:
    span = Span(day_from, day_from + days - 1, cents)
    if cut >= days:
        return
    head, tail = split(span, day_from + cut)

    assert head.cents + tail.cents == cents
    assert per_day(head) + per_day(tail) == per_day(span)


def test_a_split_must_cut_inside() -> None:
    with pytest.raises(ValueError, match="does not cut"):
        split(Span(0, 2, 10), 0)


def test_an_overlay_replaces_its_days_and_keeps_the_rest() -> None:
    january = Span(0, 30, 310_000)

    assert overlay([january], 9, 11, 100) == [Span(0, 8, 90_000), Span(9, 11, 100), Span(12, 30, 190_000)]
    assert overlay([january], 0, 14, 0) == [Span(15, 30, 160_000)]
    assert overlay([january], -10, 40, 0) == []
    assert overlay([Span(0, 1, 5), Span(5, 6, 7)], 1, 5, 3) == [Span(0, 0, 3), Span(1, 5, 3), Span(6, 6, 3)]
    assert overlay([], 3, 3, 0) == []


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 20), st.integers(0, 10_000)), min_size=1, max_size=12))
def test_overlays_match_a_day_by_day_ledger(items: list[tuple[int, int, int]]) -> None:
    spans: list[Span] = []
    ledger: dict[int, int] = {}
    for start, length, cents in items:
        item = Span(start, start + length, cents)
        spans = overlay(spans, item.day_from, item.day_till, cents)
        for day in range(item.day_from, item.day_till + 1):
            ledger.pop(day, None)
            if cents:
                ledger[day] = cents_between(item, day, day)
    stored = {day: cents_between(s, day, day) for s in spans for day in range(s.day_from, s.day_till + 1)}

    assert stored == ledger
    assert all(a.day_till < b.day_from for a, b in itertools.pairwise(spans))


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2000-01-02", 10_958),
        ("2026-01-01", 20_454),
        ("2026-01-31 23:59:59", 20_484),
        ("2000-01-01 00:00:00", 10_957),
        ("2100-12-31", 47_846),
        ("2024-02-29", 19_782),
        ("2026-02-29", None),
        ("1999-12-31", None),
        ("2101-01-01", None),
        ("2026-01-01 24:00:00", None),
        ("2026-01-01T00:00:00", None),
        ("26-01-01", None),
        ("2026-01-01 1:00:00", None),
    ],
)
def test_day_of(text: str, day: int | None) -> None:
    assert day_of(text) == day


@pytest.mark.parametrize(
    ("cost", "cents"),
    [(0, 0), (0.004, 0), (0.005, 1), (1.005, 101), (2.675, 268), (12, 1200), (999_999_999_999.99, 99_999_999_999_999)],
)
def test_cents_of_rounds_the_written_decimal_half_up(cost: float, cents: int) -> None:
    assert cents_of(cost) == cents
