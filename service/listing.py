"""The get machinery: limit, offset, fields, sort and filter, all run in SQL.

Each get method declares its fields once (a `Listing`): what each field is on
the wire, its SQL expression, and whether it may be filtered, sorted, or is in
the default set. Requests are checked against that table and turned into one
WHERE, one ORDER BY and LIMIT/OFFSET, so paging an account with 100,000
campaigns reads one page, not every row.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import sqlalchemy as sa
from campaigns.v1 import campaign_pb2 as pb
from google.protobuf import struct_pb2

from service.errors import ServiceError
from service.rules import Param, between, known_enum
from service.storage import direct
from service.storage.id_lists import in_ids

DEFAULT_LIMIT: Final = 1000
MAX_LIMIT: Final = 10_000
MAX_OFFSET: Final = 100_000
# A filter tree is a client's query plan: keep it to what a person would write.
MAX_FILTER_DEPTH: Final = 8
MAX_FILTER_NODES: Final = 200
MAX_IN_VALUES: Final = 1000
# All in/not_in values of one filter together: PostgreSQL binds at most 32,767 parameters.
MAX_FILTER_VALUES: Final = 10_000
# A filter's text value: SQLite refuses LIKE patterns past 50,000 bytes; nobody needs that.
MAX_FILTER_TEXT: Final = 1000
TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"

Kind = Literal["int", "number", "text", "time", "bool"]


def _filter_params() -> tuple[Param, ...]:
    return (
        Param("field"),
        Param("operator", valid=known_enum(pb.FilterOperator)),
        Param("value"),
        Param("filters", fields=_filter_params),
        Param("condition", valid=known_enum(pb.FilterCondition)),
    )


# The structure every get request shares (step 7), for walk.check_structure.
GET_PARAMS: Final = (
    Param("user_id"),
    Param("limit", valid=between(0, MAX_LIMIT)),
    Param("offset", valid=between(0, MAX_OFFSET)),
    Param("fields"),
    Param("sort", fields=(Param("field", required=True), Param("order", valid=known_enum(pb.SortOrder)))),
    Param("filter", fields=_filter_params),
)


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a get method's items."""

    name: str
    # How filter values are read; None for nested fields (neither filtered nor sorted).
    kind: Kind | None = None
    filterable: bool = False
    sortable: bool = False
    # In the answer when `fields` is not sent.
    default: bool = True


@dataclass(frozen=True, slots=True)
class Listing:
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def default_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.default]


@dataclass(frozen=True, slots=True)
class Sorting:
    field: str
    descending: bool


@dataclass(frozen=True, slots=True)
class Comparison:
    field: str
    operator: int
    value: Any  # already converted to the field's kind; a list for in/not_in; None for null


@dataclass(frozen=True, slots=True)
class Group:
    any_of: bool  # or; and otherwise
    parts: tuple[Comparison | Group, ...]


@dataclass(frozen=True, slots=True)
class Query:
    """A checked get request: what to select, in which order, which page."""

    limit: int
    offset: int
    fields: list[str]
    sort: list[Sorting]
    filter: Comparison | Group | None


def check_query(request: Any, listing: Listing) -> Query:
    """The get parameters' own rules (after the structure walk): names, prohibitions, filter values."""
    selected: list[str] = []
    for index, name in enumerate(request.fields):
        if listing.field(name) is None:
            raise ServiceError("unexpected_parameters", path=f"fields[{index}]", value=name)
        if name not in selected:
            selected.append(name)
    sort: list[Sorting] = []
    for index, item in enumerate(request.sort):
        field = listing.field(item.field)
        if field is None:
            raise ServiceError("unexpected_parameters", path=f"sort[{index}].field", value=item.field)
        if not field.sortable:
            raise ServiceError("sort_prohibited", path=f"sort[{index}].field", value=item.field)
        sort.append(Sorting(item.field, item.order == pb.SORT_ORDER_DESC))
    tree = None
    if request.HasField("filter"):
        nodes = [0, 0]  # filter nodes, in-list values
        tree = _check_filter(request.filter, listing, "filter", 1, nodes)
    return Query(
        limit=request.limit if request.HasField("limit") else DEFAULT_LIMIT,
        offset=request.offset if request.HasField("offset") else 0,
        fields=selected or listing.default_fields,
        sort=sort,
        filter=tree,
    )


def _check_filter(node: pb.Filter, listing: Listing, path: str, depth: int, nodes: list[int]) -> Comparison | Group:
    nodes[0] += 1
    if depth > MAX_FILTER_DEPTH or nodes[0] > MAX_FILTER_NODES:
        raise ServiceError("invalid_parameter_value", path=path)
    if node.filters:
        if node.HasField("field") or node.HasField("operator") or node.HasField("value"):
            raise ServiceError("invalid_parameters_combination", path=path)
        parts = tuple(
            _check_filter(child, listing, f"{path}.filters[{index}]", depth + 1, nodes)
            for index, child in enumerate(node.filters)
        )
        return Group(any_of=node.condition == pb.FILTER_CONDITION_OR, parts=parts)
    if not node.HasField("field"):
        raise ServiceError("required_parameter_missed", path=f"{path}.field")
    field = listing.field(node.field)
    if field is None:
        raise ServiceError("unexpected_parameters", path=f"{path}.field", value=node.field)
    if not field.filterable or field.kind is None:
        raise ServiceError("filter_prohibited", path=f"{path}.field", value=node.field)
    if not node.HasField("operator"):
        raise ServiceError("required_parameter_missed", path=f"{path}.operator")
    value = _filter_value(node, field.kind, f"{path}.value")
    if isinstance(value, list):
        nodes[1] += len(value)
        if nodes[1] > MAX_FILTER_VALUES:
            raise ServiceError("invalid_parameter_value", path=f"{path}.value")
    return Comparison(node.field, node.operator, value)


_ORDERED: Final = frozenset({"int", "number", "time"})
_COMPARISONS: Final = {
    pb.FILTER_OPERATOR_LESS,
    pb.FILTER_OPERATOR_GREATER,
    pb.FILTER_OPERATOR_LESS_OR_EQUAL,
    pb.FILTER_OPERATOR_GREATER_OR_EQUAL,
}
_PATTERNS: Final = {
    pb.FILTER_OPERATOR_LIKE,
    pb.FILTER_OPERATOR_ILIKE,
    pb.FILTER_OPERATOR_NOT_LIKE,
    pb.FILTER_OPERATOR_NOT_ILIKE,
}
_LISTS: Final = {pb.FILTER_OPERATOR_IN, pb.FILTER_OPERATOR_NOT_IN}
_NULL_TESTS: Final = {pb.FILTER_OPERATOR_IS_NULL, pb.FILTER_OPERATOR_IS_NOT_NULL}


def _filter_value(node: pb.Filter, kind: Kind, path: str) -> Any:
    """The filter's value in the field's terms, or invalid_parameter_value on `value`."""
    operator = node.operator
    sent = node.value if node.HasField("value") else None
    is_null = sent is None or sent.WhichOneof("kind") == "null_value"
    bad = ServiceError("invalid_parameter_value", path=path)
    if operator in _NULL_TESTS:
        if not is_null:
            raise bad
        return None
    # A missing value is an empty one (null), as on the original API.
    if sent is None or is_null:
        if operator in (pb.FILTER_OPERATOR_EQUAL, pb.FILTER_OPERATOR_NOT_EQUAL):
            return None
        raise bad  # null fits no other operator
    if operator in (pb.FILTER_OPERATOR_EQUAL, pb.FILTER_OPERATOR_NOT_EQUAL):
        return _scalar(sent, kind, bad)
    if operator in _COMPARISONS:
        if kind not in _ORDERED:
            raise bad
        return _scalar(sent, kind, bad)
    if operator in _PATTERNS:
        if kind != "text" or sent.WhichOneof("kind") != "string_value" or not _storable(sent.string_value):
            raise bad
        return sent.string_value
    if operator in _LISTS:
        # A boolean field takes = and != only (METHODS.md §0.3).
        if kind == "bool" or sent.WhichOneof("kind") != "list_value" or len(sent.list_value.values) > MAX_IN_VALUES:
            raise bad
        return [_scalar(item, kind, bad) for item in sent.list_value.values]
    raise bad


def _scalar(value: struct_pb2.Value, kind: Kind, bad: ServiceError) -> Any:
    which = value.WhichOneof("kind")
    if kind == "text" and which == "string_value" and _storable(value.string_value):
        return value.string_value
    if kind == "bool" and which == "bool_value":
        return value.bool_value
    if kind == "number" and which == "number_value" and math.isfinite(value.number_value):
        return value.number_value
    if kind == "int" and which == "number_value":
        number = value.number_value
        if math.isfinite(number) and number == int(number) and -(2**63) <= number < 2**63:
            return int(number)
    if kind == "time" and which == "string_value":
        try:
            moment = dt.datetime.strptime(value.string_value, TIME_FORMAT).replace(tzinfo=dt.UTC)
        except ValueError:
            raise bad from None
        return int(moment.timestamp())
    raise bad


def _storable(text: str) -> bool:
    # NUL cannot be stored (PostgreSQL), so no stored text equals or contains it: refused, as everywhere.
    return len(text) <= MAX_FILTER_TEXT and "\x00" not in text


def format_time(unix_seconds: int) -> str:
    """TIME_FORMAT in UTC. A page shows up to 10,000 times, mostly of a few days: the date is formatted once
    per day (strftime over gmtime) and kept, the time of day put together from two-digit strings, in less
    than half of strftime's time for each."""
    day, second = divmod(unix_seconds, 86_400)
    date = _DATES.get(day)
    if date is None:
        if len(_DATES) >= _DATES_KEPT:
            _DATES.clear()
        date = _DATES[day] = time.strftime(_DATE_FORMAT, time.gmtime(day * 86_400))
    hour, second = divmod(second, 3_600)
    minute, second = divmod(second, 60)
    return date + _TWO_DIGITS[hour] + ":" + _TWO_DIGITS[minute] + ":" + _TWO_DIGITS[second]


# TIME_FORMAT's date and the space after it; the time of day follows.
_DATE_FORMAT: Final = "%Y-%m-%d "
_TWO_DIGITS: Final = tuple(f"{n:02d}" for n in range(60))
_DATES: dict[int, str] = {}
_DATES_KEPT: Final = 4_096


Columns = dict[str, Any]


# Names no listing uses: the key of each row of a deep page, and the page's own parameters.
_PAGE_KEY: Final = "listing_page_key"
_PAGE_KEYS: Final = "listing_page_keys"
_LIMIT: Final = "listing_limit"
_OFFSET: Final = "listing_offset"
# Shapes of unfiltered queries kept built (by listing, sort and depth): few in practice; the bound
# guards against a client cycling through sort orders.
_SHAPES_KEPT: Final = 256


@dataclass(frozen=True, slots=True)
class _Shape:
    """The statements of one query shape: the page (or, past an offset, its keys), the rows of a deep
    page's keys, and the count."""

    base: sa.Select[Any]
    page: sa.Select[Any]
    rows_by_key: sa.Select[Any] | None
    count: sa.Select[Any]


_shapes: dict[tuple[int, str, tuple[tuple[str, bool], ...], bool], _Shape] = {}


def run_query(
    conn: sa.Connection,
    base: sa.Select[Any],
    params: Mapping[str, Any],
    columns: Columns,
    id_column: Any,
    query: Query,
) -> tuple[list[Any], int]:
    """One page of `base` and the number of rows the filter matches.

    base is built once, where the listing is defined, with bind parameters (the account's id) that
    `params` gives values; columns maps each filterable or sortable field to its SQL expression in
    `base`; id_column is the table's key (the tiebreaker of every order). An unfiltered query's
    statements are built once per shape and take the storage's fast path (storage/direct.py); a
    filter's values are the query's own, so its statements are built for it.

    The rows are named tuples (or SQLAlchemy's rows, which read alike): read a column as `row.name`.
    A dict per row would cost a big page a tenth of its time.
    """
    deep = bool(query.offset)
    if query.filter is None:
        key = (id(base), conn.dialect.name, tuple((item.field, item.descending) for item in query.sort), deep)
        shape = _shapes.get(key)
        if shape is None or shape.base is not base:
            shape = _shape(base, base, columns, id_column, query.sort, conn.dialect.name, deep)
            if len(_shapes) >= _SHAPES_KEPT:
                _shapes.clear()
            _shapes[key] = shape

        def run(statement: sa.Select[Any], values: Mapping[str, Any]) -> Any:
            return direct.fetch(conn, statement, values)

    else:
        selection = base.where(_where(query.filter, columns, conn.dialect.name))
        shape = _shape(base, selection, columns, id_column, query.sort, conn.dialect.name, deep)

        def run(statement: sa.Select[Any], values: Mapping[str, Any]) -> Any:
            return conn.execute(statement, values)

    values = {**params, _LIMIT: query.limit, _OFFSET: query.offset}

    def counted(found: int) -> int:
        # A page that ends before its limit tells the total itself (the common case: a short list),
        # and saves a statement; otherwise count, without the selected columns, so that none of
        # their look-ups run for the count.
        if 0 < found < query.limit or (not found and not query.offset and query.limit > 0):
            return query.offset + found
        return int(run(shape.count, values).scalar_one() or 0)

    if not deep:
        page = list(run(shape.page, values))
        return page, counted(len(page))
    keys = [row[0] for row in run(shape.page, values)]
    if not keys:
        return [], counted(0)
    assert shape.rows_by_key is not None
    place = {key: index for index, key in enumerate(keys)}
    found = run(shape.rows_by_key, {**values, _PAGE_KEYS: keys})
    rows = sorted(found, key=lambda row: place[getattr(row, _PAGE_KEY)])
    return rows, counted(len(keys))


def _shape(
    base: sa.Select[Any],
    selection: sa.Select[Any],
    columns: Columns,
    id_column: Any,
    sort: Sequence[Sorting],
    dialect: str,
    deep: bool,
) -> _Shape:
    order: list[Any] = []
    for item in sort:
        expression = columns[item.field]
        if dialect == "postgresql" and isinstance(expression.type, sa.Text | sa.String):
            # Byte order on both engines, whatever the database's collation.
            expression = expression.collate("C")
        order.append(expression.desc().nulls_first() if item.descending else expression.asc().nulls_last())
    # A stable order, so pages neither repeat nor skip; running the way the last key
    # runs lets an index on that key serve both.
    descending = bool(sort) and sort[-1].descending
    order.append(id_column.desc() if descending else id_column.asc())
    limit = sa.bindparam(_LIMIT, type_=sa.Integer)
    count = selection.with_only_columns(sa.func.count()).order_by(None)
    if not deep:
        return _Shape(base, selection.order_by(*order).limit(limit), None, count)
    # A deferred join: the page's keys first, from the narrowest query that finds them, then the
    # page's rows by key, put back in the keys' order. Computed columns (look-ups of other tables)
    # are then worked out for the page's rows only, not for every row the offset skips (PostgreSQL
    # computes them below the OFFSET). No ORDER BY on the second query: with one, SQLite walks the
    # sort's index through the whole account instead of looking the keys up.
    keys = (
        selection.with_only_columns(id_column, maintain_column_froms=True)
        .order_by(*order)
        .limit(limit)
        .offset(sa.bindparam(_OFFSET, type_=sa.Integer))
    )
    rows_by_key = selection.add_columns(id_column.label(_PAGE_KEY)).where(in_ids(id_column, _PAGE_KEYS))
    return _Shape(base, keys, rows_by_key, count)


_CASE_INSENSITIVE: Final = frozenset({pb.FILTER_OPERATOR_ILIKE, pb.FILTER_OPERATOR_NOT_ILIKE})


def _where(node: Comparison | Group, columns: Columns, dialect: str) -> Any:
    if isinstance(node, Group):
        parts = [_where(part, columns, dialect) for part in node.parts]
        return sa.or_(*parts) if node.any_of else sa.and_(*parts)
    column = columns[node.field]
    if node.operator in _CASE_INSENSITIVE and dialect == "postgresql" and isinstance(column.type, sa.Text | sa.String):
        # Columns kept in byte order (COLLATE "C") fold ASCII only: fold in the database's
        # own collation, as for every other text (SQLite's lower() is Python's, see storage).
        column = column.collate("default")
    return _OPERATORS[node.operator](column, node.value)


def _equal(column: Any, value: Any) -> Any:
    return column.is_(None) if value is None else column == value


def _not_equal(column: Any, value: Any) -> Any:
    # Null is "not equal" to a value too: a client filtering engine != x expects the nulls.
    return column.is_not(None) if value is None else column.is_distinct_from(value)


_OPERATORS: Final[dict[int, Callable[[Any, Any], Any]]] = {
    pb.FILTER_OPERATOR_EQUAL: _equal,
    pb.FILTER_OPERATOR_NOT_EQUAL: _not_equal,
    pb.FILTER_OPERATOR_LESS: lambda c, v: c < v,
    pb.FILTER_OPERATOR_GREATER: lambda c, v: c > v,
    pb.FILTER_OPERATOR_LESS_OR_EQUAL: lambda c, v: c <= v,
    pb.FILTER_OPERATOR_GREATER_OR_EQUAL: lambda c, v: c >= v,
    pb.FILTER_OPERATOR_LIKE: lambda c, v: c.like(v),
    pb.FILTER_OPERATOR_ILIKE: lambda c, v: c.ilike(v),
    pb.FILTER_OPERATOR_NOT_LIKE: lambda c, v: c.not_like(v),
    pb.FILTER_OPERATOR_NOT_ILIKE: lambda c, v: c.not_ilike(v),
    pb.FILTER_OPERATOR_IN: lambda c, v: c.in_(v),
    pb.FILTER_OPERATOR_NOT_IN: lambda c, v: c.not_in(v),
    pb.FILTER_OPERATOR_IS_NULL: lambda c, _v: c.is_(None),
    pb.FILTER_OPERATOR_IS_NOT_NULL: lambda c, _v: c.is_not(None),
}
