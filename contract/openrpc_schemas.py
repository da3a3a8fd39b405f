"""The JSON Schemas of the OpenRPC document (contract/openrpc.py): a method's params as the gateway's
translate.py takes them, with the service's rules from contract/param_rules.json, and its result as
replies.py renders it. Generated from the descriptors, as the document is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from campaigns.v1 import options_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from contract.wire import INTEGER_TYPES, wire_names

_VALUE: Final = "google.protobuf.Value"
_SCHEMAS: Final = "#/components/schemas/"

Facts = Mapping[str, Any]  # one parameter's entry in param_rules.json


def json_role(field: FieldDescriptor) -> int:
    """The field's json_role option: what the gateway makes of it (UNSPECIFIED: a JSON parameter)."""
    return int(field.GetOptions().Extensions[options_pb2.json_role])


def params_of(message: Descriptor) -> list[FieldDescriptor]:
    """The fields that are JSON parameters: a json_role field is the gateway's, not the client's."""
    return [field for field in message.fields if json_role(field) == options_pb2.JSON_ROLE_UNSPECIFIED]


def describe(comment: str | None, facts: Facts) -> str:
    """A parameter's description: its proto comment, and what param_rules.json adds to it."""
    text = comment or ""
    if facts.get("required_when_other_sent"):
        text = (text + " " if text else "") + "Required or not depending on the other parameters sent."
    return text


class Schemas:
    """Builds schemas; messages of results (and messages that contain themselves) go to components."""

    def __init__(self, notes: Mapping[str, str]) -> None:
        self._notes = notes
        self._components: dict[str, Any] = {}
        self._walking: list[str] = []
        self._first_facts: dict[str, Mapping[str, Facts]] = {}

    def done(self) -> dict[str, Any]:
        return dict(sorted(self._components.items()))

    # -- results: what gateway/translate.py's to_json renders

    def ref(self, message: Descriptor, *, projected: bool = False) -> dict[str, Any]:
        """A response message, in components. projected: a get's item, cut to the selected `fields`, so no
        member is required."""
        name = message.full_name + ("_item" if projected else "")
        if name not in self._components:
            self._components[name] = {}  # before the walk: a message that contains itself refers to itself
            properties = {field.name: self.value(field) for field in message.fields}
            omitted = {f.name for f in message.fields if f.GetOptions().Extensions[options_pb2.omit_when_unset]}
            schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
            if not projected:
                schema["required"] = [field for field in properties if field not in omitted]
            if self._notes.get(message.full_name):
                schema["description"] = self._notes[message.full_name]
            self._components[name] = schema
        return {"$ref": _SCHEMAS + name}

    def value(self, field: FieldDescriptor) -> dict[str, Any]:
        """A response field as to_json renders it: unset presence fields are null, enums their spelling."""
        if field.message_type is not None and field.message_type.full_name == _VALUE:
            base: dict[str, Any] = {}
        elif field.message_type is not None:
            base = self.ref(field.message_type)
        else:
            base = _scalar(field)
        if field.is_repeated:
            schema = {"type": "array", "items": base}
        elif field.enum_type is not None:
            schema = _nullable(base)  # a proto3 enum at UNSPECIFIED has no spelling: null
        elif field.has_presence:
            schema = _nullable(base)
        else:
            schema = base
        if self._notes.get(field.full_name):
            schema = {**schema, "description": self._notes[field.full_name]}
        return schema

    # -- params: what gateway/translate.py's to_message takes, with the service's rules

    def param(self, field: FieldDescriptor, facts: Facts, *, nullable: bool) -> dict[str, Any]:
        """A parameter: null counts as not sent (an update's null clears), so a parameter that is not
        required may be null."""
        if field.message_type is not None and field.message_type.full_name == _VALUE:
            base: dict[str, Any] = {}  # a filter's value: any JSON
        elif field.message_type is not None:
            base = self._object(field.message_type, facts.get("fields", {}))
        else:
            base = _bounded(_scalar(field, integer_as_text=_integer_as_text(field)), facts)
        if field.is_repeated:
            schema: dict[str, Any] = {"type": "array", "items": base}
            if "max_items" in facts:
                schema["maxItems"] = facts["max_items"]
            if facts.get("required"):
                schema["minItems"] = 1  # an empty list reads as not sent
        else:
            schema = base
        return _nullable(schema) if nullable else schema

    def _object(self, message: Descriptor, rules: Mapping[str, Facts]) -> dict[str, Any]:
        name = message.full_name
        if name in self._walking:
            # A message that contains itself (a filter's filters): its schema once, in components.
            key = f"{name}_param"
            if key not in self._components:
                self._components[key] = {}
                self._components[key] = self._object_schema(message, self._first_facts[name])
            return {"$ref": _SCHEMAS + key}
        self._first_facts.setdefault(name, rules)
        self._walking.append(name)
        try:
            return self._object_schema(message, rules)
        finally:
            self._walking.pop()

    def _object_schema(self, message: Descriptor, rules: Mapping[str, Facts]) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in params_of(message):
            facts = rules.get(field.name, {})
            is_required = bool(facts.get("required"))
            schema = self.param(field, facts, nullable=not is_required)
            description = describe(self._notes.get(field.full_name), facts)
            if description:
                schema = {**schema, "description": description}
            properties[field.name] = schema
            if is_required:
                required.append(field.name)
        schema = {"type": "object", "properties": properties, "additionalProperties": False}
        if required:
            schema["required"] = required
        return schema


def _integer_as_text(field: FieldDescriptor) -> bool:
    return bool(field.GetOptions().Extensions[options_pb2.integer_as_text])


def _scalar(field: FieldDescriptor, *, integer_as_text: bool = False) -> dict[str, Any]:
    if field.enum_type is not None:
        return {"type": "string", "enum": sorted(wire_names(field.enum_type).values())}
    if field.type in INTEGER_TYPES:
        return {"type": "integer", "format": "int64" if field.type != FieldDescriptor.TYPE_INT32 else "int32"}
    if field.type == FieldDescriptor.TYPE_STRING:
        # integer_as_text: an integer is taken as its decimal text too.
        return {"type": ["string", "integer"]} if integer_as_text else {"type": "string"}
    if field.type == FieldDescriptor.TYPE_BOOL:
        return {"type": "boolean"}
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return {"type": "number"}
    return {}


_BOUNDS: Final = {"minimum": "minimum", "maximum": "maximum", "min_length": "minLength", "max_length": "maxLength"}


def _bounded(schema: dict[str, Any], facts: Facts) -> dict[str, Any]:
    """The service's bounds of a value (service/rules.py Bounds) as JSON Schema keywords."""
    bounded = dict(schema)
    for fact, keyword in _BOUNDS.items():
        if facts.get(fact) is not None:
            bounded[keyword] = facts[fact]
    if facts.get("pattern"):
        bounded["pattern"] = f"^(?:{facts['pattern']})$"  # the service matches the whole value
    return bounded


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str) and "$ref" not in schema:
        widened = {**schema, "type": [kind, "null"]}
        if "enum" in schema:
            widened["enum"] = [*schema["enum"], None]
        return widened
    if isinstance(kind, list) and "$ref" not in schema:
        return {**schema, "type": [*kind, "null"]}
    if not schema:
        return schema  # any JSON already
    return {"anyOf": [schema, {"type": "null"}]}
