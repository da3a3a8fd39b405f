"""Directory files (contract/directory_files.py): the proto JSON mapping, with a few kindnesses for
hand-written YAML, and the path of the first bad field when a file is not a directory."""

from __future__ import annotations

import json

import pytest
from campaigns.admin.v1 import directory_pb2 as dpb

from contract.directory_files import DirectoryFileError, read_directory
from contract.directory_files import directory_yaml as write_yaml

HAND_WRITTEN = """
accounts:
  - app_id: 2000
    name: Acme
    state: blocked                 # short enum name
    campaign_quota: 5
    point_limits: {day: 10, minute: 1}
    users:
      - login: acme
        tokens:
          - token: tok_acme
            expires_at: 2027-01-01T00:00:00Z   # a YAML date-time
    phone_numbers:
      - {id: 2021, number: 74990002021, type: call_tracking}   # a bare number for a string
number_stock:
  - {id: 2901, number: "74959002901", category: bronze, monthly_charge: 600}
"""


def test_a_hand_written_yaml_file() -> None:
    directory = read_directory(HAND_WRITTEN, filename="acme.yaml")

    (account,) = directory.accounts
    assert (account.app_id, account.name, account.state) == (2000, "Acme", dpb.ACCOUNT_STATE_BLOCKED)
    assert account.HasField("campaign_quota") and account.campaign_quota == 5
    assert not account.HasField("virtual_number_quota")
    assert (account.point_limits.day, account.point_limits.minute) == (10, 1)
    assert account.users[0].tokens[0].expires_at.seconds == 1_798_761_600
    assert (account.phone_numbers[0].number, account.phone_numbers[0].type) == (
        "74990002021",
        dpb.PHONE_NUMBER_TYPE_CALL_TRACKING,
    )
    assert directory.number_stock[0].monthly_charge == 600.0


def test_json_in_the_proto_mapping_with_camel_case_and_full_enum_names() -> None:
    text = json.dumps(
        {
            "accounts": [
                {
                    "appId": "2000",
                    "name": "Acme",
                    "state": "ACCOUNT_STATE_DISABLED",
                    "allowedIps": ["10.0.0.0/8"],
                    "redirectionNumbers": [{"id": 1, "number": "74990002031"}],
                }
            ],
            "numberStock": [],
        }
    )

    directory = read_directory(text, filename="acme.json")

    assert directory.accounts[0].app_id == 2000
    assert directory.accounts[0].state == dpb.ACCOUNT_STATE_DISABLED
    assert list(directory.accounts[0].allowed_ips) == ["10.0.0.0/8"]


def test_what_is_written_reads_back_the_same() -> None:
    directory = read_directory(HAND_WRITTEN)

    text = write_yaml(directory)

    assert read_directory(text) == directory
    assert "app_id: 2000" in text  # numbers as numbers, not the mapping's int64 strings
    assert "state: ACCOUNT_STATE_BLOCKED" in text


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        pytest.param(
            "accounts: [{app_id: 1, users: [{logn: x}]}]", "accounts[0].users[0].logn", "no field", id="field"
        ),
        pytest.param(
            "accounts: [{app_id: 1, state: sleepy}]", "accounts[0].state", "active, disabled, blocked", id="enum"
        ),
        pytest.param("accounts: [{app_id: one}]", "accounts[0].app_id", "integer", id="integer"),
        pytest.param("accounts: [{app_id: 1.5}]", "accounts[0].app_id", "integer", id="fraction"),
        pytest.param("accounts: [{app_id: 99999999999999999999}]", "accounts[0].app_id", "64 bits", id="too-big"),
        pytest.param(
            "accounts: [{app_id: 1, campaign_quota: 3000000000}]", "accounts[0].campaign_quota", "32 bits", id="int32"
        ),
        pytest.param("accounts: {app_id: 1}", "accounts", "list", id="not-a-list"),
        pytest.param("accounts: [7]", "accounts[0]", "mapping", id="not-a-mapping"),
        pytest.param("accounts: [{app_id: 1, name: [x]}]", "accounts[0].name", "string", id="string"),
        pytest.param(
            "accounts: [{app_id: 1, users: [{read_only: 'yes'}]}]",
            "accounts[0].users[0].read_only",
            "true or false",
            id="bool",
        ),
        pytest.param(
            "accounts: [{app_id: 1, users: [{id: 2, tokens: [{token: t, expires_at: soon}]}]}]",
            "accounts[0].users[0].tokens[0].expires_at",
            "RFC 3339",
            id="timestamp",
        ),
        pytest.param("accounts: [{app_id: 1, appId: 2}]", "accounts[0].app_id", "twice", id="twice"),
        pytest.param("- just a list", "", "mapping", id="top-level"),
        pytest.param("accounts: [", "", "not YAML", id="yaml-syntax"),
    ],
)
def test_a_file_that_is_not_a_directory_names_its_first_bad_field(text: str, path: str, words: str) -> None:
    with pytest.raises(DirectoryFileError) as caught:
        read_directory(text)

    assert caught.value.path == path
    assert words in str(caught.value)


def test_bad_json_is_named_as_such() -> None:
    with pytest.raises(DirectoryFileError, match="not JSON"):
        read_directory("{", filename="d.json")


def test_an_empty_file_is_an_empty_directory() -> None:
    assert read_directory("") == dpb.Directory()
