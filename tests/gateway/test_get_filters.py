"""The get.* methods through the wire, on the demo data: the `filter` parameter, its operators and faults.

Expectations come from docs/contract.md, docs/demo-data.md, docs/decisions.md and notes/data-api-reference.md
(the original API's get machinery). Where they leave a point open, the test says which reading it takes.
The `api` fixture (tests/gateway/conftest.py) calls the gateway over one kept-alive client.
"""

from __future__ import annotations

import json
from typing import Any, Final

from tests.gateway.gets import (
    AGENT,
    ALL_IDS,
    CUST,
    DEMO_CREATED,
    Api,
    _all,
    _any,
    _filter,
    _nested,
    create_campaign,
    get_ids,
    get_result,
    redirection,
)
from tests.gateway.wire import ABSENT, assert_error

# ---------------------------------------------------------------- filters

# (filter, ids of account 1000's campaigns it keeps, in the default order)
CAMPAIGN_FILTERS: Final[list[tuple[dict[str, Any], list[int]]]] = [
    # int
    (_filter("id", "=", 7), [7]),
    (_filter("id", "=", -1), [-1]),
    (_filter("id", "!=", 7), [-1, 8, 9]),
    (_filter("id", "<", 8), [-1, 7]),
    (_filter("id", ">", 8), [9]),
    (_filter("id", "<=", 8), [-1, 7, 8]),
    (_filter("id", ">=", 8), [8, 9]),
    (_filter("id", "in", [7, 9, 12345]), [7, 9]),
    (_filter("id", "in", [-1]), [-1]),
    # the system campaign is -1 on the wire, whatever its stored key
    (_filter("id", "=", -1000), []),
    (_filter("id", "not_in", [7, 9]), [-1, 8]),
    (_filter("id", "in", []), []),
    (_filter("id", "not_in", []), ALL_IDS),
    (_filter("site_id", "=", 10), [7, 8]),
    (_filter("site_id", "in", [20, 11]), [9]),
    # null with = and !=, and the null tests
    (_filter("engine", "=", None), [-1, 7, 9]),
    (_filter("engine", "!=", None), [8]),
    (_filter("site_id", "=", None), [-1]),
    (_filter("site_id", "!=", None), [7, 8, 9]),
    (_filter("engine", "is_null", None), [-1, 7, 9]),
    (_filter("engine", "is_null"), [-1, 7, 9]),
    (_filter("engine", "is_not_null", None), [8]),
    (_filter("site_id", "is_null"), [-1]),
    (_filter("site_domain_name", "is_null"), [-1]),
    (_filter("costs", "is_null"), ALL_IDS),
    (_filter("costs", "is_not_null"), []),
    (_filter("static_utm_source", "is_null"), ALL_IDS),
    # Interpretation: a null is "not equal" to a value (the service's choice: engine != x keeps the nulls).
    (_filter("engine", "!=", "yandex.direct"), [-1, 7, 9]),
    # enum-like text
    (_filter("engine", "=", "yandex.direct"), [8]),
    (_filter("status", "=", "inactive"), [9]),
    (_filter("status", "!=", "active"), [9]),
    (_filter("type", "=", "basic"), [7, 9]),
    (_filter("type", "in", ["system", "integrated"]), [-1, 8]),
    (_filter("type", "not_in", ["basic"]), [-1, 8]),
    # text: = is exact and case-sensitive; like is case-sensitive, ilike not
    (_filter("name", "=", "Paused"), [9]),
    (_filter("name", "=", "paused"), []),
    (_filter("name", "in", ["Paused", "Yandex.Direct", "nope"]), [8, 9]),
    (_filter("name", "like", "Pa%"), [9]),
    (_filter("name", "like", "%paused%"), []),
    (_filter("name", "like", "%Paused%"), [9]),
    (_filter("name", "ilike", "%paused%"), [9]),
    (_filter("name", "ilike", "%TRACKING"), [7]),
    (_filter("name", "not_like", "%Pa%"), [-1, 7, 8]),
    (_filter("name", "not_like", "%PA%"), ALL_IDS),
    (_filter("name", "not_ilike", "%PA%"), [7, 8]),  # "Visitors without advertising campaign" has "pa"
    (_filter("site_domain_name", "=", "blog.example"), [9]),
    (_filter("site_domain_name", "like", "%.example"), [7, 8, 9]),
    # time
    (_filter("creation_time", "=", DEMO_CREATED), ALL_IDS),
    (_filter("creation_time", "!=", DEMO_CREATED), []),
    (_filter("creation_time", "<", "2026-01-15 10:00:01"), ALL_IDS),
    (_filter("creation_time", "<", DEMO_CREATED), []),
    (_filter("creation_time", "<=", DEMO_CREATED), ALL_IDS),
    (_filter("creation_time", ">", "2026-01-15 09:59:59"), ALL_IDS),
    (_filter("creation_time", ">=", "2026-01-15 10:00:01"), []),
    (_filter("creation_time", "in", ["2020-01-01 00:00:00", DEMO_CREATED]), ALL_IDS),
    # number (costs: no spend is recorded, so every campaign's is null)
    (_filter("costs", ">", 1.5), []),
    (_filter("costs", "=", None), ALL_IDS),
    # trees: or, and, the default condition (and), and nesting (notes 1.4's examples)
    (_any(_filter("id", "=", 7), _filter("id", "=", 9)), [7, 9]),
    (_all(_filter("id", "=", 7), _filter("id", "=", 9)), []),
    ({"filters": [_filter("type", "=", "basic"), _filter("status", "=", "active")]}, [7]),
    (_all(_filter("type", "=", "basic"), _filter("status", "=", "active")), [7]),
    (
        _any(_all(_filter("type", "=", "basic"), _filter("status", "=", "active")), _filter("engine", "is_not_null")),
        [7, 8],
    ),
    (
        _any(
            _all(
                _any(_filter("id", "=", 7), _filter("id", "=", 8)),
                _any(_filter("site_id", "=", 10), _filter("site_id", "=", 20)),
            ),
            _filter("id", "=", -1),
            _all(_filter("status", "=", "inactive"), _filter("site_domain_name", "=", "blog.example")),
        ),
        ALL_IDS,
    ),
    (
        _all(
            _any(_filter("id", "=", 7), _filter("id", "=", 9)), _any(_filter("site_id", "=", 20), _filter("id", "=", 8))
        ),
        [9],
    ),
    ({"filters": [_filter("id", "=", 8)], "condition": "or"}, [8]),
]


async def test_filter_operators_on_get_campaigns(api: Api) -> None:
    for index, (tree, expected) in enumerate(CAMPAIGN_FILTERS):
        assert await get_ids(api, "get.campaigns", {**CUST, "filter": tree}) == (expected, len(expected)), (
            index,
            tree,
        )
    # docs/decisions.md: up to 8 levels deep, 200 nodes, 1,000 values in a list.
    assert await get_ids(api, "get.campaigns", {**CUST, "filter": _nested(8, _filter("id", "=", 7))}) == ([7], 1)
    assert await get_ids(api, "get.campaigns", {**CUST, "filter": {"filters": [_filter("id", "=", 7)] * 199}}) == (
        [7],
        1,
    )
    assert await get_ids(api, "get.campaigns", {**CUST, "filter": _filter("id", "in", list(range(1000)))}) == (
        [7, 8, 9],
        3,
    )


async def test_filters_on_the_other_gets(api: Api) -> None:
    cases: list[tuple[str, dict[str, Any], dict[str, Any], list[int]]] = [
        ("get.campaign_available_phone_numbers", CUST, _filter("type", "=", "va"), [302]),
        ("get.campaign_available_phone_numbers", CUST, _filter("type", "in", ["va", "user"]), [302, 303]),
        ("get.campaign_available_phone_numbers", CUST, _filter("phone_number", "like", "%0309"), [309]),
        ("get.campaign_available_phone_numbers", CUST, _filter("prefix", "=", "7495"), list(range(301, 311))),
        ("get.campaign_available_phone_numbers", CUST, _filter("id", ">=", 309), [309, 310]),
        ("get.campaign_available_redirection_phone_numbers", CUST, _filter("id", "!=", 401), [402]),
        (
            "get.campaign_available_redirection_phone_numbers",
            CUST,
            _filter("phone_number", "=", redirection(401)),
            [401],
        ),
        ("get.sites", CUST, _filter("domain_name", "=", "blog.example"), [20]),
        ("get.sites", CUST, _filter("name", "ilike", "sh%"), [10]),
        ("get.sites", CUST, _filter("id", "not_in", [10]), [20]),
        ("get.site_blocks", CUST, _filter("site_id", "=", 10), [101, 102]),
        ("get.site_blocks", CUST, _filter("name", "in", ["Sidebar", "Main"]), [201]),
        ("get.site_blocks", CUST, _filter("site_domain_name", "like", "shop.%"), [101, 102]),
        ("get.site_blocks", CUST, _any(_filter("id", "=", 101), _filter("site_id", "=", 20)), [101, 201]),
        ("get.customer_users", AGENT, _filter("name", "like", "Demo%"), [5001]),
        ("get.customer_users", AGENT, _filter("id", "in", [5002, 5003]), [5002]),
    ]
    for method, token, tree, expected in cases:
        if method == "get.customer_users":
            result = await get_result(api, method, {**token, "filter": tree}, limits=False)
            found = ([item["id"] for item in result["data"]], result["metadata"]["total_items"])
        else:
            found = await get_ids(api, method, {**token, "filter": tree})
        assert found == (expected, len(expected)), (method, tree)


# (filter, mnemonic, field, value)
FILTER_ERRORS: Final[list[tuple[Any, str, str, str | None]]] = [
    # not filterable, unknown
    (_filter("description", "=", "x"), "filter_prohibited", "filter.field", "description"),
    (_filter("cost_ratio", "=", 1), "filter_prohibited", "filter.field", "cost_ratio"),
    (_filter("site_blocks", "=", "x"), "filter_prohibited", "filter.field", "site_blocks"),
    (_filter("campaign_conditions", "is_null"), "filter_prohibited", "filter.field", "campaign_conditions"),
    (_filter("nosuch", "=", "x"), "unexpected_parameters", "filter.field", "nosuch"),
    (_filter("ID", "=", 7), "unexpected_parameters", "filter.field", "ID"),
    # a value that does not fit the operator or the field's kind
    (_filter("id", "<", "abc"), "invalid_parameter_value", "filter.value", "abc"),
    (_filter("id", "=", "7"), "invalid_parameter_value", "filter.value", "7"),
    (_filter("id", "=", 7.5), "invalid_parameter_value", "filter.value", "7.5"),
    (_filter("id", "=", True), "invalid_parameter_value", "filter.value", "true"),
    (_filter("id", "in", 7), "invalid_parameter_value", "filter.value", "7"),
    (_filter("type", "in", "basic"), "invalid_parameter_value", "filter.value", "basic"),
    (_filter("id", "not_in", {"a": 1}), "invalid_parameter_value", "filter.value", '{"a":1}'),
    (_filter("id", "in", [7, "x"]), "invalid_parameter_value", "filter.value", '[7,"x"]'),
    (_filter("id", "like", "7%"), "invalid_parameter_value", "filter.value", "7%"),
    (_filter("name", "<", "M"), "invalid_parameter_value", "filter.value", "M"),
    (_filter("name", "like", 7), "invalid_parameter_value", "filter.value", "7"),
    (_filter("name", "=", 7), "invalid_parameter_value", "filter.value", "7"),
    (
        _filter("creation_time", "<", "2026-01-15T10:00:00"),
        "invalid_parameter_value",
        "filter.value",
        "2026-01-15T10:00:00",
    ),
    (_filter("creation_time", ">", "yesterday"), "invalid_parameter_value", "filter.value", "yesterday"),
    (
        _filter("creation_time", "=", "2026-02-30 10:00:00"),
        "invalid_parameter_value",
        "filter.value",
        "2026-02-30 10:00:00",
    ),
    (_filter("creation_time", ">", 1768471200), "invalid_parameter_value", "filter.value", "1768471200"),
    (_filter("engine", "is_null", "x"), "invalid_parameter_value", "filter.value", "x"),
    # operators and conditions outside the lists
    (_filter("name", "contains", "x"), "invalid_parameter_value", "filter.operator", "contains"),
    (_filter("id", "==", 7), "invalid_parameter_value", "filter.operator", "=="),
    ({"filters": [_filter("id", "=", 7)], "condition": "xor"}, "invalid_parameter_value", "filter.condition", "xor"),
    # structure
    ([_filter("id", "=", 7)], "data_type_error", "filter", '[{"field":"id","operator":"=","value":7}]'),
    ({**_filter("id", "=", 7), "extra": 1}, "unexpected_parameters", "filter.extra", "1"),
    ({"field": "id", "value": 7}, "required_parameter_missed", "filter.operator", None),
    ({"operator": "=", "value": 7}, "required_parameter_missed", "filter.field", None),
    ({"field": 7, "operator": "=", "value": 7}, "data_type_error", "filter.field", "7"),
    # nested: the path names the nesting, without indices
    (_any(_filter("id", "=", 7), _filter("bogus", "=", 1)), "unexpected_parameters", "filter.filters.field", "bogus"),
    (_all(_filter("id", "=", 7), _filter("id", "<", "x")), "invalid_parameter_value", "filter.filters.value", "x"),
    (
        _any(_all(_filter("id", "=", 7), _filter("description", "=", "d"))),
        "filter_prohibited",
        "filter.filters.filters.field",
        "description",
    ),
    # docs/decisions.md: at most 1,000 values in a list, 200 nodes in a tree
    (
        _filter("id", "in", list(range(1001))),
        "invalid_parameter_value",
        "filter.value",
        json.dumps(list(range(1001)), separators=(",", ":")),
    ),
    (
        {"filters": [_filter("id", "=", 7)] * 200},
        "invalid_parameter_value",
        "filter.filters",
        '{"field":"id","operator":"=","value":7}',
    ),
    # nine levels: one too many
    (
        _nested(9, _filter("id", "=", 7)),
        "invalid_parameter_value",
        "filter" + ".filters" * 8,
        '{"field":"id","operator":"=","value":7}',
    ),
]


async def test_filter_errors(api: Api) -> None:
    for index, (tree, mnemonic, field, value) in enumerate(FILTER_ERRORS):
        body = await api.call("get.campaigns", {**CUST, "filter": tree}, index)
        assert_error(body, mnemonic, request_id=index, field=field, value=ABSENT if value is None else value)
    # The same rules on the other methods.
    other: list[tuple[str, dict[str, Any], str, str, str]] = [
        ("get.sites", _filter("site_blocks", "=", 1), "filter_prohibited", "filter.field", "site_blocks"),
        ("get.site_blocks", _filter("phone_numbers", "is_null"), "filter_prohibited", "filter.field", "phone_numbers"),
        (
            "get.campaign_available_phone_numbers",
            _filter("kind", "=", "va"),
            "unexpected_parameters",
            "filter.field",
            "kind",
        ),
        (
            "get.campaign_available_redirection_phone_numbers",
            _filter("id", "<", "4"),
            "invalid_parameter_value",
            "filter.value",
            "4",
        ),
    ]
    for method, tree, mnemonic, field, value in other:
        assert_error(await api.call(method, {**CUST, "filter": tree}), mnemonic, request_id=1, field=field, value=value)


async def test_filter_without_value_means_empty(api: Api) -> None:
    assert await get_ids(api, "get.campaigns", {**CUST, "filter": {"field": "engine", "operator": "="}}) == (
        [-1, 7, 9],
        3,
    )
    assert await get_ids(api, "get.campaigns", {**CUST, "filter": {"field": "engine", "operator": "!="}}) == (
        [8],
        1,
    )


async def test_filter_regexp_operator_is_not_offered(api: Api) -> None:
    # Issue 4 lists the operators; regexp and jsquery of the original are not among them (docs/decisions.md).
    assert_error(
        await api.call("get.campaigns", {**CUST, "filter": _filter("name", "regexp", "^(Pa|Ya)")}),
        "invalid_parameter_value",
        request_id=1,
        field="filter.operator",
        value="regexp",
    )


async def test_ilike_is_case_insensitive_beyond_ascii(api: Api) -> None:
    spring = await create_campaign(api, {"name": "Весна Sale", "site_id": 20})
    assert await get_ids(api, "get.campaigns", {**CUST, "filter": _filter("name", "ilike", "%sale%")}) == (
        [spring],
        1,
    )
    assert await get_ids(api, "get.campaigns", {**CUST, "filter": _filter("name", "like", "%весна%")}) == ([], 0)
    assert await get_ids(api, "get.campaigns", {**CUST, "filter": _filter("name", "ilike", "%весна%")}) == (
        [spring],
        1,
    )
    assert await get_ids(
        api, "get.campaigns", {**CUST, "filter": _filter("name", "not_ilike", "%" + "весна".upper() + "%")}
    ) == (
        ALL_IDS,
        4,
    )
