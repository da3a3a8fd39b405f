"""What the gateway's hardened HTTP protocol costs against uvicorn's own httptools protocol.

    python bench/http_edge.py [--seconds 5] [--rounds 3]

Runs the gateway app twice, as separate processes and with nothing behind it, one with
gateway/protocol.py's protocol (head deadline and cap, upgrade offers ignored, graceful
close) and one with uvicorn's plain HttpToolsProtocol. wrk posts an envelope the gateway
answers on its own (method_not_found), so only the HTTP edge and the envelope are measured,
at concurrency 16, in alternating rounds. Prints each round and the median ratio
(hardened / plain throughput; 1.00 is no cost).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import free_port, process, report, skip_warm_ups, wait_for_port, warm_up, wrk

BODY = b'{"jsonrpc":"2.0","id":1,"method":"no.such","params":{}}'

_SERVE = """
import sys, uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from gateway.run import uvicorn_config
from gateway.settings import GatewaySettings
port, kind = int(sys.argv[1]), sys.argv[2]
config = uvicorn_config(host="127.0.0.1", port=port, target="127.0.0.1:1", settings=GatewaySettings())
if kind == "plain":
    config.http = HttpToolsProtocol
uvicorn.Server(config).run()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one short round: a smoke test (CI), not a figure")
    args = parser.parse_args()
    skip_warm_ups(args.quick)
    if args.quick:
        args.seconds, args.rounds = 1, 1
    ports = {"hardened": free_port(), "plain": free_port()}
    with (
        process(sys.executable, "-c", _SERVE, str(ports["hardened"]), "hardened"),
        process(sys.executable, "-c", _SERVE, str(ports["plain"]), "plain"),
    ):
        for port in ports.values():
            wait_for_port(port)
        ratios: list[float] = []
        for round_ in range(1, args.rounds + 1):
            results = {}
            for kind, port in ports.items():
                url = f"http://127.0.0.1:{port}/v2.0"
                warm_up(url, BODY, connections=16)
                results[kind] = wrk(url, BODY, connections=16, seconds=args.seconds)
                report(f"round {round_}: {kind}, c=16", results[kind])
            ratios.append(results["hardened"].requests_per_second / results["plain"].requests_per_second)
        print(f"hardened / plain throughput, median of {args.rounds} rounds: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
