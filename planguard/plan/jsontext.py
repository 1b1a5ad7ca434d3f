"""The standard library's JSON, read the way Terraform writes it (the careful reader's home).

Two differences from a bare `json.loads`, both so that every reader of a plan agrees on every
number: NaN and Infinity are not JSON and are refused; an integer too long for Python's
digit limit (4,300 digits) becomes the float it overflows to (inf), as a long decimal does,
instead of an error. Terraform never writes either; a plan that has them still reads the same
through the fast reader and through this one.
"""

from __future__ import annotations

import json

_MAX_INT_DIGITS = 4_000


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _integer(text: str) -> int | float:
    return int(text) if len(text) <= _MAX_INT_DIGITS else float(text)


def loads(text: str | bytes) -> object:
    """Decode JSON text; raise `json.JSONDecodeError` or `ValueError` when it is not JSON."""
    return json.loads(text, parse_constant=_reject_constant, parse_int=_integer)
