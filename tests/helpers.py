"""Shared test helpers: run the CLI in-process, load and analyze a plan."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from collections.abc import Callable, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from planguard.analysis.pipeline import NamedPlan, RootAnalysis, build_report
from planguard.analysis.report import Report
from planguard.cli import run
from planguard.plan.load import load_plan
from planguard.rules.classify import Classifier
from planguard.rules.load import load_rulesets

_CLASSIFIER = Classifier(load_rulesets())


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


def cli(args: Sequence[str], stdin: bytes | None = None) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = run(list(args))
    finally:
        sys.stdin = old_stdin
    return CliResult(code, out.getvalue(), err.getvalue())


def analyze_file(path: Path | str) -> tuple[Report, RootAnalysis]:
    report, roots = build_report([NamedPlan(str(path), load_plan(str(path)))], _CLASSIFIER)
    return report, roots[0]


def json_paths(
    node: object, prefix: tuple[object, ...] = (), items: int = 3
) -> list[tuple[object, ...]]:
    """Every path into a decoded JSON document (the first `items` elements of each list)."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += json_paths(value, (*prefix, key), items)
    elif isinstance(node, list):
        for index, value in enumerate(node[:items]):
            found += json_paths(value, (*prefix, index), items)
    return found


def depth(quick: int, thorough: int) -> pytest.MarkDecorator:
    """How many Hypothesis examples a property test draws: `quick` in the default run,
    `thorough` in the `slow` run (`pytest -m slow`, which .ci/run also runs)."""
    return pytest.mark.parametrize(
        "examples",
        [
            pytest.param(quick, id="quick"),
            pytest.param(thorough, id="thorough", marks=pytest.mark.slow),
        ],
    )


def explore(examples: int, body: Callable[..., None], *args: Any, **strategies: Any) -> None:
    """Run `body` on `examples` draws of the strategies (positional or by name).

    Derandomized: every run draws the same examples, so a run in CI finds only what a run here
    found (a counterexample a random seed turns up once is a flaky test); the `slow` run draws
    many more. A counterexample found goes into the test's table of explicit cases."""
    checks = settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    checks(given(*args, **strategies)(body))()


def yaml_schema_errors(schema: dict[str, Any], text: str) -> list[str]:
    """What a JSON Schema says of a YAML document, as an editor reads it (dates as strings)."""

    def plain(value: object) -> object:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    validator = jsonschema.Draft202012Validator(schema)
    return [e.message for e in validator.iter_errors(plain(yaml.safe_load(text)))]
