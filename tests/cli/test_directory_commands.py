"""`campaigns apply FILE` and `campaigns export`, straight to a SQLite database, as the operator runs them.

Applying prints one line per entry created or updated and the counts; applying again changes nothing.
A file that is refused (not a directory, or one the checks refuse) exits 1 with the path of the bad
field and leaves the database as it was. What export prints parses back and applies with no change.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Final

import pytest
from google.protobuf import json_format

from contract.directory_files import read_directory
from tests.cli.commands import CAMPAIGNS, WITHIN, Finished, environment, run

FIRST: Final = """\
accounts:
- app_id: 7000
  name: First Shop
  components: [call_tracking, va]
  users:
  - id: 7001
    login: first
    password: pw-first
  sites:
  - id: 700
    domain_name: first.example
    blocks:
    - id: 7010
      name: Header
"""
SECOND: Final = """\
accounts:
- app_id: 7100
  name: Second Shop
  users:
  - id: 7101
    login: second
"""
FIRST_CREATED: Final = [
    "created account 7000",
    "created user 7001",
    "created site 700",
    "created site_block 7010",
    "4 created, 0 updated, 0 unchanged",
]


def campaigns(*argv: str, env: dict[str, str] | None = None) -> Finished:
    return run(["--log-level", "WARNING", *argv], env=env or {})


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/campaigns.db"


def _file(tmp_path: Path, text: str, name: str = "directory.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _apply(url: str, file: str, *more: str) -> Finished:
    return campaigns("apply", file, "--database-url", url, *more)


def _export(url: str, *more: str) -> str:
    finished = campaigns("export", "--database-url", url, *more)
    assert finished.code == 0, finished.stderr
    return finished.stdout


def test_apply_prints_each_change_then_applying_again_changes_nothing(tmp_path: Path, url: str) -> None:
    file = _file(tmp_path, FIRST)
    first = _apply(url, file)
    assert first.code == 0, first.stderr
    assert first.stdout.splitlines() == FIRST_CREATED

    again = _apply(url, file)
    assert again.code == 0, again.stderr
    assert again.stdout.splitlines() == ["0 created, 0 updated, 4 unchanged"]

    renamed = _apply(url, _file(tmp_path, FIRST.replace("name: Header", "name: Top"), "renamed.yaml"))
    assert renamed.code == 0, renamed.stderr
    assert renamed.stdout.splitlines() == ["updated site_block 7010", "0 created, 1 updated, 3 unchanged"]


def test_validate_only_prints_what_would_change_and_writes_nothing(tmp_path: Path, url: str) -> None:
    assert _apply(url, _file(tmp_path, SECOND, "second.yaml")).code == 0
    before = _export(url)

    rehearsal = _apply(url, _file(tmp_path, FIRST), "--validate-only")
    assert rehearsal.code == 0, rehearsal.stderr
    assert rehearsal.stdout.splitlines() == [
        line.replace("created ", "would create ") for line in FIRST_CREATED[:-1]
    ] + ["4 created, 0 updated, 0 unchanged (validate only: nothing written)"]
    assert _export(url) == before


# A file read_directory refuses, and one that reads but the directory checks refuse.
BAD: Final = {
    "misspelled-field": (FIRST.replace("login: first", "logn: first"), "accounts[0].users[0].logn"),
    "login-twice": (
        FIRST.replace("    password: pw-first\n", "    password: pw-first\n  - id: 7002\n    login: first\n"),
        "accounts[0].users[1].login",
    ),
    "wrong-type": (FIRST.replace("app_id: 7000", "app_id: [7000]"), "accounts[0].app_id"),
    "bad-state": (FIRST.replace("  name: First Shop\n", "  name: First Shop\n  state: asleep\n"), "accounts[0].state"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_refused_file_exits_1_with_the_path_and_changes_nothing(tmp_path: Path, url: str, name: str) -> None:
    assert _apply(url, _file(tmp_path, SECOND, "second.yaml")).code == 0
    before = _export(url)
    text, path = BAD[name]
    file = _file(tmp_path, text, "bad.yaml")

    for extra in ([], ["--validate-only"]):
        refused = _apply(url, file, *extra)
        assert refused.code == 1, refused.stderr
        assert refused.stdout == ""
        first = refused.stderr.splitlines()[0]
        assert first.startswith(f"campaigns: {file}: {path}: "), refused.stderr
    assert _export(url) == before


def test_every_bad_field_is_listed_after_the_first(tmp_path: Path, url: str) -> None:
    text = FIRST.replace("    password: pw-first\n", "    password: pw-first\n  - id: 7002\n    login: first\n")
    text = text.replace("  - id: 700\n", "  - id: -700\n")
    refused = _apply(url, _file(tmp_path, text))
    assert refused.code == 1
    lines = refused.stderr.splitlines()
    assert lines[0].endswith("(and 1 more)"), refused.stderr
    assert [line.split(":")[0] for line in lines[1:]] == ["  accounts[0].users[1].login", "  accounts[0].sites[0].id"]


def test_a_file_that_cannot_be_read(tmp_path: Path, url: str) -> None:
    missing = str(tmp_path / "missing.yaml")
    refused = _apply(url, missing)
    assert refused.code == 1
    assert refused.stderr.strip() == f"campaigns: {missing}: cannot read it: No such file or directory"


def test_export_parses_back_and_applies_with_no_change(tmp_path: Path, url: str) -> None:
    assert _apply(url, _file(tmp_path, FIRST)).code == 0
    assert _apply(url, _file(tmp_path, SECOND, "second.yaml")).code == 0
    exported = _export(url)
    directory = read_directory(exported, filename="export.yaml")
    assert [account.app_id for account in directory.accounts] == [7000, 7100]
    assert "pw-first" not in exported and "password" not in exported

    again = _apply(url, _file(tmp_path, exported, "export.yaml"))
    assert again.code == 0, again.stderr
    assert again.stdout.splitlines()[-1].startswith("0 created, 0 updated, ")

    # The same directory as a JSON file (the proto JSON mapping).
    as_json = _apply(url, _file(tmp_path, json_format.MessageToJson(directory), "export.json"))
    assert as_json.code == 0, as_json.stderr
    assert as_json.stdout.splitlines()[-1].startswith("0 created, 0 updated, ")
    assert _export(url) == exported


def test_export_of_one_account(tmp_path: Path, url: str) -> None:
    assert _apply(url, _file(tmp_path, FIRST + SECOND.removeprefix("accounts:\n"))).code == 0
    only = read_directory(_export(url, "--app-id", "7100"))
    assert [account.app_id for account in only.accounts] == [7100]
    assert [user.login for user in only.accounts[0].users] == ["second"]

    missing = campaigns("export", "--database-url", url, "--app-id", "7999")
    assert missing.code == 1
    assert missing.stderr.strip() == "campaigns: --app-id: no account 7999"


def test_export_of_an_empty_database_is_an_empty_directory(url: str) -> None:
    assert read_directory(_export(url)) == read_directory("")


def test_apply_reads_standard_input(url: str) -> None:
    done = subprocess.run(
        [str(CAMPAIGNS), "--log-level", "WARNING", "apply", "-", "--database-url", url],
        env=environment(),
        input=json.dumps({"accounts": [{"appId": 7300, "name": "From stdin"}]}),
        capture_output=True,
        text=True,
        timeout=WITHIN,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["created account 7300", "1 created, 0 updated, 0 unchanged"]


# Which way apply and export go is never a guess: a mistake is one line and exit code 2.
WAYS: Final = {
    "both-flags": (["--target", "127.0.0.1:1", "--database-url", "sqlite:///x.db"], {}, "not both"),
    "both-twins": ([], {"CAMPAIGNS_TARGET": "127.0.0.1:1", "CAMPAIGNS_DATABASE_URL": "sqlite:///x.db"}, "both set"),
    "token-without-target": (["--admin-token", "t"], {}, "--admin-token is for --target"),
    "target-without-token": (["--target", "127.0.0.1:1"], {}, "--admin-token (or CAMPAIGNS_ADMIN_TOKEN) is needed"),
}


@pytest.mark.parametrize("command", ["apply", "export"])
@pytest.mark.parametrize("way", sorted(WAYS))
def test_the_way_is_never_a_guess(tmp_path: Path, command: str, way: str) -> None:
    argv, env, words = WAYS[way]
    file = [_file(tmp_path, FIRST)] if command == "apply" else []
    finished = run([command, *file, *argv], env=env, cwd=tmp_path)
    assert finished.code == 2, finished.stderr
    lines = finished.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("campaigns: ") and words in lines[0], finished.stderr
    assert not (tmp_path / "x.db").exists() and not (tmp_path / "campaigns.db").exists()


def test_a_flag_chooses_over_the_other_ways_twin(tmp_path: Path, url: str) -> None:
    finished = _apply(url, _file(tmp_path, SECOND), "--validate-only")
    with_twin = campaigns(
        "apply", _file(tmp_path, SECOND), "--database-url", url, env={"CAMPAIGNS_TARGET": "127.0.0.1:1"}
    )
    assert with_twin.code == 0, with_twin.stderr
    assert with_twin.stdout.splitlines()[-1] == finished.stdout.splitlines()[-1].split(" (")[0]
