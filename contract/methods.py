"""The methods: which rpc is which JSON-RPC method, and who may call it, read from the rpcs' options.

Each rpc of the services below may carry two options (proto/campaigns/v1/options.proto):

- `jsonrpc_method`, the JSON-RPC name the gateway exposes it as. The gateway's method table is
  `JSONRPC_METHODS`; an rpc without the option is not reachable over JSON-RPC.
- `access_policy`, the checks of an account's call (the components the account needs, write
  permission, agents only) and whether its charge takes a campaign from the quota. The service reads
  it with `access_policy`; an rpc without it (login, logout) does its own checks.

Adding a method is the rpc with its options in the proto, its handler in the service, and tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from campaigns.v1 import (
    account_service_pb2,
    campaign_service_pb2,
    number_service_pb2,
    options_pb2,
    site_service_pb2,
    user_service_pb2,
)
from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message

# The services the gateway forwards to and the service serves.
SERVICES: Final[tuple[ServiceDescriptor, ...]] = (
    campaign_service_pb2.DESCRIPTOR.services_by_name["CampaignService"],
    site_service_pb2.DESCRIPTOR.services_by_name["SiteService"],
    user_service_pb2.DESCRIPTOR.services_by_name["UserService"],
    account_service_pb2.DESCRIPTOR.services_by_name["AccountService"],
    number_service_pb2.DESCRIPTOR.services_by_name["NumberService"],
)


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """An rpc's `access_policy` option; see options.proto for each field's meaning."""

    one_of_components: tuple[str, ...]  # empty: no component needed
    writes: bool
    agents_only: bool
    takes_campaign: bool
    refused_under_simple_dt: bool = False


@dataclass(frozen=True, slots=True)
class Method:
    """A JSON-RPC method bound to its rpc; request and response types come from the descriptor."""

    name: str  # create.campaigns
    rpc: MethodDescriptor

    @property
    def path(self) -> str:
        return rpc_path(self.rpc)

    @property
    def request_type(self) -> type[Message]:
        return message_factory.GetMessageClass(self.rpc.input_type)

    @property
    def response_type(self) -> type[Message]:
        return message_factory.GetMessageClass(self.rpc.output_type)

    @property
    def accepts_idempotency_key(self) -> bool:
        return accepts_idempotency_key(self.rpc)


def rpc_path(rpc: MethodDescriptor) -> str:
    """The gRPC method path: /campaigns.v1.CampaignService/CreateCampaign."""
    return f"/{rpc.containing_service.full_name}/{rpc.name}"


def rpcs() -> Iterator[MethodDescriptor]:
    """Every rpc of SERVICES, in proto order."""
    for service in SERVICES:
        yield from service.methods


def jsonrpc_name(rpc: MethodDescriptor) -> str | None:
    """The rpc's `jsonrpc_method` option; None when the gateway does not expose it."""
    options = rpc.GetOptions()
    return options.Extensions[options_pb2.jsonrpc_method] if options.HasExtension(options_pb2.jsonrpc_method) else None


def policy_of(rpc: MethodDescriptor) -> AccessPolicy | None:
    """The rpc's `access_policy` option; None when it has none."""
    options = rpc.GetOptions()
    if not options.HasExtension(options_pb2.access_policy):
        return None
    policy = options.Extensions[options_pb2.access_policy]
    return AccessPolicy(
        one_of_components=tuple(policy.one_of_components),
        writes=policy.writes,
        agents_only=policy.agents_only,
        takes_campaign=policy.takes_campaign,
        refused_under_simple_dt=policy.refused_under_simple_dt,
    )


def accepts_idempotency_key(rpc: MethodDescriptor) -> bool:
    """The rpc's `accepts_idempotency_key` option (contract/idempotency.py)."""
    return bool(rpc.GetOptions().Extensions[options_pb2.accepts_idempotency_key])


def method_errors(rpc: MethodDescriptor) -> tuple[str, ...]:
    """The rpc's `method_errors` option: catalogue keys its own work can answer (see options.proto)."""
    return tuple(rpc.GetOptions().Extensions[options_pb2.method_errors])


def _jsonrpc_methods() -> dict[str, Method]:
    table: dict[str, Method] = {}
    for rpc in rpcs():
        name = jsonrpc_name(rpc)
        if name is None:
            continue
        if name in table:
            raise ValueError(f"{name} is the jsonrpc_method of both {table[name].path} and {rpc_path(rpc)}")
        table[name] = Method(name, rpc)
    return table


def _policies_by_request() -> dict[str, AccessPolicy]:
    table: dict[str, AccessPolicy] = {}
    requests: set[str] = set()
    for rpc in rpcs():
        # buf lint (RPC_REQUEST_RESPONSE_UNIQUE) already keeps request types to one rpc each.
        if rpc.input_type.full_name in requests:
            raise ValueError(f"{rpc.input_type.full_name} is the request of more than one rpc")
        requests.add(rpc.input_type.full_name)
        policy = policy_of(rpc)
        if policy is not None:
            table[rpc.input_type.full_name] = policy
    return table


# JSON-RPC method name -> its rpc: the gateway's method table.
JSONRPC_METHODS: Final[dict[str, Method]] = _jsonrpc_methods()

# Request message full name -> the access policy of the rpc that takes it.
_POLICIES: Final = _policies_by_request()


# Request message full name -> the rpc that takes it, for the rpcs that honour an idempotency key.
_KEYED: Final = {rpc.input_type.full_name: rpc for rpc in rpcs() if accepts_idempotency_key(rpc)}


def keyed_rpc(request: Message) -> MethodDescriptor | None:
    """The rpc this is the request of when that rpc honours an idempotency key, else None."""
    return _KEYED.get(request.DESCRIPTOR.full_name)


def access_policy(request: Message) -> AccessPolicy:
    """The access policy of the rpc this is the request of; LookupError when that rpc has none."""
    name = request.DESCRIPTOR.full_name
    try:
        return _POLICIES[name]
    except KeyError:
        raise LookupError(f"the rpc taking {name} has no access_policy option") from None
