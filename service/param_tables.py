"""Each JSON-RPC method's parameter table (step 7, service/rules.py), by its request message, and their export.

`of(request)` is the table `Calls.run` checks a request against; `export()` writes the same tables down as
plain facts (required, list sizes, the bounds of value rules, the error a refused value is) for the
OpenRPC document, which the gateway builds without importing the service: `python
scripts/gen_param_rules.py` turns them into contract/param_rules.json, and fails with --check when that
file is stale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from campaigns.v1 import account_service_pb2 as apb
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import number_service_pb2 as npb
from campaigns.v1 import site_service_pb2 as sspb
from campaigns.v1 import user_service_pb2 as uspb
from google.protobuf.message import Message

from service import costs, listing, numbers, rules, sites, weights
from service.rules import Param, Rule

LOGIN_PARAMS: Final = (Param("login", required=True), Param("password", required=True))
# An agent acts as itself here: no user_id.
CUSTOMER_USERS_PARAMS: Final = tuple(p for p in listing.GET_PARAMS if p.name != "user_id")

_TABLES: Final[dict[type[Message], tuple[Param, ...]]] = {
    spb.CreateCampaignRequest: rules.CREATE_CAMPAIGN,
    spb.GetCampaignsRequest: listing.GET_PARAMS,
    spb.UpdateCampaignRequest: rules.UPDATE_CAMPAIGN,
    spb.DeleteCampaignRequest: rules.DELETE_CAMPAIGN,
    spb.GetCampaignAvailablePhoneNumbersRequest: listing.GET_PARAMS,
    spb.GetCampaignAvailableRedirectionPhoneNumbersRequest: listing.GET_PARAMS,
    spb.GetCampaignParameterWeightsRequest: listing.GET_PARAMS,
    spb.UpdateCampaignParameterWeightsRequest: weights.UPDATE_WEIGHTS,
    spb.UploadCampaignCostsRequest: costs.UPLOAD_COSTS,
    sspb.GetSitesRequest: listing.GET_PARAMS,
    sspb.GetSiteBlocksRequest: listing.GET_PARAMS,
    sspb.CreateSiteRequest: sites.CREATE_SITE,
    sspb.UpdateSiteRequest: sites.UPDATE_SITE,
    sspb.DeleteSiteRequest: sites.DELETE_SITE,
    sspb.CreateSiteBlockRequest: sites.CREATE_SITE_BLOCK,
    sspb.UpdateSiteBlockRequest: sites.UPDATE_SITE_BLOCK,
    sspb.DeleteSiteBlockRequest: sites.DELETE_SITE_BLOCK,
    uspb.LoginRequest: LOGIN_PARAMS,
    uspb.LogoutRequest: (),
    uspb.GetCustomerUsersRequest: CUSTOMER_USERS_PARAMS,
    apb.GetAccountRequest: listing.GET_PARAMS,
    npb.GetVirtualNumbersRequest: listing.GET_PARAMS,
    npb.GetAvailableVirtualNumbersRequest: listing.GET_PARAMS,
    npb.EnableVirtualNumbersRequest: numbers.ENABLE,
    npb.DisableVirtualNumbersRequest: numbers.DISABLE,
}

# Request message full name -> its table.
TABLES: Final[Mapping[str, tuple[Param, ...]]] = {
    message.DESCRIPTOR.full_name: table for message, table in _TABLES.items()
}


def of(request: Message) -> tuple[Param, ...]:
    """The parameter table of this request's method."""
    return TABLES[request.DESCRIPTOR.full_name]


def export() -> dict[str, Any]:
    """Every table as JSON-ready facts: request full name -> parameter -> facts (see _facts)."""
    return {name: _params(table, frozenset()) for name, table in sorted(TABLES.items())}


def _params(params: tuple[Param, ...], walking: frozenset[Callable[[], tuple[Param, ...]]]) -> dict[str, Any]:
    return {param.name: _facts(param, walking) for param in params}


def _facts(param: Param, walking: frozenset[Callable[[], tuple[Param, ...]]]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    if param.required:
        facts["required"] = True
    if param.required_when is not None:
        facts["required_when_other_sent"] = True  # required or not depends on its siblings
    if param.max_items is not None:
        facts["max_items"] = param.max_items
    if isinstance(param.valid, Rule):
        facts.update({key: value for key, value in _bounds(param.valid).items() if value is not None})
    if param.valid is not None:
        facts["invalid"] = param.invalid
    children = param.fields
    if callable(children):
        # A message that contains itself (filters): its rules once; deeper levels are the same rules.
        if children in walking:
            return facts
        walking = walking | {children}
        children = children()
    if children:
        facts["fields"] = _params(children, walking)
    return facts


def _bounds(rule: Rule) -> dict[str, Any]:
    bounds = rule.bounds
    return {
        "minimum": bounds.minimum,
        "maximum": bounds.maximum,
        "min_length": bounds.min_length,
        "max_length": bounds.max_length,
        "pattern": bounds.pattern,
    }
