"""Typed readers for parsed YAML documents: each raises `Invalid` naming the exact key path."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

TYPE_CHECKING = False  # not typing's: importing typing costs the agent hook's start-up
if TYPE_CHECKING:  # annotations are strings: the TypeVar exists for mypy only
    from typing import TypeVar

    E = TypeVar("E", bound=enum.Enum)


class Invalid(Exception):
    """A value in a document does not follow its schema; the message starts with its path."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")


def mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise Invalid(where, f"expected a mapping, got {type(value).__name__}")
    return {str(k): v for k, v in value.items()}


def known_keys(raw: Mapping[str, object], allowed: Iterable[str], where: str) -> None:
    """Reject typos: an unknown key is an error, never silently ignored."""
    allowed = set(allowed)
    unknown = sorted(set(raw) - allowed)
    if unknown:
        path = f"{where}.{unknown[0]}" if where else unknown[0]
        raise Invalid(path, f"unknown key; expected one of {', '.join(sorted(allowed))}")


def listing(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise Invalid(where, f"expected a list, got {type(value).__name__}")
    return value


def string(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise Invalid(where, f"expected a non-empty string, got {value!r}")
    return value


def strings(value: object, where: str) -> tuple[str, ...]:
    return tuple(string(v, f"{where}[{i}]") for i, v in enumerate(listing(value, where)))


def integer(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid(where, f"expected a whole number, got {value!r}")
    return value


def int_map(value: object, where: str) -> dict[str, int]:
    return {k: integer(v, f"{where}.{k}") for k, v in mapping(value, where).items()}


def choice(kind: type[E], value: object, where: str) -> E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(str(m.value) for m in kind)
        raise Invalid(where, f"expected one of {choices}, got {value!r}") from None
