"""service/storage/constraints.py: a broken constraint recognised by name, from either driver's error."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from service.storage.constraints import EXCLUSIVE_NUMBER, POOL_NUMBER, violated_constraint


class _AsyncpgLike(Exception):
    def __init__(self, constraint_name: str | None) -> None:
        super().__init__("duplicate key value violates unique constraint")
        self.constraint_name = constraint_name


class _Adapted(Exception):
    """What SQLAlchemy's asyncpg adaptation raises: the driver's error is its cause."""


def integrity(orig: BaseException) -> sa.exc.IntegrityError:
    return sa.exc.IntegrityError("INSERT ...", {}, orig)


@pytest.mark.parametrize(
    ("message", "name"),
    [
        ("UNIQUE constraint failed: campaign_site_blocks.exclusive_phone_number_id", EXCLUSIVE_NUMBER),
        ("UNIQUE constraint failed: pool_numbers.phone_number_id", POOL_NUMBER),
        ("UNIQUE constraint failed: campaign_site_blocks.campaign_id, campaign_site_blocks.site_block_id", None),
        ("FOREIGN KEY constraint failed", None),
        ("NOT NULL constraint failed: pool_numbers.campaign_id", None),
    ],
)
def test_sqlite_by_the_columns_the_schema_gives_the_constraint(message: str, name: str | None) -> None:
    assert violated_constraint(integrity(sqlite3.IntegrityError(message))) == name


def test_asyncpg_directly() -> None:
    assert violated_constraint(integrity(_AsyncpgLike(POOL_NUMBER))) == POOL_NUMBER


def test_asyncpg_through_sqlalchemys_adaptation() -> None:
    adapted = _Adapted("IntegrityError")
    adapted.__cause__ = _AsyncpgLike(EXCLUSIVE_NUMBER)
    assert violated_constraint(integrity(adapted)) == EXCLUSIVE_NUMBER


def test_a_driver_that_names_no_constraint() -> None:
    assert violated_constraint(integrity(_AsyncpgLike(None))) is None
