"""Step 7 of the contract's order of checks: a request walked against its parameter table.

The tables and their value rules are service/rules.py's (one per message); this is the walk that applies
them, depth first in document order. The gateway reports what only the JSON layer can see (unknown keys,
wrong JSON types, enum spellings with no proto value) as faults (contract/faults.py); the walk reports
them where they fall in the same order, so the first fault of a request is the same whoever finds it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, NoReturn

from google.protobuf.message import Message

from contract import paths
from contract.faults import NO_FAULTS, Faults
from contract.wire import wire_name
from service.errors import ServiceError
from service.rules import Param


def check_structure(message: Message, params: tuple[Param, ...], faults: Faults = NO_FAULTS) -> None:
    """Step 7: the first structural or value fault, depth first in document order."""
    if faults.at or faults.unexpected:
        _walk(message, params, "", faults)
    else:
        # The common case, and the one whose size grows (1,500 conditions): no fault to look up at
        # each path, so no path is written down unless there is an error to report at it.
        _walk_clean(message, params, ())


@dataclass(frozen=True, slots=True)
class _Step:
    param: Param
    name: str
    repeated: bool
    # The children's params for a message field; None for a scalar, and for a filter's Value.
    children: tuple[Param, ...] | None
    is_message: bool


# By the params tuple's identity (they are module constants; hashing one would walk its whole tree).
_STEPS: dict[tuple[int, str], tuple[tuple[Param, ...], tuple[_Step, ...]]] = {}


def _steps(params: tuple[Param, ...], descriptor: Any) -> tuple[_Step, ...]:
    key = (id(params), descriptor.full_name)
    known = _STEPS.get(key)
    if known is not None and known[0] is params:
        return known[1]
    steps = []
    for param in params:
        field = descriptor.fields_by_name[param.name]
        is_message = field.message_type is not None
        walk_children = is_message and field.message_type.full_name != "google.protobuf.Value"
        steps.append(
            _Step(param, param.name, field.is_repeated, _children(param) if walk_children else None, is_message)
        )
    if len(_STEPS) >= 256:
        _STEPS.clear()
    _STEPS[key] = (params, tuple(steps))
    return _STEPS[key][1]


_Path = tuple[str | int, ...]


def _render(parts: _Path) -> str:
    out = ""
    for part in parts:
        out = paths.item(out, part) if isinstance(part, int) else paths.join(out, part)
    return out


def _walk_clean(message: Message, params: tuple[Param, ...], at: _Path) -> None:
    """_walk without faults: the same checks, in the same order, with paths rendered only for errors."""
    steps = _steps(params, message.DESCRIPTOR)
    for step in steps:
        when = step.param.required_when
        if step.param.required or (
            when is not None and when(lambda name: _present(message, message.DESCRIPTOR.fields_by_name[name]))
        ):
            present = len(getattr(message, step.name)) > 0 if step.repeated else message.HasField(step.name)
            if not present:
                raise ServiceError("required_parameter_missed", path=_render((*at, step.name)))
    for step in steps:
        param, name = step.param, step.name
        if step.repeated:
            value = getattr(message, name)
            if not value:
                continue
            if param.max_items is not None and len(value) > param.max_items:
                raise ServiceError("invalid_parameter_value", path=_render((*at, name)))
            for index, item in enumerate(value):
                if not step.is_message:
                    if not _acceptable(param, item):
                        _invalid(param, message, name, item, (*at, name, index))
                    continue
                if step.children is not None:
                    _walk_clean(item, step.children, (*at, name, index))
                if param.message_rule is not None:
                    _run_rule(param.message_rule, item, at, name, index)
            if param.list_rule is not None:
                _run_rule(param.list_rule, value, at, name)
            continue
        if not message.HasField(name):
            continue
        value = getattr(message, name)
        if step.is_message:
            if step.children is not None:
                _walk_clean(value, step.children, (*at, name))
            if param.message_rule is not None:
                _run_rule(param.message_rule, value, at, name)
        elif not _acceptable(param, value):
            _invalid(param, message, name, value, (*at, name))


def _acceptable(param: Param, value: Any) -> bool:
    # NUL is refused everywhere: PostgreSQL cannot store it in text.
    return (param.valid is None or param.valid(value)) and not (type(value) is str and "\x00" in value)


def _invalid(param: Param, message: Message, name: str, value: Any, at: _Path) -> NoReturn:
    """Raise what an unacceptable value is: the param's own error when its rule refuses it, else (a NUL)
    invalid_parameter_value."""
    mnemonic = param.invalid if param.valid is not None and not param.valid(value) else "invalid_parameter_value"
    raise ServiceError(mnemonic, path=_render(at), value=display(message.DESCRIPTOR.fields_by_name[name], value))


# The clean walk hands a rule this in place of its path and writes the real path in only when the rule
# reports an error: rendering a path for each of 1,500 conditions was a tenth of the walk.
_PATH_HERE: Final = "\x00here"


def _run_rule(rule: Callable[[Any, str], None], value: Any, at: _Path, *tail: str | int) -> None:
    try:
        rule(value, _PATH_HERE)
    except ServiceError as error:
        if error.path is None or not error.path.startswith(_PATH_HERE):
            raise
        path = _render((*at, *tail)) + error.path[len(_PATH_HERE) :]
        raise dataclasses.replace(error, path=path) from None


def _required(param: Param, sent: Callable[[str], bool]) -> bool:
    return param.required or (param.required_when is not None and param.required_when(sent))


def _present(message: Message, field: Any) -> bool:
    if field.is_repeated:
        return len(getattr(message, field.name)) > 0
    return message.HasField(field.name)


def _children(param: Param) -> tuple[Param, ...]:
    return param.fields() if callable(param.fields) else param.fields


def _walk(message: Message, params: tuple[Param, ...], path: str, faults: Faults) -> None:
    if path in faults.unexpected:
        raise ServiceError("unexpected_parameters", path=faults.unexpected[path])
    fields = message.DESCRIPTOR.fields_by_name

    def sent(name: str) -> bool:
        return paths.join(path, name) in faults.at or _present(message, fields[name])

    for param in params:
        field_path = paths.join(path, param.name)
        if _required(param, sent) and field_path not in faults.at and not _present(message, fields[param.name]):
            raise ServiceError("required_parameter_missed", path=field_path)
    for param in params:
        field = fields[param.name]
        field_path = paths.join(path, param.name)
        _raise_fault(faults, field_path)
        if not _present(message, field):
            continue
        value = getattr(message, param.name)
        if field.is_repeated:
            if param.max_items is not None and len(value) > param.max_items:
                raise ServiceError("invalid_parameter_value", path=field_path)
            for index, item in enumerate(value):
                item_path = paths.item(field_path, index)
                _raise_fault(faults, item_path)
                if field.message_type is None:
                    _check_scalar(param, field, item, item_path)
                    continue
                _walk(item, _children(param), item_path, faults)
                if param.message_rule is not None:
                    param.message_rule(item, item_path)
            if param.list_rule is not None:
                param.list_rule(value, field_path)
        elif field.message_type is not None:
            if field.message_type.full_name != "google.protobuf.Value":  # a filter's value: checked by listing
                _walk(value, _children(param), field_path, faults)
            if param.message_rule is not None:
                param.message_rule(value, field_path)
        else:
            _check_scalar(param, field, value, field_path)


def _check_scalar(param: Param, field: Any, value: Any, path: str) -> None:
    if param.valid is not None and not param.valid(value):
        raise ServiceError(param.invalid, path=path, value=display(field, value))
    if isinstance(value, str) and "\x00" in value:
        # NUL is refused everywhere: PostgreSQL cannot store it in text.
        raise ServiceError("invalid_parameter_value", path=path, value=display(field, value))


def _raise_fault(faults: Faults, path: str) -> None:
    mnemonic = faults.mnemonic_at(path)
    if mnemonic is not None:
        raise ServiceError(mnemonic, path=path)


def display(field: Any, value: Any) -> str:
    """A proto value as the `value` string of an error."""
    if field.enum_type is not None:
        return wire_name(field.enum_type, value) or str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
