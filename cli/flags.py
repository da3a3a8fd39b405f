"""The command's flags and their CAMPAIGNS_* twins, derived from the settings dataclasses.

A settings field whose metadata names a `flag` is an option (service/config.py describes the keys);
its default is the field's, its type the field's unless the metadata brings a `parse`. Fields that
share a flag are set together. The flag wins over its twin, the twin over the default.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from cli.mistakes import ConfigError

S = TypeVar("S")

_TRUE = frozenset({"1", "true", "yes", "on"})
_KINDS: Mapping[Any, Callable[[str], Any]] = {str: str, int: int, float: float}
_NOUNS: Mapping[Any, str] = {int: "a whole number", float: "a number"}


@dataclass(frozen=True, slots=True)
class Flag:
    name: str  # "--grpc-port"
    fields: tuple[str, ...]  # the settings fields it sets
    help: str
    default: Any
    is_switch: bool  # a bool: present or not, no value
    parse: Callable[[str], Any]
    show: Callable[[Any], str]

    @property
    def dest(self) -> str:
        return self.name.removeprefix("--").replace("-", "_")

    @property
    def env(self) -> str:
        return "CAMPAIGNS_" + self.dest.upper()

    def read(self, given: str | bool | None, environ: Mapping[str, str]) -> Any:
        """The value: the flag as given, else its environment twin, else the default."""
        if given is not None:
            return True if self.is_switch else self._parse(str(given), self.name)
        text = environ.get(self.env)
        if text is None:
            return self.default
        if self.is_switch:
            return text.strip().lower() in _TRUE
        return self._parse(text, self.env)

    def _parse(self, text: str, origin: str) -> Any:
        try:
            return self.parse(text)
        except ValueError as error:
            kind = _NOUNS.get(self.parse)
            why = f"{text!r} is not {kind}" if kind else str(error)
            raise ConfigError(f"{origin}: {why}") from None


def flags_of(
    settings: type[Any], *, only: Collection[str] | None = None, leave_out: Collection[str] = ()
) -> tuple[Flag, ...]:
    """The flags of a settings dataclass, in field order (only: just the fields named)."""
    hints = typing.get_type_hints(settings)
    grouped: dict[str, list[dataclasses.Field[Any]]] = {}
    for each in dataclasses.fields(settings):
        if "flag" in each.metadata and (only is None or each.name in only) and each.name not in leave_out:
            grouped.setdefault(each.metadata["flag"], []).append(each)
    return tuple(_flag(name, group, hints) for name, group in grouped.items())


def _flag(name: str, group: Sequence[dataclasses.Field[Any]], hints: Mapping[str, Any]) -> Flag:
    first = group[0]
    defaults = {_default(each) for each in group}
    if len(defaults) != 1:
        raise TypeError(f"{name}: the fields {[each.name for each in group]} have different defaults")
    kind = hints[first.name]
    parse = first.metadata.get("parse") or _KINDS.get(kind)
    if parse is None and kind is not bool:
        raise TypeError(f"{name}: a {kind} field needs a `parse` in its metadata")
    return Flag(
        name=name,
        fields=tuple(each.name for each in group),
        help=first.metadata["help"],
        default=_default(first),
        is_switch=kind is bool,
        parse=parse or bool,
        show=first.metadata.get("show", str),
    )


def _default(each: dataclasses.Field[Any]) -> Any:
    if each.default is not dataclasses.MISSING:
        return each.default
    if each.default_factory is not dataclasses.MISSING:
        return each.default_factory()
    raise TypeError(f"{each.name}: a setting with a flag needs a default")


def add_flags(parser: argparse.ArgumentParser, flags: Sequence[Flag]) -> None:
    """Each flag with its meaning, its default and its twin; None when not given."""
    for flag in flags:
        shown = "off" if flag.is_switch else (flag.show(flag.default) or "empty")
        text = f"{flag.help} (default: {shown}; env {flag.env})"
        if flag.is_switch:
            parser.add_argument(flag.name, action="store_true", default=None, help=text)
        else:
            parser.add_argument(flag.name, default=None, help=text)


def values(flags: Sequence[Flag], args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings field -> its value, for the fields the flags set."""
    found: dict[str, Any] = {}
    for flag in flags:
        value = flag.read(getattr(args, flag.dest), environ)
        found.update(dict.fromkeys(flag.fields, value))
    return found


def build(settings: type[S], flags: Sequence[Flag], args: argparse.Namespace, environ: Mapping[str, str]) -> S:
    """The settings from the flags given, their twins and the defaults; ConfigError if they do not fit."""
    try:
        return settings(**values(flags, args, environ))
    except ValueError as error:
        raise ConfigError(str(error)) from None
