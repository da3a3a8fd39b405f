"""`campaigns apply` and `campaigns export`: a directory file into the database and out of it.

Straight to the database (Storage.open migrates it first), or through the admin API of a
running service; either way the same checks and one transaction (service/admin.py), so a
file that is refused changes nothing. The modules of either way are imported when it is taken.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli.admin_client import AdminTarget, call, refused
from cli.mistakes import Refused

if TYPE_CHECKING:
    from campaigns.admin.v1 import admin_service_pb2 as apb
    from campaigns.admin.v1 import directory_pb2 as dpb

STDIN = "-"


def read_file(name: str) -> dpb.Directory:
    """The directory in the file (`-`: standard input); Refused with the path of its first bad field."""
    from contract.directory_files import DirectoryFileError, read_directory

    try:
        text = sys.stdin.read() if name == STDIN else Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        why = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise Refused(f"{name}: cannot read it: {why}") from None
    try:
        return read_directory(text, filename="" if name == STDIN else name)
    except DirectoryFileError as error:
        raise Refused(f"{name}: {error}") from None


async def apply_to_database(url: str, directory: dpb.Directory, *, validate_only: bool) -> apb.ApplyDirectoryResponse:
    from campaigns.admin.v1 import admin_service_pb2 as apb

    from service.admin import apply_directory
    from service.admin_errors import AdminError
    from service.storage import Storage

    storage = await Storage.open(url)
    try:
        changes = await apply_directory(storage, directory, validate_only=validate_only)
    except AdminError as error:
        raise refused(error.message, [(each.path, each.description) for each in error.violations]) from None
    finally:
        await storage.close()
    return apb.ApplyDirectoryResponse(created=changes.created, updated=changes.updated, unchanged=changes.unchanged)


def apply_through(admin: AdminTarget, directory: dpb.Directory, *, validate_only: bool) -> apb.ApplyDirectoryResponse:
    from campaigns.admin.v1 import admin_service_pb2 as apb

    request = apb.ApplyDirectoryRequest(directory=directory, validate_only=validate_only)
    return call(admin, lambda stub: stub.ApplyDirectory, request)


def changes_text(changes: apb.ApplyDirectoryResponse, *, validate_only: bool) -> str:
    """One line per entry created or updated ("created account 1000"), then the counts."""
    verbs = ("would create", "would update") if validate_only else ("created", "updated")
    lines = [f"{verbs[0]} {each}" for each in changes.created] + [f"{verbs[1]} {each}" for each in changes.updated]
    summary = f"{len(changes.created)} created, {len(changes.updated)} updated, {changes.unchanged} unchanged"
    lines.append(summary + (" (validate only: nothing written)" if validate_only else ""))
    return "\n".join(lines)


async def export_from_database(url: str, app_id: int | None) -> dpb.Directory:
    import sqlalchemy as sa

    from service.directory_export import export_directory
    from service.storage import Storage
    from service.storage import schema as t

    def work(conn: sa.Connection) -> dpb.Directory | None:
        if (
            app_id is not None
            and conn.execute(sa.select(t.accounts.c.id).where(t.accounts.c.id == app_id)).first() is None
        ):
            return None
        return export_directory(conn, app_id)

    storage = await Storage.open(url)
    try:
        directory = await storage.read(work)
    finally:
        await storage.close()
    if directory is None:
        raise Refused(f"--app-id: no account {app_id}")
    return directory


def export_through(admin: AdminTarget, app_id: int | None) -> dpb.Directory:
    from campaigns.admin.v1 import admin_service_pb2 as apb

    return call(admin, lambda stub: stub.ExportDirectory, apb.ExportDirectoryRequest(app_id=app_id)).directory
