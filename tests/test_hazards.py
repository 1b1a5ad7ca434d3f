"""Each hazard mechanism fires on real plans, and only where it should."""

from __future__ import annotations

from pathlib import Path

import pytest

from planguard.analysis.pipeline import NamedPlan, build_report
from planguard.findings import Finding, FindingKind
from planguard.plan.load import load_plan
from planguard.rules.classify import Classifier
from planguard.rules.load import load_rulesets

HAZARDS = """
ruleset: test-hazards
hazards:
  - id: test-trigger-forces
    types: [terraform_*]
    attribute: triggers_replace
    when: forces_replacement
    points: 7
    summary: the trigger forced the replacement
  - id: test-audit-destroyed
    types: [terraform_data]
    attribute: input
    when: destroyed_with
    value: audit-log
    points: 9
    summary: the audit log is destroyed
  - id: test-web-scaled
    types: [terraform_data]
    attribute: input
    when: changed_to
    value: web-3
    points: 11
    summary: web scaled to three
"""


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> Classifier:
    path = tmp_path_factory.mktemp("rules") / "hazards.yaml"
    path.write_text(HAZARDS)
    return Classifier(load_rulesets([path]))


def _findings(plan: Path, classifier: Classifier) -> dict[str, Finding]:
    report, _ = build_report([NamedPlan("plan", load_plan(str(plan)))], classifier)
    return {f.address: f for f in report.findings}


def _hazard_ids(finding: Finding) -> set[str]:
    return {h.id for h in finding.hazards}


def test_forces_replacement_names_the_forcing_attribute(
    real_plans: dict[str, Path], classifier: Classifier
) -> None:
    findings = _findings(real_plans["replace_cascade"], classifier)
    network = findings["terraform_data.network"]
    assert _hazard_ids(network) == {"test-trigger-forces"}
    component = next(c for c in network.components if c.name == "hazard test-trigger-forces")
    assert component.points == 7
    assert network.score == sum(c.points for c in network.components)


def test_destroyed_with_matches_the_current_value_only(
    real_plans: dict[str, Path], classifier: Classifier
) -> None:
    findings = _findings(real_plans["destroy"], classifier)
    assert _hazard_ids(findings["terraform_data.audit"]) == {"test-audit-destroyed"}
    assert "test-audit-destroyed" not in _hazard_ids(findings["terraform_data.network"])


def test_changed_to_makes_an_update_a_finding(
    real_plans: dict[str, Path], classifier: Classifier
) -> None:
    findings = _findings(real_plans["update"], classifier)
    web = findings['module.app.terraform_data.service["web"]']
    assert web.rule is FindingKind.HAZARD and _hazard_ids(web) == {"test-web-scaled"}
    assert 'module.app.terraform_data.service["api"]' not in findings


def test_hazard_reasons_never_quote_plan_values(
    real_plans: dict[str, Path], classifier: Classifier
) -> None:
    findings = _findings(real_plans["replace_cascade"], classifier)
    text = repr(findings)
    assert "net-a" not in text and "net-b" not in text  # the values of network_name
