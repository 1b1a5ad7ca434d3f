"""Records → JSON-ready data (records, enums and tuples, nothing else) → JSON text."""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from collections.abc import Mapping

import msgspec

from planguard.analysis.report import Report
from planguard.records import field_names, is_record

JSON = None | bool | int | float | str | list["JSON"] | dict[str, "JSON"]

_SCALARS = frozenset({str, int, float, bool, type(None)})
_NAMES: dict[type, tuple[str, ...]] = {}
"""Per record class: its fields (looked up once per class)."""


def to_jsonable(value: object) -> JSON:
    kind = type(value)
    if kind in _SCALARS:
        return value  # type: ignore[return-value]  # exactly one of the JSON scalars
    names = _NAMES.get(kind)
    if names is None and is_record(value) and not isinstance(value, type):
        names = _NAMES[kind] = field_names(kind)
    # Most fields and items are scalars: they are taken as they are, without a call.
    if names is not None:
        return {
            name: v if type(v := getattr(value, name)) in _SCALARS else to_jsonable(v)
            for name in names
        }
    if kind is tuple or kind is list:  # the common containers first: reports are mostly tuples
        return [v if type(v) in _SCALARS else to_jsonable(v) for v in value]  # type: ignore[attr-defined]
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


def json_text(value: object) -> str:
    """`value` as JSON text indented by two spaces, every non-ASCII character escaped: what
    `json.dumps(to_jsonable(value), indent=2)` writes, with a newline.

    The standard library's C encoder does not indent; with `indent` it falls back to pure
    Python, about 0.5 s for a 100k-resource report, where msgspec encodes and indents in C.
    The two differ only where planguard's documents have nothing: in the exponent of a float
    (the report, check and graph schemas have no number), and for a lone surrogate in a
    string, which msgspec refuses and is left to `json`.
    """
    data = to_jsonable(value)
    try:
        encoded = msgspec.json.encode(data)
    except UnicodeEncodeError:  # a lone surrogate, e.g. from a "\\ud800" escape in a plan
        return json.dumps(data, indent=2) + "\n"
    return _indented(encoded)


def report_json(report: Report) -> str:
    """`json_text(report)`, with msgspec encoding the records themselves, in C.

    A report holds only records, tuples, enums and JSON scalars (`tests/test_json_text.py`
    walks its types), and msgspec encodes those exactly as `to_jsonable` turns them into JSON
    data: every field in order, an enum as its value. The walk is most of a large report's
    rendering (a 100k-resource plan's report has a quarter of a million values)."""
    try:
        encoded = msgspec.json.encode(report)
    except UnicodeEncodeError:
        return json_text(report)
    return _indented(encoded)


def _indented(encoded: bytes) -> str:
    text = msgspec.json.format(encoded, indent=2).decode()
    return (text if text.isascii() else _ESCAPED.sub(_escaped, text)) + "\n"


_ESCAPED = re.compile(r"[^\x00-\x7e]")
"""What `json.dumps` escapes beyond msgspec: DEL and everything above ASCII."""


def _escaped(match: re.Match[str]) -> str:
    """`\\uXXXX`, a UTF-16 surrogate pair above the Basic Multilingual Plane (RFC 8259 §7).

    Outside strings the text is ASCII, so escaping every such character of the document
    escapes exactly the ones inside strings."""
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | code >> 10:04x}\\u{0xDC00 | code & 0x3FF:04x}"
