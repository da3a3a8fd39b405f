"""The example params of each method in the OpenRPC document: built from the method's params schema and
the demo data, not written per method.

A required parameter takes its value from VALUES by name (the demo account "Sites Lab", METHODS.md §20,
whose token is tok_sites), else the smallest value its schema allows. The one table keyed by method is
OVERRIDES, for a name that means another entity there. With a fresh demo database every example is a
call that succeeds (tests/gateway/test_openrpc_calls.py makes each one), except logout.user, which
needs a session token from login.user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from contract.methods import AccessPolicy

CUSTOMER_TOKEN: Final = "tok_sites"
AGENT_TOKEN: Final = "tok_agent"  # agents-only methods
VALUES: Final[Mapping[str, Any]] = {
    "site_id": 21,
    "campaign_id": 70,
    "site_block_id": 212,
    "phone_number_id": 393,
    "name": "Example",
    "domain_name": "example.org",
    "default_phone_number": "+74951234567",
    "date_from": "2026-02-01",
    "date_till": "2026-02-28",
    "login": "demo",
    "password": "secret",
    "virtual_phone_number": "74959000901",  # in the stock (enable)
}
# The `id` of `<verb>.<noun>` names a <noun>: the demo one the account may change and delete.
IDS: Final[Mapping[str, int]] = {"campaigns": 70, "sites": 22, "site_blocks": 212}
OVERRIDES: Final[Mapping[tuple[str, str], Any]] = {
    ("disable.virtual_numbers", "virtual_phone_number"): "74950000393",  # the account's own, free
}


def example(
    method: str,
    policy: AccessPolicy | None,
    takes_token: bool,
    params: Sequence[Mapping[str, Any]],
    conditional: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Params for one call of `method`, from its OpenRPC content descriptors; `conditional` names the
    parameters required or not depending on the others sent."""
    chosen: dict[str, Any] = {}
    for param in params:
        name = param["name"]
        if name == "access_token":
            if takes_token:
                chosen[name] = AGENT_TOKEN if policy is not None and policy.agents_only else CUSTOMER_TOKEN
            continue
        # A parameter required only without another (virtual_phone_number) is sent when the demo names it.
        if param["required"] or (name in conditional and ((method, name) in OVERRIDES or name in VALUES)):
            chosen[name] = _value(method, name, param["schema"])
    return chosen


def _value(method: str, name: str, schema: Mapping[str, Any]) -> Any:
    if (method, name) in OVERRIDES:
        return OVERRIDES[(method, name)]
    if name == "id" and method.partition(".")[2] in IDS:
        return IDS[method.partition(".")[2]]
    if name in VALUES:
        return VALUES[name]
    if "anyOf" in schema:
        return _value(method, name, next(s for s in schema["anyOf"] if s.get("type") != "null"))
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object":
        return {
            key: _value(method, key, sub)
            for key, sub in schema.get("properties", {}).items()
            if key in schema.get("required", ())
        }
    if kind == "array":
        return [_value(method, name, schema["items"])]
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    if kind == "string":
        if schema.get("enum"):
            return next(value for value in schema["enum"] if value is not None)
        return "Example"[: schema.get("maxLength", 7)].ljust(schema.get("minLength", 0), "x")
    return None
