"""Write the service's parameter tables down as contract/param_rules.json, for the OpenRPC document.

    python scripts/gen_param_rules.py            # rewrite contract/param_rules.json
    python scripts/gen_param_rules.py --check    # exit 1 when it is stale

The gateway builds the document (contract/openrpc.py) without importing the service, whose tables
need SQLAlchemy; this file carries their facts across, as gen/ carries the proto's. Run it after
changing a table in service/ (rules.py, sites.py, costs.py, weights.py, numbers.py, listing.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "gen")]

from contract.openrpc import PARAM_RULES  # noqa: E402
from service.param_tables import export  # noqa: E402


def render() -> str:
    return json.dumps(export(), indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when the file is stale")
    args = parser.parse_args()
    fresh = render()
    if args.check:
        if not PARAM_RULES.exists() or PARAM_RULES.read_text(encoding="utf-8") != fresh:
            print(f"{PARAM_RULES.relative_to(ROOT)} is stale; run: python scripts/gen_param_rules.py", file=sys.stderr)
            return 1
        print(f"{PARAM_RULES.relative_to(ROOT)} is up to date")
        return 0
    PARAM_RULES.write_text(fresh, encoding="utf-8")
    print(f"wrote {PARAM_RULES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
