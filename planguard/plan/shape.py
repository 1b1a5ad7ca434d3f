"""Typed readers over decoded JSON that name the exact place of a wrong type.

Messages name JSON types only, never values: plan values may be secrets.
"""

from __future__ import annotations

from collections.abc import Iterator


class ShapeError(ValueError):
    """Decoded JSON does not have the shape the plan format documents."""

    def __init__(self, where: str, expected: str, value: object) -> None:
        super().__init__(f"{where}: expected {expected}, got {json_type(value)}")
        self.where = where


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def obj(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ShapeError(where, "an object", value)
    return value


def opt_obj(parent: dict[str, object], key: str, where: str) -> dict[str, object]:
    value = parent.get(key)
    return {} if value is None else obj(value, f"{where}.{key}")


def items(parent: dict[str, object], key: str, where: str) -> Iterator[tuple[str, object]]:
    """Yield (path, element) for an optional list field."""
    value = parent.get(key)
    if value is None:
        return
    if not isinstance(value, list):
        raise ShapeError(f"{where}.{key}", "a list", value)
    for i, element in enumerate(value):
        yield f"{where}.{key}[{i}]", element


def opt_str(parent: dict[str, object], key: str, where: str) -> str | None:
    value = parent.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ShapeError(f"{where}.{key}", "a string", value)


def req_str(parent: dict[str, object], key: str, where: str) -> str:
    value = parent.get(key)
    if not isinstance(value, str):
        raise ShapeError(f"{where}.{key}", "a string", value)
    return value


def opt_bool(parent: dict[str, object], key: str, where: str) -> bool | None:
    value = parent.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise ShapeError(f"{where}.{key}", "true or false", value)


def str_list(parent: dict[str, object], key: str, where: str) -> tuple[str, ...]:
    out = []
    for path, element in items(parent, key, where):
        if not isinstance(element, str):
            raise ShapeError(path, "a string", element)
        out.append(element)
    return tuple(out)
