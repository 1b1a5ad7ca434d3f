"""Records → JSON-ready data (records, enums and tuples, nothing else)."""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Mapping

from planguard.analysis.report import Report
from planguard.findings import Finding
from planguard.records import field_names, is_record

JSON = None | bool | int | float | str | list["JSON"] | dict[str, "JSON"]

EXTRA_PROPERTIES: dict[type, tuple[str, ...]] = {Finding: ("id",)}
"""Computed string properties serialized before a record's fields (the schema lists them)."""


_SCALARS = frozenset({str, int, float, bool, type(None)})
_NAMES: dict[type, tuple[str, ...]] = {}
"""Per record class: the computed properties, then the fields (looked up once per class)."""


def to_jsonable(value: object) -> JSON:
    kind = type(value)
    if kind in _SCALARS:
        return value  # type: ignore[return-value]  # exactly one of the JSON scalars
    names = _NAMES.get(kind)
    if names is None and is_record(value) and not isinstance(value, type):
        names = _NAMES[kind] = (*EXTRA_PROPERTIES.get(kind, ()), *field_names(kind))
    if names is not None:
        return {name: to_jsonable(getattr(value, name)) for name in names}
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot put {type(value).__name__} into JSON")


def report_json(report: Report) -> str:
    return json.dumps(to_jsonable(report), indent=2, sort_keys=False) + "\n"
