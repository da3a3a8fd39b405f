"""get.campaign_parameter_weights and update.campaign_parameter_weights (METHODS.md §9, §10).

Weights are kept per site, only once a client changed one: a site without a row,
or a NULL in its row, has the documented default. They are stored and shown,
nothing more: this service attributes no visits, so no other output depends on them.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa
from campaigns.v1 import campaign_service_pb2 as spb
from sqlalchemy.dialects import postgresql, sqlite

from service.access import Caller
from service.errors import ServiceError
from service.listing import Field, Listing, Query, run_query
from service.rules import Param, between
from service.storage import lock_account
from service.storage import schema as t
from service.storage.schema import PARAMETER_WEIGHTS

DEFAULTS: Final = {
    "entrance_page": 10,
    "referrer_domain": 20,
    "search_engine": 20,
    "search_query": 40,
    "engine": 25,
    "referrer": 30,
    "channel": 15,
    "location": 5,
    "utm_tags": 60,
    "os_tags": 50,
    "other_tags": 60,
}
assert tuple(DEFAULTS) == PARAMETER_WEIGHTS
MAX_WEIGHT: Final = 100
# The vendor's example sends the ad-system weight as ad_engine; get shows it as engine.
ALIAS: Final = "ad_engine"

WEIGHTS: Final = Listing(
    (
        Field("site_id", "int", filterable=True, sortable=True),
        Field("site_domain_name", "text", filterable=True),
        *(Field(name) for name in PARAMETER_WEIGHTS),
    )
)
_s = t.sites.c
_w = t.site_parameter_weights.c
_COLUMNS: Final[dict[str, Any]] = {"site_id": _s.id, "site_domain_name": _s.domain_name}
_WEIGHTS: Final = (
    sa.select(
        *(expression.label(name) for name, expression in _COLUMNS.items()),
        *(sa.func.coalesce(_w[name], DEFAULTS[name]).label(name) for name in PARAMETER_WEIGHTS),
    )
    .select_from(t.sites.outerjoin(t.site_parameter_weights, _w.site_id == _s.id))
    .where(_s.account_id == sa.bindparam("account_id"))
)


def get_weights(conn: sa.Connection, account_id: int, query: Query) -> spb.GetCampaignParameterWeightsResponse:
    rows, total = run_query(conn, _WEIGHTS, {"account_id": account_id}, _COLUMNS, _s.id, query)
    return spb.GetCampaignParameterWeightsResponse(
        data=[
            spb.CampaignParameterWeights(**{name: getattr(row, name) for name in WEIGHTS.default_fields})
            for row in rows
        ],
        total_items=total,
        fields=query.fields,
    )


UPDATE_WEIGHTS: Final = (
    Param("user_id"),
    Param("site_id", required=True),
    *(Param(name, valid=between(0, MAX_WEIGHT)) for name in PARAMETER_WEIGHTS),
    Param(ALIAS, valid=between(0, MAX_WEIGHT)),
)
_CLEARABLE: Final = frozenset({*PARAMETER_WEIGHTS, ALIAS})
# A null site_id or user_id is "not sent" (the walk has reported a missing site_id already).
_NULL_MEANS_NOT_SENT: Final = frozenset({"site_id", "user_id"})
_NOT_MENTIONED: Final = object()


def _stated(request: spb.UpdateCampaignParameterWeightsRequest, name: str, cleared: set[str]) -> object:
    """What the request says of a weight: a number, None (back to the default), or _NOT_MENTIONED."""
    if request.HasField(name):  # type: ignore[arg-type]
        value: int = getattr(request, name)
        return value
    return None if name in cleared else _NOT_MENTIONED


def update_weights(conn: sa.Connection, caller: Caller, request: spb.UpdateCampaignParameterWeightsRequest) -> None:
    cleared = set(request.cleared_fields)
    for name in sorted(cleared - _CLEARABLE - _NULL_MEANS_NOT_SENT):
        raise ServiceError("invalid_parameter_value", path="cleared_fields", value=name)
    changes: dict[str, int | None] = {}
    for name in PARAMETER_WEIGHTS:
        stated = _stated(request, name, cleared)
        if stated is not _NOT_MENTIONED:
            changes[name] = stated  # type: ignore[assignment]
    # Step 9: the two names of one weight may both be sent only when they agree.
    alias = _stated(request, ALIAS, cleared)
    if alias is not _NOT_MENTIONED:
        if "engine" in changes and changes["engine"] != alias:
            value = str(request.ad_engine) if request.HasField(ALIAS) else None
            raise ServiceError("invalid_parameters_combination", path=ALIAS, value=value)
        changes["engine"] = alias  # type: ignore[assignment]
    # Step 10. Deleting a site takes the account's exclusive lock: this one keeps the site there.
    lock_account(conn, caller.account.id, exclusive=False)
    site = conn.scalar(sa.select(_s.id).where(_s.id == request.site_id, _s.account_id == caller.account.id))
    if site is None:
        raise ServiceError("entity_not_found", path="site_id", value=str(request.site_id))
    if not changes:
        return
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(t.site_parameter_weights)
    # The row first if there is none (two first changes at once: one inserts, the other waits and
    # finds it), then the change: the weights not sent keep what they had.
    conn.execute(insert.values(site_id=site).on_conflict_do_nothing(index_elements=["site_id"]))
    conn.execute(t.site_parameter_weights.update().where(_w.site_id == site).values(**changes))
