"""Every JSON-RPC method's parameter table agrees with its proto request message, both ways.

A table that names a field the message lacks would never see it; a field without a table entry would
never be checked (step 7 of docs/contract.md §5). Nested tables are walked into their message fields.
"""

from __future__ import annotations

from typing import Final, cast

import pytest
from google.protobuf.descriptor import Descriptor

from contract.methods import JSONRPC_METHODS
from service import param_tables
from service.rules import Param

# The service's tables by method: the ones Calls.run checks requests against (service/param_tables.py).
TABLES: Final[dict[str, tuple[Param, ...]]] = {
    name: param_tables.TABLES[method.rpc.input_type.full_name]
    for name, method in JSONRPC_METHODS.items()
    if method.rpc.input_type.full_name in param_tables.TABLES
}

# Fields a gRPC caller sets that are no JSON-RPC parameter (the gateway says them with nulls).
GRPC_ONLY: Final = {
    "update.campaigns": {"cleared_fields"},
    "update.campaign_parameter_weights": {"cleared_fields"},
    "update.sites": {"cleared_fields"},
}


def disagreements(
    message: Descriptor, params: tuple[Param, ...], path: str = "", seen: frozenset[str] = frozenset()
) -> list[str]:
    if message.full_name in seen:  # a message that contains itself (filters): walked once
        return []
    seen = seen | {message.full_name}
    found: list[str] = []
    for param in params:
        field = message.fields_by_name.get(param.name)
        if field is None:
            found.append(f"{path}{param.name}: not a field of {message.full_name}")
            continue
        children = param.fields() if callable(param.fields) else param.fields
        if children:
            if field.message_type is None:
                found.append(f"{path}{param.name}: has parameters but is not a message")
            else:
                found += disagreements(field.message_type, children, f"{path}{param.name}.", seen)
    named = {param.name for param in params}
    found += [f"{path}{field.name}: no parameter rule" for field in message.fields if field.name not in named]
    return found


def test_every_jsonrpc_method_has_a_parameter_table() -> None:
    assert set(TABLES) == set(JSONRPC_METHODS)


@pytest.mark.parametrize("name", sorted(JSONRPC_METHODS))
def test_the_parameter_table_agrees_with_the_request_message(name: str) -> None:
    request = cast(Descriptor, JSONRPC_METHODS[name].request_type.DESCRIPTOR)
    found = disagreements(request, TABLES[name])
    expected = [f"{field}: no parameter rule" for field in sorted(GRPC_ONLY.get(name, ()))]
    assert found == expected


def test_a_table_naming_a_missing_field_is_caught() -> None:
    """The check itself can fail: a rule for a field the message lacks, and a field without a rule."""
    request = cast(Descriptor, JSONRPC_METHODS["delete.campaigns"].request_type.DESCRIPTOR)
    assert disagreements(request, (Param("id"), Param("nope"))) == [
        "nope: not a field of campaigns.v1.DeleteCampaignRequest",
        "user_id: no parameter rule",
    ]
