"""The CLI contract: documented exit codes, formats, the error boundary."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import cli

from planguard.commands import analyze as analyze_module
from planguard.commands.outcome import Outcome
from planguard.gather.plans import analyze_plans, classifier_for
from planguard.render.choices import Format
from planguard.render.formats import render
from planguard.resources import data_dir

EXAMPLE = data_dir("examples") / "replace-cascade.json"
DESTROY = data_dir("examples") / "destroy.json"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["analyze", str(EXAMPLE)], 0),
        (["analyze", str(EXAMPLE), "--fail-on", "critical"], 0),
        (["analyze", str(DESTROY), "--fail-on", "critical"], 1),
        (["analyze", str(EXAMPLE), "--fail-on", "high"], 1),
        (["analyze", str(EXAMPLE), "--fail-on", "bogus"], 2),
        (["analyze"], 2),
        (["nonsense"], 2),
        (["graph", str(EXAMPLE), "--depth", "2"], 2),
        (["graph", str(EXAMPLE), "--focus", "terraform_data.nope"], 2),
        (["explain", str(EXAMPLE), "terraform_data.networkk"], 2),
        (["--version"], 0),
        (["--help"], 0),
    ],
)
def test_exit_codes(args: list[str], code: int) -> None:
    result = cli(args)
    assert result.code == code, result
    assert "Traceback" not in result.err


def test_unknown_address_suggests_close_matches() -> None:
    result = cli(["explain", str(EXAMPLE), "terraform_data.networkk"])
    assert "Did you mean: terraform_data.network" in result.err


def test_internal_errors_exit_3_with_a_report_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: object) -> Outcome:
        raise RuntimeError("boom")

    monkeypatch.setattr(analyze_module, "analyze", broken)
    result = cli(["analyze", str(EXAMPLE)])
    assert result.code == 3
    assert "internal error" in result.err and "RuntimeError: boom" in result.err


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_every_format_renders_the_ranked_findings(fmt: str) -> None:
    result = cli(["analyze", str(EXAMPLE), "--format", fmt])
    assert result.code == 0
    assert "terraform_data.network" in result.out
    assert result.out.index("terraform_data.network") < result.out.index("terraform_data.subnet")


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    result = cli(["analyze", str(EXAMPLE), "--format", "json", "-o", str(target)])
    assert result.code == 0 and result.out == ""
    assert '"schema_version"' in target.read_text()


def test_text_is_plain_when_piped_and_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in cli(["analyze", str(EXAMPLE)]).out
    colored = render(
        Format.TEXT,
        analyze_plans([str(EXAMPLE)], classifier_for(()), "terraform")[0],
        color=True,
    )
    assert "\x1b[" in colored


def test_several_plans_make_one_report() -> None:
    destroy = EXAMPLE.with_name("destroy.json")
    result = cli(["analyze", f"web={EXAMPLE}", str(destroy), "--format", "json"])
    body = result.json()
    names = [r["name"] for r in body["roots"]]  # type: ignore[index]
    assert names == ["web", "destroy"]


def test_docs_worked_example_matches_the_real_plan() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "scoring.md").read_text()
    assert "tier high, score 65" in doc
    report, _ = analyze_plans([str(EXAMPLE)], classifier_for(()), "terraform")
    network = next(f for f in report.findings if f.address == "terraform_data.network")
    assert (network.score, network.tier.value) == (65, "high")
    assert [c.points for c in network.components] == [20, 0, 15, 10, 20]


def test_docs_database_example_scores_150() -> None:
    """The hypothetical aws_db_instance of docs/scoring.md, built as a plan document."""
    import json

    from planguard.analysis.pipeline import NamedPlan, build_report
    from planguard.plan.load import plan_from_bytes
    from planguard.rules.classify import Classifier
    from planguard.rules.load import load_rulesets

    db = "aws_db_instance.main"
    changes = [
        {
            "address": db,
            "mode": "managed",
            "type": "aws_db_instance",
            "name": "main",
            "action_reason": "replace_because_cannot_update",
            "change": {"actions": ["delete", "create"], "replace_paths": [["engine_version"]]},
        }
    ]
    config = [{"address": db, "mode": "managed", "type": "aws_db_instance", "name": "main"}]
    for i in range(9):
        address = f"aws_ssm_parameter.p{i}"
        changes.append(
            {
                "address": address,
                "mode": "managed",
                "type": "aws_ssm_parameter",
                "name": f"p{i}",
                "change": {"actions": ["no-op"]},
            }
        )
        config.append(
            {
                "address": address,
                "mode": "managed",
                "type": "aws_ssm_parameter",
                "name": f"p{i}",
                "expressions": {"value": {"references": [f"{db}.endpoint", db]}},
            }
        )
    doc = {
        "format_version": "1.2",
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": config}},
    }
    plan = plan_from_bytes(json.dumps(doc).encode(), "db.json")
    report, _ = build_report([NamedPlan("db", plan)], Classifier(load_rulesets()))
    finding = next(f for f in report.findings if f.address == db)
    assert [c.points for c in finding.components] == [20, 40, 30, 15, 10, 20, 15]
    assert (finding.score, finding.tier.value) == (150, "critical")


def test_the_fast_version_answer_is_what_click_prints() -> None:
    """`planguard --version` answers before the CLI is imported (issue 21: ≤ 60 ms); it must
    say exactly what the click option says."""
    import subprocess
    import sys

    fast = subprocess.run(
        [sys.executable, "-m", "planguard", "--version"], capture_output=True, text=True, check=True
    )
    assert fast.stdout == cli(["--version"]).out
