"""Parameter paths: joining and stripping indices."""

from __future__ import annotations

import pytest

from contract.paths import item, join, strip_indices


def test_join_and_item() -> None:
    assert join("", "site_blocks") == "site_blocks"
    assert item("site_blocks", 1) == "site_blocks[1]"
    assert join(item("site_blocks", 1), "phone_number_id") == "site_blocks[1].phone_number_id"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("", ""),
        ("name", "name"),
        ("site_blocks[1].phone_number_id", "site_blocks.phone_number_id"),
        ("site_blocks[0]", "site_blocks"),
        ("a[12].b[3].c", "a.b.c"),
        ("filter.filters[0].filters[10].field", "filter.filters.filters.field"),
        # Whatever is between brackets goes, digits or not (an unknown key may hold them).
        ("a[x].b", "a.b"),
        ("a[[1]].b", "a.b"),
    ],
)
def test_strip_indices(path: str, field: str) -> None:
    assert strip_indices(path) == field
