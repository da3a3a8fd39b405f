"""`campaigns apply|export --target` and `campaigns admin ...` against a real service on a loopback port.

The service is `campaigns serve-grpc --admin-token ...` in a child process on a SQLite database; every
command is the installed `campaigns` in another. A token issue-token prints works on the public
CampaignService until revoke-token; an account set-account-state switches off refuses its users.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import grpc
import pytest
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import campaign_service_pb2_grpc as spb_grpc
from google.rpc import error_details_pb2  # type: ignore[import-untyped,unused-ignore]
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from contract.directory_files import read_directory
from tests.cli.commands import CAMPAIGNS, Finished, environment, run
from tests.system.processes import free_port, log_tail

ADMIN_TOKEN: Final = "cli-admin-token"
STARTS_WITHIN: Final = 30.0
DIRECTORY: Final = """\
accounts:
- app_id: 7200
  name: Operated Shop
  components: [call_tracking, va, dynamic_call_tracking]
  users:
  - id: 7201
    login: operated
  - id: 7202
    login: operated-reader
    read_only: true
- app_id: 7300
  name: Switched Shop
  components: [call_tracking]
  users:
  - id: 7301
"""


@dataclass(frozen=True)
class Service:
    target: str
    log: Path


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("admin-service")
    port = free_port()
    log = folder / "service.log"
    argv = [str(CAMPAIGNS), "--log-level", "WARNING", "serve-grpc", "--grpc-port", str(port)]
    argv += ["--database-url", f"sqlite:///{folder}/campaigns.db", "--admin-token", ADMIN_TOKEN]
    with log.open("wb") as output:
        process = subprocess.Popen(argv, env=environment(), stdin=subprocess.DEVNULL, stdout=output, stderr=output)
    try:
        _wait_serving(f"127.0.0.1:{port}", process, log)
        yield Service(f"127.0.0.1:{port}", log)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_serving(target: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTS_WITHIN
    with grpc.insecure_channel(target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            assert process.poll() is None, f"the service exited while starting:\n{log_tail(log)}"
            try:
                if (
                    health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                    == health_pb2.HealthCheckResponse.SERVING
                ):
                    return
            except grpc.RpcError:
                time.sleep(0.1)
    raise AssertionError(f"the service was not serving within {STARTS_WITHIN}s:\n{log_tail(log)}")


def admin(service: Service, *argv: str, token: str = ADMIN_TOKEN) -> Finished:
    return run(["--log-level", "WARNING", *argv, "--target", service.target], env={"CAMPAIGNS_ADMIN_TOKEN": token})


@pytest.fixture(scope="module")
def applied(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Service:
    file = tmp_path_factory.mktemp("directory") / "directory.yaml"
    file.write_text(DIRECTORY, encoding="utf-8")
    first = admin(service, "apply", str(file))
    assert first.code == 0, first.stderr
    assert first.stdout.splitlines() == [
        "created account 7200",
        "created user 7201",
        "created user 7202",
        "created account 7300",
        "created user 7301",
        "5 created, 0 updated, 0 unchanged",
    ]
    again = admin(service, "apply", str(file))
    assert again.code == 0, again.stderr
    assert again.stdout.splitlines() == ["0 created, 0 updated, 5 unchanged"]
    return service


def _reason(error: grpc.RpcError) -> str:
    assert isinstance(error, grpc.Call)
    status = rpc_status.from_call(error)
    assert status is not None, error
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        if detail.Is(info.DESCRIPTOR) and detail.Unpack(info):
            return str(info.reason)
    raise AssertionError(f"no ErrorInfo in {error}")


def get_campaigns(service: Service, token: str) -> str:
    """ "ok", or the reason the public service refused the token's call."""
    with grpc.insecure_channel(service.target) as channel:
        try:
            spb_grpc.CampaignServiceStub(channel).GetCampaigns(
                spb.GetCampaignsRequest(), metadata=(("authorization", f"Bearer {token}"),), timeout=10
            )
        except grpc.RpcError as error:
            return _reason(error)
    return "ok"


def _issued(finished: Finished) -> dict[str, str]:
    assert finished.code == 0, finished.stderr
    fields = dict(line.split(": ", 1) for line in finished.stdout.splitlines() if not line.startswith("#"))
    assert "shown this once" in finished.stdout, finished.stdout
    return fields


def test_apply_and_export_through_the_service(applied: Service, tmp_path: Path) -> None:
    exported = admin(applied, "export", "--app-id", "7200")
    assert exported.code == 0, exported.stderr
    directory = read_directory(exported.stdout)
    assert [account.app_id for account in directory.accounts] == [7200]
    assert [user.login for user in directory.accounts[0].users] == ["operated", "operated-reader"]

    file = tmp_path / "export.yaml"
    file.write_text(exported.stdout, encoding="utf-8")
    again = admin(applied, "apply", str(file))
    assert again.code == 0, again.stderr
    assert again.stdout.splitlines()[-1].startswith("0 created, 0 updated, ")

    missing = admin(applied, "export", "--app-id", "7999")
    assert missing.code == 1
    assert missing.stderr.strip() == "campaigns: app_id: no account 7999"


def test_a_file_the_service_refuses_exits_1_with_every_path(applied: Service, tmp_path: Path) -> None:
    before = admin(applied, "export").stdout
    bad = DIRECTORY.replace("  - id: 7301\n", "  - id: 7301\n    login: operated\n  - id: -1\n")
    file = tmp_path / "bad.yaml"
    file.write_text(bad, encoding="utf-8")
    refused = admin(applied, "apply", str(file))
    assert refused.code == 1, refused.stderr
    lines = refused.stderr.splitlines()
    assert lines[0].startswith(f"campaigns: {file}: accounts[1].users[0].login: "), refused.stderr
    assert [line.split(":")[0] for line in lines[1:]] == ["  accounts[1].users[0].login", "  accounts[1].users[1].id"]
    assert admin(applied, "export").stdout == before


def test_an_issued_token_works_until_it_is_revoked(applied: Service) -> None:
    issued = _issued(admin(applied, "admin", "issue-token", "--user-id", "7201"))
    assert issued["user_id"] == "7201" and issued["expires_at"] == "never"
    assert len(issued["token_id"]) == 64
    assert get_campaigns(applied, issued["token"]) == "ok"

    revoked = admin(applied, "admin", "revoke-token", "--token-id", issued["token_id"])
    assert revoked.code == 0, revoked.stderr
    assert revoked.stdout.strip() == "token revoked (it was user 7201's)"
    assert get_campaigns(applied, issued["token"]) == "ACCESS_TOKEN_INVALID"

    again = admin(applied, "admin", "revoke-token", "--token-id", issued["token_id"])
    assert again.code == 1
    assert again.stderr.strip() == "campaigns: token_id: no such token"


def test_a_token_revoked_by_its_secret_and_one_that_expires(applied: Service) -> None:
    issued = _issued(
        admin(applied, "admin", "issue-token", "--user-id", "7202", "--expires-at", "2099-01-01T00:00:00Z")
    )
    assert issued["expires_at"] == "2099-01-01T00:00:00Z"
    assert get_campaigns(applied, issued["token"]) == "ok"
    assert admin(applied, "admin", "revoke-token", "--token", issued["token"]).code == 0
    assert get_campaigns(applied, issued["token"]) == "ACCESS_TOKEN_INVALID"

    past = admin(applied, "admin", "issue-token", "--user-id", "7202", "--expires-at", "2001-01-01T00:00:00Z")
    assert past.code == 1
    assert past.stderr.strip() == "campaigns: expires_at: must be in the future"
    nobody = admin(applied, "admin", "issue-token", "--user-id", "7999")
    assert nobody.code == 1
    assert nobody.stderr.strip() == "campaigns: user_id: no user or agent 7999"


def test_an_account_switched_off_and_on(applied: Service) -> None:
    token = _issued(admin(applied, "admin", "issue-token", "--user-id", "7301"))["token"]
    assert get_campaigns(applied, token) == "ok"

    off = admin(applied, "admin", "set-account-state", "--app-id", "7300", "--state", "disabled")
    assert off.code == 0, off.stderr
    assert off.stdout.strip() == "account 7300: active -> disabled"
    assert get_campaigns(applied, token) == "ACCOUNT_INACTIVE"

    blocked = admin(applied, "admin", "set-account-state", "--app-id", "7300", "--state", "BLOCKED")
    assert blocked.stdout.strip() == "account 7300: disabled -> blocked"
    on = admin(applied, "admin", "set-account-state", "--app-id", "7300", "--state", "active")
    assert on.stdout.strip() == "account 7300: blocked -> active"
    assert get_campaigns(applied, token) == "ok"

    missing = admin(applied, "admin", "set-account-state", "--app-id", "7999", "--state", "active")
    assert missing.code == 1
    assert missing.stderr.strip() == "campaigns: app_id: no account 7999"


# Every call needs the admin token the service was started with.
CALLS: Final = {
    "apply": ["apply", "-"],
    "export": ["export"],
    "issue-token": ["admin", "issue-token", "--user-id", "7201"],
    "revoke-token": ["admin", "revoke-token", "--token", "x"],
    "set-account-state": ["admin", "set-account-state", "--app-id", "7300", "--state", "blocked"],
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_wrong_admin_token_is_one_line(service: Service, call: str) -> None:
    refused = admin(service, *CALLS[call], token="not-the-admin-token")
    assert refused.code == 2, refused.stderr
    assert refused.stderr.splitlines() == [
        f"campaigns: --admin-token: the service at {service.target} refused it: not the admin token"
    ]
    assert refused.stdout == ""


@pytest.mark.parametrize("call", sorted(CALLS))
def test_without_an_admin_token_nothing_is_called(service: Service, call: str) -> None:
    finished = run([*CALLS[call], "--target", service.target])
    assert finished.code == 2
    assert finished.stderr.splitlines() == [
        f"campaigns: --admin-token (or CAMPAIGNS_ADMIN_TOKEN) is needed: the admin token the service at "
        f"{service.target} was started with"
    ]


def test_no_service_at_the_target() -> None:
    target = f"127.0.0.1:{free_port()}"
    finished = run(["admin", "issue-token", "--user-id", "1", "--target", target, "--admin-token", ADMIN_TOKEN])
    assert finished.code == 2
    (line,) = finished.stderr.splitlines()
    assert line.startswith(f"campaigns: --target: no service answers at {target} ("), line
