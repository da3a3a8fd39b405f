"""Applying a checked directory (directory_checks.Plan) to the database, in the caller's transaction.

Each entry is found by its key (an id; a user without one by its login), then
created, updated where a column differs, or left as it is; what the directory
does not name is never touched. Whatever the directory says that contradicts
what is stored (an id or login or number that belongs to another account, a
customer id that names no customer user) raises AdminError, and the caller's
transaction rolls everything back.

Appliers take turns (storage.take_turns): two services applying at once, or
replicas loading the demo set together, each see the other's work whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Final

import sqlalchemy as sa

from contract.paths import join
from service.admin_errors import AdminError
from service.directory_checks import NEW_ACCOUNT, AccountPlan, AgentPlan, Plan, Row, TokenPlan, UserPlan
from service.passwords import check_password, hash_password
from service.storage import schema as t
from service.storage import take_turns
from service.storage.schema import SYSTEM_CAMPAIGN_NAME, system_campaign_id

# Names the lock appliers take turns on (any constant other than the migrations').
APPLY_LOCK: Final = 0x64697265


@dataclass
class Changes:
    """What an apply did: "kind id" labels of what it created and updated, and how many entries matched."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def note(self, outcome: str, label: str) -> None:
        if outcome == "created":
            self.created.append(label)
        elif outcome == "updated":
            self.updated.append(label)
        else:
            self.unchanged += 1


@dataclass(frozen=True, slots=True)
class PasswordWork:
    """A password hashed ahead of the transaction: against the hash stored then (`seen`)."""

    seen: str | None
    new_hash: str | None  # None: `seen` already matches the password


def _with_password(plan: Plan) -> list[UserPlan]:
    users = [user for account in plan.accounts for user in account.users] + [agent.agent for agent in plan.agents]
    return [user for user in users if user.password is not None]


def stored_password_hashes(conn: sa.Connection, plan: Plan) -> dict[str, str | None]:
    """The stored hash of each user of the plan that sets a password (None for a new user), by the user's path."""
    found: dict[str, str | None] = {}
    for user in _with_password(plan):
        column, key = (t.users.c.id, user.id) if user.id is not None else (t.users.c.login, user.login)
        found[user.path] = conn.execute(sa.select(t.users.c.password_hash).where(column == key)).scalar_one_or_none()
    return found


def hash_passwords(plan: Plan, stored: dict[str, str | None]) -> dict[str, PasswordWork]:
    """Check or hash every password of the plan: slow (argon2), so done on a thread before the transaction."""
    work: dict[str, PasswordWork] = {}
    for user in _with_password(plan):
        assert user.password is not None
        seen = stored.get(user.path)
        matches = seen is not None and check_password(user.password, seen).matches
        work[user.path] = PasswordWork(seen, None if matches else hash_password(user.password))
    return work


def apply_plan(
    conn: sa.Connection, plan: Plan, *, passwords: dict[str, PasswordWork] | None = None, now: int | None = None
) -> Changes:
    """Apply the plan; `passwords` (from hash_passwords) spares the transaction the hashing."""
    take_turns(conn, APPLY_LOCK)
    applier = _Applier(conn, int(time.time()) if now is None else now, passwords or {})
    for account in plan.accounts:
        applier.account(account)
    for agent in plan.agents:
        applier.agent(agent)
    for number in plan.stock:
        applier.stock_number(number)
    applier.reserve_number_ids()
    return applier.changes


def _held(path: str, description: str) -> AdminError:
    return AdminError.at("HELD_ELSEWHERE", path, description)


class _Applier:
    def __init__(self, conn: sa.Connection, now: int, passwords: dict[str, PasswordWork]) -> None:
        self.conn = conn
        self.passwords = passwords
        self.now = now
        self.changes = Changes()
        self.highest_number_id = 0

    def one(self, table: sa.Table, column: str, value: Any) -> Any:
        return self.conn.execute(sa.select(table).where(table.c[column] == value)).one_or_none()

    def upsert(self, table: sa.Table, key: dict[str, Any], values: dict[str, Any], stored: Any) -> str:
        """Insert key+values when nothing is stored, else update the columns that differ."""
        if stored is None:
            self.conn.execute(table.insert().values(**key, **values))
            return "created"
        differs = {name: value for name, value in values.items() if getattr(stored, name) != value}
        if not differs:
            return "unchanged"
        condition = sa.and_(*(table.c[name] == value for name, value in key.items()))
        self.conn.execute(table.update().where(condition).values(**differs))
        return "updated"

    # -------------------------------------------------------------- accounts and what they hold

    def account(self, plan: AccountPlan) -> None:
        app_id = plan.account.id
        stored = self.one(t.accounts, "id", app_id)
        values = {**plan.account.values, **plan.kept}
        if stored is None:
            values = {**NEW_ACCOUNT, **values}
        outcome = self.upsert(t.accounts, {"id": app_id}, values, stored)
        if outcome == "created":
            self.conn.execute(
                t.campaigns.insert().values(
                    id=system_campaign_id(app_id),
                    account_id=app_id,
                    name=SYSTEM_CAMPAIGN_NAME,
                    status="active",
                    type="system",
                    created_at=self.now,
                )
            )
        self.changes.note(outcome, f"account {app_id}")
        for user in plan.users:
            self.user(user, account_id=app_id)
        for site in plan.sites:
            self.owned(t.sites, site.site, "site", owner=("account_id", app_id, "account"))
            for block in site.blocks:
                self.owned(t.site_blocks, block, "site_block", owner=("site_id", site.site.id, "site"))
        for number in plan.numbers:
            self.phone_number(number, app_id)
        for number in plan.redirections:
            self.owned(t.redirection_numbers, number, "redirection_number", owner=("account_id", app_id, "account"))

    def owned(self, table: sa.Table, row: Row, kind: str, *, owner: tuple[str, int, str]) -> None:
        """An entry that belongs to one parent for good: the same id under another parent is a conflict."""
        column, parent, parent_kind = owner
        stored = self.one(table, "id", row.id)
        if stored is not None and getattr(stored, column) != parent:
            raise _held(
                join(row.path, "id"),
                f"{kind.replace('_', ' ')} {row.id} belongs to {parent_kind} {getattr(stored, column)}",
            )
        outcome = self.upsert(table, {"id": row.id}, {column: parent, **row.values}, stored)
        self.changes.note(outcome, f"{kind} {row.id}")

    def phone_number(self, row: Row, app_id: int) -> None:
        digits = row.values["phone_number"]
        stored = self.one(t.phone_numbers, "id", row.id)
        if stored is not None and stored.account_id != app_id:
            raise _held(join(row.path, "id"), f"number id {row.id} belongs to account {stored.account_id}")
        same_number = self.one(t.phone_numbers, "phone_number", digits)
        if same_number is not None and same_number.id != row.id:
            raise _held(
                join(row.path, "number"), f"{digits} is number {same_number.id} of account {same_number.account_id}"
            )
        in_stock = self.one(t.number_stock, "id", row.id) or self.one(t.number_stock, "phone_number", digits)
        if in_stock is not None:
            if (in_stock.id, in_stock.phone_number) != (row.id, digits):
                raise _held(join(row.path, "number"), f"stock number {in_stock.id} is {in_stock.phone_number}")
            # The platform gives a stock number to the account: it leaves the stock.
            self.conn.execute(t.number_stock.delete().where(t.number_stock.c.id == row.id))
        retyped = stored is not None and (stored.type, stored.is_pool_stock) != (
            row.values["type"],
            row.values["is_pool_stock"],
        )
        if retyped and self.number_in_use(row.id):
            raise AdminError.at(
                "IN_USE", join(row.path, "type"), f"number {row.id} is used by a campaign: its type cannot change"
            )
        outcome = self.upsert(t.phone_numbers, {"id": row.id}, {"account_id": app_id, **row.values}, stored)
        self.highest_number_id = max(self.highest_number_id, row.id)
        self.changes.note(outcome, f"phone_number {row.id}")

    def number_in_use(self, number_id: int) -> bool:
        block = sa.select(t.campaign_site_blocks.c.campaign_id).where(
            t.campaign_site_blocks.c.phone_number_id == number_id
        )
        pool = sa.select(t.pool_numbers.c.campaign_id).where(t.pool_numbers.c.phone_number_id == number_id)
        return self.conn.execute(block.union_all(pool).limit(1)).first() is not None

    # -------------------------------------------------------------- users, agents, tokens

    def user(self, plan: UserPlan, *, account_id: int | None) -> int:
        is_agent = account_id is None
        where = "an agent" if is_agent else f"account {account_id}"
        by_id = self.one(t.users, "id", plan.id) if plan.id is not None else None
        by_login = self.one(t.users, "login", plan.login) if plan.login is not None else None
        if by_id is not None and (bool(by_id.is_agent), by_id.account_id) != (is_agent, account_id):
            owner = "an agent" if by_id.is_agent else f"a user of account {by_id.account_id}"
            raise _held(join(plan.path, "id"), f"user {by_id.id} is {owner}, not of {where}")
        if by_login is not None:
            if plan.id is not None:
                clash = by_login.id != plan.id
            else:
                clash = (bool(by_login.is_agent), by_login.account_id) != (is_agent, account_id)
            if clash:
                owner = "agent" if by_login.is_agent else f"user of account {by_login.account_id}"
                raise _held(join(plan.path, "login"), f"login {plan.login!r} is held by {owner} {by_login.id}")
        stored = by_id if plan.id is not None else by_login
        user_id = plan.id if plan.id is not None else (stored.id if stored is not None else self.next_user_id())
        values: dict[str, Any] = {
            "account_id": account_id,
            "is_agent": is_agent,
            "login": plan.login,
            "name": plan.name or plan.login or f"user {user_id}",
            "can_write": plan.can_write,
        }
        if plan.password is not None:
            current = stored.password_hash if stored is not None else None
            ahead = self.passwords.get(plan.path)
            if ahead is not None and ahead.seen == current:
                new_hash = ahead.new_hash
            elif current is not None and check_password(plan.password, current).matches:
                new_hash = None
            else:
                new_hash = hash_password(plan.password)
            if new_hash is not None:
                values["password_hash"] = new_hash
        outcome = self.upsert(t.users, {"id": user_id}, values, stored)
        self.changes.note(outcome, f"{'agent' if is_agent else 'user'} {user_id}")
        for token in plan.tokens:
            self.token(token, user_id)
        return user_id

    def next_user_id(self) -> int:
        highest = self.conn.execute(sa.select(sa.func.max(t.users.c.id))).scalar_one_or_none() or 0
        return max(highest + 1, t.FIRST_GENERATED_ID)

    def token(self, plan: TokenPlan, user_id: int) -> None:
        stored = self.one(t.access_tokens, "token_hash", plan.token_hash)
        if stored is not None and stored.user_id != user_id:
            raise _held(join(plan.path, "token"), "this token belongs to another user")
        values = {"user_id": user_id, "expires_at": plan.expires_at, "is_blocked": plan.blocked}
        if stored is None:
            values["is_temporary"] = False
        outcome = self.upsert(t.access_tokens, {"token_hash": plan.token_hash}, values, stored)
        self.changes.note(outcome, f"token {user_id}/{plan.token_hash[:8]}")

    def agent(self, plan: AgentPlan) -> None:
        agent_id = self.user(plan.agent, account_id=None)
        wanted = [user_id for _, user_id in plan.customers]
        if wanted:
            found = {
                row.id: row
                for row in self.conn.execute(
                    sa.select(t.users.c.id, t.users.c.is_agent).where(t.users.c.id.in_(wanted))
                )
            }
            for path, user_id in plan.customers:
                if user_id not in found or found[user_id].is_agent:
                    raise AdminError.at("INVALID_DIRECTORY", path, f"user {user_id} is not a customer user")
        links = t.agent_customers
        stored = {
            row.user_id
            for row in self.conn.execute(sa.select(links.c.user_id).where(links.c.agent_user_id == agent_id))
        }
        if stored != set(wanted):
            self.conn.execute(links.delete().where(links.c.agent_user_id == agent_id))
            if wanted:
                self.conn.execute(links.insert(), [{"agent_user_id": agent_id, "user_id": each} for each in wanted])
            label = f"agent {agent_id}"
            if label not in self.changes.created and label not in self.changes.updated:
                self.changes.updated.append(label)
                self.changes.unchanged -= 1

    # -------------------------------------------------------------- the stock

    def stock_number(self, row: Row) -> None:
        digits = row.values["phone_number"]
        held = self.one(t.phone_numbers, "id", row.id)
        if held is not None:
            if held.phone_number != digits:
                raise _held(
                    join(row.path, "id"), f"number id {row.id} is {held.phone_number} of account {held.account_id}"
                )
            # Enabled on an account since: the account holds it; the stock entry waits for it.
            self.changes.unchanged += 1
            return
        same_number = self.one(t.phone_numbers, "phone_number", digits)
        if same_number is not None:
            raise _held(
                join(row.path, "number"), f"{digits} is number {same_number.id} of account {same_number.account_id}"
            )
        other = self.one(t.number_stock, "phone_number", digits)
        if other is not None and other.id != row.id:
            raise _held(join(row.path, "number"), f"{digits} is stock number {other.id}")
        stored = self.one(t.number_stock, "id", row.id)
        outcome = self.upsert(t.number_stock, {"id": row.id}, row.values, stored)
        self.highest_number_id = max(self.highest_number_id, row.id)
        self.changes.note(outcome, f"stock_number {row.id}")

    def reserve_number_ids(self) -> None:
        """Numbers the service adds itself (pool numbers) get ids above every id a directory gave."""
        highest = self.highest_number_id
        if highest < t.FIRST_GENERATED_ID:
            return
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(
                sa.text(
                    "SELECT setval(seq, :highest) FROM (SELECT pg_get_serial_sequence('phone_numbers', 'id')::regclass"
                    " AS seq) s WHERE :highest >= COALESCE(pg_sequence_last_value(seq), 0)"
                ),
                {"highest": highest},
            )
        else:
            # AUTOINCREMENT never goes below sqlite_sequence's row for the table.
            updated = self.conn.execute(
                sa.text("UPDATE sqlite_sequence SET seq = max(seq, :highest) WHERE name = 'phone_numbers'"),
                {"highest": highest},
            )
            if updated.rowcount == 0:
                self.conn.execute(
                    sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('phone_numbers', :highest)"),
                    {"highest": highest},
                )
