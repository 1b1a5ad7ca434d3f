"""End to end on real Terraform plans of tests/terraform/env (see scenarios.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import analyze_file, cli

from planguard.findings import FindingKind, Tier
from planguard.plan.load import load_plan
from planguard.plan.model import Action, ActionReason

NETWORK = "terraform_data.network"
SUBNETS = {"terraform_data.subnet[0]", "terraform_data.subnet[1]"}
LB = "module.app.terraform_data.lb"
SERVICES = {'module.app.terraform_data.service["api"]', 'module.app.terraform_data.service["web"]'}
REMOTE = "data.terraform_remote_state.shared"


def _edges(root) -> set[tuple[str, str, frozenset[str]]]:  # type: ignore[no-untyped-def]
    return {
        (e.dependency, e.dependent, frozenset(k.value for k in e.kinds))
        for e in root.graph.data.edges
    }


# Every edge of the environment, with its provenance: configuration references (resolved
# through module inputs and outputs, expanded to count/for_each instances), depends_on, and
# prior_state dependencies (which Terraform records transitively).
EXPECTED_EDGES = {
    (NETWORK, "terraform_data.subnet[0]", frozenset({"reference", "state"})),
    (NETWORK, "terraform_data.subnet[1]", frozenset({"reference", "state"})),
    (NETWORK, LB, frozenset({"state"})),
    (NETWORK, 'module.app.terraform_data.service["api"]', frozenset({"state"})),
    (NETWORK, 'module.app.terraform_data.service["web"]', frozenset({"state"})),
    (NETWORK, "terraform_data.dns", frozenset({"state"})),
    (NETWORK, "terraform_data.monitor", frozenset({"depends_on", "state"})),
    (NETWORK, REMOTE, frozenset({"depends_on"})),
    (NETWORK, "terraform_data.uses_shared", frozenset({"state"})),
    ("terraform_data.subnet[0]", LB, frozenset({"reference", "state"})),
    ("terraform_data.subnet[1]", LB, frozenset({"reference", "state"})),
    ("terraform_data.subnet[0]", 'module.app.terraform_data.service["api"]', frozenset({"state"})),
    ("terraform_data.subnet[0]", 'module.app.terraform_data.service["web"]', frozenset({"state"})),
    ("terraform_data.subnet[1]", 'module.app.terraform_data.service["api"]', frozenset({"state"})),
    ("terraform_data.subnet[1]", 'module.app.terraform_data.service["web"]', frozenset({"state"})),
    ("terraform_data.subnet[0]", "terraform_data.dns", frozenset({"state"})),
    ("terraform_data.subnet[1]", "terraform_data.dns", frozenset({"state"})),
    (LB, 'module.app.terraform_data.service["api"]', frozenset({"reference", "state"})),
    (LB, 'module.app.terraform_data.service["web"]', frozenset({"reference", "state"})),
    (LB, "terraform_data.dns", frozenset({"reference", "state"})),
    (REMOTE, "terraform_data.uses_shared", frozenset({"reference", "state"})),
}
# module.worker has for_each = ["a", "b"], depends_on = [terraform_data.monitor] and is fed
# module.app's output; its job_log refers to the job of its own module instance only.
WORKERS = ('module.worker["a"]', 'module.worker["b"]')
JOBS = {f"{w}.terraform_data.{r}" for w in WORKERS for r in ("job", "job_log")}
for _w in WORKERS:
    _job, _log = f"{_w}.terraform_data.job", f"{_w}.terraform_data.job_log"
    EXPECTED_EDGES |= {
        (LB, _job, frozenset({"reference", "state"})),
        (LB, _log, frozenset({"state"})),
        (_job, _log, frozenset({"reference", "state"})),
        ("terraform_data.monitor", _job, frozenset({"depends_on", "state"})),
        ("terraform_data.monitor", _log, frozenset({"depends_on", "state"})),
    }
    for _upstream in (NETWORK, *SUBNETS):
        EXPECTED_EDGES |= {
            (_upstream, _job, frozenset({"state"})),
            (_upstream, _log, frozenset({"state"})),
        }


def test_graph_edges_are_exact_on_the_applied_environment(real_plans: dict[str, Path]) -> None:
    _, root = analyze_file(real_plans["noop"])
    assert _edges(root) == EXPECTED_EDGES
    # No edge between the two instances of module.worker.
    assert not {
        (a, b) for a, b, _ in _edges(root) if "worker[" in a and "worker[" in b and a[:20] != b[:20]
    }


def test_noop_plan_has_no_findings_and_exits_zero(real_plans: dict[str, Path]) -> None:
    report, _ = analyze_file(real_plans["noop"])
    assert report.findings == ()
    assert report.tier is Tier.LOW
    result = cli(["analyze", str(real_plans["noop"]), "--fail-on", "low"])
    assert result.code == 0, result.err
    assert "no findings" in result.out


def test_update_of_a_stateless_resource_is_not_a_finding(real_plans: dict[str, Path]) -> None:
    plan = load_plan(str(real_plans["update"]))
    assert {c.action for c in plan.resource_changes} == {Action.NO_OP, Action.UPDATE}
    report, _ = analyze_file(real_plans["update"])
    assert report.findings == ()


def test_replace_cascade_blast_radius_crosses_the_module_boundary(
    real_plans: dict[str, Path],
) -> None:
    report, root = analyze_file(real_plans["replace_cascade"])
    by_address = {f.address: f for f in report.findings}
    network = by_address[NETWORK]
    assert network.rule is FindingKind.REPLACE and network.action is Action.REPLACE_DELETE_FIRST
    assert network.action_reason is ActionReason.REPLACE_BECAUSE_CANNOT_UPDATE
    assert network.replace_paths == ("triggers_replace",)
    changing = (
        SUBNETS | {LB} | SERVICES | JOBS | {"terraform_data.dns", "terraform_data.uses_shared"}
    )
    unchanged = {"terraform_data.monitor", REMOTE}
    assert root.graph.dependents(NETWORK) == changing | unchanged
    assert network.blast is not None
    assert (network.blast.total, network.blast.changing, network.blast.unchanged) == (13, 11, 2)
    assert set(network.blast.notable) <= changing | unchanged
    assert len(network.blast.notable) == 10  # bounded list; `explain` shows them all
    lb = by_address[LB]
    assert lb.blast is not None and (lb.blast.total, lb.blast.changing) == (7, 7)
    # Root-cause attribution: every cascaded replacement is explained by the network.
    for address in SUBNETS | {LB} | SERVICES:
        assert by_address[address].root_causes == (NETWORK,), address
    assert network.root_causes == ()
    # The unrelated resources are untouched and not in any finding.
    assert not any(f.address.startswith("terraform_data.backup") for f in report.findings)
    assert FindingKind.ENVIRONMENT_TEARDOWN not in {f.rule for f in report.findings}


def test_replace_cascade_explain_lists_every_dependent(real_plans: dict[str, Path]) -> None:
    result = cli(["explain", str(real_plans["replace_cascade"]), NETWORK])
    assert result.code == 0, result.err
    assert "also changing in this plan (11)" in result.out
    assert "unchanged but depending on it (2)" in result.out
    for address in SERVICES | JOBS | {"terraform_data.monitor"}:
        assert address in result.out


def test_replace_by_request_scores_lower_than_a_side_effect(real_plans: dict[str, Path]) -> None:
    report, _ = analyze_file(real_plans["replace_by_request"])
    (finding,) = report.findings
    assert finding.address == "terraform_data.audit"
    assert finding.action_reason is ActionReason.REPLACE_BY_REQUEST
    reason = next(c for c in finding.components if c.name == "reason")
    assert reason.points < 0


def test_delete_first_replace_outranks_create_first(real_plans: dict[str, Path]) -> None:
    report, _ = analyze_file(real_plans["orders"])
    by_address = {f.address: f for f in report.findings}
    queue, cache = by_address["terraform_data.queue"], by_address["terraform_data.cache"]
    assert queue.action is Action.REPLACE_DELETE_FIRST
    assert cache.action is Action.REPLACE_CREATE_FIRST
    assert "downtime" in {c.name for c in queue.components}
    assert "downtime" not in {c.name for c in cache.components}
    assert queue.score > cache.score


def test_destroy_everything_is_a_critical_environment_teardown(real_plans: dict[str, Path]) -> None:
    report, _ = analyze_file(real_plans["destroy"])
    teardown = [f for f in report.findings if f.rule is FindingKind.ENVIRONMENT_TEARDOWN]
    assert len(teardown) == 1 and teardown[0].tier is Tier.CRITICAL
    assert "18 of 18" in teardown[0].title
    destroys = [f for f in report.findings if f.rule is FindingKind.DESTROY]
    assert len(destroys) == 18
    result = cli(["analyze", str(real_plans["destroy"]), "--fail-on", "high"])
    assert result.code == 1
    assert "environment-teardown" in result.out


def test_moved_resource_keeps_its_previous_address(real_plans: dict[str, Path]) -> None:
    plan = load_plan(str(real_plans["moved"]))
    moved = {c.address: c for c in plan.resource_changes}["terraform_data.audit_log"]
    assert moved.previous_address == "terraform_data.audit"
    assert moved.action is Action.NO_OP
    report, _ = analyze_file(real_plans["moved"])
    assert report.findings == ()


def test_removed_block_forgets_without_destroying(real_plans: dict[str, Path]) -> None:
    report, _ = analyze_file(real_plans["forget"])
    (finding,) = report.findings
    assert finding.rule is FindingKind.FORGET and finding.action is Action.FORGET
    assert "class" not in {c.name for c in finding.components}  # nothing is destroyed
    assert finding.tier is Tier.LOW


def test_removed_block_with_destroy_is_a_delete(real_plans: dict[str, Path]) -> None:
    report, _ = analyze_file(real_plans["removed_block_destroy"])
    (finding,) = report.findings
    assert finding.rule is FindingKind.DESTROY
    assert finding.action_reason is ActionReason.DELETE_BECAUSE_NO_RESOURCE_CONFIG


def test_tainted_object_is_replaced_for_that_reason(real_plans: dict[str, Path]) -> None:
    plan = load_plan(str(real_plans["tainted"]))
    assert {s.address for s in plan.prior_state if s.tainted} == {"terraform_data.audit"}
    report, _ = analyze_file(real_plans["tainted"])
    (finding,) = report.findings
    assert finding.action_reason is ActionReason.REPLACE_BECAUSE_TAINTED


def test_deposed_object_is_its_own_node_and_finding(real_plans: dict[str, Path]) -> None:
    report, root = analyze_file(real_plans["deposed"])
    (finding,) = report.findings
    assert finding.deposed == "00000001"
    assert finding.address == "terraform_data.queue (deposed 00000001)"
    assert "deposed object" in finding.title
    assert {"terraform_data.queue", finding.address} <= {n.id for n in root.graph.data.nodes}


def test_remote_state_read_is_a_node_and_not_a_finding(real_plans: dict[str, Path]) -> None:
    plan = load_plan(str(real_plans["replace_cascade"]))
    read = {c.address: c for c in plan.resource_changes}[REMOTE]
    assert read.action is Action.READ
    assert read.action_reason is ActionReason.READ_BECAUSE_DEPENDENCY_PENDING
    report, _ = analyze_file(real_plans["replace_cascade"])
    assert REMOTE not in {f.address for f in report.findings}


def test_json_report_is_deterministic(real_plans: dict[str, Path]) -> None:
    first = cli(["analyze", str(real_plans["replace_cascade"]), "--format", "json"])
    second = cli(["analyze", str(real_plans["replace_cascade"]), "--format", "json"])
    assert first.code == 0 and first.out == second.out
    body = json.loads(first.out)
    assert body["schema_version"] == "1.3"
    assert body["roots"][0]["findings"][0]["components"]


@pytest.mark.parametrize("fmt", ["dot", "json", "mermaid"])
def test_graph_export_focus_and_depth(real_plans: dict[str, Path], fmt: str) -> None:
    result = cli(["graph", str(real_plans["noop"]), "--format", fmt, "--focus", LB, "--depth", "1"])
    assert result.code == 0, result.err
    assert "terraform_data.dns" in result.out  # one edge downstream
    assert "subnet[0]" in result.out  # one edge upstream
    assert "terraform_data.network" in result.out  # state records it as a direct dependency
    assert "terraform_data.audit" not in result.out  # unrelated
    assert "backup" not in result.out
