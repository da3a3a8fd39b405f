"""The checks a directory passes before anything is written: one pass, every violation.

What can be told from the directory alone is checked here (required fields,
formats, ids and logins given twice); what needs the database (a login another
account holds, a dangling customer id) is service/directory_apply.py's. The
result is a Plan: the directory's entries as the rows they become.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import zoneinfo
from dataclasses import dataclass, field
from typing import Any, Final

from campaigns.admin.v1 import directory_pb2 as dpb

from contract.paths import item, join
from service.access import hash_token
from service.admin_errors import AdminError, Violation
from service.rules import phone_digits

# Every component the contract names (CONTRACT.md, METHODS.md §0.1).
COMPONENTS: Final = frozenset(
    {"call_tracking", "va", "dynamic_call_tracking", "simple_dt", "consultant", "lead", "sitephone"}
)
CATEGORIES: Final = ("usual", "bronze", "silver", "gold", "platinum")
# Stored for an account that may call from any address (an empty allowed_ips).
ANY_ADDRESS: Final = "0.0.0.0/0,::/0"
# What a new account gets when its entry leaves these out.
NEW_ACCOUNT: Final[dict[str, Any]] = {
    "timezone": "UTC",
    "state": "active",
    "campaign_quota": 1000,
    "day_limit": 100_000_000,
    "minute_limit": 10_000_000,
}
STATES: Final = {
    dpb.ACCOUNT_STATE_ACTIVE: "active",
    dpb.ACCOUNT_STATE_DISABLED: "disabled",
    dpb.ACCOUNT_STATE_BLOCKED: "blocked",
}
# accounts.state -> AccountState: how exports and answers spell a stored state.
STATE_ENUMS: Final = {name: value for value, name in STATES.items()}
# PhoneNumberType -> (phone_numbers.type, is_pool_stock)
NUMBER_TYPES: Final = {
    dpb.PHONE_NUMBER_TYPE_CALL_TRACKING: ("call_tracking", False),
    dpb.PHONE_NUMBER_TYPE_VA: ("va", False),
    dpb.PHONE_NUMBER_TYPE_USER: ("user", False),
    dpb.PHONE_NUMBER_TYPE_POOL: ("call_tracking", True),
}
TEXT_MAX: Final = 1000
PASSWORD_MAX: Final = 1024


@dataclass
class TokenPlan:
    path: str
    token_hash: str
    expires_at: int | None
    blocked: bool


@dataclass
class UserPlan:
    path: str
    id: int | None  # None: found by login, or a new user
    login: str | None
    password: str | None  # None: keep the stored one
    name: str  # "" : the default (the login, or "user <id>")
    can_write: bool
    tokens: list[TokenPlan]


@dataclass
class Row:
    """An entry that becomes one row: the columns it sets."""

    path: str
    id: int
    values: dict[str, Any]


@dataclass
class SitePlan:
    site: Row
    blocks: list[Row]


@dataclass
class AccountPlan:
    account: Row  # columns always set; `kept` adds those set only when given or new
    kept: dict[str, Any]
    users: list[UserPlan]
    sites: list[SitePlan]
    numbers: list[Row]
    redirections: list[Row]


@dataclass
class AgentPlan:
    agent: UserPlan
    customers: list[tuple[str, int]]  # (path, user id)


@dataclass
class Plan:
    accounts: list[AccountPlan] = field(default_factory=list)
    agents: list[AgentPlan] = field(default_factory=list)
    stock: list[Row] = field(default_factory=list)


def check_directory(directory: dpb.Directory) -> Plan:
    """The plan for a directory, or AdminError(INVALID_DIRECTORY) listing every violation in file order."""
    checker = _Checker()
    plan = checker.plan(directory)
    if checker.violations:
        first = checker.violations[0]
        more = len(checker.violations) - 1
        message = f"{first.path}: {first.description}" + (f" (and {more} more)" if more else "")
        raise AdminError("INVALID_DIRECTORY", message, checker.violations)
    return plan


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() | {"UTC"})


class _Checker:
    def __init__(self) -> None:
        self.violations: list[Violation] = []
        # What must be unique across the directory -> where it was first seen.
        self._seen: dict[tuple[str, Any], str] = {}

    def bad(self, path: str, description: str) -> None:
        self.violations.append(Violation(path, description))

    def once(self, kind: str, key: Any, path: str, label: str) -> None:
        first = self._seen.setdefault((kind, key), path)
        if first != path:
            self.bad(path, f"{label} is also given at {first}")

    def positive_id(self, value: int, path: str, kind: str, *, required: bool = True) -> None:
        if value == 0 and not required:
            return
        if value <= 0:
            self.bad(path, "required: a positive id" if value == 0 else f"must be positive, got {value}")
            return
        self.once(kind, value, path, f"{kind} id {value}")

    def text(self, value: str, path: str, *, required: bool) -> str:
        if required and not value.strip():
            self.bad(path, "required")
        elif "\x00" in value:
            self.bad(path, "must not contain NUL")
        elif len(value) > TEXT_MAX:
            self.bad(path, f"at most {TEXT_MAX} characters")
        return value

    def number(self, value: str, path: str) -> str:
        digits = phone_digits(value)
        if digits is None:
            self.bad(path, f"{value!r} is not a phone number (optional +, then 7 to 15 digits, the first not 0)")
            return value
        self.once("number", digits, path, f"number {digits}")
        return digits

    def login(self, value: str, path: str) -> str | None:
        if not value:
            return None
        self.text(value, path, required=True)
        self.once("login", value, path, f"login {value!r}")
        return value

    def password(self, value: str, path: str) -> str | None:
        if not value:
            return None
        if len(value) > PASSWORD_MAX:
            self.bad(path, f"at most {PASSWORD_MAX} characters")
        return value

    def tokens(self, tokens: Any, path: str) -> list[TokenPlan]:
        out = []
        for index, token in enumerate(tokens):
            here = item(join(path, "tokens"), index)
            if not token.token:
                self.bad(join(here, "token"), "required")
                continue
            if token.token != token.token.strip() or "\x00" in token.token:
                self.bad(join(here, "token"), "must not start or end with whitespace or contain NUL")
            token_hash = hash_token(token.token)
            self.once("token", token_hash, join(here, "token"), "this token")
            expires_at = token.expires_at.seconds if token.HasField("expires_at") else None
            out.append(TokenPlan(here, token_hash, expires_at, token.blocked))
        return out

    def user(self, user: dpb.User, path: str) -> UserPlan:
        if user.id == 0 and not user.login:
            self.bad(join(path, "id"), "required when there is no login")
        else:
            self.positive_id(user.id, join(path, "id"), "user", required=False)
        login = self.login(user.login, join(path, "login"))
        return UserPlan(
            path=path,
            id=user.id or None,
            login=login,
            password=self.password(user.password, join(path, "password")),
            name=self.text(user.name, join(path, "name"), required=False),
            can_write=not user.read_only,
            tokens=self.tokens(user.tokens, path),
        )

    def account(self, account: dpb.Account, path: str) -> AccountPlan:
        self.positive_id(account.app_id, join(path, "app_id"), "account")
        values: dict[str, Any] = {"name": self.text(account.name, join(path, "name"), required=True)}
        kept: dict[str, Any] = {}
        if account.timezone:
            if account.timezone not in _zones():
                self.bad(join(path, "timezone"), f"{account.timezone!r} is not an IANA time zone name")
            kept["timezone"] = account.timezone
        if account.state != dpb.ACCOUNT_STATE_UNSPECIFIED:
            if account.state not in STATES:
                self.bad(join(path, "state"), f"unknown state {account.state}")
            kept["state"] = STATES.get(account.state, "active")
        components: list[str] = []
        for index, component in enumerate(account.components):
            if component not in COMPONENTS:
                known = ", ".join(sorted(COMPONENTS))
                self.bad(item(join(path, "components"), index), f"unknown component {component!r} (known: {known})")
            elif component not in components:
                components.append(component)
        values["components"] = ",".join(components)
        if account.HasField("campaign_quota"):
            if account.campaign_quota < 0:
                self.bad(join(path, "campaign_quota"), "must not be negative")
            kept["campaign_quota"] = account.campaign_quota
        if account.HasField("point_limits"):
            for period in ("day", "minute"):
                value = getattr(account.point_limits, period)
                if value < 0:
                    self.bad(join(path, f"point_limits.{period}"), "must not be negative")
                kept[f"{period}_limit"] = value
        networks: list[str] = []
        for index, text in enumerate(account.allowed_ips):
            try:
                networks.append(str(ipaddress.ip_network(text.strip(), strict=False)))
            except ValueError:
                self.bad(item(join(path, "allowed_ips"), index), f"{text!r} is not an IP network (CIDR)")
        values["ip_whitelist"] = ",".join(networks) if networks else ANY_ADDRESS
        if account.HasField("virtual_number_quota") and account.virtual_number_quota < 0:
            self.bad(join(path, "virtual_number_quota"), "must not be negative")
        values["virtual_number_quota"] = (
            account.virtual_number_quota if account.HasField("virtual_number_quota") else None
        )
        users = [self.user(user, item(join(path, "users"), i)) for i, user in enumerate(account.users)]
        sites = []
        for i, site in enumerate(account.sites):
            here = item(join(path, "sites"), i)
            self.positive_id(site.id, join(here, "id"), "site")
            blocks = []
            for j, block in enumerate(site.blocks):
                block_path = item(join(here, "blocks"), j)
                self.positive_id(block.id, join(block_path, "id"), "site block")
                name = self.text(block.name, join(block_path, "name"), required=True)
                blocks.append(Row(block_path, block.id, {"name": name}))
            domain = self.text(site.domain_name, join(here, "domain_name"), required=True)
            values_site = {
                "domain_name": domain,
                "name": self.text(site.name, join(here, "name"), required=False) or None,
                "is_editable": not site.managed,
            }
            sites.append(SitePlan(Row(here, site.id, values_site), blocks))
        numbers = []
        for i, number in enumerate(account.phone_numbers):
            here = item(join(path, "phone_numbers"), i)
            self.positive_id(number.id, join(here, "id"), "number")
            digits = self.number(number.number, join(here, "number"))
            if number.type not in NUMBER_TYPES:
                self.bad(join(here, "type"), "required: call_tracking, va, user or pool")
            kind, pool = NUMBER_TYPES.get(number.type, ("call_tracking", False))
            numbers.append(
                Row(
                    here,
                    number.id,
                    {"phone_number": digits, "type": kind, "is_pool_stock": pool, "is_hosted_pbx": number.hosted_pbx},
                )
            )
        redirections = []
        for i, redirection in enumerate(account.redirection_numbers):
            here = item(join(path, "redirection_numbers"), i)
            self.positive_id(redirection.id, join(here, "id"), "redirection number")
            redirection_digits = phone_digits(redirection.number)
            if redirection_digits is None:
                self.bad(join(here, "number"), f"{redirection.number!r} is not a phone number")
            redirections.append(Row(here, redirection.id, {"phone_number": redirection_digits or redirection.number}))
        return AccountPlan(Row(path, account.app_id, values), kept, users, sites, numbers, redirections)

    def agent(self, agent: dpb.Agent, path: str) -> AgentPlan:
        self.positive_id(agent.id, join(path, "id"), "user")
        plan = UserPlan(
            path=path,
            id=agent.id,
            login=self.login(agent.login, join(path, "login")),
            password=self.password(agent.password, join(path, "password")),
            name=self.text(agent.name, join(path, "name"), required=True),
            can_write=True,
            tokens=self.tokens(agent.tokens, path),
        )
        customers: list[tuple[str, int]] = []
        for index, user_id in enumerate(agent.customer_user_ids):
            here = item(join(path, "customer_user_ids"), index)
            if user_id <= 0:
                self.bad(here, f"must be a positive user id, got {user_id}")
            elif user_id not in [each for _, each in customers]:
                customers.append((here, user_id))
        return AgentPlan(plan, customers)

    def stock(self, number: dpb.StockNumber, path: str) -> Row:
        self.positive_id(number.id, join(path, "id"), "number")
        digits = self.number(number.number, join(path, "number"))
        category = number.category or "usual"
        if category not in CATEGORIES:
            self.bad(join(path, "category"), f"expected one of {', '.join(CATEGORIES)}, got {number.category!r}")
        charges = {}
        for name in ("onetime_payment", "monthly_charge", "min_charge"):
            value = getattr(number, name)
            if not math.isfinite(value) or value < 0:
                self.bad(join(path, name), "must be a finite number, not negative")
            charges[name] = value
        return Row(
            path,
            number.id,
            {
                "phone_number": digits,
                "category": category,
                "location_mnemonic": self.text(
                    number.location_mnemonic, join(path, "location_mnemonic"), required=False
                )
                or None,
                "location_name": self.text(number.location_name, join(path, "location_name"), required=False) or None,
                **charges,
            },
        )

    def plan(self, directory: dpb.Directory) -> Plan:
        return Plan(
            accounts=[self.account(each, item("accounts", i)) for i, each in enumerate(directory.accounts)],
            agents=[self.agent(each, item("agents", i)) for i, each in enumerate(directory.agents)],
            stock=[self.stock(each, item("number_stock", i)) for i, each in enumerate(directory.number_stock)],
        )
