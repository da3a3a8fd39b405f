"""Regenerate gen/ from proto/ with grpcio-tools and mypy-protobuf.

    python scripts/gen_proto.py            # rewrite gen/
    python scripts/gen_proto.py --check    # exit 1 when gen/ is stale

The one way gen/ is produced; CI runs it with --check.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO = ROOT / "proto"
GEN = ROOT / "gen"
# The descriptors with their comments: the generated modules carry no source info, and the OpenRPC
# document (contract/openrpc.py) takes its descriptions from the proto comments.
DESCRIPTOR_SET = Path("campaigns") / "descriptor_set.binpb"


def generate(out: Path) -> None:
    import grpc_tools

    protos = sorted(str(p.relative_to(PROTO)) for p in PROTO.rglob("*.proto"))
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    # protoc finds the mypy plugins on PATH: put this interpreter's scripts first.
    env = dict(os.environ)
    env["PATH"] = sysconfig.get_path("scripts") + os.pathsep + env.get("PATH", "")
    (out / DESCRIPTOR_SET).parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{PROTO}",
            f"-I{well_known}",
            f"--python_out={out}",
            f"--grpc_python_out={out}",
            f"--mypy_out={out}",
            f"--mypy_grpc_out={out}",
            f"--descriptor_set_out={out / DESCRIPTOR_SET}",
            "--include_source_info",
            *protos,
        ],
        check=True,
        cwd=PROTO,
        env=env,
    )
    packages = {p.parent for p in out.rglob("*.py")}
    for package in packages:
        while package != out:
            init = package / "__init__.py"
            if not init.exists():
                init.write_text("")
            package = package.parent


def differences(a: Path, b: Path) -> list[str]:
    found: list[str] = []
    names_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    names_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    for name in sorted(names_a ^ names_b):
        found.append(f"only in one tree: {name}")
    for name in sorted(names_a & names_b):
        if not filecmp.cmp(a / name, b / name, shallow=False):
            found.append(f"differs: {name}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when gen/ is stale")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "gen"
        fresh.mkdir()
        generate(fresh)
        if args.check:
            stale = differences(fresh, GEN)
            for line in stale:
                print(f"gen/ is stale, {line}", file=sys.stderr)
            if stale:
                print("run: python scripts/gen_proto.py", file=sys.stderr)
                return 1
            print("gen/ is up to date")
            return 0
        if GEN.exists():
            shutil.rmtree(GEN)
        shutil.copytree(fresh, GEN)
    print("regenerated gen/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
