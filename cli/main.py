"""campaigns: run the gRPC service, the JSON-RPC gateway, or both; load the demo data; migrate.

Every flag has an environment twin CAMPAIGNS_<FLAG> (--grpc-port: CAMPAIGNS_GRPC_PORT); the flag wins.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from cli.flags import Flag, add_flags, build, flags_of
from cli.mistakes import ConfigError
from cli.ports import check_free, listening_socket, reason
from cli.settings import CommandSettings
from gateway.settings import GatewaySettings
from service.config import ServiceSettings

SERVICE = flags_of(ServiceSettings)
HOST = flags_of(ServiceSettings, only={"host"})
DATABASE = flags_of(ServiceSettings, only={"database_url"})
GATEWAY = flags_of(GatewaySettings, leave_out={"target"})
TARGET = flags_of(GatewaySettings, only={"target"})
(LOG_LEVEL,) = flags_of(CommandSettings, only={"log_level"})
(HTTP_PORT,) = flags_of(CommandSettings, only={"http_port"})
(METRICS_PORT,) = flags_of(CommandSettings, only={"metrics_port"})

Environ = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Command:
    help: str
    flags: tuple[Flag, ...]
    run: Callable[[argparse.Namespace, Environ], None]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"{message} (see {self.prog} --help)")


def _serve(args: argparse.Namespace, environ: Environ) -> None:
    service = build(ServiceSettings, SERVICE, args, environ)
    gateway = build(GatewaySettings, GATEWAY, args, environ)
    http_port = HTTP_PORT.read(args.http_port, environ)
    metrics_port = METRICS_PORT.read(args.metrics_port, environ)
    _configure_logs(args, environ, service=True, gateway=True)
    http = listening_socket(service.host, http_port, HTTP_PORT.name)
    check_free(service.host, service.grpc_port, "--grpc-port")
    _serve_metrics(service.host, metrics_port)
    from cli.together import serve_together

    with _database_mistakes():
        serve_together(service, http=http, http_port=http_port, gateway=gateway)


def _serve_grpc(args: argparse.Namespace, environ: Environ) -> None:
    service = build(ServiceSettings, SERVICE, args, environ)
    metrics_port = METRICS_PORT.read(args.metrics_port, environ)
    _configure_logs(args, environ, service=True)
    check_free(service.host, service.grpc_port, "--grpc-port")
    _serve_metrics(service.host, metrics_port)
    from service.server import serve

    with _database_mistakes():
        asyncio.run(serve(service))


def _serve_gateway(args: argparse.Namespace, environ: Environ) -> None:
    """Imports nothing of the service but its settings: no SQLAlchemy (tests/cli/test_imports.py)."""
    (host,) = (flag.read(args.host, environ) for flag in HOST)
    gateway = build(GatewaySettings, GATEWAY + TARGET, args, environ)
    http_port = HTTP_PORT.read(args.http_port, environ)
    _configure_logs(args, environ, gateway=True)
    http = listening_socket(host, http_port, HTTP_PORT.name)
    from gateway.run import serve_gateway

    serve_gateway(host=host, port=http_port, target=gateway.target, settings=gateway, sockets=[http])


def _load_demo(args: argparse.Namespace, environ: Environ) -> None:
    (url,) = (flag.read(args.database_url, environ) for flag in DATABASE)
    _configure_logs(args, environ, service=True)
    from service.demo import load_demo
    from service.storage import Storage

    async def load() -> int:
        storage = await Storage.open(url)
        try:
            return await load_demo(storage)
        finally:
            await storage.close()

    with _database_mistakes():
        inserted = asyncio.run(load())
    print(f"demo data loaded ({inserted} rows inserted)")


def _migrate(args: argparse.Namespace, environ: Environ) -> None:
    (url,) = (flag.read(args.database_url, environ) for flag in DATABASE)
    _configure_logs(args, environ, service=True)
    from service.storage import Storage

    async def migrate() -> None:
        storage = await Storage.open(url)
        await storage.close()

    with _database_mistakes():
        asyncio.run(migrate())
    print("schema up to date")


COMMANDS: Mapping[str, Command] = {
    "serve": Command(
        "run the gRPC service and the JSON-RPC gateway together", (*SERVICE, HTTP_PORT, METRICS_PORT, *GATEWAY), _serve
    ),
    "serve-grpc": Command("run the gRPC service alone", (*SERVICE, METRICS_PORT), _serve_grpc),
    "serve-gateway": Command(
        "run the JSON-RPC gateway alone, in front of the service at --target",
        (*HOST, HTTP_PORT, *TARGET, *GATEWAY),
        _serve_gateway,
    ),
    "load-demo": Command("load the demo data set (idempotent) and exit", DATABASE, _load_demo),
    "migrate": Command("bring the database schema up to date and exit", DATABASE, _migrate),
}


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="campaigns", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_flags(top, (LOG_LEVEL,))
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        add_flags(commands.add_parser(name, help=command.help, description=command.help), command.flags)
    return top


def _configure_logs(
    args: argparse.Namespace, environ: Environ, *, service: bool = False, gateway: bool = False
) -> None:
    """JSON lines on stderr, with the request id of whichever half the line is from."""
    level = LOG_LEVEL.read(args.log_level, environ)
    from service.logs import configure

    request_ids = []
    if service:
        from service.server import request_id as service_request_id

        request_ids.append(service_request_id)
    if gateway:
        from gateway.request_ids import request_id as gateway_request_id

        request_ids.append(gateway_request_id)
    configure(level, request_ids)


def _serve_metrics(host: str, port: int) -> None:
    if port:
        from service.metrics import serve_metrics

        try:
            serve_metrics(host, port)
        except OSError as error:
            raise ConfigError(f"cannot listen on {host}:{port} ({METRICS_PORT.name}): {reason(error)}") from None


@contextlib.contextmanager
def _database_mistakes() -> Iterator[None]:
    """The database the URL names cannot be used: the storage layer's one line, with the flag to fix."""
    from service.storage.unusable import DatabaseUnusable

    try:
        yield
    except DatabaseUnusable as error:
        raise ConfigError(f"{DATABASE[0].name}: {error}") from None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        COMMANDS[args.command].run(args, os.environ)
    except KeyboardInterrupt:
        return 130
    except ConfigError as error:
        print(f"campaigns: {error}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as error:
        print(f"campaigns: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
