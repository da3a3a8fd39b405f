"""The installed `campaigns` command as a subprocess, with no CAMPAIGNS_* settings but those a test gives."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

CAMPAIGNS: Final = Path(sys.executable).parent / "campaigns"
# A configuration mistake is reported at once; a command still running by then is a failure.
WITHIN: Final = 15.0


@dataclass(frozen=True)
class Finished:
    code: int
    stdout: str
    stderr: str
    seconds: float


def environment(extra: Mapping[str, str] = {}) -> dict[str, str]:  # read only
    env = {key: value for key, value in os.environ.items() if not key.startswith("CAMPAIGNS_")}
    # One help line per flag: argparse wraps at $COLUMNS.
    env["COLUMNS"] = "1000"
    env.update(extra)
    return env


def run(argv: Sequence[str], env: Mapping[str, str] = {}, cwd: Path | None = None) -> Finished:
    started = time.monotonic()
    done = subprocess.run(
        [str(CAMPAIGNS), *argv],
        env=environment(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=WITHIN,
        check=False,
    )
    return Finished(done.returncode, done.stdout, done.stderr, time.monotonic() - started)
