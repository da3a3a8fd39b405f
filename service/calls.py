"""How every authenticated gRPC call runs (`Calls.run`), shared by the servicers (servicers.py).

One write transaction admits the caller (steps 2 to 6), answers a retried idempotent call with its first
answer (idempotency.py), checks the parameters (steps 7 and 8), does the method's work (steps 9 to 11
and the change), and charges the point; a lost race on a number or an idempotency key runs it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

import grpc
import sqlalchemy as sa
from google.protobuf import message_factory
from google.protobuf.message import Message
from sqlalchemy.exc import IntegrityError

from contract import idempotency as idempotency_contract
from contract import methods
from contract.faults import FAULTS_KEY, decode_faults
from contract.limits import LIMITS_KEY, Limits, encode_limits
from contract.methods import access_policy
from service import (
    access,
    campaigns,
    idempotency,
    listing,
    networks,
    param_tables,
    points,
    rules,
    walk,
)
from service.config import ServiceSettings
from service.errors import ServiceError, UnexpectedError
from service.storage import Storage

Context = grpc.aio.ServicerContext[Any, Any]
T = TypeVar("T")

# A lost race on a call_tracking number is retried once the winner has committed:
# the retry then reports already_in_use through the ordinary checks.
_CONFLICT_RETRIES: Final = 3


class _LostRace(Exception):
    """A unit lost a race (a number, an idempotency key): its transaction rolls back and the call runs again."""

    def __init__(self, limits: Limits) -> None:
        super().__init__("lost a race")
        self.limits = limits


def metadata_value(context: Context, key: str) -> str | bytes | None:
    for item_key, value in context.invocation_metadata() or ():
        if item_key == key:
            return value
    return None


def _text_metadata(context: Context, key: str) -> str | None:
    value = metadata_value(context, key)
    return value if isinstance(value, str) else None


class Calls:
    """What every servicer needs: the storage, the settings, and the one way a call runs."""

    def __init__(self, storage: Storage, settings: ServiceSettings) -> None:
        self._storage = storage
        self._settings = settings

    def _ip(self, context: Context) -> networks.IPAddress | None:
        return networks.client_ip(
            context.peer(), _text_metadata(context, "x-forwarded-for"), self._settings.trusted_proxies
        )

    def _token(self, context: Context) -> str | None:
        return access.bearer_token(_text_metadata(context, "authorization"))

    async def run(
        self,
        context: Context,
        request: Any,
        work: Callable[[sa.Connection, access.Caller], T],
        *,
        components: bool = False,
    ) -> T:
        """Admit, check, work and charge, in one transaction.

        Admission follows the access_policy option of the rpc this request is for. When
        it says takes_campaign, the call adds a basic campaign, so the charge also takes
        one from the plan's quota (step 11, the last check) or fails the call. A request
        with validate_only set (create and update) runs the same steps; its work writes
        nothing and the quota must have room but is not taken; the point is charged.
        """
        policy = access_policy(request)
        params = param_tables.of(request)
        raw_faults = metadata_value(context, FAULTS_KEY)
        faults = decode_faults(raw_faults)
        user_id = (
            request.user_id if "user_id" in request.DESCRIPTOR.fields_by_name and request.HasField("user_id") else None
        )
        ip, token = self._ip(context), self._token(context)
        user_id_fault = faults.mnemonic_at("user_id")
        # AIP-163: the work checks everything and writes nothing; the quota is tested, not taken.
        validate_only = bool(getattr(request, "validate_only", False))
        keyed = methods.keyed_rpc(request)
        key = _text_metadata(context, idempotency_contract.METADATA_KEY) if keyed is not None else None
        ttl = self._settings.idempotency_ttl_seconds
        sent_faults = raw_faults.encode() if isinstance(raw_faults, str) else raw_faults

        def unit(conn: sa.Connection) -> tuple[T, Limits, bool]:
            resolved = access.resolve(conn, token=token, user_id=user_id, user_id_fault=user_id_fault)
            # The account is known: from here on, the answer carries its limits, failed or not.
            limits = points.limits_of(resolved.account)
            try:
                caller = access.check(
                    conn, resolved, user_id=user_id, ip=ip, policy=policy, user_id_fault=user_id_fault
                )
                claim = None
                if keyed is not None and key is not None:
                    claim = idempotency.claim(keyed, request, key, sent_faults)
                    if not validate_only:
                        stored = idempotency.recall(conn, caller.account.id, claim, now=int(time.time()), ttl=ttl)
                        if stored is not None:
                            # The first call's answer: no work, no charge, whatever the budget is now.
                            answer = message_factory.GetMessageClass(keyed.output_type).FromString(stored)
                            return cast(T, answer), limits, True
                points.check_budget(limits)
                walk.check_structure(request, params, faults)
                if components:
                    rules.check_components(request, caller.account.components)
                result = work(conn, caller)
                # After the writes it would undo: the account row's lock is then held only to the commit.
                charged = points.charge(conn, caller.account.id, campaign=policy.takes_campaign, take=not validate_only)
                if policy.takes_campaign and not charged:
                    raise ServiceError("tariff_restrictions")
                if claim is not None and not validate_only:
                    assert isinstance(result, Message), "a keyed rpc's work returns its response"
                    stored_first = idempotency.remember(
                        conn, caller.account.id, claim, result.SerializeToString(), now=int(time.time()), ttl=ttl
                    )
                    if not stored_first:
                        # A call with the same key committed meanwhile: run again and answer what it did.
                        raise _LostRace(limits)
            except _LostRace:
                raise
            except ServiceError as error:
                raise error.carrying(limits) from None
            except IntegrityError as error:
                if campaigns.lost_race(error):
                    raise _LostRace(limits) from error
                raise UnexpectedError(limits) from error
            except Exception as error:
                raise UnexpectedError(limits) from error
            return result, limits, False

        lost: _LostRace | None = None
        for _attempt in range(_CONFLICT_RETRIES):
            try:
                result, limits, replayed = await self._storage.write(unit)
                break
            except _LostRace as race:
                lost = race
        else:
            assert lost is not None
            raise campaigns.conflict_error(getattr(request, "site_blocks", ())).carrying(lost.limits)
        if replayed:
            context.set_trailing_metadata(
                ((LIMITS_KEY, encode_limits(limits)), (idempotency_contract.REPLAYED_METADATA_KEY, "true"))
            )
        else:
            context.set_trailing_metadata(((LIMITS_KEY, encode_limits(points.spent(limits, 1))),))
        return result

    async def get(
        self,
        context: Context,
        request: Any,
        target: listing.Listing,
        fetch: Callable[[sa.Connection, int, listing.Query], T],
    ) -> T:
        """A get method: the shared parameters, then the method's listing for the caller's account."""

        def work(conn: sa.Connection, caller: access.Caller) -> T:
            return fetch(conn, caller.account.id, listing.check_query(request, target))

        return await self.run(context, request, work)
