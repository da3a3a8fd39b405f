"""The catalogue as read from the proto: every ErrorReason, with its error_spec as written."""

from __future__ import annotations

import grpc
from campaigns.v1 import errors_pb2, options_pb2

from contract.catalogue import CATALOGUE, by_reason


def test_every_reason_but_unspecified_has_an_entry() -> None:
    reasons = {value.name.removeprefix("ERROR_REASON_") for value in errors_pb2.ErrorReason.DESCRIPTOR.values}
    assert {entry.reason for entry in CATALOGUE.values()} == reasons - {"UNSPECIFIED"}


def test_entries_agree_with_the_error_spec() -> None:
    for value in errors_pb2.ErrorReason.DESCRIPTOR.values:
        if value.number == 0:
            continue
        spec = value.GetOptions().Extensions[options_pb2.error_spec]
        entry = CATALOGUE[value.name.removeprefix("ERROR_REASON_").lower()]
        assert entry.key == entry.reason.lower()
        assert entry.jsonrpc_code == spec.jsonrpc_code
        assert entry.grpc_code.value[0] == spec.grpc_code
        assert entry.template == spec.message
        assert entry.mnemonic == (spec.mnemonic or entry.key)


def test_known_entries() -> None:
    token = CATALOGUE["access_token_invalid"]
    assert (token.reason, token.jsonrpc_code, token.grpc_code) == (
        "ACCESS_TOKEN_INVALID",
        -32001,
        grpc.StatusCode.UNAUTHENTICATED,
    )
    # Two reasons may share a mnemonic and differ in code.
    protected, forbidden = CATALOGUE["protected_entity"], CATALOGUE["forbidden"]
    assert protected.mnemonic == forbidden.mnemonic == "forbidden"
    assert (protected.jsonrpc_code, forbidden.jsonrpc_code) == (-32602, -32003)
    # The vendor's spelling, kept on purpose.
    assert CATALOGUE["batch_opreations_not_supported"].jsonrpc_code == -32099


def test_message_fills_the_template() -> None:
    limit = CATALOGUE["limit_exceeded"]
    assert limit.message({"limit_type": "day", "limit_max_value": 1000}) == (
        "Limit per day has been exceeded. Value of current limit per day is 1000"
    )
    assert CATALOGUE["forbidden"].message() == "Permission denied"


def test_by_reason() -> None:
    assert by_reason("IP_NOT_WHITELISTED") is CATALOGUE["ip_not_whitelisted"]
    assert by_reason("NOT_A_REASON") is None
    assert by_reason("") is None
