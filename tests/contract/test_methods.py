"""The method table and the access policies, as the rpcs' options give them: no sockets, no database."""

from __future__ import annotations

from typing import Final

import pytest
from campaigns.v1 import account_service_pb2 as apb
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import site_service_pb2 as sspb
from campaigns.v1 import user_service_pb2 as uspb

from contract.catalogue import CATALOGUE
from contract.methods import (
    JSONRPC_METHODS,
    SERVICES,
    AccessPolicy,
    access_policy,
    jsonrpc_name,
    method_errors,
    policy_of,
    rpc_path,
    rpcs,
)

# Rpcs the gateway must not expose (no jsonrpc_method option), by gRPC path. None today: an rpc added
# without a JSON-RPC name fails the first test below until it is listed here.
INTERNAL_RPCS: Final[frozenset[str]] = frozenset()

# The JSON-RPC methods docs/contract.md documents, and the rpc each one calls.
DOCUMENTED: Final = {
    "create.campaigns": "/campaigns.v1.CampaignService/CreateCampaign",
    "get.campaigns": "/campaigns.v1.CampaignService/GetCampaigns",
    "update.campaigns": "/campaigns.v1.CampaignService/UpdateCampaign",
    "delete.campaigns": "/campaigns.v1.CampaignService/DeleteCampaign",
    "get.campaign_available_phone_numbers": "/campaigns.v1.CampaignService/GetCampaignAvailablePhoneNumbers",
    "get.campaign_available_redirection_phone_numbers": (
        "/campaigns.v1.CampaignService/GetCampaignAvailableRedirectionPhoneNumbers"
    ),
    "get.campaign_parameter_weights": "/campaigns.v1.CampaignService/GetCampaignParameterWeights",
    "update.campaign_parameter_weights": "/campaigns.v1.CampaignService/UpdateCampaignParameterWeights",
    "upload.campaign_costs": "/campaigns.v1.CampaignService/UploadCampaignCosts",
    "get.sites": "/campaigns.v1.SiteService/GetSites",
    "get.site_blocks": "/campaigns.v1.SiteService/GetSiteBlocks",
    "create.sites": "/campaigns.v1.SiteService/CreateSite",
    "update.sites": "/campaigns.v1.SiteService/UpdateSite",
    "delete.sites": "/campaigns.v1.SiteService/DeleteSite",
    "create.site_blocks": "/campaigns.v1.SiteService/CreateSiteBlock",
    "update.site_blocks": "/campaigns.v1.SiteService/UpdateSiteBlock",
    "delete.site_blocks": "/campaigns.v1.SiteService/DeleteSiteBlock",
    "login.user": "/campaigns.v1.UserService/Login",
    "logout.user": "/campaigns.v1.UserService/Logout",
    "get.customer_users": "/campaigns.v1.UserService/GetCustomerUsers",
    "get.account": "/campaigns.v1.AccountService/GetAccount",
    "get.virtual_numbers": "/campaigns.v1.NumberService/GetVirtualNumbers",
    "get.available_virtual_numbers": "/campaigns.v1.NumberService/GetAvailableVirtualNumbers",
    "enable.virtual_numbers": "/campaigns.v1.NumberService/EnableVirtualNumbers",
    "disable.virtual_numbers": "/campaigns.v1.NumberService/DisableVirtualNumbers",
}

# What the hand-written tables said before the policies moved into the proto (service/access.py's
# METHODS and the takes_campaign flag of servicers.py), with METHODS.md §0.1's simple_dt refusals.
# Login and logout had none: they need no account's checks.
_CAMPAIGN_COMPONENTS: Final = ("call_tracking", "va")
POLICIES: Final = {
    "/campaigns.v1.CampaignService/CreateCampaign": AccessPolicy(
        _CAMPAIGN_COMPONENTS, writes=True, agents_only=False, takes_campaign=True, refused_under_simple_dt=True
    ),
    "/campaigns.v1.CampaignService/GetCampaigns": AccessPolicy(
        _CAMPAIGN_COMPONENTS, writes=False, agents_only=False, takes_campaign=False
    ),
    "/campaigns.v1.CampaignService/UpdateCampaign": AccessPolicy(
        _CAMPAIGN_COMPONENTS, writes=True, agents_only=False, takes_campaign=False, refused_under_simple_dt=True
    ),
    "/campaigns.v1.CampaignService/DeleteCampaign": AccessPolicy(
        _CAMPAIGN_COMPONENTS, writes=True, agents_only=False, takes_campaign=False, refused_under_simple_dt=True
    ),
    "/campaigns.v1.CampaignService/GetCampaignAvailablePhoneNumbers": AccessPolicy(
        _CAMPAIGN_COMPONENTS, writes=False, agents_only=False, takes_campaign=False, refused_under_simple_dt=True
    ),
    "/campaigns.v1.CampaignService/GetCampaignAvailableRedirectionPhoneNumbers": AccessPolicy(
        _CAMPAIGN_COMPONENTS, writes=False, agents_only=False, takes_campaign=False, refused_under_simple_dt=True
    ),
    # METHODS.md §0.1: the weights need the campaign components; the costs need none.
    "/campaigns.v1.CampaignService/GetCampaignParameterWeights": AccessPolicy(
        _CAMPAIGN_COMPONENTS, writes=False, agents_only=False, takes_campaign=False, refused_under_simple_dt=True
    ),
    "/campaigns.v1.CampaignService/UpdateCampaignParameterWeights": AccessPolicy(
        _CAMPAIGN_COMPONENTS, writes=True, agents_only=False, takes_campaign=False, refused_under_simple_dt=True
    ),
    "/campaigns.v1.CampaignService/UploadCampaignCosts": AccessPolicy(
        (), writes=True, agents_only=False, takes_campaign=False, refused_under_simple_dt=True
    ),
    "/campaigns.v1.SiteService/GetSites": AccessPolicy(
        _CAMPAIGN_COMPONENTS, writes=False, agents_only=False, takes_campaign=False
    ),
    "/campaigns.v1.SiteService/GetSiteBlocks": AccessPolicy(
        _CAMPAIGN_COMPONENTS, writes=False, agents_only=False, takes_campaign=False, refused_under_simple_dt=True
    ),
    # METHODS.md §0.1: the site writes check the campaign methods' components and refuse under simple_dt.
    **{
        f"/campaigns.v1.SiteService/{rpc}": AccessPolicy(
            _CAMPAIGN_COMPONENTS, writes=True, agents_only=False, takes_campaign=False, refused_under_simple_dt=True
        )
        for rpc in ("CreateSite", "UpdateSite", "DeleteSite", "CreateSiteBlock", "UpdateSiteBlock", "DeleteSiteBlock")
    },
    "/campaigns.v1.UserService/GetCustomerUsers": AccessPolicy(
        (), writes=False, agents_only=True, takes_campaign=False
    ),
    # Added with the rpc (docs/decisions.md): customers, and agents acting for one; no component.
    "/campaigns.v1.AccountService/GetAccount": AccessPolicy((), writes=False, agents_only=False, takes_campaign=False),
    # METHODS.md §0.1: no component; number_management select is the read class, insert and delete the
    # write class; simple_dt refuses none of them.
    "/campaigns.v1.NumberService/GetVirtualNumbers": AccessPolicy(
        (), writes=False, agents_only=False, takes_campaign=False
    ),
    "/campaigns.v1.NumberService/GetAvailableVirtualNumbers": AccessPolicy(
        (), writes=False, agents_only=False, takes_campaign=False
    ),
    "/campaigns.v1.NumberService/EnableVirtualNumbers": AccessPolicy(
        (), writes=True, agents_only=False, takes_campaign=False
    ),
    "/campaigns.v1.NumberService/DisableVirtualNumbers": AccessPolicy(
        (), writes=True, agents_only=False, takes_campaign=False
    ),
}


def _path(service: str, rpc: str) -> str:
    return f"/campaigns.v1.{service}/{rpc}"


def test_every_rpc_has_a_jsonrpc_name_or_is_internal() -> None:
    for rpc in rpcs():
        path = _path(rpc.containing_service.name, rpc.name)
        if path in INTERNAL_RPCS:
            assert jsonrpc_name(rpc) is None, f"{path} is listed as internal but has a jsonrpc_method"
        else:
            assert jsonrpc_name(rpc), f"{path} has no jsonrpc_method option and is not listed as internal"


def test_the_services_are_the_five_of_the_proto() -> None:
    assert [service.full_name for service in SERVICES] == [
        "campaigns.v1.CampaignService",
        "campaigns.v1.SiteService",
        "campaigns.v1.UserService",
        "campaigns.v1.AccountService",
        "campaigns.v1.NumberService",
    ]


def test_the_method_table_is_the_documented_list() -> None:
    assert {name: method.path for name, method in JSONRPC_METHODS.items()} == DOCUMENTED
    for name, method in JSONRPC_METHODS.items():
        assert method.name == name
        assert method.request_type.DESCRIPTOR is method.rpc.input_type
        assert method.response_type.DESCRIPTOR is method.rpc.output_type


def test_the_message_classes_are_the_generated_ones() -> None:
    create = JSONRPC_METHODS["create.campaigns"]
    assert create.request_type is spb.CreateCampaignRequest
    assert create.response_type is spb.CreateCampaignResponse
    assert JSONRPC_METHODS["get.site_blocks"].request_type is sspb.GetSiteBlocksRequest
    assert JSONRPC_METHODS["login.user"].response_type is uspb.LoginResponse
    assert JSONRPC_METHODS["get.account"].request_type is apb.GetAccountRequest
    assert JSONRPC_METHODS["get.account"].response_type is apb.GetAccountResponse


def test_the_access_policies_are_what_the_old_tables_said() -> None:
    found = {_path(rpc.containing_service.name, rpc.name): policy_of(rpc) for rpc in rpcs()}
    assert {path: policy for path, policy in found.items() if policy is not None} == POLICIES
    assert {path for path, policy in found.items() if policy is None} == {
        "/campaigns.v1.UserService/Login",
        "/campaigns.v1.UserService/Logout",
    }


def test_the_service_finds_the_policy_by_request() -> None:
    for method in JSONRPC_METHODS.values():
        expected = POLICIES.get(method.path)
        if expected is None:
            with pytest.raises(LookupError):
                access_policy(method.request_type())
        else:
            assert access_policy(method.request_type()) == expected


def test_each_request_type_belongs_to_one_rpc() -> None:
    requests = [rpc.input_type.full_name for rpc in rpcs()]
    assert len(requests) == len(set(requests))


def test_method_errors_are_catalogue_keys() -> None:
    for rpc in rpcs():
        unknown = set(method_errors(rpc)) - set(CATALOGUE)
        assert not unknown, f"{rpc_path(rpc)} names errors not in errors.proto: {sorted(unknown)}"
