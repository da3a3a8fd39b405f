"""What an Idempotency-Key header carries: one table, the rule the gateway and the service share."""

from __future__ import annotations

import pytest

from contract.idempotency import MAX_LENGTH, UNUSABLE, key_from_headers, valid_key

HEADERS = [
    ((), None),  # no header: no key
    (("abc",), "abc"),
    (("  abc\t",), "abc"),  # optional whitespace around a field value is not part of it
    (('"abc"',), "abc"),
    (('"a\\"b\\\\c"',), 'a"b\\c'),
    (("8e03978e-40d5-43e8-bc93-6894a57f9324",), "8e03978e-40d5-43e8-bc93-6894a57f9324"),
    (("~" * MAX_LENGTH,), "~" * MAX_LENGTH),
    (("~" * (MAX_LENGTH + 1),), UNUSABLE),
    (("",), UNUSABLE),
    (('""',), UNUSABLE),
    (("two words",), UNUSABLE),
    (('"two words"',), UNUSABLE),
    (('"open',), UNUSABLE),
    (('"',), UNUSABLE),
    (('"a\\b"',), UNUSABLE),
    (('"a"b"',), UNUSABLE),
    (('"a\\"',), UNUSABLE),
    (("clé",), UNUSABLE),
    (("one", "two"), UNUSABLE),
    (("same", "same"), UNUSABLE),
]


@pytest.mark.parametrize(("values", "key"), HEADERS)
def test_the_key_a_header_carries(values: tuple[str, ...], key: str | None) -> None:
    assert key_from_headers(values) == key


def test_the_unusable_key_is_not_a_key() -> None:
    assert not valid_key(UNUSABLE)
