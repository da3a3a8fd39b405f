"""service/access.py without a database: the bearer token as the authorization header carries it."""

from __future__ import annotations

import pytest

from service.access import bearer_token


@pytest.mark.parametrize(
    ("header", "token"),
    [
        (None, None),
        ("Bearer tok_cust", "tok_cust"),
        ("bearer tok_cust", "tok_cust"),
        ("BEARER tok", "tok"),
        ("Bearer  tok_cust ", " tok_cust "),  # exactly as sent
        ("Basic dXNlcjpwYXNz", None),
        ("tok_cust", None),
        ("Bearer", ""),
    ],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token
