"""planguard on GitHub, end to end: action.yml's gate step run by bash against the GitHub
emulator (tests/github_emulator.py), with real Terraform plans, a real git repository and
GitHub's own webhook example payloads. Every request and response is checked against GitHub's
OpenAPI description; a violation fails the test."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from action_runner import ActionRunner, Run
from gate_workspace import add_change, make_repo
from github_emulator import FIXTURES, Emulator, Fault, GitHub, webhook_errors
from gitrepo import git

from planguard.github.comment import marker

OWNER, REPO, PR = "acme", "infra", 42
SECONDARY_LIMIT = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you"
    " try again.",
    "documentation_url": "https://docs.github.com/rest",
}


def _event(kind: str, pull: dict[str, Any], review: dict[str, Any] | None = None) -> dict[str, Any]:
    """GitHub's example payload (@octokit/webhooks-examples), pointed at this PR."""
    name = {"pr": "pull_request.opened", "review": "pull_request_review.submitted"}[kind]
    event = json.loads((FIXTURES / "events" / f"{name}.json").read_text(encoding="utf-8"))
    pr = event["pull_request"]
    _fill_fields_added_since_the_example(pr)
    pr["number"] = PR
    pr["user"].update(login=pull["author"], id=pull["author_id"], type=pull["author_type"])
    pr["head"]["sha"] = pull["head"]
    pr["base"]["sha"] = pull["base"]
    if kind == "pr":
        event["number"] = PR
    if review is not None:
        event["review"]["state"] = review["state"]
        event["review"]["commit_id"] = review["commit"]
        event["review"]["user"].update(login=review["login"], type="User")
    schema = {
        "pr": "webhook-pull-request-opened",
        "review": "webhook-pull-request-review-submitted",
    }
    assert webhook_errors(schema[kind], event) == []
    return event


def _fill_fields_added_since_the_example(pr: dict[str, Any]) -> None:
    """The recorded examples predate fields the current schema requires; GitHub sends them
    now, so add them with neutral values (the schema check below proves nothing else is off)."""
    pr.setdefault("auto_merge", None)
    pr.setdefault("draft", False)
    pr.setdefault("active_lock_reason", None)
    for side in ("base", "head"):
        repo = pr[side]["repo"]
        repo.setdefault("has_discussions", False)
        repo.setdefault("topics", [])
        repo.setdefault("visibility", "public")


@dataclass
class Scene:
    gh: GitHub
    url: str
    repo: Path
    runner: ActionRunner
    plan: Path
    head: str
    base: str
    author: str

    def event(self, kind: str = "pr", review: dict[str, Any] | None = None) -> None:
        pull = {
            "author": self.author,
            "author_id": self.gh.users[self.author][0],
            "author_type": self.gh.users[self.author][1],
            "head": self.head,
            "base": self.base,
        }
        path = self.runner.temp / "event.json"
        path.write_text(json.dumps(_event(kind, pull, review)), encoding="utf-8")
        self.runner.env["GITHUB_EVENT_PATH"] = str(path)
        self.runner.env["GITHUB_EVENT_NAME"] = {
            "pr": "pull_request",
            "review": "pull_request_review",
        }[kind]

    def run(self, **inputs: str) -> Run:
        values = {"plan": str(self.plan), "base": "main", **inputs}
        return self.runner.run(values)

    def comments(self) -> list[dict[str, Any]]:
        return self.gh.bot_comments(PR)

    def statuses(self) -> list[dict[str, Any]]:
        """Final statuses (each run first sets `pending`, checked separately)."""
        return [st for st in self.gh.statuses.get(self.head, []) if st["state"] != "pending"]

    def all_states(self) -> list[str]:
        return [st["state"] for st in self.gh.statuses.get(self.head, [])]


def scene(
    tmp_path: Path,
    emulator: Emulator,
    all_keys: Any,
    plan: Path,
    *,
    author: str = "Copilot",
    author_type: str = "Bot",
    change: str = "ai-pr-author",
    policy: str | None = None,
) -> Scene:
    repo = make_repo(tmp_path / "repo", all_keys, **({"policy": policy} if policy else {}))
    add_change(repo, change)
    head = git(repo, "rev-parse", "HEAD").strip()
    base = git(repo, "rev-parse", "main").strip()
    return scene_env(
        tmp_path, emulator, repo, plan, base=base, head=head, author=author, kind=author_type
    )


def scene_env(
    tmp_path: Path,
    emulator: Emulator,
    repo: Path,
    plan: Path,
    *,
    base: str,
    head: str,
    author: str = "Copilot",
    kind: str = "Bot",
) -> Scene:
    """The emulator's PR for `repo`'s `main..HEAD`, and a runner for action.yml in it."""
    gh = emulator.state
    pull = gh.open_pull(PR, author, head, kind)
    pull.base_sha = base
    log = git(repo, "log", "--reverse", "--format=%H%x1f%an%x1f%ae%x1f%B%x1e", "main..HEAD")
    for record in filter(str.strip, log.split("\x1e")):
        sha, name, email, message = record.strip("\n").split("\x1f")
        pull.commits.append({"sha": sha, "name": name, "email": email, "message": message})
    gh.collaborators |= {"alice", "bob", "carol", "dave", "mallory"}
    gh.teams["acme/sre"] = {"bob": "active"}
    token = gh.actions_token()
    temp = tmp_path / "runner"
    temp.mkdir()
    github = {
        "token": token,
        "action_path": str(Path(__file__).resolve().parent.parent),
        "event": {"pull_request": {"base": {"sha": base}}},
    }
    env = {
        "GITHUB_API_URL": emulator.url,
        "GITHUB_SERVER_URL": "http://127.0.0.1:9",
        "GITHUB_REPOSITORY": f"{OWNER}/{REPO}",
        "GITHUB_RUN_ID": "1001",
        "GITHUB_ACTOR": author,
        "PLANGUARD_GITHUB_TIMEOUT": "2",
    }
    runner = ActionRunner(repo, temp, github, env)
    result = Scene(gh, emulator.url, repo, runner, plan, head, base, author)
    result.event()
    return result


# ---- Done when: an AI-authored PR that destroys the environment, then approved --------------


def test_ai_destroy_needs_the_named_reviewer_then_their_approval_turns_it_green(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    s = scene(tmp_path, emulator, all_keys, destroy)
    s.runner.in_process = False  # the step's own bash script runs the installed command
    first = s.run()
    assert first.code == 1, first.err
    assert [st["state"] for st in s.statuses()] == ["failure"]
    assert s.statuses()[0]["context"] == "planguard"
    assert "@alice" in s.statuses()[0]["description"]
    [comment] = s.comments()
    assert "@alice" in comment["body"] and "@acme/sre" in comment["body"]
    assert "What to do" in comment["body"] and "approve" in comment["body"]
    assert s.gh.pulls[PR].requested_users == ["alice"]
    assert s.gh.pulls[PR].requested_teams == ["sre"]
    assert "REVIEW REQUIRED" in first.summary
    assert first.outputs["verdict"] == "review required"
    assert first.outputs["verdict-id"] == "review_required"  # for machines: no spaces
    assert first.outputs["comment-url"].endswith(f"/pull/{PR}#issuecomment-{s.comments()[0]['id']}")
    counts = {k: first.outputs[k] for k in ("to-add", "to-change", "to-destroy", "to-replace")}
    assert counts == {"to-add": "0", "to-change": "0", "to-destroy": "18", "to-replace": "0"}
    assert first.outputs["author-kind"] == "ai"
    assert first.outputs["tier"] == "critical"
    assert len(first.outputs["fingerprint"]) == 64
    assert first.outputs["required-reviewers"] == "@acme/sre @alice"
    report = json.loads(Path(first.outputs["report"]).read_text())
    assert report["decision"]["fingerprint"] == first.outputs["fingerprint"]
    assert "::error title=planguard%3A review required::" in first.out

    s.gh.review(PR, "alice", "APPROVED", s.head)
    s.event("review", {"state": "approved", "commit": s.head, "login": "alice"})
    second = s.run()
    assert second.code == 0, second.out + second.err
    assert s.all_states() == ["pending", "failure", "pending", "success"]
    [updated] = s.comments()
    assert updated["id"] == comment["id"]
    assert "approved by @alice for fingerprint" in updated["body"]
    assert first.outputs["fingerprint"][:12] in updated["body"]
    assert second.outputs["verdict"] == "approved"
    posts = [c for c in s.gh.calls if c.method == "POST" and c.path.endswith("/comments")]
    assert len(posts) == 1


@pytest.mark.parametrize(
    ("case", "author", "reviewer", "reviewer_type", "on_old_commit"),
    [
        ("the PR author", "alice", "alice", "User", False),
        ("a bot", "Copilot", "renovate[bot]", "Bot", False),
        ("an unlisted user", "Copilot", "mallory", "User", False),
        ("an older commit", "Copilot", "alice", "User", True),
    ],
)
def test_approvals_that_do_not_count_leave_the_status_failing(
    tmp_path: Path,
    emulator: Emulator,
    all_keys: Any,
    destroy: Path,
    case: str,
    author: str,
    reviewer: str,
    reviewer_type: str,
    on_old_commit: bool,
) -> None:
    # alice's own PR is AI-authored through its commits' Claude trailer.
    change = "ai-trailer" if author == "alice" else "ai-pr-author"
    s = scene(
        tmp_path,
        emulator,
        all_keys,
        destroy,
        author=author,
        author_type="User" if author == "alice" else "Bot",
        change=change,
    )
    s.gh.user(reviewer, reviewer_type)
    commit = s.base if on_old_commit else s.head
    s.gh.review(PR, reviewer, "APPROVED", commit)
    s.event("review", {"state": "approved", "commit": commit, "login": reviewer})
    result = s.run()
    assert result.code == 1, case
    assert s.statuses()[-1]["state"] == "failure", case
    assert result.outputs["verdict"] == "review required", case
    [comment] = s.comments()
    assert "not counted" in comment["body"] or case == "an unlisted user"


# ---- Done when: five runs, one comment; a late older run does not overwrite ------------------


def test_five_runs_leave_one_comment_and_a_late_older_run_changes_nothing(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path, real_plans: dict[str, Path]
) -> None:
    s = scene(tmp_path, emulator, all_keys, destroy)
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=1)
    for n in range(5):
        if n == 4:
            s.gh.review(PR, "alice", "APPROVED", s.head)  # the fifth run has news
        s.runner.env["PLANGUARD_RUN_STARTED_AT"] = (start + dt.timedelta(minutes=n)).isoformat()
        assert s.run().code == (0 if n == 4 else 1)
    [comment] = s.comments()
    fifth = (start + dt.timedelta(minutes=4)).isoformat()
    assert f"at={fifth}" in comment["body"] and "approved by @alice" in comment["body"]
    writes = [
        c.method for c in s.gh.calls if c.method in ("POST", "PATCH") and "comments" in c.path
    ]
    assert writes == ["POST", "PATCH"], "unchanged bodies (runs 2-4) are not written again"

    s.runner.env["PLANGUARD_RUN_STARTED_AT"] = (start + dt.timedelta(minutes=2)).isoformat()
    late = s.run(plan=str(real_plans["noop"]))
    assert late.code == 0
    [after] = s.comments()
    assert after["body"] == comment["body"], "an older run must not overwrite a newer result"
    assert "newer run" in late.err + late.out
    assert s.all_states()[-1] == "success" and "approved" in s.statuses()[-1]["description"]


def test_a_human_quoting_the_marker_is_never_overwritten(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    s = scene(tmp_path, emulator, all_keys, destroy)
    s.gh.page_cap = 2  # the bot's comment sits on a later page: Link headers must be followed
    quoted = "<!-- planguard:v1 root=default -->\n> what does planguard say?"
    for n in range(3):
        s.gh.comments[n + 1] = {"id": n + 1, "issue": PR, "author": "carol", "body": quoted}
    assert s.run().code == 1
    assert s.run(**{"comment-mode": "update"}).code == 1
    mine = [c for c in s.comments() if c["author"] == "github-actions[bot]"]
    assert len(mine) == 1
    assert [c["body"] for c in s.comments() if c["author"] == "carol"] == [quoted] * 3


@pytest.mark.parametrize(("mode", "expected"), [("new", 2), ("delete-and-new", 1)])
def test_comment_modes(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path, mode: str, expected: int
) -> None:
    s = scene(tmp_path, emulator, all_keys, destroy)
    assert s.run().code == 1
    first = s.comments()[0]["id"]
    assert s.run(**{"comment-mode": mode}).code == 1
    ids = [c["id"] for c in s.comments()]
    assert len(ids) == expected
    assert (first in ids) == (mode == "new")


# ---- Done when: retries, rate limits, a bad token ---------------------------------------------


def test_secondary_rate_limit_502_and_a_timeout_are_retried_and_the_run_succeeds(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    s = scene(tmp_path, emulator, all_keys, destroy)
    s.gh.faults += [
        Fault("GET", r"/issues/\d+/comments$", 403, {"retry-after": "1"}, SECONDARY_LIMIT),
        Fault("POST", r"/statuses/", 502, body={"message": "Server Error"}),
        Fault("GET", r"/pulls/\d+/reviews$", 200, hang=True),  # the client times out
        Fault(
            "POST",
            r"/requested_reviewers$",
            429,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"},
        ),
    ]
    result = s.run()
    assert result.code == 1, result.err  # the verdict: review required, delivered in full
    assert "warning" not in result.err
    assert [st["state"] for st in s.statuses()] == ["failure"]
    assert len(s.comments()) == 1
    assert s.gh.pulls[PR].requested_users == ["alice"]
    assert all(f.times == 0 for f in s.gh.faults)
    # Waited as GitHub asked (retry-after, the limit's reset) or backed off: counted, not slept.
    assert len(s.runner.waited) == 4 and 1.0 in s.runner.waited, s.runner.waited


def test_a_rejected_token_fails_with_a_clear_message(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    s = scene(tmp_path, emulator, all_keys, destroy)
    result = s.run(**{"github-token": "ghp_revoked"})
    assert result.code == 4
    assert "GitHub rejected the token (401 Bad credentials)" in result.err
    assert "github-token" in result.err
    assert s.comments() == [] and s.statuses() == []


def test_unreadable_reviews_never_turn_into_a_pass(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    s = scene(tmp_path, emulator, all_keys, destroy)
    s.gh.review(PR, "alice", "APPROVED", s.head)
    s.gh.faults.append(
        Fault("GET", r"/pulls/\d+/reviews$", 503, body={"message": "down"}, times=50)
    )
    s.runner.env["PLANGUARD_GITHUB_MAX_WAIT"] = "1"
    result = s.run()
    assert result.code == 1
    assert result.outputs["verdict"] == "review required"
    assert "reviews could not be read" in s.comments()[0]["body"]


def test_a_read_only_fork_token_reports_what_to_do_and_keeps_the_verdict(
    tmp_path: Path, emulator: Emulator, all_keys: Any, real_plans: dict[str, Path]
) -> None:
    s = scene(tmp_path, emulator, all_keys, real_plans["noop"])
    forbidden = {"message": "Resource not accessible by integration", "documentation_url": "x"}
    s.gh.faults += [
        Fault("POST", r"/comments$", 403, body=forbidden),
        Fault("POST", r"/statuses/", 403, body=forbidden),
    ]
    result = s.run()
    assert result.outputs["verdict"] == "pass"
    assert result.code == 4, "the verdict passed but nothing reached GitHub: say so"
    assert "pull-requests: write" in result.err and "fork" in result.err
    assert "statuses: write" in result.err


@pytest.mark.parametrize(("plan", "code"), [("noop", 0), ("destroy", 1)])
def test_a_fork_pull_request_passes_its_verdict_through_the_exit_code(
    plan: str, code: int, tmp_path: Path, emulator: Emulator, all_keys: Any,
    real_plans: dict[str, Path],
) -> None:  # fmt: skip
    """Issue 20: under `pull_request`, a fork's run was always red (exit 4) for a benign plan:
    its read-only token is GitHub's design. Said once; the verdict decides the exit code."""
    s = scene(tmp_path, emulator, all_keys, real_plans[plan])
    s.gh.pulls[PR].fork = True
    forbidden = {"message": "Resource not accessible by integration", "documentation_url": "x"}
    s.gh.faults += [
        Fault(method, path, 403, body=forbidden, times=5)
        for method, path in [("POST", r"/comments$"), ("POST", r"/statuses/"),
                             ("POST", r"/requested_reviewers$"), ("POST", r"/reviews$")]
    ]  # fmt: skip
    result = s.run()
    assert result.code == code, result.out + result.err
    assert result.out.count("a pull request from a fork gets a read-only token") == 1
    assert "workflow_run" in result.out
    assert ("REVIEW REQUIRED" in result.summary) is (code == 1)


# ---- review requests and team membership ------------------------------------------------------


TWO_REVIEWERS = """\
reviewers:
  default: ["@alice", "@carol", "@zed"]
approvals: {critical: 2}
"""


def test_requests_skip_who_approved_and_report_who_github_refuses(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    s = scene(tmp_path, emulator, all_keys, destroy, policy=TWO_REVIEWERS)
    s.gh.review(PR, "alice", "APPROVED", s.head)
    result = s.run()
    assert result.code == 1
    assert s.gh.pulls[PR].requested_users == ["carol"]
    requested = [c.body for c in s.gh.calls if c.method == "POST" and "requested" in c.path]
    assert all("alice" not in body["reviewers"] for body in requested)
    body = s.comments()[0]["body"]
    assert "Review requests GitHub refused" in body and "not a collaborator" in body
    assert "<code>&#64;zed" in body


TEAM_ONLY = 'reviewers:\n  default: ["@acme/sre"]\n'


@pytest.mark.parametrize(("token", "counted"), [("actions", False), ("pat", True)])
def test_team_approvals_need_a_token_that_can_read_the_team(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path, token: str, counted: bool
) -> None:
    s = scene(tmp_path, emulator, all_keys, destroy, policy=TEAM_ONLY)
    if token == "pat":
        s.runner.github["token"] = s.gh.pat("planguard-bot")
    s.gh.review(PR, "bob", "APPROVED", s.head)
    result = s.run()
    assert (result.code == 0) == counted, result.out
    if not counted:
        assert "cannot tell whether" in s.comments()[0]["body"].replace("&#64;", "@")
    else:
        assert s.comments()[0]["author"] == "planguard-bot"


def test_the_action_never_splices_inputs_into_scripts() -> None:
    from action_runner import ACTION

    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step["run"]
    assert ACTION["runs"]["using"] == "composite"
    assert ACTION["branding"] == {"icon": "shield", "color": "red"}
    gate = next(s for s in ACTION["runs"]["steps"] if s["id"] == "gate")
    for name in ACTION["inputs"]:
        if name != "working-directory":
            assert any(f"inputs.{name} " in f"{v} " for v in gate["env"].values()), name


@pytest.mark.slow
@pytest.mark.slow
def test_the_whole_action_installs_itself_and_gates(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    """Both steps as the runner runs them: a fresh venv from the action's own checkout."""
    s = scene(tmp_path, emulator, all_keys, destroy)
    result = s.runner.run({"plan": str(destroy), "base": "main"}, setup=True)
    [venv] = s.runner.temp.glob("planguard-venv.*")
    assert (venv / "bin" / "planguard").is_file()
    assert result.code == 1, result.err
    assert result.outputs["verdict"] == "review required"
    assert [st["state"] for st in s.statuses()] == ["failure"]
    assert len(s.comments()) == 1


def test_a_workflow_run_for_another_commit_is_not_gated(
    tmp_path: Path, emulator: Emulator, all_keys: Any, real_plans: dict[str, Path]
) -> None:
    """The fork pattern: the PR number comes from an artifact the fork wrote. A number that
    points at another PR (whose head is not the commit this workflow_run built) is refused."""
    s = scene(tmp_path, emulator, all_keys, real_plans["noop"])
    event = s.runner.temp / "workflow_run.json"
    event.write_text(json.dumps({"workflow_run": {"head_sha": s.base, "id": 7}}))
    s.runner.env["GITHUB_EVENT_PATH"] = str(event)
    result = s.run(pr=str(PR))
    assert result.code == 4
    assert "does not belong to this run" in result.err
    assert s.gh.statuses == {} and s.comments() == []


def test_a_checkout_that_is_not_the_pr_head_reads_authors_from_github_and_fails_closed(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    """The workflow_run job checks out the default branch: the AI trailer is only in the PR's
    commits (read from the API), and edits to the policy cannot be seen, so the policy owners
    must approve too."""
    s = scene(
        tmp_path,
        emulator,
        all_keys,
        destroy,
        author="dave",
        author_type="User",
        change="ai-trailer",
    )
    git(s.repo, "checkout", "-q", "main")
    event = s.runner.temp / "workflow_run.json"
    event.write_text(json.dumps({"workflow_run": {"head_sha": s.head, "id": 7}}))
    s.runner.env["GITHUB_EVENT_PATH"] = str(event)
    s.gh.review(PR, "alice", "APPROVED", s.head)
    result = s.run(pr=str(PR))
    assert result.code == 1
    assert result.outputs["author-kind"] == "ai"
    assert "@carol" in result.outputs["required-reviewers"]
    assert "cannot tell" in s.comments()[0]["body"]


def test_a_forged_future_stamp_does_not_freeze_the_comment(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    s = scene(tmp_path, emulator, all_keys, destroy)
    forged = (
        "<!-- planguard:v1 root=default -->\n"
        f"<!-- planguard:run head={s.head} at=2999-01-01T00:00:00+00:00 -->\n## planguard: APPROVED\n"
    )
    s.gh.comments[1] = {"id": 1, "issue": PR, "author": "github-actions[bot]", "body": forged}
    assert s.run().code == 1
    [comment] = s.comments()
    assert "REVIEW REQUIRED" in comment["body"]
    assert s.statuses()[-1]["state"] == "failure"


def test_a_run_that_ends_without_a_verdict_never_leaves_the_status_pending(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    """Issue 20: a typo in the `plan` input left the commit status `pending` forever."""
    s = scene(tmp_path, emulator, all_keys, destroy)
    typo = s.run(plan=str(destroy.parent / "no-such-plan.json"))
    assert typo.code == 2
    assert s.all_states() == ["pending", "error"]
    (status,) = s.statuses()
    assert status["description"].startswith("planguard could not decide: ")
    assert "no-such-plan.json" in status["description"]
    assert len(status["description"]) <= 140


@pytest.mark.slow  # whole processes: the default run keeps its 90 s budget
def test_a_comment_that_landed_but_whose_answer_was_lost_is_not_posted_twice(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    """Issue 20: a POST that landed but timed out was retried, giving a duplicate comment."""
    s = scene(tmp_path, emulator, all_keys, destroy)
    s.gh.faults.append(Fault("POST", r"/issues/\d+/comments$", 201, hang=True, applied=True))
    result = s.run()
    assert result.code == 1, result.err
    assert len(s.comments()) == 1  # found where it landed: not posted again
    assert "comment created" in result.out


@pytest.mark.slow  # three whole action runs: the default run keeps its budget
def test_an_app_token_without_comment_author_keeps_one_comment(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    """Issue 20: a GitHub App token cannot say its own login (no `/user`), so every run found
    no comment of its own and posted another. Its own comments are the one bot account that
    carries this root's marker; a person quoting the marker never counts."""
    s = scene(tmp_path, emulator, all_keys, destroy)
    token = s.gh.app_token("acme-gate")
    s.gh.comments[1] = {"id": 1, "issue": PR, "author": "dave", "body": marker("default")}
    for _ in range(3):
        result = s.run(**{"github-token": token})
        assert result.code == 1, result.err
    mine = [c for c in s.comments() if c["author"] == "acme-gate[bot]"]
    assert len(mine) == 1
    assert s.gh.comments[1]["body"] == marker("default")  # the person's comment is untouched


@pytest.mark.slow  # three whole action runs: the default run keeps its budget
def test_changes_only_posts_nothing_for_a_plan_that_changes_nothing(
    tmp_path: Path, emulator: Emulator, all_keys: Any, real_plans: dict[str, Path]
) -> None:
    """Issue 20 (tfcmt users): a comment mode that skips no-op plans; an existing comment is
    still updated, so an old verdict never stands."""
    s = scene(tmp_path, emulator, all_keys, real_plans["noop"])
    quiet = s.run(**{"comment-mode": "changes-only"})
    assert quiet.code == 0, quiet.err
    assert s.comments() == []
    assert [st["state"] for st in s.statuses()] == ["success"]  # the status is still set
    s.plan = real_plans["destroy"]
    assert s.run(**{"comment-mode": "changes-only"}).code == 1
    s.plan = real_plans["noop"]
    assert s.run(**{"comment-mode": "changes-only"}).code == 0
    (comment,) = s.comments()
    assert "REVIEW REQUIRED" not in comment["body"]  # the old verdict was replaced


def test_a_fork_workflow_run_without_a_base_reads_it_from_github(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    """Issue 20: `workflow_run.pull_requests` is empty for a fork, so the documented `base:`
    expression is empty and the policy was read from the working tree. The PR's base comes
    from GitHub then, and the policy from it (its owners still required: fail closed)."""
    s = scene(tmp_path, emulator, all_keys, destroy)
    s.gh.pulls[PR].fork = True
    event = s.runner.temp / "workflow_run.json"
    event.write_text(
        json.dumps({"workflow_run": {"head_sha": s.head, "id": 7, "pull_requests": []}})
    )
    s.runner.env["GITHUB_EVENT_PATH"] = str(event)
    result = s.run(pr=str(PR), base="")
    assert result.code == 1, result.err
    report = json.loads(Path(result.outputs["report"]).read_text())
    assert report["decision"]["policy_source"] == f"git {s.base}:.planguard.yml"
    assert "working tree" not in " ".join(report["notes"])


def test_a_tier_label_names_the_plans_tier_and_replaces_an_older_one(
    tmp_path: Path, emulator: Emulator, all_keys: Any, real_plans: dict[str, Path]
) -> None:
    """Issue 20: PR labels by tier (opt-in through `post`); a stale tier label is removed and
    other labels are left alone."""
    s = scene(tmp_path, emulator, all_keys, real_plans["noop"])
    s.gh.pulls[PR].labels = ["infra", "planguard: critical"]
    posts = "comment,status,labels"
    assert s.run(post=posts).code == 0
    assert s.gh.pulls[PR].labels == ["infra", "planguard: low"]
    s.plan = real_plans["destroy"]
    assert s.run(post=posts).code == 1
    assert s.gh.pulls[PR].labels == ["infra", "planguard: critical"]


@pytest.mark.slow  # three whole action runs: the default run keeps its budget
def test_hide_and_new_folds_the_old_report_and_posts_a_new_one(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    """Issue 20: a comment mode that hides the old comment and posts a new one."""
    s = scene(tmp_path, emulator, all_keys, destroy)
    for _ in range(2):
        assert s.run(**{"comment-mode": "hide-and-new"}).code == 1
    first, second = sorted(s.comments(), key=lambda c: c["id"])
    assert first["body"].startswith("<details><summary>planguard: an older report")
    assert "REVIEW REQUIRED" in first["body"]  # still readable for the record
    assert second["body"].startswith(marker("default"))
    assert s.run(**{"comment-mode": "hide-and-new"}).code == 1
    assert len(s.comments()) == 3
    assert sum(c["body"].startswith(marker("default")) for c in s.comments()) == 1


def test_one_run_reads_the_pr_twice_and_its_comments_twice(
    tmp_path: Path, emulator: Emulator, all_keys: Any, destroy: Path
) -> None:
    """Issue 20 counted three reads of the PR and two comment listings per run. Left: one read
    of each when the run opens (who am I, did a newer run report — before the pending status)
    and one at write time (a push or another run may have landed meanwhile)."""
    s = scene(tmp_path, emulator, all_keys, destroy)
    assert s.run().code == 1
    gets = [c.path for c in s.gh.calls if c.method == "GET"]
    assert sum(1 for p in gets if re.search(rf"/pulls/{PR}$", p)) == 2
    assert sum(1 for p in gets if p.endswith(f"/issues/{PR}/comments")) == 2
