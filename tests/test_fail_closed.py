"""Plans that do not show everything are never called safe; drift on a changing resource counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import analyze_file, cli

from planguard.findings import FindingKind, Tier

CORPUS = Path(__file__).parent / "corpus"


def _variant(source: Path, tmp_path: Path, **changes: object) -> Path:
    doc = json.loads(source.read_text())
    if "deferred_changes" in changes:
        # A real resource change, deferred the way Terraform 1.9+ writes it.
        rc = doc["resource_changes"][0]
        changes["deferred_changes"] = [{"reason": "provider_config_unknown", "resource_change": rc}]
    doc.update(changes)
    out = tmp_path / "variant.json"
    out.write_text(json.dumps(doc))
    return out


@pytest.mark.parametrize(
    ("changes", "tier", "words"),
    [
        ({"errored": True}, Tier.CRITICAL, "Terraform reported errors"),
        ({"complete": False}, Tier.HIGH, "the plan is partial"),
        (
            {"complete": False, "deferred_changes": True},
            Tier.HIGH,
            "deferred: provider_config_unknown",
        ),
    ],
)
def test_incomplete_or_errored_plan_is_never_safe(
    real_plans: dict[str, Path], tmp_path: Path, changes: dict[str, object], tier: Tier, words: str
) -> None:
    plan = _variant(real_plans["noop"], tmp_path, **changes)
    report, _ = analyze_file(plan)
    (finding,) = report.findings
    assert finding.rule is FindingKind.INCOMPLETE_PLAN and finding.tier is tier
    assert any(words in c.reason for c in finding.components)
    assert cli(["analyze", str(plan), "--fail-on", "high"]).code == 1


def test_drift_on_a_changing_resource_adds_the_drift_component() -> None:
    report, _ = analyze_file(CORPUS / "cycloidio__terracost__examples__tfstate-json.json")
    finding = next(
        f for f in report.findings if f.address == "module.instance.aws_instance.this[0]"
    )
    assert finding.drifted and finding.rule is FindingKind.DRIFT
    assert [c.points for c in finding.components if c.name == "drift"] == [10]


def test_drift_alone_is_not_a_finding() -> None:
    report, _ = analyze_file(
        CORPUS / "Bright-04__terraform-atlantis-workshop__terraform__tfplan.json"
    )
    assert report.roots[0].plan.drifted == 1
    assert not any(f.drifted for f in report.findings)
