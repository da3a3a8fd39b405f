"""Take docs/console.png: the console page (GET /) in headless Chromium, in front of a service and gateway on a
fresh SQLite demo database, after the browser test's steps: get.sites with tok_cust, then a create.campaigns
without site_id, whose answer and point limits the picture shows.

    python scripts/screenshot_console.py                 # writes docs/console.png
    python scripts/screenshot_console.py --out x.png

Needs Debian's chromium and chromium-driver (scripts/test installs them as root). The stack and the browser
are the tests' own (tests/conftest.py, tests/gateway/support_console.py), so the picture is of what they test.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "gen")]

from tests.conftest import start_gateway, start_service, stop_gateway  # noqa: E402
from tests.databases import DatabaseFactory  # noqa: E402
from tests.gateway.support_console import Console, chromium, missing  # noqa: E402

WIDTH, HEIGHT = 1280, 900


def drive(base_url: str, out: Path) -> None:
    with chromium(WIDTH, HEIGHT) as driver:
        console = Console(driver)
        console.open(base_url)
        console.pick("get.sites")
        console.set_token("tok_cust")
        shown = console.send()
        assert shown.status.startswith("result"), shown.status
        console.pick("create.campaigns")
        console.set_token("tok_cust")
        console.set_params('{"name": "Spring sale"}')
        shown = console.send()
        assert "required_parameter_missed" in shown.status, shown.status
        if not driver.save_screenshot(str(out)):
            raise SystemExit(f"the browser did not write {out}")


async def run(out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="console-shot-") as work:
        factory = DatabaseFactory("sqlite", Path(work))
        service = await start_service(await factory.fresh())
        try:
            server, task, port = await start_gateway(f"127.0.0.1:{service.port}")
            try:
                await asyncio.to_thread(drive, f"http://127.0.0.1:{port}", out)
            finally:
                await stop_gateway(server, task)
        finally:
            await service.stop(grace=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "console.png", help="the PNG to write")
    args = parser.parse_args()
    reason = missing()
    if reason is not None:
        print(f"cannot take the screenshot: {reason}", file=sys.stderr)
        return 2
    asyncio.run(run(args.out))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
