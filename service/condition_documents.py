"""A campaign's conditions as the one JSON text stored in its row (campaigns.conditions), both ways.

Conditions are only ever written and read whole, with their campaign: a create or an update sets all of
them, a listing shows all of them, nothing looks one up. Stored as a row each, a maximal campaign's
1,500 conditions cost SQLite two B-tree inserts a row and were a third of that campaign's create (and a
delete cascaded through them); as one value they are one column of one row (migration 0014).

The document is a list of groups, each a list of conditions, each `[type, campaign_parameter, operator,
value]` in the API's own spellings ("include", "utm_source", "="), as the rows held them: any SQL client
can read it. NULL: no conditions.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Final

import orjson
from campaigns.v1 import campaign_pb2 as pb

from contract.wire import wire_names, wire_numbers

_TYPES: Final = wire_names(pb.ConditionType.DESCRIPTOR)
_PARAMETERS: Final = wire_names(pb.CampaignParameter.DESCRIPTOR)
_OPERATORS: Final = wire_names(pb.ConditionOperator.DESCRIPTOR)
_TYPE_NUMBERS: Final = wire_numbers(pb.ConditionType.DESCRIPTOR)
_PARAMETER_NUMBERS: Final = wire_numbers(pb.CampaignParameter.DESCRIPTOR)
_OPERATOR_NUMBERS: Final = wire_numbers(pb.ConditionOperator.DESCRIPTOR)
# A condition's four fields in one call: 1,500 of them in a maximal campaign.
_FIELDS: Final = attrgetter("type", "campaign_parameter", "operator", "value")


def to_document(conditions: pb.CampaignConditions) -> str | None:
    """The text to store for conditions the walk has passed (every enum a known one); None for none."""
    groups = conditions.group_conditions
    if not groups:
        return None
    types, parameters, operators = _TYPES, _PARAMETERS, _OPERATORS
    return orjson.dumps(
        [
            [
                [types[kind], parameters[parameter], operators[operator], value]
                for kind, parameter, operator, value in map(_FIELDS, group.conditions)
            ]
            for group in groups
        ]
    ).decode()


def read_document(document: str | None, into: pb.CampaignConditions) -> None:
    """Add the conditions a stored document holds (none for NULL) to `into`, a message's own field."""
    if document is None:
        return
    types, parameters, operators = _TYPE_NUMBERS, _PARAMETER_NUMBERS, _OPERATOR_NUMBERS
    for group in orjson.loads(document):
        conditions = into.group_conditions.add().conditions
        for kind, parameter, operator, value in group:
            # A spelling this build does not know (none today) reads as unspecified, as the rows did.
            conditions.add(
                type=types.get(kind, 0),
                campaign_parameter=parameters.get(parameter, 0),
                operator=operators.get(operator, 0),
                value=value,
            )
