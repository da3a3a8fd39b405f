"""The gRPC servicers: CampaignService, SiteService, UserService, AccountService, NumberService.

Each handler names its work and runs it the one way every authenticated call runs (calls.py, `Calls.run`);
login and logout do their own admission.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import grpc
import sqlalchemy as sa
from campaigns.v1 import account_service_pb2 as apb
from campaigns.v1 import account_service_pb2_grpc as apb_grpc
from campaigns.v1 import campaign_service_pb2 as spb
from campaigns.v1 import campaign_service_pb2_grpc as spb_grpc
from campaigns.v1 import number_service_pb2 as npb
from campaigns.v1 import number_service_pb2_grpc as npb_grpc
from campaigns.v1 import site_service_pb2 as sspb
from campaigns.v1 import site_service_pb2_grpc as sspb_grpc
from campaigns.v1 import user_service_pb2 as uspb
from campaigns.v1 import user_service_pb2_grpc as uspb_grpc

from contract.faults import FAULTS_KEY, decode_faults
from service import (
    access,
    campaign_changes,
    campaign_views,
    campaigns,
    costs,
    directory,
    listing,
    numbers,
    param_tables,
    passwords,
    sessions,
    site_views,
    sites,
    throttle,
    walk,
    weights,
)
from service.calls import Calls, Context, metadata_value
from service.config import ServiceSettings
from service.errors import ServiceError
from service.storage import Storage


class CampaignService(Calls, spb_grpc.CampaignServiceServicer):
    async def CreateCampaign(self, request: spb.CreateCampaignRequest, context: Context) -> spb.CreateCampaignResponse:
        # The response itself is the work's result: with an idempotency key, it is what a retry gets back.
        return await self.run(
            context,
            request,
            lambda conn, caller: spb.CreateCampaignResponse(id=campaigns.create(conn, caller, request)),
            components=True,
        )

    async def GetCampaigns(self, request: spb.GetCampaignsRequest, context: Context) -> spb.GetCampaignsResponse:
        return await self.get(context, request, campaign_views.CAMPAIGNS, campaign_views.get_campaigns)

    async def UpdateCampaign(self, request: spb.UpdateCampaignRequest, context: Context) -> spb.UpdateCampaignResponse:
        await self.run(
            context,
            request,
            lambda conn, caller: campaign_changes.update(conn, caller, request),
            components=True,
        )
        return spb.UpdateCampaignResponse()

    async def DeleteCampaign(self, request: spb.DeleteCampaignRequest, context: Context) -> spb.DeleteCampaignResponse:
        await self.run(
            context,
            request,
            lambda conn, caller: campaign_changes.delete(conn, caller, request),
        )
        return spb.DeleteCampaignResponse()

    async def GetCampaignAvailablePhoneNumbers(
        self, request: spb.GetCampaignAvailablePhoneNumbersRequest, context: Context
    ) -> spb.GetCampaignAvailablePhoneNumbersResponse:
        return await self.get(context, request, directory.AVAILABLE_NUMBERS, directory.available_numbers)

    async def GetCampaignAvailableRedirectionPhoneNumbers(
        self, request: spb.GetCampaignAvailableRedirectionPhoneNumbersRequest, context: Context
    ) -> spb.GetCampaignAvailableRedirectionPhoneNumbersResponse:
        return await self.get(context, request, directory.REDIRECTION_NUMBERS, directory.redirection_numbers)

    async def GetCampaignParameterWeights(
        self, request: spb.GetCampaignParameterWeightsRequest, context: Context
    ) -> spb.GetCampaignParameterWeightsResponse:
        return await self.get(context, request, weights.WEIGHTS, weights.get_weights)

    async def UpdateCampaignParameterWeights(
        self, request: spb.UpdateCampaignParameterWeightsRequest, context: Context
    ) -> spb.UpdateCampaignParameterWeightsResponse:
        await self.run(
            context,
            request,
            lambda conn, caller: weights.update_weights(conn, caller, request),
        )
        return spb.UpdateCampaignParameterWeightsResponse()

    async def UploadCampaignCosts(
        self, request: spb.UploadCampaignCostsRequest, context: Context
    ) -> spb.UploadCampaignCostsResponse:
        await self.run(context, request, lambda conn, caller: costs.upload(conn, caller, request))
        return spb.UploadCampaignCostsResponse(success=True)


class SiteService(Calls, sspb_grpc.SiteServiceServicer):
    async def GetSites(self, request: sspb.GetSitesRequest, context: Context) -> sspb.GetSitesResponse:
        return await self.get(context, request, site_views.SITES, site_views.get_sites)

    async def GetSiteBlocks(self, request: sspb.GetSiteBlocksRequest, context: Context) -> sspb.GetSiteBlocksResponse:
        return await self.get(context, request, site_views.SITE_BLOCKS, site_views.get_site_blocks)

    async def CreateSite(self, request: sspb.CreateSiteRequest, context: Context) -> sspb.CreateSiteResponse:
        # The response itself is the work's result: with an idempotency key, it is what a retry gets back.
        return await self.run(
            context, request, lambda conn, caller: sspb.CreateSiteResponse(id=sites.create_site(conn, caller, request))
        )

    async def UpdateSite(self, request: sspb.UpdateSiteRequest, context: Context) -> sspb.UpdateSiteResponse:
        await self.run(context, request, lambda conn, caller: sites.update_site(conn, caller, request))
        return sspb.UpdateSiteResponse()

    async def DeleteSite(self, request: sspb.DeleteSiteRequest, context: Context) -> sspb.DeleteSiteResponse:
        await self.run(context, request, lambda conn, caller: sites.delete_site(conn, caller, request))
        return sspb.DeleteSiteResponse()

    async def CreateSiteBlock(
        self, request: sspb.CreateSiteBlockRequest, context: Context
    ) -> sspb.CreateSiteBlockResponse:
        return await self.run(
            context,
            request,
            lambda conn, caller: sspb.CreateSiteBlockResponse(id=sites.create_site_block(conn, caller, request)),
        )

    async def UpdateSiteBlock(
        self, request: sspb.UpdateSiteBlockRequest, context: Context
    ) -> sspb.UpdateSiteBlockResponse:
        await self.run(
            context,
            request,
            lambda conn, caller: sites.update_site_block(conn, caller, request),
        )
        return sspb.UpdateSiteBlockResponse()

    async def DeleteSiteBlock(
        self, request: sspb.DeleteSiteBlockRequest, context: Context
    ) -> sspb.DeleteSiteBlockResponse:
        await self.run(
            context,
            request,
            lambda conn, caller: sites.delete_site_block(conn, caller, request),
        )
        return sspb.DeleteSiteBlockResponse()


class AccountService(Calls, apb_grpc.AccountServiceServicer):
    async def GetAccount(self, request: apb.GetAccountRequest, context: Context) -> apb.GetAccountResponse:
        return await self.get(context, request, directory.ACCOUNT, directory.account)


class NumberService(Calls, npb_grpc.NumberServiceServicer):
    """The account's virtual numbers and the platform's stock (service/numbers.py)."""

    async def GetVirtualNumbers(
        self, request: npb.GetVirtualNumbersRequest, context: Context
    ) -> npb.GetVirtualNumbersResponse:
        return await self.get(context, request, numbers.VIRTUAL_NUMBERS, numbers.virtual_numbers)

    async def GetAvailableVirtualNumbers(
        self, request: npb.GetAvailableVirtualNumbersRequest, context: Context
    ) -> npb.GetAvailableVirtualNumbersResponse:
        return await self.get(context, request, numbers.AVAILABLE, numbers.available)

    async def EnableVirtualNumbers(
        self, request: npb.EnableVirtualNumbersRequest, context: Context
    ) -> npb.EnableVirtualNumbersResponse:
        await self.run(context, request, lambda conn, caller: numbers.enable(conn, caller, request))
        return npb.EnableVirtualNumbersResponse(success=True)

    async def DisableVirtualNumbers(
        self, request: npb.DisableVirtualNumbersRequest, context: Context
    ) -> npb.DisableVirtualNumbersResponse:
        await self.run(context, request, lambda conn, caller: numbers.disable(conn, caller, request))
        return npb.DisableVirtualNumbersResponse(success=True)


class UserService(Calls, uspb_grpc.UserServiceServicer):
    """Sessions and an agent's customers: calls that are not made for an account's user."""

    def __init__(self, storage: Storage, settings: ServiceSettings) -> None:
        super().__init__(storage, settings)
        self._login_policy = throttle.Policy(
            window_seconds=settings.login_window_seconds,
            per_login=settings.login_failures_per_login,
            per_address=settings.login_failures_per_address,
        )

    async def Login(self, request: uspb.LoginRequest, context: Context) -> uspb.LoginResponse:
        walk.check_structure(request, param_tables.of(request), decode_faults(metadata_value(context, FAULTS_KEY)))
        login, ip, policy = request.login, self._ip(context), self._login_policy
        # The throttle before anything else is looked at: a refused attempt reads no user and hashes nothing.
        attempt = await self._storage.write(lambda conn: throttle.admit(conn, policy, login, ip, int(time.time())))
        if attempt.new_window:
            await self._storage.write(lambda conn: throttle.sweep(conn, policy, int(time.time())))
        try:
            user = await self._storage.read(lambda conn: sessions.login_candidate(conn, login))
        except ServiceError:
            # An unknown login (or one without a password) costs a hash too, as a wrong password
            # does: how long the answer takes does not tell which logins exist.
            await asyncio.to_thread(passwords.check_password, request.password, passwords.decoy_hash())
            raise
        # Hashing is slow on purpose: off the event loop.
        check = await asyncio.to_thread(passwords.check_password, request.password, user.password_hash)
        if not check.matches:
            raise ServiceError("auth_error")

        def succeed(conn: sa.Connection) -> sessions.Session | ServiceError:
            throttle.forget(conn, attempt)
            if check.new_hash is not None:
                passwords.replace_password_hash(conn, user.user_id, user.password_hash, check.new_hash)
            try:
                return sessions.open_session(conn, user, ip)
            except ServiceError as refusal:
                # A disabled account or an address off its whitelist: the password was right all the
                # same, so the attempt is given back and the hash upgraded (committed, not rolled back).
                return refusal

        session = await self._storage.write(succeed)
        if isinstance(session, ServiceError):
            raise session
        response = uspb.LoginResponse(access_token=session.token, expire_at=session.expires_at)
        if session.account_id is not None:
            response.app_id = session.account_id
        return response

    async def Logout(self, request: uspb.LogoutRequest, context: Context) -> uspb.LogoutResponse:
        token = self._token(context)
        raw_faults = metadata_value(context, FAULTS_KEY)
        faults = decode_faults(raw_faults)

        def unit(conn: sa.Connection) -> None:
            session = access.temporary_session(conn, token=token)
            # The parameters' turn comes after the token and the permission.
            walk.check_structure(request, param_tables.of(request), faults)
            access.end_session(conn, session)

        await self._storage.write(unit)
        return uspb.LogoutResponse()

    async def GetCustomerUsers(
        self, request: uspb.GetCustomerUsersRequest, context: Context
    ) -> uspb.GetCustomerUsersResponse:
        token = self._token(context)
        agent_id = await self._storage.read(lambda conn: access.agent_of(conn, token=token))
        if agent_id is None:
            # A customer's token: the ordinary checks, with its account's limits, end in forbidden.
            return await self.run(context, request, _never)
        raw_faults = metadata_value(context, FAULTS_KEY)
        faults = decode_faults(raw_faults)

        def unit(conn: sa.Connection) -> uspb.GetCustomerUsersResponse:
            # An agent acts as itself here: it has no account, so no point budget either.
            walk.check_structure(request, param_tables.of(request), faults)
            return directory.customer_users(conn, agent_id, listing.check_query(request, directory.CUSTOMER_USERS))

        return await self._storage.read(unit)


def _never(_conn: sa.Connection, _caller: access.Caller) -> Any:
    raise AssertionError("access.check refuses agents_only methods to customers")


def add_servicers(server: grpc.aio.Server, storage: Storage, settings: ServiceSettings) -> tuple[str, ...]:
    """Register the five services; returns their names (for health and reflection)."""
    spb_grpc.add_CampaignServiceServicer_to_server(CampaignService(storage, settings), server)
    sspb_grpc.add_SiteServiceServicer_to_server(SiteService(storage, settings), server)
    uspb_grpc.add_UserServiceServicer_to_server(UserService(storage, settings), server)
    apb_grpc.add_AccountServiceServicer_to_server(AccountService(storage, settings), server)
    npb_grpc.add_NumberServiceServicer_to_server(NumberService(storage, settings), server)
    return tuple(
        module.DESCRIPTOR.services_by_name[name].full_name
        for module, name in (
            (spb, "CampaignService"),
            (sspb, "SiteService"),
            (uspb, "UserService"),
            (apb, "AccountService"),
            (npb, "NumberService"),
        )
    )
