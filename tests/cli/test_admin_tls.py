"""`campaigns admin ...` calls a service that requires client certificates, with the gateway's TLS flags.

The service runs in this process (mutual TLS, an admin token); each command is the installed `campaigns`,
run in a thread so that the service goes on answering meanwhile.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.cli.commands import run
from tests.conftest import start_service
from tests.tls_certificates import Certificates

ADMIN_TOKEN = "tls-admin-token"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
async def test_admin_commands_over_mutual_tls(database_url: str, certificates: Certificates) -> None:
    running = await start_service(
        database_url,
        admin_token=ADMIN_TOKEN,
        tls_cert=str(certificates.server.cert),
        tls_key=str(certificates.server.key),
        tls_client_ca=str(certificates.ca),
    )
    target = f"127.0.0.1:{running.port}"
    issue = ["admin", "issue-token", "--user-id", "5001", "--target", target, "--target-ca", str(certificates.ca)]
    client = {
        "CAMPAIGNS_TARGET_CERT": str(certificates.client.cert),
        "CAMPAIGNS_TARGET_KEY": str(certificates.client.key),
    }
    try:
        issued = await asyncio.to_thread(run, issue, {"CAMPAIGNS_ADMIN_TOKEN": ADMIN_TOKEN, **client})
        assert issued.code == 0, issued.stderr
        assert "token: " in issued.stdout, issued.stdout

        refused = await asyncio.to_thread(run, issue, {"CAMPAIGNS_ADMIN_TOKEN": ADMIN_TOKEN})
        assert refused.code == 2, refused.stderr
        (line,) = refused.stderr.splitlines()
        assert line.startswith(f"campaigns: --target: no service answers at {target} ("), line
        assert line.endswith("; check --target-ca, --target-cert and --target-key"), line
    finally:
        await running.stop(grace=0)


def test_tls_flags_are_for_the_target_only(certificates: Certificates) -> None:
    finished = run(["export", "--database-url", "sqlite:///nowhere.db", "--target-ca", str(certificates.ca)])
    assert finished.code == 2
    assert finished.stderr.splitlines() == [
        "campaigns: --target-ca is for --target: straight to the database needs none"
    ]
