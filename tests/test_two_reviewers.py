"""The documented two-reviewer flow, with two real SSH keys: both approve into the same
folder (which `-o` creates), neither overwrites the other, and the gate counts both; a key the
allowed-signers file does not list for `--as` is flagged when it signs, not at the gate."""

from __future__ import annotations

from pathlib import Path

import pytest
from gate_workspace import POLICY, add_change, make_repo
from gitrepo import Key
from helpers import cli

pytestmark = pytest.mark.usefixtures("clean_env")

TWO = POLICY + "approvals: {low: 2, medium: 2, high: 2, critical: 2}\n"


@pytest.fixture
def repo(tmp_path: Path, all_keys: dict[str, Key], monkeypatch: pytest.MonkeyPatch) -> Path:
    made = make_repo(tmp_path / "repo", all_keys, policy=TWO)
    add_change(made, "human")
    monkeypatch.chdir(made)
    return made


def approve(plan: Path, login: str, key: Key, out: str) -> tuple[int, str, str]:
    args = ["approve", str(plan), "--base", "main", "--as", login, "--key", str(key.private)]
    result = cli([*args, "-o", out])
    return result.code, result.out, result.err


def check(plan: Path, approvals: str) -> dict[str, object]:
    result = cli(
        ["check", str(plan), "--base", "main", "--approvals", approvals, "--format", "json"]
    )
    assert result.code in (0, 1), result.err
    return result.json()["decision"]  # type: ignore[index,no-any-return]


def test_two_reviewers_reach_an_approval_as_documented(
    repo: Path, all_keys: dict[str, Key], real_plans: dict[str, Path]
) -> None:
    plan = real_plans["destroy"]
    folder = "approvals/"  # does not exist yet: -o creates it
    assert approve(plan, "alice", all_keys["alice"], folder)[0] == 0
    assert check(plan, folder)["verdict"] == "review required"  # one of two
    assert approve(plan, "bob", all_keys["bob"], folder)[0] == 0
    files = sorted(p.name for p in (repo / "approvals").iterdir())
    assert len(files) == 2 and files[0].endswith(".alice.approval")
    decision = check(plan, folder)
    assert decision["verdict"] == "approved"
    accepted = {a["reviewer"] for a in decision["approvals"]["accepted"]}  # type: ignore[index]
    assert accepted == {"alice", "bob"}


def test_an_approval_file_is_never_overwritten(
    repo: Path, all_keys: dict[str, Key], real_plans: dict[str, Path]
) -> None:
    plan = real_plans["destroy"]
    assert approve(plan, "alice", all_keys["alice"], "mine.approval")[0] == 0
    code, _, err = approve(plan, "bob", all_keys["bob"], "mine.approval")
    assert code == 2 and "never overwritten" in err
    assert '"reviewer": "alice"' in (repo / "mine.approval").read_text()


def test_signing_with_a_key_not_listed_for_the_reviewer_warns_at_once(
    repo: Path, all_keys: dict[str, Key], real_plans: dict[str, Path]
) -> None:
    code, _, err = approve(real_plans["destroy"], "alice", all_keys["mallory"], "approvals/")
    assert code == 0
    assert "this approval will not count" in err
    assert ".planguard/allowed_signers at main" in err
    listed = approve(real_plans["destroy"], "alice", all_keys["alice"], "approvals/")
    assert "will not count" not in listed[2]
