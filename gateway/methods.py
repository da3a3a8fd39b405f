"""Which JSON-RPC method is which gRPC call: the only per-method table of the gateway."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from campaigns.v1 import campaign_service_pb2
from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message


@dataclass(frozen=True, slots=True)
class Method:
    """A JSON-RPC method bound to a gRPC method; request and response types come from the descriptor."""

    name: str  # create.campaigns
    rpc: MethodDescriptor

    @property
    def verb(self) -> str:
        return self.name.partition(".")[0]

    @property
    def path(self) -> str:
        return f"/{self.rpc.containing_service.full_name}/{self.rpc.name}"

    @property
    def request_type(self) -> type[Message]:
        return message_factory.GetMessageClass(self.rpc.input_type)

    @property
    def response_type(self) -> type[Message]:
        return message_factory.GetMessageClass(self.rpc.output_type)


_CAMPAIGNS: Final = campaign_service_pb2.DESCRIPTOR.services_by_name["CampaignService"]

METHODS: Final[dict[str, Method]] = {
    method.name: method for method in (Method("create.campaigns", _CAMPAIGNS.methods_by_name["CreateCampaign"]),)
}
