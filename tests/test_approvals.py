"""Approvals bound to the exact plan: SSH-signed files (real keys, real ssh-keygen) and the
GitHub review rules."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from gate_workspace import add_change, make_repo
from gitrepo import Key, commit, git
from helpers import cli

from planguard.approvals.github import Review, review_approvals
from planguard.approvals.model import Approval, ApprovalSet, ApprovalSource
from planguard.approvals.screen import Target, screen
from planguard.authorship.knowledge import builtin_agents
from planguard.authorship.model import AuthorKind, Authorship

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.fixture
def ai_repo(tmp_path: Path, all_keys: dict[str, Key], monkeypatch: pytest.MonkeyPatch) -> Path:
    """An AI-authored change (Claude trailer) whose commits are dave's."""
    repo = make_repo(tmp_path / "repo", all_keys)
    add_change(repo, "ai-trailer")
    monkeypatch.chdir(repo)
    return repo


DAVE_POLICY = "reviewers: {default: ['@dave']}\nallowed_signers: .planguard/allowed_signers\n"


def approve(plan: Path, key: Key, out: Path, login: str | None = None) -> Path:
    out.mkdir(exist_ok=True)
    args = ["approve", str(plan), "--policy-ref", "main", "--as", login or key.login]
    result = cli([*args, "--key", str(key.private), "-o", str(out)])
    assert result.code == 0, result.err
    return out


def check(plan: Path, *extra: str) -> tuple[int, dict[str, object], str]:
    args = ["check", str(plan), "--base", "main", *extra]
    text = cli(args)
    result = cli([*args, "--format", "json"])
    assert result.code == text.code
    return result.code, result.json()["decision"], text.out  # type: ignore[index,return-value]


def test_ai_destroy_all_needs_a_named_reviewer_then_passes(
    ai_repo: Path, real_plans: dict[str, Path], all_keys: dict[str, Key], tmp_path: Path
) -> None:
    plan = real_plans["destroy"]
    code, decision, text = check(plan)
    assert code == 1 and decision["verdict"] == "review required"
    assert "@alice" in text and "@acme/sre" in text and "planguard approve" in text
    approvals = approve(plan, all_keys["alice"], tmp_path / "approvals")
    code, decision, text = check(plan, "--approvals", str(approvals))
    assert code == 0, text
    assert decision["verdict"] == "approved"
    assert decision["requirements"][0]["approved_by"] == ["alice"]


def test_team_member_approval_counts(
    ai_repo: Path, real_plans: dict[str, Path], all_keys: dict[str, Key], tmp_path: Path
) -> None:
    plan = real_plans["destroy"]
    code, decision, _ = check(
        plan, "--approvals", str(approve(plan, all_keys["bob"], tmp_path / "a"))
    )
    assert code == 0 and decision["requirements"][0]["approved_by"] == ["bob"]


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("other-plan", "not this plan's"),
        ("unlisted-key", "does not verify"),
        ("own-author", "an author of the change cannot approve it"),
        ("not-named", None),
    ],
)
def test_approvals_that_do_not_count(
    case: str,
    reason: str | None,
    ai_repo: Path,
    real_plans: dict[str, Path],
    all_keys: dict[str, Key],
    tmp_path: Path,
) -> None:
    plan = real_plans["destroy"]
    out = tmp_path / "approvals"
    if case == "other-plan":
        approve(real_plans["replace_cascade"], all_keys["alice"], out)
    elif case == "unlisted-key":  # mallory signs as alice with a key alice does not have
        approve(plan, all_keys["mallory"], out, login="alice")
    elif case == "own-author":  # dave wrote the commits; he is a named reviewer with a key
        repo = make_repo(tmp_path / "dave-repo", all_keys, policy=DAVE_POLICY)
        add_change(repo, "ai-trailer")
        os.chdir(repo)
        approve(plan, all_keys["dave"], out)
    else:  # carol is a real reviewer key, but only for the policy: not for this finding
        approve(plan, all_keys["carol"], out)
    code, decision, text = check(plan, "--approvals", str(out))
    assert code == 1, text
    assert decision["verdict"] == "review required"
    rejected = decision["approvals"]["rejected"]
    if reason is None:
        assert rejected == [] and decision["requirements"][0]["approved_by"] == []
    else:
        assert any(reason in r["reason"] for r in rejected), rejected


def test_approval_survives_a_replan_of_the_same_risky_set(
    ai_repo: Path,
    real_plans: dict[str, Path],
    terraform: object,
    all_keys: dict[str, Key],
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
) -> None:
    """Planned again against the same state (the same environment): the same objects."""
    plan = real_plans["destroy"]
    workdir = plan.parent
    terraform.run(workdir, "plan", "-input=false", "-no-color", "-destroy", "-out=again")  # type: ignore[attr-defined]
    replanned = tmp_path / "again" / "plan.json"
    replanned.parent.mkdir()
    replanned.write_text(terraform.run(workdir, "show", "-json", "again"))  # type: ignore[attr-defined]
    approvals = approve(plan, all_keys["alice"], tmp_path / "approvals")
    code, decision, _ = check(replanned, "--approvals", str(approvals))
    assert code == 0 and decision["verdict"] == "approved"


def test_tampered_approval_file_does_not_count(
    ai_repo: Path, real_plans: dict[str, Path], all_keys: dict[str, Key], tmp_path: Path
) -> None:
    plan = real_plans["destroy"]
    out = approve(real_plans["replace_cascade"], all_keys["alice"], tmp_path / "approvals")
    (approval,) = out.glob("*.approval")
    doc = json.loads(approval.read_text())
    # The agent swaps in this plan's fingerprint, keeping alice's signature over the other.
    destroy_fp = cli(["analyze", str(plan), "--format", "json"]).json()["fingerprint"]  # type: ignore[index]
    doc["fingerprint"] = destroy_fp
    approval.write_text(json.dumps(doc))
    code, decision, _ = check(plan, "--approvals", str(out))
    assert code == 1
    assert "does not verify" in decision["approvals"]["rejected"][0]["reason"]  # type: ignore[index]


def test_approvals_without_keys_is_a_usage_error(
    ai_repo: Path, real_plans: dict[str, Path], tmp_path: Path
) -> None:
    """With a trusted policy that names no keys: say where keys come from."""
    commit(ai_repo, "no keys", {".planguard.yml": "reviewers: {default: ['@alice']}\n"})
    git(ai_repo, "branch", "-f", "main")
    commit(ai_repo, "the change", {"main.tf": "# changed again\n"})
    (ai_repo / "x.approval").write_text("{}")
    plan = str(real_plans["destroy"])
    result = cli(["check", plan, "--base", "main", "--approvals", "x.approval"])
    assert result.code == 2 and "--allowed-signers" in result.err


def test_approvals_are_never_counted_on_keys_the_change_could_write(
    ai_repo: Path, real_plans: dict[str, Path], tmp_path: Path
) -> None:
    """No trusted ref, an AI author: the files cannot be verified against trusted keys."""
    (ai_repo / "x.approval").write_text("{}")
    plan = str(real_plans["destroy"])
    result = cli(["check", plan, "--approvals", "x.approval", "--format", "json"])
    decision = result.json()["decision"]  # type: ignore[index]
    assert result.code == 1 and decision["verdict"] == "review required"  # type: ignore[index]
    assert "working tree" in decision["approvals"]["rejected"][0]["reason"]  # type: ignore[index]


# GitHub review rules (data: the REST review object's fields), and the shared screen.

AI = Authorship(AuthorKind.AI, (), "ai", ("dave", "dave@example.com"))
HEAD = "a" * 40


def review(
    rid: int, login: str, state: str, commit: str | None = HEAD, kind: str = "User", body: str = ""
) -> Review:
    return Review(
        rid, login, hash(login) % 10_000, kind, state, commit, f"2026-11-2{rid}T00:00:00Z", body
    )


GITHUB_CASES = {
    "approved on head": ([review(1, "alice", "APPROVED")], ["alice"]),
    "comment after approval keeps it": (
        [review(1, "alice", "APPROVED"), review(2, "alice", "COMMENTED")],
        ["alice"],
    ),
    "changes requested after approval withdraws it": (
        [review(1, "alice", "APPROVED"), review(2, "alice", "CHANGES_REQUESTED")],
        [],
    ),
    "dismissed approval": ([review(1, "alice", "APPROVED"), review(2, "alice", "DISMISSED")], []),
    "approval after changes requested": (
        [review(1, "alice", "CHANGES_REQUESTED"), review(2, "alice", "APPROVED")],
        ["alice"],
    ),
    "stale commit": ([review(1, "alice", "APPROVED", commit="b" * 40)], []),
    "commit gone": ([review(1, "alice", "APPROVED", commit=None)], []),
    "bot": ([review(1, "helper[bot]", "APPROVED", kind="Bot")], []),
    "account type missing": ([Review(1, "alice", 5, None, "APPROVED", HEAD, "t")], []),
    "ai identity with a user account": ([review(1, "openhands-agent", "APPROVED")], []),
    "pr author": ([review(1, "dave", "APPROVED")], []),
    "pinned to this plan": (
        [review(1, "alice", "APPROVED", body="planguard-fingerprint: " + "f" * 64)],
        ["alice"],
    ),
    "pinned to another plan": (
        [review(1, "alice", "APPROVED", body="planguard-fingerprint: " + "e" * 64)],
        [],
    ),
    "two people": (
        [review(1, "alice", "APPROVED"), review(2, "bob", "APPROVED")],
        ["alice", "bob"],
    ),
}


@pytest.mark.parametrize("case", list(GITHUB_CASES))
def test_github_review_rules(case: str) -> None:
    reviews, expected = GITHUB_CASES[case]
    screened = screen(review_approvals(reviews), Target("f" * 64, HEAD), AI, builtin_agents())
    assert sorted(a.reviewer for a in screened.accepted) == expected
    if not expected:
        assert screened.rejected, "every approval that does not count says why"


def test_one_person_counts_once() -> None:
    twice = ApprovalSet(
        tuple(Approval("alice", ApprovalSource.SSH, f"t{i}", "f" * 64) for i in range(3))
    )
    assert len(screen(twice, Target("f" * 64), AI, builtin_agents()).accepted) == 1
