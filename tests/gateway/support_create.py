"""Helpers for the create.campaigns tests through the wire: params builders and the rows of the fault tables."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.wire import ABSENT, VALID, Absent, assert_error, call

GROUPS = "campaign_conditions.group_conditions"
CONDITIONS = f"{GROUPS}.conditions"


def condition(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"type": "include", "campaign_parameter": "city", "operator": "=", "value": "Moscow"}
    base.update(changes)
    return {key: value for key, value in base.items() if value is not ...}


def conditions(*items: dict[str, Any]) -> dict[str, Any]:
    return {"group_conditions": [{"conditions": list(items)}]}


def with_(**changes: Any) -> dict[str, Any]:
    """VALID with some params changed; `...` removes one."""
    params = {**VALID, **changes}
    return {key: value for key, value in params.items() if value is not ...}


def blocks(*pairs: tuple[int, int]) -> list[dict[str, Any]]:
    """site_blocks of (site_block_id, phone_number_id) pairs."""
    return [{"site_block_id": block, "phone_number_id": number} for block, number in pairs]


def case(
    name: str,
    params: dict[str, Any],
    mnemonic: str,
    *,
    field: str | Absent = ABSENT,
    value: str | Absent = ABSENT,
    out: dict[str, Any] | None = None,
    bug: str | None = None,
) -> Any:
    marks = [pytest.mark.xfail(reason=f"BUG: {bug}", strict=True)] if bug else []
    return pytest.param(params, mnemonic, field, value, out or {}, id=name, marks=marks)


THIRTY_ONE_GROUPS = [{"conditions": [condition()]} for _ in range(31)]
FIFTY_ONE_CONDITIONS = [condition(value=f"city {n}") for n in range(51)]


async def assert_create_fault(
    url: str, params: dict[str, Any], mnemonic: str, field: str | Absent, value: str | Absent, out: dict[str, Any]
) -> None:
    """One row of a create fault table: the request fails with exactly that error."""
    answer = await call(url, params, "c-1")
    assert "result" not in answer, answer
    assert_error(answer, mnemonic, request_id="c-1", field=field, value=value, params=out)
