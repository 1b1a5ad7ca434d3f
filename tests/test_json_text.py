"""`json_text` (msgspec) writes exactly what `json.dumps(..., indent=2)` wrote before it: the same
bytes for every JSON-ready value, non-ASCII escaped the same way. Reports, check documents and
graph exports go through it, and users diff and grep them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import depth, explore
from hypothesis import strategies as st

from planguard.render.jsonout import json_text

ROOT = Path(__file__).resolve().parent.parent

CASES = [
    {},
    [],
    {"a": [], "b": {}, "c": [{}], "d": None},
    {"text": "café → ünïcode — “quoted”", "emoji": "🔥 teardown 𝄞", "cjk": "破壊"},
    {"controls": '\x00\x01\x1f\x7f\t\n\r"\\/', "separators": "\u2028\u2029\ufeff"},
    {"lone surrogate": "\ud800", "max": "\U0010ffff"},
    {"ints": [0, -1, 2**63 - 1, -(2**63)], "bools": [True, False]},
    {"floats": [0.0, -0.0, 1.5, 123456789.125, 0.1 + 0.2]},
    {"nested": {"deeper": {"deepest": ["x", 1, None, {"k": "v"}]}}},
]


@pytest.mark.parametrize("value", CASES, ids=range(len(CASES)))
def test_json_text_is_json_dumps_indent_2(value: object) -> None:
    assert json_text(value) == json.dumps(value, indent=2) + "\n"


def _values() -> st.SearchStrategy[object]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**63), max_value=2**63 - 1)
        | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15).filter(
            lambda f: f == 0 or abs(f) >= 1e-4
        )  # exponents: see the test below
        | st.text()
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    )


@depth(300, 3000)
def test_json_text_is_json_dumps_on_generated_values(examples: int) -> None:
    def check(value: object) -> None:
        assert json_text(value) == json.dumps(value, indent=2) + "\n"

    explore(examples, check, _values())


@pytest.mark.parametrize("kind", ["report", "check"])
def test_the_documents_have_no_number_where_the_encoders_write_exponents_apart(kind: str) -> None:
    # json writes 1e+16 and 1e-07 where msgspec writes 1e16 and 1e-7: the schemas, derived from
    # the records, show that no float reaches a report or a check document.
    schema = (ROOT / "schema" / f"planguard-{kind}.schema.json").read_text(encoding="utf-8")
    assert '"number"' not in schema and '"integer"' in schema
