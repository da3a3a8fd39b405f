"""TLS flags that do not go together, and files that cannot be used, end the command at once with one line.

The checks run before anything is served (cli/serving.py), so the table calls the command's `main` in
this process, with whatever comes after the checks replaced by a failure; one case runs the installed
command, for the exit code and the line as an operator sees them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from cli import main as command
from cli import serving
from tests.cli.commands import run
from tests.tls_certificates import Certificates


def _past_the_checks(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the command went past its checks")


def _encrypted_key(certificates: Certificates, folder: Path) -> Path:
    """The server's key, encrypted with a passphrase."""
    key = serialization.load_pem_private_key(certificates.server.key.read_bytes(), password=None)
    path = folder / "encrypted.key"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    return path


def test_tls_mistakes_are_one_line_each(
    certificates: Certificates,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cert, key = str(certificates.server.cert), str(certificates.server.key)
    ca, other_key = str(certificates.ca), str(certificates.client.key)
    client = ["--target-cert", str(certificates.client.cert), "--target-key", other_key]
    missing = str(tmp_path / "missing.pem")
    encrypted = str(_encrypted_key(certificates, tmp_path))
    cases: list[tuple[list[str], dict[str, str], tuple[str, ...]]] = [
        # argv, environment, words of the one line
        (["serve-grpc", "--tls-cert", cert], {}, ("--tls-cert and --tls-key go together",)),
        (["serve-grpc"], {"CAMPAIGNS_TLS_KEY": key}, ("--tls-cert and --tls-key go together",)),
        (["serve-grpc", "--tls-client-ca", ca], {}, ("--tls-client-ca needs --tls-cert and --tls-key",)),
        (["serve-grpc", "--tls-cert", key, "--tls-key", key], {}, ("--tls-cert:", key, "holds no PEM certificate")),
        (
            ["serve-grpc", "--tls-cert", cert, "--tls-key", other_key],
            {},
            ("--tls-key:", other_key, "is not the key of the certificate in --tls-cert"),
        ),
        (["serve-grpc", "--tls-cert", cert, "--tls-key", encrypted], {}, ("--tls-key:", "is encrypted")),
        (
            ["serve-grpc", "--tls-cert", cert, "--tls-key", key, "--tls-client-ca", missing],
            {},
            ("--tls-client-ca: cannot read", missing, "no such file"),
        ),
        (["serve-gateway", "--tls-cert", cert, "--tls-key", cert], {}, ("--tls-key:", "holds no PEM private key")),
        (["serve-gateway", "--target-cert", cert], {}, ("--target-cert and --target-key go together",)),
        (["serve-gateway", *client], {}, ("--target-cert needs --target-ca",)),
        (["serve-gateway", "--target-name", "localhost"], {}, ("--target-name needs --target-ca",)),
        (["serve-gateway", "--target-ca", key], {}, ("--target-ca:", "holds no PEM certificate")),
        (["serve", "--tls-cert", cert, "--tls-key", key], {}, ("--tls-cert needs --target-ca in `serve`",)),
        (
            ["serve", "--tls-cert", cert, "--tls-key", key, "--tls-client-ca", ca, "--target-ca", ca],
            {},
            ("--tls-client-ca needs --target-cert and --target-key in `serve`",),
        ),
        (["serve", "--target-ca", ca], {}, ("--target-ca: the service of `serve` serves plaintext",)),
    ]
    monkeypatch.setattr(serving, "configure_logs", _past_the_checks)
    for prefix in ("CAMPAIGNS_TLS_", "CAMPAIGNS_TARGET"):
        for name in [name for name in os.environ if name.startswith(prefix)]:
            monkeypatch.delenv(name)
    for argv, environ, words in cases:
        with monkeypatch.context() as patch:
            for name, value in environ.items():
                patch.setenv(name, value)
            code = command.main(argv)
        stderr = capsys.readouterr().err
        assert code == 2, f"{argv}: exit code {code}\n{stderr}"
        lines = stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("campaigns: "), f"{argv}:\n{stderr}"
        for word in words:
            assert word in lines[0], f"{argv}: {word!r} not in {lines[0]!r}"


def test_the_installed_command_refuses_a_key_that_is_not_the_certificates(certificates: Certificates) -> None:
    finished = run(
        ["serve-grpc", "--grpc-port", "0", "--tls-cert", str(certificates.server.cert)],
        {"CAMPAIGNS_TLS_KEY": str(certificates.client.key)},
    )
    assert finished.code == 2, finished.stderr
    assert finished.stderr.splitlines() == [
        f"campaigns: --tls-key: {certificates.client.key} is not the key of the certificate in --tls-cert "
        f"({certificates.server.cert})"
    ]
