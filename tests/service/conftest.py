"""Fixtures of the service tests beyond the root conftest's: services with the admin API on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.databases import DatabaseFactory
from tests.service.support_admin import Admin, admin_service


@pytest.fixture
async def admin(database_url: str) -> AsyncIterator[Admin]:
    """A service on the demo data."""
    async with admin_service(database_url) as started:
        yield started


@pytest.fixture
async def empty_admin(database_factory: DatabaseFactory) -> AsyncIterator[Admin]:
    """A service on a database with the schema and nothing else: no demo set."""
    async with admin_service(await database_factory.empty()) as started:
        yield started
