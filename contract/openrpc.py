"""The OpenRPC 1.3 document of the JSON-RPC API (`rpc.discover`, `GET /openrpc.json`), generated.

Nothing in it is written per method. It is a pure function of:

- the proto descriptors: the methods (contract/methods.py), their request and response messages, the
  json_role, wire_value, omit_when_unset and integer_as_text options, the access policies, the
  method_errors option, and the comments, read from gen/campaigns/descriptor_set.binpb (the generated
  modules carry no source info);
- the error catalogue (contract/catalogue.py);
- the service's parameter tables, as contract/param_rules.json carries them (scripts/gen_param_rules.py
  writes it from service/param_tables.py, which the gateway may not import);
- a few demo values for the examples (contract/openrpc_examples.py).

The params' and results' JSON Schemas are built in contract/openrpc_schemas.py.

So a field or an rpc added to the proto shows here by itself. `document()` builds it once per process.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final

import campaigns
from campaigns.v1 import metadata_pb2, options_pb2
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import Descriptor

from contract import openrpc_examples
from contract.catalogue import CATALOGUE
from contract.methods import JSONRPC_METHODS, AccessPolicy, Method, method_errors, policy_of
from contract.openrpc_schemas import Facts, Schemas, describe, json_role, params_of

OPENRPC_VERSION: Final = "1.3.2"
DISCOVER: Final = "rpc.discover"
PARAM_RULES: Final = Path(__file__).with_name("param_rules.json")
DESCRIPTOR_SET: Final = Path(campaigns.__file__).with_name("descriptor_set.binpb")
_TOKEN: Final = "access_token"  # the envelope's parameter (gateway/jsonrpc.py), in every method's params


@cache
def document() -> dict[str, Any]:
    """The document, built once per process."""
    rules = json.loads(PARAM_RULES.read_text(encoding="utf-8"))
    return build(JSONRPC_METHODS.values(), rules, comments(DESCRIPTOR_SET.read_bytes()))


def build(
    methods: Iterable[Method], rules: Mapping[str, Mapping[str, Facts]], notes: Mapping[str, str]
) -> dict[str, Any]:
    """The document of these methods, with these parameter rules (request full name -> parameter -> facts)
    and comments (full name -> text)."""
    schemas = Schemas(notes)
    listed = [_method(method, rules.get(method.rpc.input_type.full_name, {}), notes, schemas) for method in methods]
    listed.append(_discover())
    return {
        "openrpc": OPENRPC_VERSION,
        "info": {
            "title": "Data API",
            "version": "2.0",
            "description": (
                "JSON-RPC 2.0 over POST /v2.0. Generated from the proto descriptors and the error catalogue. "
                "Every method but login.user takes access_token; params are by name."
            ),
        },
        "servers": [{"name": "this gateway", "url": "/v2.0"}],
        "methods": listed,
        "components": {
            "schemas": schemas.done(),
            "errors": {
                entry.key: {"code": entry.jsonrpc_code, "message": entry.template, "data": {"mnemonic": entry.mnemonic}}
                for entry in CATALOGUE.values()
            },
        },
    }


def comments(raw: bytes) -> dict[str, str]:
    """Full name (message, field, enum, enum value, service, rpc) -> its leading comment."""
    found: dict[str, str] = {}
    for file in descriptor_pb2.FileDescriptorSet.FromString(raw).file:
        found.update(_file_comments(file))
    return found


def _file_comments(file: descriptor_pb2.FileDescriptorProto) -> dict[str, str]:
    texts = {tuple(loc.path): _text(loc.leading_comments) for loc in file.source_code_info.location}
    found: dict[str, str] = {}

    def note(path: tuple[int, ...], name: str) -> None:
        if texts.get(path):
            found[name] = texts[path]

    def message(proto: descriptor_pb2.DescriptorProto, path: tuple[int, ...], scope: str) -> None:
        name = f"{scope}.{proto.name}"
        note(path, name)
        for index, field in enumerate(proto.field):
            note((*path, 2, index), f"{name}.{field.name}")
        for index, nested in enumerate(proto.nested_type):
            message(nested, (*path, 3, index), name)
        for index, enum in enumerate(proto.enum_type):
            enumeration(enum, (*path, 4, index), name)

    def enumeration(proto: descriptor_pb2.EnumDescriptorProto, path: tuple[int, ...], scope: str) -> None:
        note(path, f"{scope}.{proto.name}")
        for index, value in enumerate(proto.value):
            note((*path, 2, index), f"{scope}.{value.name}")  # enum values live in the enum's scope

    # Field numbers of FileDescriptorProto: 4 message_type, 5 enum_type, 6 service; of a service, 2 method.
    for index, proto in enumerate(file.message_type):
        message(proto, (4, index), file.package)
    for index, enum in enumerate(file.enum_type):
        enumeration(enum, (5, index), file.package)
    for index, service in enumerate(file.service):
        note((6, index), f"{file.package}.{service.name}")
        for number, rpc in enumerate(service.method):
            note((6, index, 2, number), f"{file.package}.{service.name}.{rpc.name}")
    return found


def _text(comment: str) -> str:
    """A comment as prose: lines joined, paragraphs kept."""
    paragraphs = [" ".join(line.strip() for line in block.splitlines()) for block in comment.strip().split("\n\n")]
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


def _takes_token(method: Method, policy: AccessPolicy | None) -> bool:
    # An rpc with an access policy checks the token; one without does its own checks, and needs a token
    # only if it can answer that the token is wrong (logout.user does, login.user does not).
    return policy is not None or "access_token_invalid" in method_errors(method.rpc)


# ---------------------------------------------------------------- methods


def _method(method: Method, rules: Mapping[str, Facts], notes: Mapping[str, str], schemas: Schemas) -> dict[str, Any]:
    rpc = method.rpc
    policy = policy_of(rpc)
    request: Descriptor = rpc.input_type
    takes_token = _takes_token(method, policy)
    params: list[dict[str, Any]] = []
    if takes_token:
        params.append(
            {
                "name": _TOKEN,
                "required": True,
                "description": "The caller's token: permanent, or from login.user.",
                "schema": {"type": "string"},
            }
        )
    for field in params_of(request):
        facts = rules.get(field.name, {})
        required = bool(facts.get("required"))
        described: dict[str, Any] = {"name": field.name, "required": required}
        description = describe(notes.get(field.full_name), facts)
        if description:
            described["description"] = description
        described["schema"] = schemas.param(field, facts, nullable=not required)
        params.append(described)
    entry: dict[str, Any] = {"name": method.name}
    if notes.get(rpc.full_name):
        entry["summary"] = notes[rpc.full_name].split("\n\n")[0]
        entry["description"] = notes[rpc.full_name] + _policy_note(policy) + _idempotency_note(method)
    if method.accepts_idempotency_key:
        # A specification extension: the Idempotency-Key header is not a param, and OpenRPC has no headers.
        entry["x-idempotency-key"] = True
    entry["paramStructure"] = "by-name"
    entry["params"] = params
    entry["result"] = {"name": "result", "schema": _result(method, policy, schemas)}
    entry["errors"] = [{"$ref": f"#/components/errors/{key}"} for key in _errors(method, policy, rules, takes_token)]
    conditional = frozenset(name for name, facts in rules.items() if facts.get("required_when_other_sent"))
    example = openrpc_examples.example(method.name, policy, takes_token, params, conditional)
    entry["examples"] = [
        {"name": f"{method.name} with the demo data", "params": [{"name": k, "value": v} for k, v in example.items()]}
    ]
    return entry


def _policy_note(policy: AccessPolicy | None) -> str:
    if policy is None:
        return ""
    parts = []
    if policy.one_of_components:
        parts.append("needs one of the components " + ", ".join(policy.one_of_components))
    parts.append("writes (a read-only user is forbidden)" if policy.writes else "reads")
    if policy.agents_only:
        parts.append("agents only")
    if policy.refused_under_simple_dt:
        parts.append("refused while the account has simple_dt")
    if policy.takes_campaign:
        parts.append("takes one campaign from the plan's quota")
    return "\n\nAccess: " + "; ".join(parts) + "."


def _idempotency_note(method: Method) -> str:
    if not method.accepts_idempotency_key:
        return ""
    return (
        "\n\nSafe to retry: send an `Idempotency-Key` HTTP header (1 to 255 visible ASCII characters, bare or"
        " quoted). The same key with the same params answers the first call's result again, marked by the"
        " response header `Idempotent-Replayed: true`, with no second write and no second charge; with other"
        " params it is refused (idempotency_key_reused). Keys are per account and kept 24 hours by default."
    )


def _errors(method: Method, policy: AccessPolicy | None, rules: Mapping[str, Facts], takes_token: bool) -> list[str]:
    """The catalogue keys the method can answer, in the catalogue's order (the envelope's are not listed: they
    come before any method is known)."""
    keys = {"internal_error", "unexpected_parameters"}  # any method: a failure, a parameter it does not define
    params = params_of(method.rpc.input_type)
    if params:
        keys |= {"data_type_error", "invalid_parameter_value"}
    if takes_token:
        keys |= {"required_parameter_missed", "access_token_invalid", "access_token_expired", "access_token_blocked"}
    if _any_fact(rules, "required") or _any_fact(rules, "required_when_other_sent"):
        keys.add("required_parameter_missed")
    keys |= {facts["invalid"] for facts in _all_facts(rules) if "invalid" in facts}
    names = {field.name for field in params}
    # The get machinery (service/listing.py): a sort or filter on a field the method does not allow.
    if "sort" in names:
        keys.add("sort_prohibited")
    if "filter" in names:
        keys.add("filter_prohibited")
    if policy is not None:
        # Steps 2 to 6 of the order of checks (docs/contract.md §5).
        keys |= {"account_inactive", "ip_not_whitelisted", "limit_exceeded"}
        if "user_id" in names:
            keys |= {"required_parameter_missed", "entity_not_found"}  # an agent's user_id: missing, not its own
        if policy.one_of_components:
            keys.add("method_component_disabled")
        if policy.writes or policy.agents_only or policy.refused_under_simple_dt:
            keys.add("forbidden")
        if policy.takes_campaign:
            keys.add("tariff_restrictions")
    keys |= set(method_errors(method.rpc))
    return [key for key in CATALOGUE if key in keys]


def _all_facts(rules: Mapping[str, Facts]) -> Iterable[Facts]:
    for facts in rules.values():
        yield facts
        yield from _all_facts(facts.get("fields", {}))


def _any_fact(rules: Mapping[str, Facts], name: str) -> bool:
    return any(facts.get(name) for facts in _all_facts(rules))


def _result(method: Method, policy: AccessPolicy | None, schemas: Schemas) -> dict[str, Any]:
    """`result` as gateway/translate.py renders it: result members, `data`, `metadata`."""
    response: Descriptor = method.rpc.output_type
    data_field = next((f for f in response.fields if json_role(f) == options_pb2.JSON_ROLE_DATA), None)
    properties: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    metadata_required: list[str] = []
    for field in response.fields:
        if json_role(field) == options_pb2.JSON_ROLE_RESULT_MEMBER:
            properties[field.name] = schemas.value(field)
    if data_field is None:
        properties["data"] = schemas.ref(response)
    else:
        item = data_field.message_type
        if item is None:
            raise ValueError(f"{data_field.full_name}: a JSON_ROLE_DATA field must be a repeated message")
        properties["data"] = {"type": "array", "items": schemas.ref(item, projected=True)}
        for field in response.fields:
            if (
                json_role(field) == options_pb2.JSON_ROLE_UNSPECIFIED
                or json_role(field) == options_pb2.JSON_ROLE_RESULT_MEMBER
            ):
                metadata[field.name] = schemas.value(field)
                metadata_required.append(field.name)
    metadata["limits"] = schemas.ref(metadata_pb2.PointLimits.DESCRIPTOR)
    if policy is not None and not policy.agents_only:
        metadata_required.append("limits")  # a call made for an account carries its point limits
    properties["metadata"] = {"type": "object", "properties": metadata, "required": metadata_required}
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def _discover() -> dict[str, Any]:
    return {
        "name": DISCOVER,
        "summary": "This document.",
        "description": "The OpenRPC document of this API. Needs no access_token and costs no points.",
        "paramStructure": "by-name",
        "params": [],
        "result": {"name": "OpenRPC document", "schema": {"$ref": "https://meta.open-rpc.org/"}},
        "examples": [{"name": "rpc.discover", "params": []}],
    }
