"""Trusted policy, suppressions, policy edits, fail-closed floors and the fingerprint, end to end
through `planguard check` on real plans in real git repositories."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from gate_workspace import POLICY, add_change, make_repo
from gitrepo import CLAUDE_TRAILER, Key, allowed_signers, commit, event_file, git
from helpers import cli

pytestmark = pytest.mark.usefixtures("clean_env")


SUPPRESS_TEARDOWN = """
suppressions:
  - address: "*"
    rule: environment-teardown
    reason: decommissioning the sandbox (CHG-1)
    expires: {expires}
    accepted_by: "@alice"
"""
LOOSE = "thresholds: {ai: {high: pass, critical: review}}\n"


@pytest.fixture
def repo(tmp_path: Path, all_keys: dict[str, Key], monkeypatch: pytest.MonkeyPatch) -> Path:
    """The reviewed repository, as the working directory: policy on `main`, change to come."""
    made = make_repo(tmp_path / "repo", all_keys)
    monkeypatch.chdir(made)
    return made


def check(plan: Path, *args: str) -> tuple[int, dict[str, object]]:
    result = cli(["check", str(plan), *args, "--format", "json"])
    assert result.code in (0, 1), result.err
    return result.code, result.json()["decision"]  # type: ignore[index,return-value]


def approve(plan: Path, key: Key, out: Path) -> None:
    out.mkdir(exist_ok=True)
    args = [
        "approve",
        str(plan),
        "--policy-ref",
        "main",
        "--as",
        key.login,
        "--key",
        str(key.private),
    ]
    assert cli([*args, "-o", str(out)]).code == 0


def human(repo: Path) -> list[str]:
    """A person: dave's commits, which the trusted policy counts (human_evidence: commits); a
    local event file naming a person could be forged, so it is not enough."""
    return ["--event", str(event_file(repo.parent, "dave", 1234, "User", "tune"))]


def ai_edit(repo: Path, files: dict[str, str]) -> None:
    commit(repo, f"tune the gate\n\n{CLAUDE_TRAILER}\n", files)


def test_a_change_cannot_loosen_its_own_gate(
    tmp_path: Path,
    repo: Path,
    all_keys: dict[str, Key],
    real_plans: dict[str, Path],
) -> None:
    ai_edit(
        repo, {".planguard.yml": POLICY + LOOSE + SUPPRESS_TEARDOWN.format(expires="2099-01-01")}
    )
    plan = real_plans["destroy"]
    code, decision = check(plan, "--base", "main")
    assert code == 1 and decision["verdict"] == "review required"
    assert decision["policy_changes"] == [".planguard.yml"]
    assert not any(i["suppression"] for i in decision["items"])  # type: ignore[union-attr]
    rules = {r["rule"]: r for r in decision["requirements"]}  # type: ignore[union-attr]
    assert rules["reviewers.policy_owners"]["reviewers"] == ["carol"]
    # alice approves the plan; the gate edit still needs carol, the policy owner.
    out = tmp_path / "approvals"
    approve(plan, all_keys["alice"], out)
    code, decision = check(plan, "--base", "main", "--approvals", str(out))
    assert code == 1
    approve(plan, all_keys["carol"], out)
    code, decision = check(plan, "--base", "main", "--approvals", str(out))
    assert code == 0 and decision["verdict"] == "approved"


def test_a_human_editing_the_policy_gets_the_human_threshold(
    repo: Path,
    real_plans: dict[str, Path],
) -> None:
    commit(repo, "tune the gate", {".planguard.yml": POLICY + LOOSE})
    code, decision = check(real_plans["noop"], "--base", "main", *human(repo))
    assert decision["authorship"]["kind"] == "human"  # type: ignore[index]
    assert decision["policy_changes"] == [".planguard.yml"] and decision["requirements"] == []
    assert code == 0


def test_a_signer_key_added_by_the_change_does_not_count(
    tmp_path: Path,
    repo: Path,
    all_keys: dict[str, Key],
    real_plans: dict[str, Path],
) -> None:
    forged = allowed_signers({"alice": all_keys["mallory"]}, {})
    ai_edit(repo, {".planguard/allowed_signers": forged})
    plan = real_plans["destroy"]
    out = tmp_path / "approvals"
    out.mkdir()
    args = ["approve", str(plan), "--as", "alice", "--key", str(all_keys["mallory"].private)]
    assert cli([*args, "-o", str(out)]).code == 0
    code, decision = check(plan, "--base", "main", "--approvals", str(out))
    assert code == 1
    reason = decision["approvals"]["rejected"][0]["reason"]  # type: ignore[index]
    assert "does not verify" in reason
    # The user's file, where it was read from: never the name of a private copy.
    assert reason.endswith("in .planguard/allowed_signers at main"), reason
    assert decision["policy_changes"] == [".planguard/allowed_signers"]


@pytest.mark.parametrize(("expires", "applied"), [("2099-01-01", True), ("2020-01-01", False)])
def test_trusted_suppressions_lower_the_tier_and_show_everywhere(
    expires: str,
    applied: bool,
    tmp_path: Path,
    all_keys: dict[str, Key],
    real_plans: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = POLICY + SUPPRESS_TEARDOWN.format(expires=expires)
    repo = make_repo(tmp_path / "repo", all_keys, policy=policy)
    add_change(repo, "human")
    monkeypatch.chdir(repo)
    plan = real_plans["destroy"]
    code, decision = check(plan, "--base", "main", *human(repo))
    (item,) = [i for i in decision["items"] if i["finding"]["rule"] == "environment-teardown"]  # type: ignore[union-attr,index]
    assert item["suppression"]["reason"] == "decommissioning the sandbox (CHG-1)"
    assert item["suppression_expired"] is not applied
    assert item["tier"] == ("low" if applied else "critical")
    # The human author's destroy of a sandbox, accepted by alice: allowed; expired: review.
    assert code == (0 if applied else 1)
    text = cli(["check", str(plan), "--base", "main"]).out
    markdown = cli(["check", str(plan), "--base", "main", "--format", "markdown"]).out
    assert "suppressions[0]" in text and "suppressions[0]" in html.unescape(markdown)
    assert ("EXPIRED" in text) is not applied


def _variant(plan: Path, tmp_path: Path, **changes: object) -> Path:
    doc = json.loads(plan.read_text())
    doc.update(changes)
    out = tmp_path / "variant.json"
    out.write_text(json.dumps(doc))
    return out


def test_errored_plan_is_blocked_even_when_approved(
    repo: Path, tmp_path: Path, all_keys: dict[str, Key], real_plans: dict[str, Path]
) -> None:
    add_change(repo, "human")
    plan = _variant(real_plans["noop"], tmp_path, errored=True)
    out = tmp_path / "approvals"
    approve(plan, all_keys["alice"], out)
    code, decision = check(plan, "--base", "main", "--approvals", str(out))
    assert code == 1 and decision["verdict"] == "block"


def test_partial_plan_needs_review_even_from_a_human(
    repo: Path, tmp_path: Path, all_keys: dict[str, Key], real_plans: dict[str, Path]
) -> None:
    add_change(repo, "human")
    partial = _variant(real_plans["noop"], tmp_path, complete=False)
    code, decision = check(partial, "--base", "main", *human(repo))
    assert code == 1 and decision["verdict"] == "review required"
    assert decision["authorship"]["kind"] == "human"  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--base", "no-such-branch"], "git ref 'no-such-branch' not found"),
        (["--policy", "missing.yml"], "missing.yml: policy file not found"),
        (["--policy-ref", "main", "--policy", "other.yml"], "other.yml: no such policy at main"),
    ],
)
def test_configuration_errors_exit_2_never_pass(
    args: list[str],
    words: str | None,
    repo: Path,
    real_plans: dict[str, Path],
) -> None:
    add_change(repo, "human")  # main is then the trusted base, not the change's own commit
    result = cli(["check", str(real_plans["destroy"]), *args])
    if words is None:  # no policy at that path on main: defaults apply, and it says so
        assert result.code == 1 and "no other.yml at main" in result.out
    else:
        assert result.code == 2 and words in result.err, result.err


def test_invalid_policy_on_the_trusted_ref_is_exit_2(
    tmp_path: Path,
    all_keys: dict[str, Key],
    real_plans: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = make_repo(tmp_path / "repo", all_keys, policy="thresholds: {ai: {critical: pass}}\n")
    add_change(repo, "ai-trailer")
    monkeypatch.chdir(repo)
    result = cli(["check", str(real_plans["destroy"]), "--base", "main"])
    assert result.code == 2
    assert "git main:.planguard.yml: thresholds.ai.critical" in result.err


def test_fingerprint_tracks_the_risky_set(real_plans: dict[str, Path]) -> None:
    def fp(name: str) -> str:
        return cli(["analyze", str(real_plans[name]), "--format", "json"]).json()["fingerprint"]  # type: ignore[index,return-value]

    fingerprints = {
        name: fp(name) for name in ("noop", "update", "replace_cascade", "destroy", "orders")
    }
    assert fingerprints["noop"] == fingerprints["update"]  # no risk item in either
    risky = [fingerprints[n] for n in ("replace_cascade", "destroy", "orders")]
    assert len(set(risky)) == 3 and fingerprints["noop"] not in risky
    short = fingerprints["destroy"][:12]
    for fmt in ("text", "markdown"):
        assert short in cli(["analyze", str(real_plans["destroy"]), "--format", fmt]).out
    assert short in cli(["check", str(real_plans["destroy"])]).out


def test_fingerprint_ignores_order_and_values_but_not_membership(
    real_plans: dict[str, Path], tmp_path: Path
) -> None:
    from helpers import analyze_file

    from planguard.records import replace
    from planguard.score.fingerprint import fingerprint

    report, _ = analyze_file(real_plans["replace_cascade"])
    findings = list(report.findings)
    assert fingerprint([(findings, {})]) == fingerprint([(list(reversed(findings)), {})])
    doc = json.loads(real_plans["replace_cascade"].read_text())
    changed = 0
    for rc in doc["resource_changes"]:  # new values, same risky set
        if isinstance(rc["change"].get("after"), dict) and "input" in rc["change"]["after"]:
            rc["change"]["after"]["input"] = "a different value"
            changed += 1
    assert changed
    path = tmp_path / "values.json"
    path.write_text(json.dumps(doc))
    assert analyze_file(path)[0].fingerprint == report.fingerprint
    i = next(i for i, f in enumerate(findings) if f.blast)
    blast = findings[i].blast
    assert blast is not None
    moved = [*findings[:i], replace(findings[i], blast=replace(blast, members_digest="0" * 32))]
    assert fingerprint([(moved + findings[i + 1 :], {})]) != fingerprint([(findings, {})])


def test_renaming_the_policy_away_is_a_policy_change(
    repo: Path,
    real_plans: dict[str, Path],
) -> None:
    from gitrepo import git

    git(repo, "mv", ".planguard.yml", "notes.yml")
    git(repo, "commit", "-q", "-m", f"tidy\n\n{CLAUDE_TRAILER}")
    code, decision = check(real_plans["noop"], "--base", "main")
    assert decision["policy_changes"] == [".planguard.yml"]
    assert code == 1


def test_no_approval_counts_when_the_authors_are_unknown(
    tmp_path: Path,
    repo: Path,
    all_keys: dict[str, Key],
    real_plans: dict[str, Path],
) -> None:
    add_change(repo, "unknown")  # no --base: its commits, and so its authors, stay unknown
    plan = real_plans["destroy"]
    out = tmp_path / "approvals"
    approve(plan, all_keys["alice"], out)
    code, decision = check(plan, "--policy-ref", "main", "--approvals", str(out))
    assert code == 1
    assert "self-approval" in decision["approvals"]["rejected"][0]["reason"]  # type: ignore[index]


TRUSTED_RULES = """ruleset: team
classes:
  stateful: ["terraform_data"]
"""
LOOSENED_RULES = """ruleset: team
classes:
  stateless: ["terraform_data"]
"""


def test_a_change_cannot_reclassify_what_it_destroys_through_a_ruleset(
    tmp_path: Path,
    all_keys: dict[str, Key],
    real_plans: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = make_repo(tmp_path / "repo", all_keys, policy=POLICY + "rulesets: [rules/team.yaml]\n")
    git(made, "checkout", "-q", "main")
    commit(made, "team ruleset", {"rules/team.yaml": TRUSTED_RULES})
    git(made, "checkout", "-q", "change")
    git(made, "reset", "-q", "--hard", "main")
    monkeypatch.chdir(made)
    ai_edit(made, {"rules/team.yaml": LOOSENED_RULES})
    code, decision = check(real_plans["destroy"], "--base", "main")
    assert code == 1
    assert decision["policy_changes"] == ["rules/team.yaml"]
    result = cli(["check", str(real_plans["destroy"]), "--base", "main", "--format", "json"])
    classes = {f["resource_class"] for f in result.json()["report"]["roots"][0]["findings"]}
    assert "stateless" not in classes and "stateful" in classes  # the trusted copy was used
