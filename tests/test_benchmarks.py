"""The benchmark plan generator makes realistic plans, and the runner measures real processes."""

from __future__ import annotations

import dataclasses
import io
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from planguard.analysis.pipeline import NamedPlan, build_report
from planguard.graph.build import build_graph_data
from planguard.graph.model import EdgeKind
from planguard.plan.load import plan_from_bytes
from planguard.plan.model import ActionReason
from planguard.render.choices import Format
from planguard.render.formats import render
from planguard.rules.classify import Classifier
from planguard.rules.load import load_rulesets

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
import generate
import run


def _plan_bytes(resources: int) -> bytes:
    out = io.StringIO()
    generate.write_plan(resources, out)
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def plan_data() -> bytes:
    return _plan_bytes(3_000)


def test_a_generated_plan_has_exactly_the_resources_asked_for() -> None:
    for size in (1, 7, 250, 1_001):
        assert len(plan_from_bytes(_plan_bytes(size), "p").resource_changes) == size


def test_the_same_size_gives_the_same_bytes() -> None:
    assert _plan_bytes(400) == _plan_bytes(400)


def test_a_generated_plan_looks_like_a_real_estate(plan_data: bytes) -> None:
    plan = plan_from_bytes(plan_data, "p")
    changes = plan.resource_changes
    depths = Counter(len(c.location.module) for c in changes)
    assert depths[0] and depths[1] and depths[2]  # root, environment, service modules
    keys = {type(c.location.key) for c in changes}
    assert {int, type(None)} <= keys  # count instances and single ones
    assert any(isinstance(s.key, str) for c in changes for s in c.location.module)  # for_each
    providers = {c.provider_name.rsplit("/", 1)[-1] for c in changes}
    assert {"aws", "google", "azurerm", "random"} <= providers
    actions = Counter(c.action.value for c in changes)
    for action in ("no-op", "update", "create", "delete", "delete,create", "create,delete", "read"):
        assert actions[action] > 0, action
    assert actions["no-op"] > len(changes) / 2
    assert any(c.action_reason is ActionReason.REPLACE_BECAUSE_TAINTED for c in changes)
    assert any(s.tainted for s in plan.prior_state)
    assert plan.resource_drift and plan.relevant_attributes
    assert sum(1 for c in changes if c.before.is_sensitive(("password",))) > 10


def test_a_generated_plan_links_references_and_state_across_modules(plan_data: bytes) -> None:
    graph = build_graph_data(plan_from_bytes(plan_data, "p"))
    kinds = Counter(kind for edge in graph.edges for kind in edge.kinds)
    assert kinds[EdgeKind.REFERENCE] > 3_000
    assert kinds[EdgeKind.STATE] > 3_000
    assert kinds[EdgeKind.DEPENDS_ON] > 100
    into_services = [e for e in graph.edges if e.dependency == "aws_vpc.main"]
    assert len(into_services) > 100  # through two module calls' variables


def test_the_comment_of_a_large_generated_plan_fits_github(plan_data: bytes) -> None:
    classifier = Classifier(load_rulesets())
    report, _ = build_report([NamedPlan("p", plan_from_bytes(plan_data, "p"))], classifier)
    assert len(report.findings) > 100
    assert len(render(Format.MARKDOWN, report)) <= 65_536


def test_the_runner_measures_whole_processes(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_bytes(_plan_bytes(200))
    floor, analyze_json = run.subjects(tmp_path / "no-peers", "1k")[:2]
    sample = run.measure(floor, plan, timeout=60)
    assert isinstance(sample, run.Sample)
    assert sample.wall > 0 and sample.rss_kib > 1_000 and sample.output_bytes == 0
    sample = run.measure(analyze_json, plan, timeout=60)
    assert isinstance(sample, run.Sample) and sample.output_bytes > 1_000
    missing = run.subjects(tmp_path / "no-peers", "1k")[-1]
    assert "not installed" in str(run.measure(missing, plan, timeout=60))


def _cell(
    subject: str, size: str, wall: float, rss: int, chars: int = 0, plan_bytes: int = 1_000_000
) -> run.Cell:
    """A cell of three equal samples."""
    found = run.Cell(subject, size, run.SIZES[size], plan_bytes)
    found.samples = [run.Sample(wall, rss, 0, chars, chars)] * 3
    return found


def test_the_report_states_each_target_with_its_ratio() -> None:
    cell = _cell

    cells = [
        cell("json.load floor", "10k", 1.0, 100_000),
        cell("planguard analyze --format json", "10k", 1.0, 100_000),
        cell("json.load floor", "100k", 10.0, 1_000_000),
        cell("planguard analyze --format json", "100k", 8.0, 400_000),
        cell("planguard check --format markdown (the PR comment)", "100k", 8.0, 1, 70_000),
        cell("blastcheck 0.8.0", "100k", 20.0, 1_000_000),
    ]
    text = run.targets(cells)
    assert "wall ≤ 2.5× the json.load floor: **0.80×** — met" in text
    assert "peak RSS ≤ 1.5× the floor's: **0.40×** — met" in text
    assert "(blastcheck 0.8.0, 20.00 s): **2.50×** — met" in text
    assert "growth ≤ 11×: **8.00×** — met" in text
    assert "longest **70,000** — missed" in text
    assert "| 100k (1 MB) | json.load floor | 10.00 s |" in run.table(cells)


def test_the_report_states_the_start_up_and_lean_targets() -> None:
    def cell(subject: str, size: str, wall: float, rss: int = 50_000) -> run.Cell:
        return _cell(subject, size, wall, rss, plan_bytes=20_000)

    cells = [
        cell("planguard --version", "example", 0.05),
        cell("planguard analyze --format json", "example", 0.2),
        cell("planguard check --format markdown (the PR comment)", "example", 0.5),
        cell("planguard check", "example", 0.19),
        cell("blastcheck 0.8.0", "example", 0.05),
        cell("json.load floor", "lean-100k", 2.0, 900_000),
        cell("planguard analyze --format json", "lean-100k", 5.0, 500_000),
    ]
    text = run.targets(cells)
    assert "example: analyze ≤ 150 ms: **200.00 ms** — missed" in text
    assert "example: check ≤ 200 ms: **190.00 ms** — met" in text
    assert "example: analyze ≤ 2.5× blastcheck: **4.00×** — missed" in text
    assert "example: --version ≤ 60 ms: **50.00 ms** — met" in text
    assert "lean-100k: wall ≤ 2.0× the floor: **2.50×** — missed" in text
    assert "lean-100k: peak RSS ≤ 1.0× the floor's: **0.56×** — met" in text
    assert "| example (20 kB) | planguard check | 190 ms |" in run.table(cells)
    assert "the json.load floor: **" not in text  # the large-plan targets need a large plan
    saved = {"machine": {"cpu": "x"}, "cells": [dataclasses.asdict(c) for c in cells]}
    assert run.targets(cells) in run.report_from(json.loads(json.dumps(saved)))


def test_start_up_subjects_run_on_small_plans_only(tmp_path: Path) -> None:
    small = {s.name for s in run.subjects(tmp_path, "example")}
    large = {s.name for s in run.subjects(tmp_path, "100k")}
    assert {"python -c pass", "planguard --version", "planguard check"} <= small - large
    assert run.ensure_plan("example", tmp_path).is_file()
    version = next(s for s in run.subjects(tmp_path, "example") if s.name.endswith("--version"))
    sample = run.measure(version, run.ensure_plan("example", tmp_path), timeout=60)
    assert isinstance(sample, run.Sample) and sample.exit_code == 0


def test_a_subject_is_not_charged_with_the_runners_own_peak(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_bytes(_plan_bytes(50))
    ballast = b"x" * (400 << 20)  # the runner touches 400 MiB before starting the subject
    floor = run.subjects(tmp_path / "no-peers", "1k")[0]
    sample = run.measure(floor, plan, timeout=60)
    del ballast
    assert isinstance(sample, run.Sample)
    assert sample.rss_kib < 200 << 10
