"""Where a maximal campaign's time goes, phase by phase, in one process: no stack, no database.

    python bench/maximal_phases.py [--repeat 30]

The maximal campaign of bench/create_paths.py (30 groups of 50 conditions) taken
through what the gateway and the service do with it per condition, each phase
timed alone (best of --repeat): reading the JSON (gateway/jsonwire.py), filling
the request message (gateway/translate.py), the message to bytes and back (the
gRPC hop of a split stack), the walk of its parameter table (service/walk.py)
and its conditions' document (service/condition_documents.py). Each is printed
in ms and as a share of their sum: what an A/B of a change to one of them moves,
without the stack's noise around it. Storage is bench/create_paths.py's part.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from campaigns.v1 import campaign_service_pb2 as spb

from bench.create_paths import maximal
from gateway import jsonwire, translate
from service import param_tables, walk
from service.condition_documents import to_document


def best_ms(work: Callable[[], Any], repeat: int) -> float:
    fastest = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="3 repeats: a smoke test (CI)")
    args = parser.parse_args()
    repeat = 3 if args.quick else args.repeat
    body = maximal("=")
    params = {key: value for key, value in orjson.loads(body)["params"].items() if key != "access_token"}

    def fill() -> spb.CreateCampaignRequest:
        message = spb.CreateCampaignRequest()
        translation = translate.to_message(params, message)
        assert not translation.count, "the maximal campaign must fill without faults"
        return message

    message = fill()
    wire = message.SerializeToString()
    table = param_tables.of(message)
    walk.check_structure(message, table)  # raises if the campaign is not a valid one
    phases = {
        "read the JSON (jsonwire.loads)": lambda: jsonwire.loads(body),
        "fill the request (translate.to_message)": fill,
        "to bytes and back (the gRPC hop)": lambda: spb.CreateCampaignRequest.FromString(message.SerializeToString()),
        "walk (walk.check_structure)": lambda: walk.check_structure(message, table),
        "the conditions' document (to_document)": lambda: to_document(message.campaign_conditions),
    }
    times = {name: best_ms(work, repeat) for name, work in phases.items()}
    total = sum(times.values())
    for name, ms in times.items():
        print(f"{name:<44} {ms:6.2f} ms   {ms / total:5.1%}")
    print(f"==> the maximal campaign's phases in process: {total:.2f} ms ({len(wire):,} bytes on the wire)")


if __name__ == "__main__":
    main()
