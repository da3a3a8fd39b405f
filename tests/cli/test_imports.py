"""The halves stand apart: `serve-gateway` loads no database code, and neither half imports the other."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.cli.commands import environment

ROOT = Path(__file__).resolve().parents[2]

# serve-gateway's whole path up to serving, in a fresh interpreter; the server itself does not start.
# (With --workers above 1 the same path runs in each worker, which the supervisor spawns fresh.)
_SERVE_GATEWAY = """
import sys
import gateway.run

served = []
gateway.run.serve_gateway = lambda **settings: served.append(settings)
from cli.main import main

assert main(["serve-gateway", "--http-port", "0", "--target", "127.0.0.1:1", "--workers", "1"]) == 0
assert served and served[0]["target"] == "127.0.0.1:1", served
print(" ".join(sorted(name for name in sys.modules if name.split(".")[0] in {"sqlalchemy", "alembic", "asyncpg"}
                      or name.startswith("service.storage"))))
"""


def test_serve_gateway_imports_no_sqlalchemy() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SERVE_GATEWAY],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"serve-gateway imported: {done.stdout}"


def _imported(package: str) -> set[str]:
    """The top-level packages the modules of `package` import."""
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_neither_half_imports_the_other_nor_the_command() -> None:
    assert not _imported("service") & {"gateway", "cli"}
    assert not _imported("gateway") & {"service", "cli"}
