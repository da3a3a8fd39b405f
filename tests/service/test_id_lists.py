"""in_ids: `column IN (ids bound at execution)` on both engines (service/storage/id_lists.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from service.storage import Storage
from service.storage import schema as t
from service.storage.id_lists import in_ids

_NUMBERS = sa.select(t.phone_numbers.c.id).where(in_ids(t.phone_numbers.c.id, "ids")).order_by(t.phone_numbers.c.id)


async def _all_number_ids(storage: Storage) -> list[int]:
    return await storage.read(lambda conn: list(conn.execute(sa.select(t.phone_numbers.c.id)).scalars()))


@pytest.mark.parametrize(
    "wanted",
    [[], [302], [302, 302, 301, -5], list(range(-10, 10_000))],
    ids=["none", "one", "duplicates-and-unknown", "ten-thousand"],
)
async def test_in_ids_finds_exactly_the_listed_ids(database_url: str, wanted: list[int]) -> None:
    storage = await Storage.open(database_url, migrate=False, pool_size=1)
    try:
        existing = await _all_number_ids(storage)
        found = await storage.read(lambda conn: list(conn.execute(_NUMBERS, {"ids": wanted}).scalars()))
    finally:
        await storage.close()
    assert found == sorted(set(existing) & set(wanted))


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
async def test_in_ids_is_prepared_once_whatever_the_length_on_postgresql(database_url: str) -> None:
    storage = await Storage.open(database_url, migrate=False, pool_size=1)

    def run_lengths(conn: sa.Connection) -> int:
        for length in range(1, 21):
            conn.execute(_NUMBERS, {"ids": list(range(300, 300 + length))}).all()
        prepared = conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_prepared_statements "
                "WHERE statement LIKE '%FROM phone_numbers%' AND statement NOT LIKE '%pg_prepared_statements%'"
            )
        )
        return int(prepared.scalar_one())

    try:
        assert await storage.read(run_lengths) == 1
    finally:
        await storage.close()
