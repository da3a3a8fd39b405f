"""campaigns: run the gRPC service, the JSON-RPC gateway, or both; load the demo data; migrate;
apply and export directory files; call a running service's admin API.

Every flag has an environment twin CAMPAIGNS_<FLAG> (--grpc-port: CAMPAIGNS_GRPC_PORT); the flag wins.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from cli import serving
from cli.admin_client import ADMIN, ADMIN_TOKEN, TLS, AdminTarget, admin_target, call
from cli.admin_client import TARGET as ADMIN_TARGET
from cli.arguments import Argument, add_arguments, moment, positive_id
from cli.flags import Flag, add_flags, build, flags_of
from cli.mistakes import ConfigError, Refused
from cli.settings import CommandSettings
from gateway.settings import GatewaySettings
from service.config import ServiceSettings

SERVICE = flags_of(ServiceSettings)
HOST = flags_of(ServiceSettings, only={"host"})
DATABASE = flags_of(ServiceSettings, only={"database_url"})
GATEWAY = flags_of(GatewaySettings, leave_out={"target"})
# `serve` has one --tls-cert and --tls-key, the service's: its two ports present the same certificate.
GATEWAY_OF_SERVE = flags_of(GatewaySettings, leave_out={"target", "target_connections", "tls_cert", "tls_key"})
TARGET = flags_of(GatewaySettings, only={"target"})
(LOG_LEVEL,) = flags_of(CommandSettings, only={"log_level"})
(HTTP_PORT,) = flags_of(CommandSettings, only={"http_port"})
(METRICS_PORT,) = flags_of(CommandSettings, only={"metrics_port"})
(WORKERS,) = flags_of(CommandSettings, only={"workers"})

# apply and export: through the service at --target when it is set, else straight to the database.
VIA = dataclasses.replace(
    ADMIN_TARGET,
    default=None,
    help="go through the admin API of the service at HOST:PORT (with --admin-token), not to the database",
    show=lambda _: "none: straight to --database-url",
)

Environ = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Command:
    help: str
    flags: tuple[Flag, ...]
    run: Callable[[argparse.Namespace, Environ], None]
    # The values of one call (a file, an id): no default, no twin (cli/arguments.py).
    arguments: tuple[Argument, ...] = ()


# A command named with two words ("admin issue-token") is one of a group's: the group's help.
GROUPS: Mapping[str, str] = {
    "admin": "day-to-day calls to the admin API of a running service (at --target, with --admin-token)",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"{message} (see {self.prog} --help)")


def _flags() -> dict[str, str]:
    """The flags a serve command's mistakes are named by."""
    names = {flag.fields[0]: flag.name for flag in (*SERVICE, HTTP_PORT, METRICS_PORT)}
    return {key: names[key] for key in ("http_port", "grpc_port", "metrics_port", "database_url")}


def _exit(status: int) -> None:
    if status:
        raise SystemExit(status)


def _serve(args: argparse.Namespace, environ: Environ) -> None:
    service = build(ServiceSettings, SERVICE, args, environ)
    gateway = build(GatewaySettings, GATEWAY_OF_SERVE, args, environ)
    gateway = dataclasses.replace(gateway, tls_cert=service.tls_cert, tls_key=service.tls_key)
    http_port = HTTP_PORT.read(args.http_port, environ)
    metrics_port = METRICS_PORT.read(args.metrics_port, environ)
    workers = WORKERS.read(args.workers, environ)
    level = LOG_LEVEL.read(args.log_level, environ)
    _exit(
        serving.serve(
            service,
            gateway,
            http_port=http_port,
            metrics_port=metrics_port,
            workers=workers,
            level=level,
            flags=_flags(),
        )
    )


def _serve_grpc(args: argparse.Namespace, environ: Environ) -> None:
    service = build(ServiceSettings, SERVICE, args, environ)
    metrics_port = METRICS_PORT.read(args.metrics_port, environ)
    workers = WORKERS.read(args.workers, environ)
    level = LOG_LEVEL.read(args.log_level, environ)
    _exit(serving.serve_grpc(service, metrics_port=metrics_port, workers=workers, level=level, flags=_flags()))


def _serve_gateway(args: argparse.Namespace, environ: Environ) -> None:
    """Imports nothing of the service but its settings: no SQLAlchemy (tests/cli/test_imports.py)."""
    (host,) = (flag.read(args.host, environ) for flag in HOST)
    gateway = build(GatewaySettings, GATEWAY + TARGET, args, environ)
    http_port = HTTP_PORT.read(args.http_port, environ)
    workers = WORKERS.read(args.workers, environ)
    level = LOG_LEVEL.read(args.log_level, environ)
    _exit(serving.serve_gateway(host, gateway, http_port=http_port, workers=workers, level=level, flags=_flags()))


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


def _directory_way(args: argparse.Namespace, environ: Environ) -> AdminTarget | str:
    """apply and export: the service to go through, or the URL of the database to go straight to."""
    (database,) = DATABASE
    flags = [flag.name for flag in (VIA, database) if getattr(args, flag.dest) is not None]
    twins = [flag.env for flag in (VIA, database) if flag.env in environ]
    if len(flags) == 2:
        raise ConfigError(f"{VIA.name} or {database.name}, not both: through the service, or straight to the database")
    if not flags and len(twins) == 2:
        raise ConfigError(f"{' and '.join(twins)} are both set: say which with {VIA.name} or {database.name}")
    if flags == [VIA.name] or (not flags and twins == [VIA.env]):
        return admin_target(args, environ, str(VIA.read(args.target, environ)))
    for flag in (ADMIN_TOKEN, *TLS):
        if getattr(args, flag.dest) is not None:
            raise ConfigError(f"{flag.name} is for {VIA.name}: straight to the database needs none")
    _configure_logs(args, environ, service=True)
    return str(database.read(args.database_url, environ))


def _apply(args: argparse.Namespace, environ: Environ) -> None:
    from cli.directory import apply_through, apply_to_database, changes_text, read_file

    way = _directory_way(args, environ)
    directory = read_file(args.file)
    try:
        if isinstance(way, AdminTarget):
            changes = apply_through(way, directory, validate_only=args.validate_only)
        else:
            with _database_mistakes():
                changes = asyncio.run(apply_to_database(way, directory, validate_only=args.validate_only))
    except Refused as error:
        # What is refused is the file's: its name first, then the paths in it.
        raise Refused(f"{args.file}: {error}", error.details) from None
    print(changes_text(changes, validate_only=args.validate_only))


def _export(args: argparse.Namespace, environ: Environ) -> None:
    from cli.directory import export_from_database, export_through
    from contract.directory_files import directory_yaml

    way = _directory_way(args, environ)
    if isinstance(way, AdminTarget):
        directory = export_through(way, args.app_id)
    else:
        with _database_mistakes():
            directory = asyncio.run(export_from_database(way, args.app_id))
    sys.stdout.write(directory_yaml(directory))


def _admin(args: argparse.Namespace, environ: Environ) -> AdminTarget:
    return admin_target(args, environ, str(ADMIN_TARGET.read(args.target, environ)))


def _issue_token(args: argparse.Namespace, environ: Environ) -> None:
    from campaigns.admin.v1 import admin_service_pb2 as apb
    from google.protobuf import timestamp_pb2

    expires_at = None if args.expires_at is None else timestamp_pb2.Timestamp(seconds=int(args.expires_at.timestamp()))
    request = apb.IssueTokenRequest(user_id=args.user_id, expires_at=expires_at)
    issued = call(_admin(args, environ), lambda stub: stub.IssueToken, request)
    expires = issued.expires_at.ToJsonString() if issued.HasField("expires_at") else "never"
    print(f"token: {issued.token}")
    print(f"token_id: {issued.token_id}")
    print(f"user_id: {issued.user_id}")
    print(f"expires_at: {expires}")
    print("# The token is shown this once: the service keeps only its token_id (its SHA-256).")
    print(f"# Revoke it with: campaigns admin revoke-token --token-id {issued.token_id}")


def _revoke_token(args: argparse.Namespace, environ: Environ) -> None:
    from campaigns.admin.v1 import admin_service_pb2 as apb

    request = (
        apb.RevokeTokenRequest(token=args.token)
        if args.token is not None
        else apb.RevokeTokenRequest(token_id=args.token_id)
    )
    revoked = call(_admin(args, environ), lambda stub: stub.RevokeToken, request)
    print(f"token revoked (it was user {revoked.user_id}'s)")


def _state(text: str) -> str:
    state = text.strip().lower()
    if state not in ("active", "disabled", "blocked"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a state (active, disabled or blocked)")
    return state


def _set_account_state(args: argparse.Namespace, environ: Environ) -> None:
    from campaigns.admin.v1 import admin_service_pb2 as apb
    from campaigns.admin.v1 import directory_pb2 as dpb

    state = dpb.AccountState.Value(f"ACCOUNT_STATE_{args.state.upper()}")
    request = apb.SetAccountStateRequest(app_id=args.app_id, state=state)
    changed = call(_admin(args, environ), lambda stub: stub.SetAccountState, request)

    def name(value: int) -> str:
        return dpb.AccountState.Name(value).removeprefix("ACCOUNT_STATE_").lower()  # type: ignore[arg-type]

    print(f"account {args.app_id}: {name(changed.previous_state)} -> {name(changed.state)}")


_APP_ID = Argument("--app-id", "the account (app_id)", parse=positive_id, metavar="N")


COMMANDS: Mapping[str, Command] = {
    "serve": Command(
        "run the gRPC service and the JSON-RPC gateway together",
        (*SERVICE, HTTP_PORT, METRICS_PORT, WORKERS, *GATEWAY_OF_SERVE),
        _serve,
    ),
    "serve-grpc": Command("run the gRPC service alone", (*SERVICE, METRICS_PORT, WORKERS), _serve_grpc),
    "serve-gateway": Command(
        "run the JSON-RPC gateway alone, in front of the service at --target",
        (*HOST, HTTP_PORT, *TARGET, WORKERS, *GATEWAY),
        _serve_gateway,
    ),
    "load-demo": Command("load the demo data set (idempotent) and exit", DATABASE, _load_demo),
    "migrate": Command("bring the database schema up to date and exit", DATABASE, _migrate),
    "apply": Command(
        "apply a directory file (JSON or YAML): create or update what it names, all or nothing; print what changed",
        (*DATABASE, VIA, ADMIN_TOKEN, *TLS),
        _apply,
        (
            Argument("file", "the directory file; - for standard input"),
            Argument("--validate-only", "check everything and write nothing; print what would change", is_switch=True),
        ),
    ),
    "export": Command(
        "print the directory (accounts, users, sites, numbers, agents, stock) as YAML, without secrets",
        (*DATABASE, VIA, ADMIN_TOKEN, *TLS),
        _export,
        (dataclasses.replace(_APP_ID, help="only this account (then no agents and no stock)"),),
    ),
    "admin issue-token": Command(
        "issue a token for a user or an agent; its secret is shown once",
        ADMIN,
        _issue_token,
        (
            Argument("--user-id", "the user or agent the token acts as", parse=positive_id, required=True, metavar="N"),
            Argument("--expires-at", "when it expires, e.g. 2027-01-01T00:00:00Z (default: never)", parse=moment),
        ),
    ),
    "admin revoke-token": Command(
        "revoke a token: its next call is refused",
        ADMIN,
        _revoke_token,
        (
            Argument("--token", "the token's secret", one_of="token"),
            Argument("--token-id", "its token_id (64 hex digits, as issue-token printed it)", one_of="token"),
        ),
    ),
    "admin set-account-state": Command(
        "switch an account on or off: only an active account's users may call",
        ADMIN,
        _set_account_state,
        (
            dataclasses.replace(_APP_ID, required=True),
            Argument("--state", "active, disabled or blocked", parse=_state, required=True),
        ),
    ),
}


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="campaigns", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_flags(top, (LOG_LEVEL,))
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, Any] = {}
    for name, command in COMMANDS.items():
        group, _, word = name.rpartition(" ")
        where = commands
        if group:
            if group not in groups:
                about = commands.add_parser(group, help=GROUPS[group], description=GROUPS[group])
                groups[group] = about.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")
            where = groups[group]
        each = where.add_parser(word, help=command.help, description=command.help)
        add_flags(each, command.flags)
        add_arguments(each, command.arguments)
        # The whole name ("admin issue-token"), over the first word the top parser saw.
        each.set_defaults(command=name)
    return top


def _configure_logs(
    args: argparse.Namespace, environ: Environ, *, service: bool = False, gateway: bool = False
) -> None:
    """JSON lines on stderr, with the request id of whichever half the line is from."""
    serving.configure_logs(LOG_LEVEL.read(args.log_level, environ), service=service, gateway=gateway)


def _database_mistakes() -> contextlib.AbstractContextManager[None]:
    """The database the URL names cannot be used: the storage layer's one line, with the flag to fix."""
    return serving.database_mistakes(DATABASE[0].name)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        COMMANDS[args.command].run(args, os.environ)
    except KeyboardInterrupt:
        return 130
    except ConfigError as error:
        print(f"campaigns: {error}", file=sys.stderr)
        return 2
    except Refused as error:
        print(f"campaigns: {error}", *(f"  {line}" for line in error.details), sep="\n", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"campaigns: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
