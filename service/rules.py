"""The parameter rules of the campaign methods that need no database.

Step 7 of the contract's order of checks (structure and values, depth first in document order) is driven
by one table per message, CREATE_CAMPAIGN below, of `Param`s whose value rules are `Rule`s; the walk that
applies a table is service/walk.py. Step 8 (parameter components) follows.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb

from contract.wire import wire_name, wire_names
from service.errors import ServiceError

# Python warns (FutureWarning) about character classes such as [[a] whose meaning
# may change in a later version; they compile and work today, so they are accepted,
# and the warning would only fill the log.
warnings.filterwarnings("ignore", message="Possible (nested set|set )", category=FutureWarning)

NAME_MAX: Final = 255
DESCRIPTION_MAX: Final = 255
CONDITION_VALUE_MAX: Final = 1000
MAX_GROUPS: Final = 30
MAX_CONDITIONS: Final = 50
# A site has a handful of blocks; the cap keeps one request's look-ups bounded.
MAX_SITE_BLOCKS: Final = 100
# Pool numbers may be purchased on the caller's behalf: keep one request's bill bounded.
MAX_POOL_NUMBERS: Final = 100
MAX_COUNT_VISITS: Final = 1_000_000_000
MAX_COST_RATIO: Final = 1_000_000


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a message: presence, its value rule, and its children."""

    name: str
    required: bool = False
    # True when the (present) value is acceptable; a False is the `invalid` error.
    valid: Callable[[Any], bool] | None = None
    # The mnemonic of a value `valid` refuses (a date that does not exist is invalid_date_time).
    invalid: str = "invalid_parameter_value"
    # The message's own params; a callable for a message that contains itself (filters).
    fields: tuple[Param, ...] | Callable[[], tuple[Param, ...]] = ()
    max_items: int | None = None
    # Runs after a message's own fields: rules across them (may raise ServiceError).
    message_rule: Callable[[Any, str], None] | None = None
    # For a list item whose fields are all required scalars (a condition): message_rule's common case
    # decided from the values the walk has read (in the params' order). True only where message_rule
    # passes; False leaves the item to message_rule itself, which finds the violation or passes it.
    message_rule_passes: Callable[[tuple[Any, ...]], bool] | None = None
    # Runs after every element of a list: rules across elements.
    list_rule: Callable[[Any, str], None] | None = None
    # Required only when this holds of the message; it is given `sent(name)`, whether a sibling was sent
    # (a faulty value counts as sent). Reported in the required pass, in document order (METHODS.md §0.6).
    required_when: Callable[[Callable[[str], bool]], bool] | None = None


@dataclass(frozen=True, slots=True)
class Bounds:
    """What a value rule allows, as facts a reader can be told (service/param_tables.py exports them for
    the OpenRPC document); None where the rule says nothing of it. The rule's callable stays the check."""

    minimum: int | float | None = None
    maximum: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None  # the whole value matches it (anchored)


@dataclass(frozen=True, slots=True)
class Rule:
    """A value rule that also says its bounds: the walk calls it, the export reads `bounds`."""

    check: Callable[[Any], bool]
    bounds: Bounds

    def __call__(self, value: Any) -> bool:
        return self.check(value)


# A phone number as the API takes it (METHODS.md §0.2): an optional +, then 7 to 15 digits, not led by 0.
_PHONE_NUMBER: Final = re.compile(r"\+?([1-9][0-9]{6,14})")


def phone_digits(text: str) -> str | None:
    """The digits of a phone number as the API takes it, stored and shown without the +; None if it is not one."""
    match = _PHONE_NUMBER.fullmatch(text)
    return match.group(1) if match else None


# A phone number as a value rule (create.sites, enable.virtual_numbers): its pattern is the one above.
PHONE_NUMBER: Final = Rule(lambda value: phone_digits(value) is not None, Bounds(pattern=_PHONE_NUMBER.pattern))


def text(max_length: int) -> Rule:
    """1 to max_length characters, not blank."""
    return Rule(
        lambda value: 0 < len(value) <= max_length and not value.isspace(),
        Bounds(min_length=1, max_length=max_length),
    )


def _at_most(max_length: int) -> Rule:
    return Rule(lambda value: len(value) <= max_length, Bounds(max_length=max_length))


def known_enum(enum: Any) -> Callable[[int], bool]:
    """A number the enum spells (not UNSPECIFIED, not one it lacks): a set look-up, run for each of a
    maximal campaign's 4,500 enum values."""
    return frozenset(wire_names(enum.DESCRIPTOR)).__contains__


def between(low: int | float, high: int | float) -> Rule:
    """low..high inclusive."""
    return Rule(lambda value: low <= value <= high, Bounds(minimum=low, maximum=high))


# campaign_parameter -> (operators allowed, fixed values or None for free text).
_EQUAL_ONLY: Final = frozenset({pb.CONDITION_OPERATOR_EQUAL})
_ANY_OPERATOR: Final = frozenset({pb.CONDITION_OPERATOR_EQUAL, pb.CONDITION_OPERATOR_SUB, pb.CONDITION_OPERATOR_REGEX})
SEARCH_ENGINES: Final = frozenset(
    {"askcom", "bing.com", "google.com", "mail.ru", "nigma", "rambler.ru", "yahoo.com", "yandex"}
)
# Ad systems: 1 Yandex.Direct, 2 Google AdWords, 3 Begun, 4 Yandex.Market, 5 Aport,
# 6 Social Network Ads, 7 VK Ads, 8 myTarget Ads.
ENGINES: Final = frozenset(str(n) for n in range(1, 9))
CHANNELS: Final = frozenset(
    {
        "display", "paid", "affiliate", "messenger", "social", "email", "organic",
        "internal", "recommendation", "cashed", "cash", "referral", "direct",
    }
)  # fmt: skip
CONDITION_PARAMETERS: Final[dict[int, tuple[frozenset[int], frozenset[str] | None]]] = {
    pb.CAMPAIGN_PARAMETER_SEARCH_ENGINE: (_EQUAL_ONLY, SEARCH_ENGINES),
    pb.CAMPAIGN_PARAMETER_ENGINE: (_EQUAL_ONLY, ENGINES),
    pb.CAMPAIGN_PARAMETER_CHANNEL: (_EQUAL_ONLY, CHANNELS),
    **{
        number: (_ANY_OPERATOR, None)
        for number in pb.CampaignParameter.values()
        if number
        not in (
            pb.CAMPAIGN_PARAMETER_UNSPECIFIED,
            pb.CAMPAIGN_PARAMETER_SEARCH_ENGINE,
            pb.CAMPAIGN_PARAMETER_ENGINE,
            pb.CAMPAIGN_PARAMETER_CHANNEL,
        )
    },
}


def _condition_rule(condition: pb.Condition, path: str) -> None:
    operators, values = CONDITION_PARAMETERS[condition.campaign_parameter]
    if condition.operator not in operators:
        raise ServiceError(
            "invalid_parameter_value",
            path=f"{path}.operator",
            value=wire_name(pb.ConditionOperator.DESCRIPTOR, condition.operator),
        )
    if values is not None and condition.value not in values:
        raise ServiceError("invalid_parameter_value", path=f"{path}.value", value=condition.value)
    if condition.operator == pb.CONDITION_OPERATOR_REGEX:
        try:
            re.compile(condition.value)
        except (re.error, RecursionError, OverflowError):
            raise ServiceError("invalid_parameter_value", path=f"{path}.value", value=condition.value) from None


# _condition_rule's look-ups alone: a regex is left to it (compiled there).
_PLAIN_CONDITIONS: Final = {
    parameter: (operators - {pb.CONDITION_OPERATOR_REGEX}, values)
    for parameter, (operators, values) in CONDITION_PARAMETERS.items()
}


def _condition_passes(fields: tuple[Any, ...]) -> bool:
    """Whether _condition_rule passes a condition, from its (type, campaign_parameter, operator, value) as
    the walk read them, in two look-ups rather than a call that reads them again: 1,500 a campaign."""
    _type, parameter, operator, value = fields
    operators, values = _PLAIN_CONDITIONS[parameter]
    return operator in operators and (values is None or value in values)


def _distinct_blocks(blocks: Any, path: str) -> None:
    seen: set[int] = set()
    for index, block in enumerate(blocks):
        if block.site_block_id in seen:
            raise ServiceError(
                "invalid_parameter_value",
                path=f"{path}[{index}].site_block_id",
                value=str(block.site_block_id),
            )
        seen.add(block.site_block_id)


CONDITION: Final = (
    Param("type", required=True, valid=known_enum(pb.ConditionType)),
    Param("campaign_parameter", required=True, valid=known_enum(pb.CampaignParameter)),
    Param("operator", required=True, valid=known_enum(pb.ConditionOperator)),
    Param("value", required=True, valid=text(CONDITION_VALUE_MAX)),
)
CAMPAIGN_CONDITIONS: Final = (
    Param(
        "group_conditions",
        required=True,
        max_items=MAX_GROUPS,
        fields=(
            Param(
                "conditions",
                required=True,
                max_items=MAX_CONDITIONS,
                fields=CONDITION,
                message_rule=_condition_rule,
                message_rule_passes=_condition_passes,
            ),
        ),
    ),
)
SITE_BLOCK: Final = (
    Param("site_block_id", required=True),
    Param("phone_number_id", required=True),
    Param("redirection_phone_number_id"),
    Param("dynamic_call_tracking_enabled"),
)
DYNAMIC_CALL_TRACKING: Final = (
    Param("reservation_time", valid=known_enum(pb.ReservationTime)),
    Param("count_virtual_numbers", required=True, valid=between(1, MAX_POOL_NUMBERS)),
    Param("count_visits", required=True, valid=between(1, MAX_COUNT_VISITS)),
)
CREATE_CAMPAIGN: Final = (
    Param("user_id"),
    Param("name", required=True, valid=text(NAME_MAX)),
    Param("description", valid=_at_most(DESCRIPTION_MAX)),
    Param("status", valid=known_enum(pb.CampaignStatus)),
    Param("site_id", required=True),
    Param("campaign_conditions", fields=CAMPAIGN_CONDITIONS),
    Param("site_blocks", fields=SITE_BLOCK, max_items=MAX_SITE_BLOCKS, list_rule=_distinct_blocks),
    Param("dynamic_call_tracking", fields=DYNAMIC_CALL_TRACKING),
    # Last: an extension (AIP-163); a bool has no value rule, and the vendor's order stays as it was.
    Param("validate_only"),
)


_cost_ratio: Final = Rule(
    lambda value: math.isfinite(value) and 1 <= value <= MAX_COST_RATIO, Bounds(1, MAX_COST_RATIO)
)


UPDATE_CAMPAIGN: Final = (
    Param("user_id"),
    Param("id", required=True),
    Param("name", valid=text(NAME_MAX)),
    Param("description", valid=_at_most(DESCRIPTION_MAX)),
    Param("status", valid=known_enum(pb.CampaignStatus)),
    Param("site_id", required=True),
    Param("campaign_conditions", fields=CAMPAIGN_CONDITIONS),
    Param("site_blocks", fields=SITE_BLOCK, max_items=MAX_SITE_BLOCKS, list_rule=_distinct_blocks),
    Param("cost_ratio", valid=_cost_ratio),
    Param("cost_ratio_operator", valid=known_enum(pb.CostRatioOperator)),
    Param("dynamic_call_tracking", fields=DYNAMIC_CALL_TRACKING),
    Param("validate_only"),  # as in CREATE_CAMPAIGN
)
DELETE_CAMPAIGN: Final = (Param("user_id"), Param("id", required=True))


def check_components(request: spb.CreateCampaignRequest, components: frozenset[str]) -> None:
    """Step 8: parameters that need a component the account lacks."""
    for index, block in enumerate(request.site_blocks):
        if block.HasField("redirection_phone_number_id") and "va" not in components:
            raise ServiceError(
                "parameter_component_disabled",
                path=f"site_blocks[{index}].redirection_phone_number_id",
                value=str(block.redirection_phone_number_id),
                params={"components": "va"},
            )
        if block.HasField("dynamic_call_tracking_enabled") and "dynamic_call_tracking" not in components:
            raise ServiceError(
                "parameter_component_disabled",
                path=f"site_blocks[{index}].dynamic_call_tracking_enabled",
                value=display_bool(block.dynamic_call_tracking_enabled),
                params={"components": "dynamic_call_tracking"},
            )
    if request.HasField("dynamic_call_tracking") and "dynamic_call_tracking" not in components:
        raise ServiceError(
            "parameter_component_disabled",
            path="dynamic_call_tracking",
            params={"components": "dynamic_call_tracking"},
        )


def display_bool(value: bool) -> str:
    return "true" if value else "false"
