"""service/points.py without a database: window arithmetic, the limits, the budget check."""

from __future__ import annotations

import pytest

from contract.limits import Limits
from service.access import Account
from service.errors import ServiceError
from service.points import check_budget, limits_of, spent

# 2026-12-01 15:46:40 UTC: 56,800 s into its day, 40 s into its minute.
NOW = 1_796_139_200 + 56_800 + 40
DAY_START = NOW - NOW % 86_400
MINUTE_START = NOW - NOW % 60


def account(day: tuple[int, int] | None = None, minute: tuple[int, int] | None = None) -> Account:
    counters = {period: counter for period, counter in (("day", day), ("minute", minute)) if counter is not None}
    return Account(id=1, components=frozenset(), day_limit=1000, minute_limit=100, counters=counters)


def test_fresh_account_has_its_whole_budget_and_the_time_to_each_window_end() -> None:
    assert limits_of(account(), now=NOW) == Limits(
        day_limit=1000,
        day_remaining=1000,
        day_reset=DAY_START + 86_400 - NOW,
        minute_limit=100,
        minute_remaining=100,
        minute_reset=20,
    )


def test_counters_of_the_current_windows_count() -> None:
    limits = limits_of(account(day=(DAY_START, 7), minute=(MINUTE_START, 3)), now=NOW)
    assert (limits.day_remaining, limits.minute_remaining) == (993, 97)


def test_counters_of_an_earlier_window_count_nothing() -> None:
    limits = limits_of(account(day=(DAY_START - 86_400, 999), minute=(MINUTE_START - 60, 99)), now=NOW)
    assert (limits.day_remaining, limits.minute_remaining) == (1000, 100)


def test_remaining_never_goes_below_zero() -> None:
    limits = limits_of(account(day=(DAY_START, 5000), minute=(MINUTE_START, 500)), now=NOW)
    assert (limits.day_remaining, limits.minute_remaining) == (0, 0)


@pytest.mark.parametrize(("offset", "day_reset", "minute_reset"), [(0, 86_400, 60), (59, 86_341, 1), (86_399, 1, 1)])
def test_resets_at_the_edges_of_a_window(offset: int, day_reset: int, minute_reset: int) -> None:
    limits = limits_of(account(), now=DAY_START + offset)
    assert (limits.day_reset, limits.minute_reset) == (day_reset, minute_reset)


def test_a_window_starts_on_its_boundary() -> None:
    # The counter written in the last second of a minute no longer counts in the next one.
    limits = limits_of(account(minute=(MINUTE_START, 100)), now=MINUTE_START + 60)
    assert limits.minute_remaining == 100


def test_spent_counts_down_both_budgets_and_stops_at_zero() -> None:
    limits = limits_of(account(minute=(MINUTE_START, 99)), now=NOW)
    after = spent(limits, 1)
    assert (after.day_remaining, after.minute_remaining) == (999, 0)
    assert spent(after, 1).minute_remaining == 0
    assert (after.day_limit, after.day_reset, after.minute_reset) == (limits.day_limit, limits.day_reset, 20)


def test_check_budget_passes_while_both_have_room() -> None:
    check_budget(limits_of(account(day=(DAY_START, 999), minute=(MINUTE_START, 99)), now=NOW))


def test_check_budget_names_the_day_first() -> None:
    with pytest.raises(ServiceError) as refused:
        check_budget(limits_of(account(day=(DAY_START, 1000), minute=(MINUTE_START, 100)), now=NOW))
    assert refused.value.mnemonic == "limit_exceeded"
    assert refused.value.params == {"limit_type": "day", "limit_max_value": 1000}


def test_check_budget_then_the_minute() -> None:
    with pytest.raises(ServiceError) as refused:
        check_budget(limits_of(account(minute=(MINUTE_START, 100)), now=NOW))
    assert refused.value.params == {"limit_type": "minute", "limit_max_value": 100}
