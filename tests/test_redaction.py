"""Redaction by construction, proven: no attribute value, sensitive or not, and nothing from the
plan's `variables` reaches any output.

Two proofs:
- generated plans (hypothesis, 1,000 of them) plant a canary in every value position a plan has:
  before/after (with secret-looking names and sensitivity masks), drift, planned_values,
  prior_state, variables, outputs, configuration constants and defaults. Every output is
  rendered and searched: terminal text, JSON, markdown, SARIF, HTML (analyze and check), the PR
  comment and job summary, annotations, the audit log record, and the errors of broken copies;
- every plan of the corpus copy in `tests/`: every sensitive value, every value of an attribute
  whose name looks secret, and every variable value is searched for in every output.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import depth, explore
from hypothesis import strategies as st

from planguard import audit
from planguard.analysis.pipeline import NamedPlan, build_report
from planguard.cli import run
from planguard.commands.check import CheckOptions, evaluate, render_check
from planguard.errors import PlanInputError
from planguard.gate.check import CheckResult
from planguard.gather.trusted import GateSetup
from planguard.github.deliver import _annotations
from planguard.github.workflow import annotation_lines
from planguard.plan.load import plan_from_bytes
from planguard.render.choices import Format
from planguard.render.formats import render
from planguard.render.markdown import GitHubContext, check_markdown
from planguard.render.terminal import visible
from planguard.rules.classify import Classifier
from planguard.rules.load import load_rulesets

TESTS = Path(__file__).parent
CLASSIFIER = Classifier(load_rulesets())
NOW = dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc)
SECRET_NAMES = (
    "password",
    "master_password",
    "secret",
    "client_secret",
    "token",
    "api_key",
    "private_key",
    "connection_string",
    "primary_connection_string",
)
TYPES = (
    "aws_db_instance",
    "aws_security_group",
    "google_sql_database_instance",
    "azurerm_key_vault_secret",
    "random_password",
    "kubernetes_secret",
    "made_up_thing",
)
ACTIONS = (
    ["delete"],
    ["delete", "create"],
    ["create", "delete"],
    ["update"],
    ["no-op"],
    ["create"],
)


# -- Generated plans with a canary in every value position ------------------------------------


class Canaries:
    """Hands out canaries: one random stem per plan, a counter for each position."""

    def __init__(self, stem: str) -> None:
        self.stem, self.count = stem, 0

    def __call__(self) -> str:
        self.count += 1
        return f"QQ{self.stem}K{self.count:04d}QQ"

    def pattern(self) -> re.Pattern[str]:
        return re.compile(f"QQ{self.stem}K[0-9]{{4}}QQ|{self.stem}")


def _value(draw: st.DrawFn, canary: Canaries, depth: int = 0) -> object:
    kind = draw(st.integers(0, 4 if depth < 2 else 1))
    if kind <= 1:
        return canary()
    if kind == 2:
        return [_value(draw, canary, depth + 1) for _ in range(draw(st.integers(1, 3)))]
    if kind == 3:
        return {f"k{n}": _value(draw, canary, depth + 1) for n in range(draw(st.integers(1, 3)))}
    return {"nested": canary(), "count": 3}


def _attributes(draw: st.DrawFn, canary: Canaries) -> dict[str, object]:
    names = draw(st.lists(st.sampled_from(SECRET_NAMES), min_size=1, max_size=4, unique=True))
    values: dict[str, object] = {name: canary() for name in names}
    values |= {
        "name": canary(),
        "tags": {"Owner": canary(), "Secret": canary()},
        "engine_version": canary(),
        "settings": _value(draw, canary),
        "deletion_protection": draw(st.booleans()),
        "skip_final_snapshot": draw(st.booleans()),
    }
    return values


def _mask(draw: st.DrawFn, values: dict[str, object]) -> object:
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return False
    if choice == 1:
        return True
    return {name: draw(st.booleans()) for name in values}


@st.composite
def canary_plans(draw: st.DrawFn) -> tuple[bytes, Canaries]:
    canary = Canaries(draw(st.from_regex(r"[A-Z]{6}[0-9]{4}", fullmatch=True)))
    count = draw(st.integers(1, 4))
    changes, state, planned, drift, config = [], [], [], [], []
    for n in range(count):
        rtype = draw(st.sampled_from(TYPES))
        address = f"{rtype}.r{n}"
        actions = draw(st.sampled_from(ACTIONS))
        before, after = _attributes(draw, canary), _attributes(draw, canary)
        change = {
            "actions": actions,
            "before": None if actions == ["create"] else before,
            "after": None if actions == ["delete"] else after,
            "after_unknown": {},
            "before_sensitive": _mask(draw, before),
            "after_sensitive": _mask(draw, after),
        }
        if "create" in actions and "delete" in actions:
            change["replace_paths"] = [["engine_version"], ["password"]]
        body = {
            "address": address,
            "mode": "managed",
            "type": rtype,
            "name": f"r{n}",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": change,
        }
        if change.get("replace_paths"):
            body["action_reason"] = "replace_because_cannot_update"
        changes.append(body)
        base = {"address": address, "mode": "managed", "type": rtype, "name": f"r{n}"}
        state.append(base | {"values": _attributes(draw, canary), "depends_on": []})
        planned.append(base | {"values": _attributes(draw, canary)})
        drift.append(body | {"change": change | {"actions": ["update"]}})
        config.append(
            base
            | {
                "expressions": {
                    "password": {"constant_value": canary()},
                    "name": {"references": [f"var.v{n}"]},
                }
            }
        )
    doc = {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "variables": {f"v{n}": {"value": canary()} for n in range(count)},
        "planned_values": {
            "outputs": {"o": {"sensitive": True, "value": canary()}},
            "root_module": {"resources": planned},
        },
        "resource_drift": drift[: draw(st.integers(0, count))],
        "resource_changes": changes,
        "output_changes": {
            "o": {
                "actions": ["update"],
                "before": canary(),
                "after": canary(),
                "before_sensitive": True,
                "after_sensitive": draw(st.booleans()),
            }
        },
        "prior_state": {"values": {"root_module": {"resources": state}}},
        "configuration": {
            "provider_config": {
                "aws": {"name": "aws", "expressions": {"token": {"constant_value": canary()}}}
            },
            "root_module": {
                "resources": config,
                "variables": {f"v{n}": {"default": canary()} for n in range(count)},
            },
        },
        "relevant_attributes": [{"resource": changes[0]["address"], "attribute": ["password"]}],
    }
    return json.dumps(doc).encode(), canary


def every_output(data: bytes, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(what, text) for every output planguard makes of one plan file."""
    plan_path = tmp_path / "plan.json"
    plan_path.write_bytes(data)
    plan = plan_from_bytes(data, str(plan_path))
    report, _ = build_report([NamedPlan("plan", plan)], CLASSIFIER)
    for fmt in Format:
        yield f"analyze {fmt.value}", render(fmt, report)
    opts = CheckOptions(GateSetup((str(plan_path),), tmp_path), env=(), now=NOW)
    result = evaluate(opts)
    for fmt in Format:
        yield f"check {fmt.value}", render_check(result, opts, fmt)
    yield from _github_outputs(result)
    record = audit.entry(result.decision, NOW.isoformat(), (str(plan_path),))
    yield "audit log", json.dumps(record)


def _github_outputs(result: CheckResult) -> Iterator[tuple[str, str]]:
    for summary in (False, True):
        ctx = GitHubContext("plan", "a" * 40, NOW.isoformat(), summary=summary)
        text = check_markdown(result.report, result.decision, notes=(), plans=("p",), github=ctx)
        yield ("job summary" if summary else "PR comment"), text
    yield "annotations", "\n".join(annotation_lines(_annotations(result.decision, ())))


def broken_copies(data: bytes) -> Iterator[tuple[str, bytes]]:
    """Copies of a canary plan that the loader must refuse, to search its error messages."""
    yield "truncated", data[: len(data) // 2]
    yield "invalid UTF-8", data.replace(b"QQ", b"Q\xffQ", 1)
    doc = json.loads(data)
    doc["resource_changes"][0]["change"]["actions"] = [doc["variables"]["v0"]["value"]]
    yield "unknown action", json.dumps(doc).encode()
    doc = json.loads(data)
    doc["resource_changes"][0]["address"] = doc["variables"]["v0"]["value"] + "["
    yield "bad address", json.dumps(doc).encode()
    doc = json.loads(data)
    doc["format_version"] = 7
    yield "wrong type", json.dumps(doc).encode()


@depth(15, 1000)
def test_no_planted_canary_reaches_any_output(examples: int, tmp_path: Path) -> None:
    def check(plan: tuple[bytes, Canaries]) -> None:
        data, canary = plan
        assert canary.count >= 25  # every position got one
        leaks = canary.pattern()
        seen = 0
        for what, text in every_output(data, tmp_path):
            found = leaks.search(text)
            assert found is None, f"{what} shows a planted value ({found.group()})"
            seen += 1
        assert seen == 2 * len(Format) + 4
        for what, broken in broken_copies(data):
            with pytest.raises(PlanInputError) as error:
                plan_from_bytes(broken, "plan.json")
            assert leaks.search(visible(str(error.value))) is None, (
                f"the {what} error shows a value"
            )

    explore(examples, check, plan=canary_plans())


# -- Every corpus plan in tests/: its secrets must not show ----------------------------------

SECRETISH = re.compile(
    r"pass(word)?|secret|token|private_key|connection_string|api_?key|credential", re.I
)


def _secrets(doc: dict[str, object]) -> set[str]:
    """Sensitive values, values of secret-looking attributes, and every variable value."""
    found: set[str] = set()
    for section in ("resource_changes", "resource_drift"):
        for change in doc.get(section) or []:
            body = change.get("change") or {}
            for side in ("before", "after"):
                found |= _masked(body.get(side), body.get(f"{side}_sensitive"), False)
    for variable in (doc.get("variables") or {}).values():
        found |= _strings(variable.get("value") if isinstance(variable, dict) else None)
    return found


def _masked(value: object, mask: object, secret: bool) -> set[str]:
    if mask is True or secret:
        return _strings(value)
    if isinstance(value, dict):
        masks = mask if isinstance(mask, dict) else {}
        return set().union(
            *(_masked(v, masks.get(k), bool(SECRETISH.search(k))) for k, v in value.items())
        )
    if isinstance(value, list):
        masks = mask if isinstance(mask, list) else []
        return set().union(
            *(_masked(v, masks[i] if i < len(masks) else None, False) for i, v in enumerate(value))
        )
    return set()


def _strings(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(set(), *(_strings(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(set(), *(_strings(v) for v in value))
    return set()


def _searchable(value: str) -> bool:
    """Long enough, and not a plain word ("default") that planguard's own text may use."""
    return len(value) >= 6 and not value.isdigit() and not re.fullmatch(r"[A-Za-z]{1,15}", value)


def _identifiers(doc: dict[str, object]) -> str:
    """What planguard shows on purpose: addresses, types, names, keys, providers, reasons."""
    parts: list[str] = []
    for section in ("resource_changes", "resource_drift"):
        for change in doc.get(section) or []:
            parts += [str(change.get(k)) for k in ("address", "type", "name", "provider_name")]
            parts += [str(change.get(k)) for k in ("previous_address", "deposed", "index")]
            parts += [json.dumps((change.get("change") or {}).get("replace_paths"))]
    parts += list((doc.get("output_changes") or {}).keys())
    parts += [str(doc.get("terraform_version")), str(doc.get("format_version"))]
    return "\n".join(parts)


def _corpus_plans() -> list[Path]:
    found = []
    for path in sorted((TESTS / "corpus").rglob("*.json")):
        try:
            doc = json.loads(path.read_bytes())
            plan_from_bytes(path.read_bytes(), path.name)
        except (ValueError, PlanInputError):
            continue
        if isinstance(doc, dict):
            found.append(path)
    return found


CORPUS = _corpus_plans()


def test_the_corpus_copy_is_searched_whole() -> None:
    assert len(CORPUS) >= 80
    searched = 0
    for path in CORPUS:
        doc = json.loads(path.read_bytes())
        shown = _identifiers(doc)
        searched += sum(1 for s in _secrets(doc) if _searchable(s) and s not in shown)
    assert searched >= 100  # 141 values of 22 plans when written


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(TESTS)))
def test_no_secret_of_a_corpus_plan_reaches_any_output(path: Path, tmp_path: Path) -> None:
    data = path.read_bytes()
    doc = json.loads(data)
    shown = _identifiers(doc)
    secrets = {s for s in _secrets(doc) if _searchable(s) and s not in shown}
    for what, output in every_output(data, tmp_path):
        text = output.replace(str(tmp_path), "")
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{what} shows {len(leaked)} secret value(s), e.g. {leaked[0][:4]}…"


@depth(5, 50)
def test_no_canary_reaches_the_terminal_the_logs_or_the_audit_file(
    examples: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def check(plan: tuple[bytes, Canaries]) -> None:
        data, canary = plan
        path = tmp_path / "plan.json"
        path.write_bytes(data)
        log = tmp_path / "audit.jsonl"
        runs = [
            ["analyze", str(path)],
            ["analyze", "--format", "markdown", str(path)],
            ["check", "--audit-log", str(log), str(path)],
            ["explain", str(path), json.loads(data)["resource_changes"][0]["address"]],
            ["graph", str(path)],
        ]
        for args in runs:
            capsys.readouterr()
            code = run(args)
            out, err = capsys.readouterr()
            assert code in (0, 1), f"planguard {args[0]}: exit {code}: {err[-300:]}"
            assert canary.pattern().search(out + err) is None, f"planguard {args[0]} shows a value"
        assert canary.pattern().search(log.read_text()) is None

    explore(examples, check, plan=canary_plans())
