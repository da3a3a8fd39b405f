"""service/listing.py's checks that need no database: limit, offset, fields, sort and filter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from campaigns.v1 import campaign_pb2 as pb
from campaigns.v1 import campaign_service_pb2 as spb
from google.protobuf import struct_pb2

from service import listing
from service.campaign_views import CAMPAIGNS
from service.errors import ServiceError
from service.listing import (
    DEFAULT_LIMIT,
    GET_PARAMS,
    MAX_FILTER_DEPTH,
    MAX_IN_VALUES,
    Comparison,
    Group,
    Sorting,
    check_query,
)
from service.walk import check_structure


def value(python: Any) -> struct_pb2.Value:
    result = struct_pb2.Value()
    if python is None:
        result.null_value = struct_pb2.NULL_VALUE
    elif isinstance(python, bool):
        result.bool_value = python
    elif isinstance(python, (int, float)):
        result.number_value = python
    elif isinstance(python, str):
        result.string_value = python
    else:
        result.list_value.values.extend(value(item) for item in python)
    return result


def comparison(field: str, operator: int, sent: Any = ..., **extra: Any) -> pb.Filter:
    node = pb.Filter(field=field, operator=operator, **extra)  # type: ignore[arg-type]
    if sent is not ...:
        node.value.CopyFrom(value(sent))
    return node


def refused(request: spb.GetCampaignsRequest) -> tuple[str, str | None]:
    with pytest.raises(ServiceError) as caught:
        check_structure(request, GET_PARAMS)
        check_query(request, CAMPAIGNS)
    return caught.value.mnemonic, caught.value.path


def test_defaults() -> None:
    query = check_query(spb.GetCampaignsRequest(), CAMPAIGNS)
    assert (query.limit, query.offset, query.sort, query.filter) == (DEFAULT_LIMIT, 0, [], None)
    assert query.fields == CAMPAIGNS.default_fields


def test_fields_in_order_without_repeats() -> None:
    query = check_query(spb.GetCampaignsRequest(fields=["name", "id", "name"]), CAMPAIGNS)
    assert query.fields == ["name", "id"]


@pytest.mark.parametrize(
    ("request_", "fault"),
    [
        (spb.GetCampaignsRequest(limit=10_001), ("invalid_parameter_value", "limit")),
        (spb.GetCampaignsRequest(limit=-1), ("invalid_parameter_value", "limit")),
        (spb.GetCampaignsRequest(offset=100_001), ("invalid_parameter_value", "offset")),
        (spb.GetCampaignsRequest(fields=["id", "colour"]), ("unexpected_parameters", "fields[1]")),
        (spb.GetCampaignsRequest(sort=[pb.Sort(field="nope")]), ("unexpected_parameters", "sort[0].field")),
        (spb.GetCampaignsRequest(sort=[pb.Sort(field="description")]), ("sort_prohibited", "sort[0].field")),
        (
            spb.GetCampaignsRequest(sort=[pb.Sort(order=pb.SORT_ORDER_DESC)]),
            ("required_parameter_missed", "sort[0].field"),
        ),
    ],
)
def test_paging_fields_and_sort(request_: spb.GetCampaignsRequest, fault: tuple[str, str]) -> None:
    assert refused(request_) == fault


def test_limit_and_offset_bounds_pass() -> None:
    query = check_query(spb.GetCampaignsRequest(limit=0, offset=100_000), CAMPAIGNS)
    assert (query.limit, query.offset) == (0, 100_000)


def test_sort() -> None:
    request = spb.GetCampaignsRequest(sort=[pb.Sort(field="name", order=pb.SORT_ORDER_DESC), pb.Sort(field="site_id")])
    assert check_query(request, CAMPAIGNS).sort == [Sorting("name", True), Sorting("site_id", False)]


def test_a_comparison_in_the_fields_terms() -> None:
    request = spb.GetCampaignsRequest(filter=comparison("id", pb.FILTER_OPERATOR_GREATER, 5))
    assert check_query(request, CAMPAIGNS).filter == Comparison("id", pb.FILTER_OPERATOR_GREATER, 5)


def test_a_time_is_read_in_utc() -> None:
    request = spb.GetCampaignsRequest(
        filter=comparison("creation_time", pb.FILTER_OPERATOR_LESS, "1970-01-02 00:00:00")
    )
    query = check_query(request, CAMPAIGNS)
    assert query.filter == Comparison("creation_time", pb.FILTER_OPERATOR_LESS, 86_400)


def test_a_group() -> None:
    request = spb.GetCampaignsRequest(
        filter=pb.Filter(
            condition=pb.FILTER_CONDITION_OR,
            filters=[
                comparison("name", pb.FILTER_OPERATOR_ILIKE, "%sale%"),
                comparison("site_id", pb.FILTER_OPERATOR_IN, [1, 2]),
            ],
        )
    )
    assert check_query(request, CAMPAIGNS).filter == Group(
        any_of=True,
        parts=(
            Comparison("name", pb.FILTER_OPERATOR_ILIKE, "%sale%"),
            Comparison("site_id", pb.FILTER_OPERATOR_IN, [1, 2]),
        ),
    )


def test_null_tests_and_a_missing_value() -> None:
    assert check_query(
        spb.GetCampaignsRequest(filter=comparison("name", pb.FILTER_OPERATOR_IS_NULL)), CAMPAIGNS
    ).filter == Comparison("name", pb.FILTER_OPERATOR_IS_NULL, None)
    assert check_query(
        spb.GetCampaignsRequest(filter=comparison("name", pb.FILTER_OPERATOR_EQUAL)), CAMPAIGNS
    ).filter == Comparison("name", pb.FILTER_OPERATOR_EQUAL, None)


@pytest.mark.parametrize(
    ("node", "fault"),
    [
        (pb.Filter(operator=pb.FILTER_OPERATOR_EQUAL), ("required_parameter_missed", "filter.field")),
        (comparison("colour", pb.FILTER_OPERATOR_EQUAL, 1), ("unexpected_parameters", "filter.field")),
        (comparison("description", pb.FILTER_OPERATOR_EQUAL, "x"), ("filter_prohibited", "filter.field")),
        (pb.Filter(field="id"), ("required_parameter_missed", "filter.operator")),
        (comparison("id", pb.FILTER_OPERATOR_EQUAL, "1"), ("invalid_parameter_value", "filter.value")),
        (comparison("id", pb.FILTER_OPERATOR_EQUAL, 1.5), ("invalid_parameter_value", "filter.value")),
        (comparison("id", pb.FILTER_OPERATOR_EQUAL, 2.0**63), ("invalid_parameter_value", "filter.value")),
        (comparison("name", pb.FILTER_OPERATOR_LESS, "a"), ("invalid_parameter_value", "filter.value")),
        (comparison("id", pb.FILTER_OPERATOR_LIKE, "1%"), ("invalid_parameter_value", "filter.value")),
        (comparison("name", pb.FILTER_OPERATOR_IN, "a"), ("invalid_parameter_value", "filter.value")),
        (comparison("name", pb.FILTER_OPERATOR_IS_NULL, "a"), ("invalid_parameter_value", "filter.value")),
        (comparison("name", pb.FILTER_OPERATOR_GREATER), ("invalid_parameter_value", "filter.value")),
        (comparison("name", pb.FILTER_OPERATOR_EQUAL, "a\x00"), ("invalid_parameter_value", "filter.value")),
        (comparison("costs", pb.FILTER_OPERATOR_EQUAL, float("inf")), ("invalid_parameter_value", "filter.value")),
        (
            comparison("creation_time", pb.FILTER_OPERATOR_EQUAL, "2026-13-01 00:00:00"),
            ("invalid_parameter_value", "filter.value"),
        ),
        (
            comparison("site_id", pb.FILTER_OPERATOR_IN, list(range(MAX_IN_VALUES + 1))),
            ("invalid_parameter_value", "filter.value"),
        ),
        (
            pb.Filter(field="id", filters=[comparison("id", pb.FILTER_OPERATOR_EQUAL, 1)]),
            ("invalid_parameters_combination", "filter"),
        ),
        (
            pb.Filter(filters=[comparison("id", pb.FILTER_OPERATOR_EQUAL, 1), pb.Filter(field="id")]),
            ("required_parameter_missed", "filter.filters[1].operator"),
        ),
        (comparison("id", 99, 1), ("invalid_parameter_value", "filter.operator")),
    ],
)
def test_filter_faults(node: pb.Filter, fault: tuple[str, str]) -> None:
    assert refused(spb.GetCampaignsRequest(filter=node)) == fault


def test_filters_nested_too_deep() -> None:
    node = comparison("id", pb.FILTER_OPERATOR_EQUAL, 1)
    for _ in range(MAX_FILTER_DEPTH):
        node = pb.Filter(filters=[node])
    path = "filter" + ".filters[0]" * MAX_FILTER_DEPTH
    assert refused(spb.GetCampaignsRequest(filter=node)) == ("invalid_parameter_value", path)


@pytest.mark.parametrize(
    "moment", [-86_401, -1, 0, 1, 59, 86_399, 86_400, 951_782_400, 1_764_979_200 + 12_345, 253_402_300_799]
)
def test_times_are_shown_in_utc_as_datetime_would(moment: int) -> None:
    expected = dt.datetime.fromtimestamp(moment, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    assert listing.format_time(moment) == expected


def test_times_stay_right_past_the_kept_dates() -> None:
    # Every second of a day, and more days than the dates kept: the kept dates are dropped and made again.
    start = 1_764_979_200
    for moment in [*range(start, start + 86_400, 7), *range(0, 6_000 * 86_400, 86_400 + 3_601)]:
        expected = dt.datetime.fromtimestamp(moment, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        assert listing.format_time(moment) == expected
