"""Directory files: the campaigns.admin.v1.Directory message as JSON or YAML.

JSON files use the proto JSON mapping (lowerCamel or snake_case keys); YAML files
the same keys. Reading is a little kinder than the mapping, for files people write
by hand: an enum may be written by its short name (`active` for
ACCOUNT_STATE_ACTIVE, `call_tracking` for PHONE_NUMBER_TYPE_CALL_TRACKING), a
string field takes a bare YAML number (`number: 74950000301`), and a timestamp
takes a YAML date-time. Everything else is the mapping's, and what it refuses is
refused with the path of the first bad field (`accounts[0].users[1].login`).

Writing gives YAML with snake_case keys, full enum names, and numbers as numbers.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import yaml
from campaigns.admin.v1 import directory_pb2
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

from contract.paths import item, join

Directory = directory_pb2.Directory


class DirectoryFileError(ValueError):
    """A file that is not a directory; `path` names the first bad field ("" for the file as a whole)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


def read_directory(text: str, *, filename: str = "") -> directory_pb2.Directory:
    """The directory a JSON or YAML text holds (JSON when it parses as JSON or the name ends in .json)."""
    data: Any
    if filename.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError as error:
            raise DirectoryFileError("", f"not JSON: {error}") from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise DirectoryFileError("", f"not YAML: {error}") from None
    if data is None:
        data = {}
    return directory_from_data(data)


def directory_from_data(data: Any) -> directory_pb2.Directory:
    directory = directory_pb2.Directory()
    tidy = _tidy_message(data, Directory.DESCRIPTOR, "")
    try:
        json_format.ParseDict(tidy, directory)
    except json_format.ParseError as error:
        # _tidy_message checked names and shapes; what is left are values the mapping refuses.
        raise DirectoryFileError("", str(error)) from None
    return directory


def directory_yaml(directory: directory_pb2.Directory) -> str:
    return yaml.safe_dump(_plain(directory), sort_keys=False, allow_unicode=True, width=120)


def _field(descriptor: Descriptor, key: str) -> FieldDescriptor | None:
    for each in descriptor.fields:
        if key in (each.name, each.json_name):
            return each
    return None


def _tidy_message(data: Any, descriptor: Descriptor, path: str) -> dict[str, Any]:
    """The data with proto field names, checked field by field, with the kindnesses above applied."""
    if descriptor.full_name == "google.protobuf.Timestamp":
        raise AssertionError("timestamps are values, not messages")  # pragma: no cover
    if not isinstance(data, dict):
        raise DirectoryFileError(path, f"expected a mapping of {descriptor.name} fields, got {_kind(data)}")
    out: dict[str, Any] = {}
    for key, value in data.items():
        field = _field(descriptor, str(key))
        if field is None:
            raise DirectoryFileError(join(path, str(key)), f"{descriptor.name} has no field {key!r}")
        here = join(path, field.name)
        if field.name in out:
            raise DirectoryFileError(here, "given twice")
        if value is None:
            continue
        if field.is_repeated:
            if not isinstance(value, list):
                raise DirectoryFileError(here, f"expected a list, got {_kind(value)}")
            out[field.name] = [_tidy_value(each, field, item(here, index)) for index, each in enumerate(value)]
        else:
            out[field.name] = _tidy_value(value, field, here)
    return out


def _tidy_value(value: Any, field: FieldDescriptor, path: str) -> Any:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        assert field.message_type is not None
        if field.message_type.full_name == "google.protobuf.Timestamp":
            return _timestamp(value, path)
        return _tidy_message(value, field.message_type, path)
    if field.type == FieldDescriptor.TYPE_ENUM:
        assert field.enum_type is not None
        return _enum(value, field.enum_type, path)
    if field.type == FieldDescriptor.TYPE_STRING:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise DirectoryFileError(path, f"expected a string, got {_kind(value)}")
        return str(value)
    if field.type == FieldDescriptor.TYPE_BOOL:
        if not isinstance(value, bool):
            raise DirectoryFileError(path, f"expected true or false, got {_kind(value)}")
        return value
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DirectoryFileError(path, f"expected a number, got {_kind(value)}")
        return value
    # Integers: a JSON number without a fraction, or its decimal text (the mapping writes int64 as text).
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise DirectoryFileError(path, f"expected an integer, got {_kind(value)}")
    bits = 32 if field.type in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_SINT32) else 64
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise DirectoryFileError(path, f"{value} does not fit in {bits} bits")
    return value


def _enum(value: Any, enum: EnumDescriptor, path: str) -> str:
    names = [each.name for each in enum.values if each.number != 0]
    prefix = enum.values[0].name.removesuffix("UNSPECIFIED")
    if isinstance(value, str):
        for candidate in (value, prefix + value.upper()):
            if candidate in names:
                return str(candidate)
    short = ", ".join(name.removeprefix(prefix).lower() for name in names)
    raise DirectoryFileError(path, f"expected one of {short}, got {value!r}")


def _timestamp(value: Any, path: str) -> str:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return moment.isoformat().replace("+00:00", "Z")
    if isinstance(value, str):
        try:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return value
    raise DirectoryFileError(path, f"expected an RFC 3339 date-time like 2027-01-01T00:00:00Z, got {value!r}")


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _plain(message: Message) -> dict[str, Any]:
    """The message as the mapping writes it, with snake_case keys and int64 as numbers."""
    data = json_format.MessageToDict(message, preserving_proto_field_name=True)
    descriptor: Descriptor = message.DESCRIPTOR  # type: ignore[assignment]  # upb's is the same class
    return _numbers(data, descriptor)


def _numbers(data: dict[str, Any], descriptor: Descriptor) -> dict[str, Any]:
    for key, value in data.items():
        field = descriptor.fields_by_name[key]
        convert: Any
        if (
            field.type == FieldDescriptor.TYPE_MESSAGE
            and field.message_type is not None
            and field.message_type.full_name != "google.protobuf.Timestamp"
        ):
            message_type = field.message_type
            convert = lambda each, message_type=message_type: _numbers(each, message_type)  # noqa: E731
        elif field.type in (FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT64):
            convert = int
        else:
            continue
        data[key] = [convert(each) for each in value] if field.is_repeated else convert(value)
    return data
