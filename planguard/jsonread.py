"""Lenient reads of JSON that GitHub wrote (API answers, event payloads): a missing or mistyped
field reads as empty, never as a crash. `docread` is the strict counterpart for the user's own
YAML, where a wrong type is an error that names its place."""

from __future__ import annotations

from collections.abc import Mapping


def obj(value: object) -> Mapping[str, object]:
    return value if isinstance(value, dict) else {}


def text(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def integer(data: Mapping[str, object], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None
