"""The OpenRPC document (contract/openrpc.py): valid OpenRPC, and what it says comes from the descriptors,
the catalogue and the service's own tables. No sockets, no database; the calls are
tests/gateway/test_openrpc_calls.py."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Final

import jsonschema
import pytest
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import options_pb2
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import MethodDescriptor
from referencing import Registry, Resource

from contract.catalogue import CATALOGUE
from contract.methods import JSONRPC_METHODS, Method
from contract.openrpc import DISCOVER, OPENRPC_VERSION, PARAM_RULES, build, document
from contract.wire import wire_names
from service import costs, listing, param_tables, rules, sites

META_SCHEMA: Final = Path(__file__).with_name("data") / "openrpc-meta-schema-1.14.9.json"


def meta_validator() -> jsonschema.Draft7Validator:
    """The OpenRPC meta-schema. Its JSON Schemas refer to https://meta.json-schema.tools, the json-schema-tools
    meta-schema, which is draft-07's with one more definition; draft-07's (shipped with jsonschema) stands in
    for it, offline."""
    schema = json.loads(META_SCHEMA.read_text(encoding="utf-8"))
    draft7 = copy.deepcopy(jsonschema.Draft7Validator.META_SCHEMA)
    draft7["definitions"]["JSONSchemaObject"] = {"properties": {"$ref": draft7["properties"]["$ref"]}}
    stand_in = Resource.from_contents(draft7)
    registry: Registry[Any] = Registry().with_resources(
        [("https://meta.json-schema.tools", stand_in), ("https://meta.json-schema.tools/", stand_in)]
    )
    return jsonschema.Draft7Validator(schema, registry=registry)


def method(name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(m for m in document()["methods"] if m["name"] == name)
    return found


def param(method_name: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in method(method_name)["params"] if p["name"] == name)
    return found


def test_the_document_is_valid_openrpc() -> None:
    errors = sorted(meta_validator().iter_errors(document()), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert document()["openrpc"] == OPENRPC_VERSION == "1.3.2"


def test_the_meta_schema_refuses_a_broken_document() -> None:
    broken = copy.deepcopy(document())
    del broken["methods"][0]["params"]
    assert list(meta_validator().iter_errors(broken))


def test_the_parameter_schemas_are_valid_json_schema() -> None:
    for entry in document()["methods"]:
        for described in entry["params"]:
            jsonschema.Draft7Validator.check_schema(described["schema"])
        jsonschema.Draft7Validator.check_schema(entry["result"]["schema"])


def test_every_method_is_listed_with_rpc_discover() -> None:
    assert [m["name"] for m in document()["methods"]] == [*JSONRPC_METHODS, DISCOVER]


@pytest.mark.parametrize("name", sorted(JSONRPC_METHODS))
def test_params_are_the_request_fields_with_the_token(name: str) -> None:
    request = JSONRPC_METHODS[name].rpc.input_type
    fields = [f.name for f in request.fields if f.name != "cleared_fields"]  # cleared_fields: the gateway's
    names = [p["name"] for p in method(name)["params"]]
    assert names == (fields if name == "login.user" else ["access_token", *fields])


def test_descriptions_come_from_the_proto_comments() -> None:
    assert method("create.campaigns")["summary"] == "Creates a basic campaign, all of it or none of it."
    assert param("get.sites", "limit")["description"] == "At most 10000; 1000 when not sent."
    site = document()["components"]["schemas"]["campaigns.v1.Site_item"]
    assert site["properties"]["cookie_lifetime"]["description"] == "Days, default 90."


def test_required_as_the_service_requires() -> None:
    required = {p["name"] for p in method("create.campaigns")["params"] if p["required"]}
    table = {p.name for p in rules.CREATE_CAMPAIGN if p.required}
    assert required == {"access_token", *table} == {"access_token", "name", "site_id"}


def test_limits_are_the_service_constants() -> None:
    assert param("create.campaigns", "name")["schema"]["maxLength"] == rules.NAME_MAX
    assert param("create.campaigns", "site_blocks")["schema"]["maxItems"] == rules.MAX_SITE_BLOCKS
    assert param("create.sites", "domain_name")["schema"]["maxLength"] == sites.DOMAIN_MAX
    assert param("create.sites", "industry_id")["schema"]["maximum"] == len(sites.INDUSTRIES)
    assert param("upload.campaign_costs", "costs")["schema"]["maxItems"] == costs.MAX_ITEMS
    assert param("get.sites", "limit")["schema"]["maximum"] == listing.MAX_LIMIT
    assert param("get.sites", "offset")["schema"]["maximum"] == listing.MAX_OFFSET
    dct = param("create.campaigns", "dynamic_call_tracking")["schema"]["properties"]
    assert dct["count_virtual_numbers"]["maximum"] == rules.MAX_POOL_NUMBERS


def test_enums_in_their_wire_spellings() -> None:
    schema = param("create.campaigns", "status")["schema"]
    assert set(schema["enum"]) == {*wire_names(pb.CampaignStatus.DESCRIPTOR).values(), None}


def test_results_are_data_and_metadata_and_success_where_answered() -> None:
    get = method("get.sites")["result"]["schema"]
    assert get["required"] == ["data", "metadata"]
    assert get["properties"]["metadata"]["required"] == ["total_items", "limits"]
    upload = method("upload.campaign_costs")["result"]["schema"]
    assert upload["required"] == ["success", "data", "metadata"]


def test_errors_are_the_catalogue_entries() -> None:
    components = document()["components"]["errors"]
    for key, entry in CATALOGUE.items():
        assert components[key] == {
            "code": entry.jsonrpc_code,
            "message": entry.template,
            "data": {"mnemonic": entry.mnemonic},
        }
    refs = {e["$ref"].rpartition("/")[2] for e in method("create.campaigns")["errors"]}
    assert {"tariff_restrictions", "already_in_use", "method_component_disabled", "forbidden"} <= refs
    assert "invalid_date_time" not in refs
    assert "invalid_date_time" in {e["$ref"].rpartition("/")[2] for e in method("upload.campaign_costs")["errors"]}
    assert "access_token_invalid" not in {e["$ref"].rpartition("/")[2] for e in method("login.user")["errors"]}


def test_every_method_has_an_example() -> None:
    for entry in document()["methods"]:
        assert entry["examples"] and entry["examples"][0]["params"] is not None


def test_param_rules_json_is_the_service_tables() -> None:
    """contract/param_rules.json is written from service/param_tables.py: stale, run scripts/gen_param_rules.py."""
    assert json.loads(PARAM_RULES.read_text(encoding="utf-8")) == param_tables.export()


def probe_rpc() -> MethodDescriptor:
    """An rpc that is in no proto file of the project: a request with one field, a jsonrpc_method option."""
    name = "campaigns/probe/v1/probe.proto"
    pool = descriptor_pool.Default()
    try:
        pool.FindFileByName(name)
    except KeyError:
        file = descriptor_pb2.FileDescriptorProto(
            name=name, package="campaigns.probe.v1", syntax="proto3", dependency=["campaigns/v1/options.proto"]
        )
        request = file.message_type.add(name="ProbeRequest")
        request.oneof_decl.add(name="_added_field")
        request.field.add(
            name="added_field",
            number=1,
            type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
            label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
            proto3_optional=True,
            oneof_index=0,
        )
        file.message_type.add(name="ProbeResponse")
        rpc = file.service.add(name="ProbeService").method.add(
            name="Probe", input_type=".campaigns.probe.v1.ProbeRequest", output_type=".campaigns.probe.v1.ProbeResponse"
        )
        rpc.options.Extensions[options_pb2.jsonrpc_method] = "probe.things"
        pool.Add(file)
    found: MethodDescriptor = pool.FindServiceByName("campaigns.probe.v1.ProbeService").methods_by_name["Probe"]
    return found


def test_an_rpc_and_a_field_added_to_the_descriptors_show_by_themselves() -> None:
    rules_ = {"campaigns.probe.v1.ProbeRequest": {"added_field": {"required": True, "max_length": 9}}}
    notes = {"campaigns.probe.v1.ProbeRequest.added_field": "A field added later."}
    built = build([Method("probe.things", probe_rpc())], rules_, notes)
    assert [m["name"] for m in built["methods"]] == ["probe.things", DISCOVER]
    assert built["methods"][0]["params"] == [
        {
            "name": "added_field",
            "required": True,
            "description": "A field added later.",
            "schema": {"type": "string", "maxLength": 9},
        }
    ]
    assert not list(meta_validator().iter_errors(built))
