"""Which JSON-RPC method is which gRPC call: the only per-method table of the gateway."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from campaigns.v1 import campaign_service_pb2, site_service_pb2, user_service_pb2
from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message


@dataclass(frozen=True, slots=True)
class Method:
    """A JSON-RPC method bound to a gRPC method; request and response types come from the descriptor."""

    name: str  # create.campaigns
    rpc: MethodDescriptor

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
_SITES: Final = site_service_pb2.DESCRIPTOR.services_by_name["SiteService"]
_USERS: Final = user_service_pb2.DESCRIPTOR.services_by_name["UserService"]

# JSON-RPC method name -> gRPC method.
_TABLE: Final = (
    ("create.campaigns", _CAMPAIGNS, "CreateCampaign"),
    ("get.campaigns", _CAMPAIGNS, "GetCampaigns"),
    ("update.campaigns", _CAMPAIGNS, "UpdateCampaign"),
    ("delete.campaigns", _CAMPAIGNS, "DeleteCampaign"),
    ("get.campaign_available_phone_numbers", _CAMPAIGNS, "GetCampaignAvailablePhoneNumbers"),
    ("get.campaign_available_redirection_phone_numbers", _CAMPAIGNS, "GetCampaignAvailableRedirectionPhoneNumbers"),
    ("get.sites", _SITES, "GetSites"),
    ("get.site_blocks", _SITES, "GetSiteBlocks"),
    ("login.user", _USERS, "Login"),
    ("logout.user", _USERS, "Logout"),
    ("get.customer_users", _USERS, "GetCustomerUsers"),
)

METHODS: Final[dict[str, Method]] = {name: Method(name, service.methods_by_name[rpc]) for name, service, rpc in _TABLE}
