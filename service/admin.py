"""campaigns.admin.v1.AdminService: provisioning from a directory, tokens, account states.

Who may call is admin_auth.py's business; what a directory may say is
directory_checks.py's, and how it lands in the database directory_apply.py's.
Every change is logged (never a secret: tokens by their id's first digits).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from typing import Any

import grpc
import sqlalchemy as sa
from campaigns.admin.v1 import admin_service_pb2 as apb
from campaigns.admin.v1 import admin_service_pb2_grpc as apb_grpc
from campaigns.admin.v1 import directory_pb2 as dpb
from google.protobuf import timestamp_pb2

from service.access import hash_token
from service.admin_errors import AdminError
from service.directory_apply import Changes, apply_plan, hash_passwords, stored_password_hashes
from service.directory_checks import STATE_ENUMS, STATES, Plan, check_directory
from service.directory_export import export_directory
from service.storage import Storage
from service.storage import schema as t

log = logging.getLogger("campaigns.admin")

Context = grpc.aio.ServicerContext[Any, Any]
_TOKEN_ID = re.compile(r"[0-9a-f]{64}")


class _Rehearsed(Exception):
    """Raised out of a validate_only apply so that its transaction rolls back."""

    def __init__(self, changes: Changes) -> None:
        super().__init__("validate_only")
        self.changes = changes


async def apply_directory(
    storage: Storage, directory: dpb.Directory, *, validate_only: bool = False, now: int | None = None
) -> Changes:
    """Check and apply a directory in one transaction (all or nothing); AdminError when it cannot be.

    now: the creation time of what it creates (unix seconds; the clock's when None).
    """
    plan = check_directory(directory)
    return await apply_checked(storage, plan, validate_only=validate_only, now=now)


async def apply_checked(
    storage: Storage, plan: Plan, *, validate_only: bool = False, now: int | None = None
) -> Changes:
    stored = await storage.read(lambda conn: stored_password_hashes(conn, plan))
    passwords = await asyncio.to_thread(hash_passwords, plan, stored)

    def work(conn: sa.Connection) -> Changes:
        changes = apply_plan(conn, plan, passwords=passwords, now=now)
        if validate_only:
            raise _Rehearsed(changes)
        return changes

    try:
        return await storage.write(work)
    except _Rehearsed as rehearsal:
        return rehearsal.changes
    except sa.exc.IntegrityError as error:
        # Only when another writer changed the same rows between our look and our write.
        log.warning("directory apply lost a race: %s", error.orig)
        raise AdminError(
            "HELD_ELSEWHERE", "the directory conflicts with a change made meanwhile; apply it again"
        ) from None


def _timestamp(seconds: int | None) -> timestamp_pb2.Timestamp | None:
    return None if seconds is None else timestamp_pb2.Timestamp(seconds=seconds)


class AdminService(apb_grpc.AdminServiceServicer):
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def ApplyDirectory(self, request: apb.ApplyDirectoryRequest, context: Context) -> apb.ApplyDirectoryResponse:
        changes = await apply_directory(self._storage, request.directory, validate_only=request.validate_only)
        log.info(
            "directory %s: %d created, %d updated, %d unchanged",
            "checked (validate_only)" if request.validate_only else "applied",
            len(changes.created),
            len(changes.updated),
            changes.unchanged,
        )
        return apb.ApplyDirectoryResponse(created=changes.created, updated=changes.updated, unchanged=changes.unchanged)

    async def ExportDirectory(
        self, request: apb.ExportDirectoryRequest, context: Context
    ) -> apb.ExportDirectoryResponse:
        app_id = request.app_id if request.HasField("app_id") else None

        def work(conn: sa.Connection) -> dpb.Directory:
            if (
                app_id is not None
                and conn.execute(sa.select(t.accounts.c.id).where(t.accounts.c.id == app_id)).first() is None
            ):
                raise AdminError.at("NOT_FOUND", "app_id", f"no account {app_id}")
            return export_directory(conn, app_id)

        return apb.ExportDirectoryResponse(directory=await self._storage.read(work))

    async def IssueToken(self, request: apb.IssueTokenRequest, context: Context) -> apb.IssueTokenResponse:
        if request.user_id <= 0:
            raise AdminError.at("INVALID_REQUEST", "user_id", "required: a positive user id")
        expires_at = request.expires_at.seconds if request.HasField("expires_at") else None
        if expires_at is not None and expires_at <= time.time():
            raise AdminError.at("INVALID_REQUEST", "expires_at", "must be in the future")
        secret = secrets.token_urlsafe(32)
        token_id = hash_token(secret)

        def work(conn: sa.Connection) -> None:
            found = conn.execute(sa.select(t.users.c.id).where(t.users.c.id == request.user_id)).first()
            if found is None:
                raise AdminError.at("NOT_FOUND", "user_id", f"no user or agent {request.user_id}")
            conn.execute(
                t.access_tokens.insert().values(
                    token_hash=token_id,
                    user_id=request.user_id,
                    expires_at=expires_at,
                    is_blocked=False,
                    is_temporary=False,
                )
            )

        await self._storage.write(work)
        log.info("token %s… issued for user %d", token_id[:8], request.user_id)
        return apb.IssueTokenResponse(
            token=secret, token_id=token_id, user_id=request.user_id, expires_at=_timestamp(expires_at)
        )

    async def RevokeToken(self, request: apb.RevokeTokenRequest, context: Context) -> apb.RevokeTokenResponse:
        which = request.WhichOneof("which")
        if which == "token" and request.token:
            token_id, path = hash_token(request.token), "token"
        elif which == "token_id" and _TOKEN_ID.fullmatch(request.token_id):
            token_id, path = request.token_id, "token_id"
        elif which == "token_id":
            raise AdminError.at("INVALID_REQUEST", "token_id", "64 lowercase hex digits (IssueTokenResponse.token_id)")
        else:
            raise AdminError.at("INVALID_REQUEST", "token", "required: token or token_id")

        def work(conn: sa.Connection) -> int:
            tokens = t.access_tokens
            user_id = conn.execute(
                tokens.delete().where(tokens.c.token_hash == token_id).returning(tokens.c.user_id)
            ).scalar_one_or_none()
            if user_id is None:
                raise AdminError.at("NOT_FOUND", path, "no such token")
            return int(user_id)

        user_id = await self._storage.write(work)
        log.info("token %s… of user %d revoked", token_id[:8], user_id)
        return apb.RevokeTokenResponse(user_id=user_id)

    async def SetAccountState(
        self, request: apb.SetAccountStateRequest, context: Context
    ) -> apb.SetAccountStateResponse:
        if request.app_id <= 0:
            raise AdminError.at("INVALID_REQUEST", "app_id", "required: a positive account id")
        state = STATES.get(request.state)
        if state is None:
            raise AdminError.at("INVALID_REQUEST", "state", "required: ACTIVE, DISABLED or BLOCKED")

        def work(conn: sa.Connection) -> str:
            accounts = t.accounts
            previous = conn.execute(
                sa.select(accounts.c.state).where(accounts.c.id == request.app_id).with_for_update()
            ).scalar_one_or_none()
            if previous is None:
                raise AdminError.at("NOT_FOUND", "app_id", f"no account {request.app_id}")
            conn.execute(accounts.update().where(accounts.c.id == request.app_id).values(state=state))
            return str(previous)

        previous = await self._storage.write(work)
        log.info("account %d: %s -> %s", request.app_id, previous, state)
        return apb.SetAccountStateResponse(previous_state=STATE_ENUMS[previous], state=request.state)


def add_admin_servicer(server: grpc.aio.Server, storage: Storage) -> str:
    """Register the admin service; returns its name (for health and reflection)."""
    apb_grpc.add_AdminServiceServicer_to_server(AdminService(storage), server)
    return apb.DESCRIPTOR.services_by_name["AdminService"].full_name
