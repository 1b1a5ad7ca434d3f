"""The published JSON Schema of a report, derived from the very records `jsonout` serializes.

Deriving it (rather than writing it by hand) keeps the schema and the output from drifting;
`schema/*.schema.json` are its committed copies and a test keeps them equal.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import types
import typing
from collections.abc import Mapping

from planguard.plan.model import ActionReason
from planguard.records import field_names, is_record
from planguard.render.jsonout import JSON

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_OPEN_ENUMS = (ActionReason,)
"""Enums that keep values a newer Terraform writes: the schema cannot list them all."""
_SCALARS: dict[object, JSON] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
    dt.datetime: {"type": "string", "format": "date-time"},
    dt.date: {"type": "string", "format": "date"},
}


def json_schema(record: type, schema_id: str, title: str) -> str:
    """The schema of `to_jsonable(record instance)`, as formatted JSON text."""
    defs: dict[str, JSON] = {}
    top = _schema(record, defs)
    doc: dict[str, JSON] = {"$schema": _DIALECT, "$id": schema_id, "title": title}
    doc.update(top if isinstance(top, dict) else {})
    doc["$defs"] = {name: defs[name] for name in sorted(defs)}
    return json.dumps(doc, indent=2) + "\n"


def _schema(hint: object, defs: dict[str, JSON]) -> JSON:
    if hint in _SCALARS:
        return dict(_SCALARS[hint])  # type: ignore[arg-type]
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_schema(a, defs) for a in args]}
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _schema(args[0], defs)}
        items = [_schema(a, defs) for a in args]
        return {"type": "array", "prefixItems": items, "minItems": len(args), "maxItems": len(args)}
    if origin in (frozenset, set, list):
        return {"type": "array", "items": _schema(args[0], defs)}
    if origin in (dict, Mapping):
        return {"type": "object", "additionalProperties": _schema(args[1], defs)}
    if hint in _OPEN_ENUMS:
        return {"type": "string"}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return {"enum": [member.value for member in hint]}
    if isinstance(hint, type) and is_record(hint):
        return _record(hint, defs)
    raise TypeError(f"no JSON Schema for {hint!r}")


def _record(record: type, defs: dict[str, JSON]) -> JSON:
    name = record.__name__
    ref: JSON = {"$ref": f"#/$defs/{name}"}
    if name in defs:
        return ref
    defs[name] = {}  # reserve first: records may refer to themselves
    hints = typing.get_type_hints(record)
    properties: dict[str, JSON] = {}
    for field in field_names(record):
        properties[field] = _schema(hints[field], defs)
    described: dict[str, JSON] = {"type": "object"}
    if record.__doc__ and not record.__doc__.startswith(f"{name}("):
        described["description"] = " ".join(record.__doc__.split())
    described |= {
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    defs[name] = described
    return ref
