"""`json_text` (msgspec) writes exactly what `json.dumps(..., indent=2)` wrote before it: the same
bytes for every JSON-ready value, non-ASCII escaped the same way. Reports, check documents and
graph exports go through it, and users diff and grep them."""

from __future__ import annotations

import enum
import json
import types
import typing
from pathlib import Path

import pytest
from helpers import depth, explore
from hypothesis import strategies as st
from test_hazards import HAZARDS

from planguard.analysis.report import Report
from planguard.errors import PlanInputError
from planguard.gather.plans import analyze_plans, classifier_for
from planguard.records import field_names, is_record
from planguard.render.jsonout import json_text, report_json, to_jsonable

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


def _report_types(hint: object, seen: set[type]) -> set[object]:
    """Every type a `Report` can hold, down through its records' field types."""
    if isinstance(hint, type) and is_record(hint):
        if hint in seen:
            return set()
        seen.add(hint)
        hints = typing.get_type_hints(hint)
        found: set[object] = set()
        for name in field_names(hint):
            found |= _report_types(hints[name], seen)
        return found
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_report_types(a, seen) for a in typing.get_args(hint)))
    if origin is tuple:
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        return {tuple}.union(*(_report_types(a, seen) for a in args))
    return {origin or hint}


def test_a_report_holds_only_what_msgspec_encodes_as_to_jsonable_does() -> None:
    """`report_json` lets msgspec encode the records: no set (msgspec keeps its hash order,
    `to_jsonable` sorts), no mapping (keys), no date (formats), no value of a plan."""
    found = _report_types(Report, set())
    plain = {tuple, str, int, float, bool, type(None)}
    assert {t for t in found if not (t in plain or issubclass(t, enum.Enum))} == set()


def _reports(plans: list[Path], rulesets: tuple[str, ...] = ()) -> list[Report]:
    """The report of each plan planguard reads (the corpus has a document that is not one)."""
    classifier = classifier_for(rulesets)
    found = []
    for plan in plans:
        try:
            found.append(analyze_plans([str(plan)], classifier, "terraform")[0])
        except PlanInputError:
            continue
    return found


def test_report_json_is_json_text_of_every_report(
    real_plans: dict[str, Path], tmp_path: Path
) -> None:
    """Every corpus plan and every real plan of the tests (with hazards that fire on them):
    the same text from the records as from `to_jsonable`, findings of every part included."""
    rules = tmp_path / "hazards.yaml"
    rules.write_text(HAZARDS, encoding="utf-8")
    corpus = sorted((ROOT / "tests" / "corpus").glob("*.json"))
    examples = sorted((ROOT / "examples").glob("*.json"))
    real = [real_plans[name] for name in ("replace_cascade", "destroy", "update")]
    reports = _reports([*corpus, *examples]) + _reports(real, (str(rules),))
    for report in reports:
        assert report_json(report) == json.dumps(to_jsonable(report), indent=2) + "\n"
    findings = [f for report in reports for f in report.findings]
    assert all(f.blast for f in findings if f.rule.value == "replace")
    assert any(f.hazards for f in findings)
    assert any(f.root_causes for f in findings)


def test_report_json_escapes_and_survives_a_lone_surrogate(tmp_path: Path) -> None:
    doc = json.loads((ROOT / "examples" / "destroy.json").read_text(encoding="utf-8"))
    for change in doc["resource_changes"]:
        change["address"] = 'module.m["café \ud800"].' + change["address"]
        change["module_address"] = 'module.m["café \ud800"]'
    (tmp_path / "plan.json").write_text(json.dumps(doc), encoding="utf-8")
    (report,) = _reports([tmp_path / "plan.json"])
    assert any("\ud800" in f.address for f in report.findings)
    assert report_json(report) == json.dumps(to_jsonable(report), indent=2) + "\n"
