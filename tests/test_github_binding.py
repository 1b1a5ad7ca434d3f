"""Issue 23, against the GitHub emulator with real plans: a review approves the plan its
reviewer saw, not whatever the head plans to later; and the gate's own workflow is policy.

The base moving under a PR is shown by what it does to the gate's input: the same head commit
planned again gives another plan (here the environment's teardown instead of a network
replacement). The record that binds each review to its plan lives in planguard's comment."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from github_emulator import Emulator
from gitrepo import commit, git
from helpers import cli
from test_github import PR, Scene, scene, scene_env

from planguard.approvals.github import Bound
from planguard.github.record import KEY_VARIABLE, NO_KEY_NOTE, Kept, record_line

KEY = "s3cret-state-key"


def _fingerprint_of(s: Scene) -> str:
    """The fingerprint planguard gives the scene's current plan."""
    done = cli(["analyze", str(s.plan), "--format", "json"])
    return str(done.json()["fingerprint"])


def _reviewed(s: Scene, login: str, state: str) -> None:
    s.gh.review(PR, login, state.upper(), s.head)
    s.event("review", {"state": state.lower(), "commit": s.head, "login": login})


def _approved_by_alice(s: Scene) -> str:
    """Alice approves the network replacement: the run says so. Its fingerprint."""
    assert s.run().code == 1
    _reviewed(s, "alice", "approved")
    approved = s.run()
    assert approved.code == 0, approved.out
    fingerprint = approved.outputs["fingerprint"]
    assert s.statuses()[-1]["state"] == "success"
    assert s.statuses()[-1]["description"] == f"approved by @alice for plan {fingerprint[:12]}"
    return fingerprint


@pytest.fixture
def replaced(
    tmp_path: Path, emulator: Emulator, all_keys: Any, real_plans: dict[str, Path]
) -> Scene:
    s = scene(tmp_path, emulator, all_keys, real_plans["replace_cascade"])
    s.runner.env[KEY_VARIABLE] = KEY
    return s


def test_a_base_move_that_changes_the_plan_voids_the_approval(
    replaced: Scene, real_plans: dict[str, Path]
) -> None:
    s = replaced
    approved = _approved_by_alice(s)
    # The base moves; the head does not. The merge now plans the environment's teardown, and
    # the next run is started by another reviewer's comment-only review.
    s.plan = real_plans["destroy"]
    _reviewed(s, "bob", "commented")
    later = s.run()
    assert later.code == 1, later.out
    now = later.outputs["fingerprint"]
    assert now != approved
    assert s.statuses()[-1]["state"] == "failure"
    assert later.outputs["verdict"] == "review required"
    [comment] = s.comments()
    said = f"approved plan {approved[:12]}; this plan is {now[:12]}: it also destroys"
    assert said in comment["body"], comment["body"]
    assert "terraform_data.audit" in comment["body"].split(said, 1)[1].split("\n", 1)[0]
    assert "alice" in s.gh.pulls[PR].requested_users  # asked again, for this plan


def test_the_same_plan_planned_again_keeps_the_approval(replaced: Scene, tmp_path: Path) -> None:
    s = replaced
    approved = _approved_by_alice(s)
    again = json.loads(s.plan.read_text())
    again["timestamp"] = "2030-01-01T00:00:00Z"  # a new `terraform plan` of the same change
    s.plan = tmp_path / "replanned.json"
    s.plan.write_text(json.dumps(again))
    _reviewed(s, "bob", "commented")
    later = s.run()
    assert later.code == 0, later.out
    assert later.outputs["fingerprint"] == approved
    assert s.statuses()[-1]["state"] == "success"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param("comment deleted", marks=pytest.mark.slow),
        pytest.param("record edited", marks=pytest.mark.slow),
        "record forged",
    ],
)
def test_a_lost_or_edited_record_voids_the_approval(
    tamper: str, replaced: Scene, real_plans: dict[str, Path]
) -> None:
    """Whoever can edit the bot's comment cannot rebind a review to another plan: a record
    that is gone or fails its MAC leaves no approval a run has seen standing."""
    s = replaced
    _approved_by_alice(s)
    s.plan = real_plans["destroy"]
    [comment] = s.comments()
    if tamper == "comment deleted":
        del s.gh.comments[comment["id"]]
    elif tamper == "record edited":
        comment["body"] = comment["body"].replace("planguard:reviews ", "planguard:reviews x")
    else:  # alice's review bound to this plan, signed without the key (as a forger would)
        review = s.gh.pulls[PR].reviews[-1]["id"]
        now = Bound(_fingerprint_of(s), s.head)
        forged = record_line(Kept({review: now}, now), b"a guess", f"acme/infra#{PR}/default")
        lines = [ln for ln in comment["body"].split("\n") if "planguard:reviews" not in ln]
        comment["body"] = "\n".join([*lines[:2], forged, *lines[2:]])
    _reviewed(s, "bob", "commented")
    later = s.run()
    assert later.code == 1, later.out
    assert s.statuses()[-1]["state"] == "failure"
    assert "record of the plan it approved is missing" in later.out


def test_a_pinned_fingerprint_still_binds_without_a_record(
    replaced: Scene, real_plans: dict[str, Path]
) -> None:
    s = replaced
    first = s.run()
    fingerprint = first.outputs["fingerprint"]
    s.gh.review(PR, "alice", "APPROVED", s.head, body=f"planguard-fingerprint: {fingerprint}")
    s.event("review", {"state": "approved", "commit": s.head, "login": "alice"})
    assert s.run().code == 0
    s.plan = real_plans["destroy"]
    later = s.run()
    assert later.code == 1
    assert f"approves plan fingerprint {fingerprint[:12]}" in later.out


def test_a_change_to_the_gates_workflow_needs_the_policy_owners(
    tmp_path: Path, emulator: Emulator, all_keys: Any, real_plans: dict[str, Path]
) -> None:
    """The PR drops the `dismissed` trigger and sets fail-on: never, next to a risky change:
    one reviewer's approval does not turn it green, and the comment names the policy owner."""
    s = scene(tmp_path, emulator, all_keys, real_plans["replace_cascade"])
    workflow = (
        "on:\n  pull_request:\n  pull_request_review:\n    types: [submitted]\n"
        "jobs:\n  gate:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: acme/planguard@v1\n        with: {fail-on: never}\n"
    )
    commit(s.repo, "quieter gate", {".github/workflows/planguard.yml": workflow})
    head = git(s.repo, "rev-parse", "HEAD").strip()
    (tmp_path / "again").mkdir()
    s = scene_env(tmp_path / "again", emulator, s.repo, s.plan, base=s.base, head=head)
    first = s.run()
    assert first.code == 1
    [comment] = s.comments()
    assert ".github/workflows/planguard.yml" in comment["body"]
    assert "@carol" in comment["body"]
    _reviewed(s, "alice", "approved")
    later = s.run()
    assert later.code == 1, later.out
    assert s.statuses()[-1]["state"] == "failure"
    assert "carol" in s.statuses()[-1]["description"]


def test_a_run_after_main_moved_reverts_the_status(
    replaced: Scene, real_plans: dict[str, Path]
) -> None:
    """docs/github-action.md, "When the base branch moves": a push to main plans the open PR
    again and runs the action with `pr:` on a push event (no pull request in the payload)."""
    s = replaced
    approved = _approved_by_alice(s)
    path = s.runner.temp / "push.json"
    path.write_text(json.dumps({"ref": "refs/heads/main", "after": "1" * 40, "commits": []}))
    s.runner.env.update(GITHUB_EVENT_PATH=str(path), GITHUB_EVENT_NAME="push")
    s.plan = real_plans["destroy"]
    moved = s.run(pr=str(PR), base="")
    assert moved.code == 1, moved.out
    assert moved.outputs["fingerprint"] != approved
    assert s.statuses()[-1]["state"] == "failure"
    assert "alice" in s.gh.pulls[PR].requested_users
    [comment] = s.comments()
    assert f"approved plan {approved[:12]}" in comment["body"]


def test_an_agents_own_marked_comment_does_not_make_it_planguard(
    replaced: Scene, real_plans: dict[str, Path]
) -> None:
    """Second reading, F1: an agent posting as another bot deletes planguard's comment and
    posts a bare marker, so planguard takes the agent's login for its own (the workflow token
    cannot ask GitHub who it is). The statuses still say planguard reported after alice's
    review: her approval must be in a record, and there is none."""
    s = replaced
    _approved_by_alice(s)
    s.plan = real_plans["destroy"]
    [comment] = s.comments()
    del s.gh.comments[comment["id"]]
    s.gh.user("acme-agent[bot]", "Bot")
    s.gh.comments[9999] = {
        "id": 9999,
        "issue": PR,
        "author": "acme-agent[bot]",
        "body": "<!-- planguard:v1 root=default -->",
    }
    _reviewed(s, "bob", "commented")
    later = s.run()
    assert later.code == 1, later.out
    assert s.statuses()[-1]["state"] == "failure"


def test_a_review_binds_to_the_plan_the_comment_showed(
    replaced: Scene, real_plans: dict[str, Path]
) -> None:
    """Second reading, F2: the base moves after the comment showed the replacement and before
    any run has seen alice's review. The run that sees it gates the teardown, but alice saw the
    replacement: her approval is for that plan, so this one still needs review."""
    s = replaced
    shown = s.run()
    assert shown.code == 1
    s.plan = real_plans["destroy"]
    _reviewed(s, "alice", "approved")
    later = s.run()
    assert later.code == 1, later.out
    assert f"approved plan {shown.outputs['fingerprint'][:12]}" in later.out


def test_a_review_in_the_second_of_the_last_report_counts(replaced: Scene) -> None:
    """Second reading, F5: GitHub's times are whole seconds; a review in the second of the last
    report is new, not "a record lost"."""
    s = replaced
    assert s.run().code == 1
    s.gh.clock -= dt.timedelta(seconds=1)  # the review lands in the status's second
    _reviewed(s, "alice", "approved")
    assert s.run().code == 0


def test_without_a_state_key_the_run_says_the_record_is_not_signed(
    tmp_path: Path, emulator: Emulator, all_keys: Any, real_plans: dict[str, Path]
) -> None:
    s = scene(tmp_path, emulator, all_keys, real_plans["replace_cascade"])
    assert NO_KEY_NOTE in s.run().out
