"""The `campaigns` command: run the service, the gateway, or both; load the demo data.

Every flag has an environment-variable twin (CAMPAIGNS_<FLAG>), which the flag overrides.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import Any

from service.access import parse_networks
from service.config import DEFAULT_DATABASE_URL, DEFAULT_TRUSTED_PROXIES, ServiceSettings


def _env(name: str, default: str) -> str:
    return os.environ.get(f"CAMPAIGNS_{name}", default)


def _env_flag(name: str) -> bool:
    return _env(name, "").strip().lower() in ("1", "true", "yes", "on")


def _add_service_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--grpc-port", type=int, default=int(_env("GRPC_PORT", "50051")))
    parser.add_argument(
        "--database-url",
        default=_env("DATABASE_URL", DEFAULT_DATABASE_URL),
        help="sqlite:///PATH (default: campaigns.db here) or postgresql://USER@HOST:PORT/DB",
    )
    parser.add_argument("--demo", action="store_true", default=_env_flag("DEMO"), help="load the demo data set")
    parser.add_argument(
        "--trusted-proxies",
        default=_env("TRUSTED_PROXIES", DEFAULT_TRUSTED_PROXIES),
        help="comma-separated networks whose x-forwarded-for is believed",
    )
    parser.add_argument("--max-concurrent-rpcs", type=int, default=int(_env("MAX_CONCURRENT_RPCS", "256")))
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=int(_env("METRICS_PORT", "0")),
        help="serve the service's Prometheus metrics on this port (0: off; `serve` has them at the gateway's /metrics)",
    )
    parser.add_argument(
        "--login-window",
        type=int,
        default=int(_env("LOGIN_WINDOW", "900")),
        help="login.user: seconds of the window failed logins are counted in",
    )
    parser.add_argument(
        "--login-failures-per-login",
        type=int,
        default=int(_env("LOGIN_FAILURES_PER_LOGIN", "10")),
        help="login.user: failures of one login in a window; then its attempts get limit_exceeded",
    )
    parser.add_argument(
        "--login-failures-per-address",
        type=int,
        default=int(_env("LOGIN_FAILURES_PER_ADDRESS", "100")),
        help="login.user: failures from one client address (an IPv6 /64) in a window; then limit_exceeded",
    )


def _add_gateway_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--http-port", type=int, default=int(_env("HTTP_PORT", "8080")))
    parser.add_argument(
        "--body-limit", type=int, default=int(_env("BODY_LIMIT", str(4 * 1024 * 1024))), help="bytes; larger: 413"
    )
    parser.add_argument(
        "--call-timeout", type=float, default=float(_env("CALL_TIMEOUT", "5")), help="seconds per gRPC call"
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=float(_env("REQUEST_TIMEOUT", "10")),
        help="seconds a client has to send its request head, and again its body (then 408)",
    )
    parser.add_argument(
        "--head-limit",
        type=int,
        default=int(_env("HEAD_LIMIT", str(64 * 1024))),
        help="bytes; a larger request head (request line and headers) gets 431",
    )
    parser.add_argument(
        "--forwarded-allow-ips",
        default=_env("FORWARDED_ALLOW_IPS", ""),
        help="comma-separated proxies (addresses or networks) whose X-Forwarded-For the gateway believes; default none",
    )
    parser.add_argument(
        "--max-in-flight",
        type=int,
        default=int(_env("MAX_IN_FLIGHT", "512")),
        help="requests answered at once with internal_error beyond this many in flight",
    )


def gateway_settings(args: argparse.Namespace) -> Any:
    from gateway.app import GatewaySettings

    return GatewaySettings(
        body_limit=args.body_limit,
        call_timeout=args.call_timeout,
        head_timeout=args.request_timeout,
        body_timeout=args.request_timeout,
        max_in_flight=args.max_in_flight,
        head_limit=args.head_limit,
        forwarded_allow_ips=args.forwarded_allow_ips,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="campaigns", description=__doc__)
    parser.add_argument("--log-level", default=_env("LOG_LEVEL", "INFO"))
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the gRPC service and the JSON-RPC gateway together")
    serve_grpc = commands.add_parser("serve-grpc", help="run the gRPC service alone")
    serve_gateway = commands.add_parser("serve-gateway", help="run the JSON-RPC gateway alone")
    load_demo = commands.add_parser("load-demo", help="load the demo data set (idempotent) and exit")
    migrate = commands.add_parser("migrate", help="bring the database schema up to date and exit")
    for sub in (serve, serve_grpc, serve_gateway):
        sub.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    for sub in (serve, serve_grpc):
        _add_service_flags(sub)
    for sub in (serve, serve_gateway):
        _add_gateway_flags(sub)
    serve_gateway.add_argument(
        "--target",
        default=_env("TARGET", "127.0.0.1:50051"),
        help="HOST:PORT of the gRPC service; for several, balanced round robin: ipv4:H:P,H:P or dns:///NAME:PORT",
    )
    for sub in (load_demo, migrate):
        sub.add_argument("--database-url", default=_env("DATABASE_URL", DEFAULT_DATABASE_URL))
    return parser


def service_settings(args: argparse.Namespace) -> ServiceSettings:
    return ServiceSettings(
        host=args.host,
        grpc_port=args.grpc_port,
        database_url=args.database_url,
        demo=args.demo,
        trusted_proxies=tuple(parse_networks(args.trusted_proxies)),
        max_concurrent_rpcs=args.max_concurrent_rpcs,
        login_window_seconds=args.login_window,
        login_failures_per_login=args.login_failures_per_login,
        login_failures_per_address=args.login_failures_per_address,
    )


async def _load_demo(url: str) -> None:
    from service.demo import load_demo
    from service.storage import Storage

    storage = await Storage.open(url)
    try:
        inserted = await load_demo(storage)
    finally:
        await storage.close()
    print(f"demo data loaded ({inserted} rows inserted)")


async def _migrate(url: str) -> None:
    from service.storage import Storage

    storage = await Storage.open(url)
    await storage.close()
    print("schema up to date")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from gateway.app import request_id as gateway_request_id
    from service.logs import configure
    from service.server import request_id as service_request_id

    configure(args.log_level, [service_request_id, gateway_request_id])
    try:
        if getattr(args, "metrics_port", 0):
            from service.metrics import serve_metrics

            serve_metrics(args.host, args.metrics_port)
        if args.command == "serve-grpc":
            from service.server import serve

            asyncio.run(serve(service_settings(args)))
        elif args.command == "serve":
            from service.together import serve_together

            serve_together(service_settings(args), http_port=args.http_port, gateway=gateway_settings(args))
        elif args.command == "serve-gateway":
            from gateway.run import serve_gateway

            serve_gateway(host=args.host, port=args.http_port, target=args.target, settings=gateway_settings(args))
        elif args.command == "load-demo":
            asyncio.run(_load_demo(args.database_url))
        elif args.command == "migrate":
            asyncio.run(_migrate(args.database_url))
    except KeyboardInterrupt:
        return 130
    except (OSError, ValueError) as error:
        print(f"campaigns: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
