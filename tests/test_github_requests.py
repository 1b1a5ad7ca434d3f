"""Issue 21: a GitHub run in few requests. The pull request of benchmarks/github_requests.py (20
changed `.tf` files, 5 findings commented inline, 150 comments already on it) gated through
action.yml against the emulator, whose requests and answers are checked against GitHub's OpenAPI
description. What each run asks GitHub; and that a kept answer (an ETag and its body, from
this run or a file a previous run left) never decides anything GitHub did not just confirm."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from github_emulator import Emulator, Tally
from terraform_runner import Terraform

from planguard.github.comment import marker
from planguard.github.etags import Cached, Validators

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
import github_requests as bench

REVIEWS = "/repos/acme/infra/pulls/42/reviews"
MARK = marker("default")
REERUN_LIMIT = 8
"""Issue 21: a re-run with nothing changed makes at most this many rate-limited requests."""


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory, terraform: Terraform) -> bench.Repo:
    """The PR's repository and plan, and `quiet.json`: a plan of it that changes nothing."""
    made = bench.make_repo(tmp_path_factory.mktemp("requests"), terraform)
    terraform.run(made.path, "plan", "-refresh-only", "-input=false", "-no-color", "-out=quiet")
    (made.path / "quiet.json").write_text(terraform.run(made.path, "show", "-json", "quiet"))
    return made


@pytest.fixture
def scene(emulator: Emulator, repo: bench.Repo, tmp_path: Path) -> bench.Scenario:
    return bench.Scenario(emulator, repo, tmp_path / "runner")


def token(scene: bench.Scenario, kind: str, n: int) -> str:
    """The workflow token is new in every job; a personal access token stays."""
    if kind == "workflow":
        return scene.gh.actions_token(f"ghs_job{n}")
    return scene.gh.pat("planguard-bot")


def report(scene: bench.Scenario) -> str:
    """The body of planguard's one comment among the PR's 110 others."""
    [body] = [c["body"] for c in scene.gh.bot_comments(bench.PR) if c["body"].startswith(MARK)]
    return body


def cache_file(scene: bench.Scenario) -> Path:
    [path] = (scene.runner.temp / "planguard-cache").glob("github-etags-*.json")
    return path


# ---- how many requests ---------------------------------------------------------------------

COUNTS = {
    # first run: read the PR, 2 pages of comments, the head's statuses, reviews, commits,
    # files, review comments; pending status, review request, one review of 5 comments, the
    # comment, the status. At write time the PR (changed by the review request) and both
    # comment pages (304) again. Re-run: the same reads, the write-time ones answered 304, and
    # no write: the newest status is planguard's own and says the same.
    "workflow": (Tally(16, 14, 2), Tally(11, 8, 3)),
    # + `/user`. Re-run: every read conditional on the previous run's ETags; the reviews,
    # the review comments and the comments' second page changed after the first run read them
    # (its own review and comment), so those three are read again.
    "pat": (Tally(17, 15, 2), Tally(12, 4, 8)),
}


@pytest.mark.parametrize("kind", COUNTS)
def test_a_rerun_with_nothing_changed_makes_at_most_8_rate_limited_requests(
    scene: bench.Scenario, kind: str
) -> None:
    first, first_tally = scene.run(token(scene, kind, 1))
    assert first.code == 1, first.err
    assert first.outputs["verdict"] == "review required"
    assert "inline review: 5 new" in first.out
    assert len(scene.gh.pulls[bench.PR].files) == bench.FILES
    assert len(scene.gh.comments) == bench.CONVERSATION + 1
    assert len(scene.gh.review_comments) == bench.ON_CODE + bench.INLINE

    before = len(scene.gh.calls)
    rerun, rerun_tally = scene.run(token(scene, kind, 2))
    assert rerun.code == 1, rerun.err
    assert rerun.outputs["fingerprint"] == first.outputs["fingerprint"]
    assert rerun_tally.rate_limited <= REERUN_LIMIT
    assert (first_tally, rerun_tally) == COUNTS[kind]

    calls = scene.gh.calls[before:]
    assert [c for c in calls if c.method != "GET"] == []  # no status, comment or review
    assert scene.gh.statuses[scene.repo.head][-1]["state"] == "failure"
    full_reads = [f"{c.path}?{c.query}" for c in calls if c.method == "GET" and c.status == 200]
    assert len(full_reads) == len(set(full_reads)), "no URL is read in full twice in a run"
    assert "5 unchanged" in rerun.out and "already says this" in rerun.out


# ---- a change is never hidden ----------------------------------------------------------------


def _approve(scene: bench.Scenario) -> dict[str, str]:
    scene.gh.review(bench.PR, "alice", "APPROVED", scene.repo.head)
    return {}


def _quiet_plan(scene: bench.Scenario) -> dict[str, str]:
    return {"plan": str(scene.repo.path / "quiet.json")}


CHANGES = {
    # what changes: (how, the new verdict, the statuses the re-run posts)
    "alice approves the head": (_approve, "approved", ["pending", "success"]),
    # GitHub tells the re-run what it told the first run: no pending status in between.
    "the plan changes nothing now": (_quiet_plan, "pass", ["success"]),
}


@pytest.mark.parametrize("kind", ["workflow", pytest.param("pat", marks=pytest.mark.slow)])
@pytest.mark.parametrize("change", CHANGES)
def test_a_change_between_runs_updates_the_comment_and_the_status(
    scene: bench.Scenario, kind: str, change: str
) -> None:
    make, verdict, states = CHANGES[change]
    assert scene.run(token(scene, kind, 1))[0].code == 1
    old_body = report(scene)
    posted = len(scene.gh.statuses[scene.repo.head])

    inputs = make(scene)
    result, _ = scene.run(token(scene, kind, 2), **inputs)
    assert result.code == 0, result.out + result.err
    assert result.outputs["verdict"] == verdict
    assert [s["state"] for s in scene.gh.statuses[scene.repo.head][posted:]] == states
    body = report(scene)
    assert body != old_body and "REVIEW REQUIRED" not in body


# ---- the kept answers: corrupted, forged ---------------------------------------------------


def _headers(token: str) -> dict[str, str]:
    return {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "Authorization": f"Bearer {token}",
    }


def _entries(path: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(path.read_text())["entries"]
    return entries


def _approved_by_alice(scene: bench.Scenario, text: str) -> str:
    """The reviews list as it would read if alice had approved the head."""
    reviews = json.loads(text)
    forged = dict(reviews[0], state="APPROVED", commit_id=scene.repo.head, id=1)
    forged["user"] = dict(forged["user"], login="alice", id=200, type="User")
    return json.dumps([*reviews, forged])


def _garbage(scene: bench.Scenario, path: Path) -> None:
    path.write_bytes(b"\x00\xff not json")


def _truncated(scene: bench.Scenario, path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _another_shape(scene: bench.Scenario, path: Path) -> None:
    path.write_text(json.dumps({"version": 1, "entries": [None, 7, {"url": 1}]}))


def _forged_body(scene: bench.Scenario, path: Path) -> None:
    """The reviews' genuine ETag with a body in which alice approved: GitHub answers 304 to
    that ETag, but the entry's MAC (keyed by the token) no longer matches."""
    entries = _entries(path)
    entry = next(e for e in entries if REVIEWS in e["url"])
    entry["text"] = _approved_by_alice(scene, entry["text"])
    path.write_text(json.dumps({"version": 1, "entries": entries}))


def _forged_with_the_token(scene: bench.Scenario, path: Path) -> None:
    """An entry with a valid MAC (written with the token itself) but an ETag GitHub never
    sent: the request is conditional, GitHub answers in full, and only that answer counts."""
    kept = Validators.open(str(path.parent), scene.runner.github["token"])
    entries = _entries(path)
    entry = next(e for e in entries if REVIEWS in e["url"])
    forged = Cached('W/"0000"', _approved_by_alice(scene, entry["text"]), None)
    kept.keep(entry["url"], forged)
    kept.save()


TAMPERING = {
    "garbage bytes": (_garbage, False),
    "cut in half": (_truncated, False),
    "entries of another shape": (_another_shape, False),
    "a forged body under the genuine ETag": (_forged_body, False),
    "a forged body under an ETag GitHub never sent": (_forged_with_the_token, True),
}


QUICK_TAMPERING = {"a forged body under the genuine ETag"}
"""The one case the default run keeps (about 2 s each); `pytest -m slow` runs all of them."""


@pytest.mark.parametrize(
    "tamper",
    [t if t in QUICK_TAMPERING else pytest.param(t, marks=pytest.mark.slow) for t in TAMPERING],
)
def test_a_tampered_cache_costs_requests_and_decides_nothing(
    scene: bench.Scenario, tamper: str
) -> None:
    spoil, reviews_asked_conditionally = TAMPERING[tamper]
    pat = token(scene, "pat", 1)
    first, _ = scene.run(pat)
    assert first.code == 1, first.err
    scene.run(pat)  # the first run's own review changed the reviews: now every ETag is current
    kept = next(e for e in _entries(cache_file(scene)) if REVIEWS in e["url"])
    conditional = {**_headers(pat), "If-None-Match": kept["etag"]}
    asked = requests.get(kept["url"], headers=conditional, timeout=5)
    assert asked.status_code == 304, "GitHub would vouch for whatever body is kept under it"
    spoil(scene, cache_file(scene))

    before = len(scene.gh.calls)
    rerun, _ = scene.run(pat)
    assert rerun.code == 1, rerun.out + rerun.err  # no crash (3), no GitHub error (4)
    assert rerun.outputs["verdict"] == "review required"
    assert rerun.outputs["fingerprint"] == first.outputs["fingerprint"]
    assert scene.gh.statuses[scene.repo.head][-1]["state"] == "failure"
    [reviews] = [c for c in scene.gh.calls[before:] if c.path == REVIEWS]
    assert reviews.status == 200, "the reviews come from GitHub, not from the file"
    assert reviews.conditional is reviews_asked_conditionally
    assert "already says this" in rerun.out


def test_another_tokens_file_is_never_read(tmp_path: Path) -> None:
    """Each token has its own file: GitHub's ETags are per token, and an entry is believed
    only under the token that wrote it."""
    url = "https://api.github.com/repos/acme/infra/pulls/42"
    mine = Validators.open(str(tmp_path), "ghp_mine")
    mine.keep(url, Cached('W/"1"', "{}", None))
    mine.save()
    other = Validators.open(str(tmp_path), "ghp_other")
    assert other.get(url) is None
    assert mine.path is not None and other.path is not None and mine.path != other.path
    other.path.write_bytes(mine.path.read_bytes())  # copied under the other token's name
    other = Validators.open(str(tmp_path), "ghp_other")
    assert other.get(url) is None and other.dropped == 1
    assert Validators.open(str(tmp_path), "ghp_mine").get(url) == Cached('W/"1"', "{}", None)


# ---- the emulator answers conditional requests as GitHub does -------------------------------

PULL = "/repos/acme/infra/pulls/42"


def _get(server: Emulator, token: str, if_none_match: str | None = None) -> requests.Response:
    headers = _headers(token)
    if if_none_match is not None:
        headers["If-None-Match"] = if_none_match
    return requests.get(server.url + PULL, headers=headers, timeout=5)


CONDITIONS = {
    # name: (If-None-Match from the first answer's ETag, token of the second request, status)
    "the ETag as sent": (lambda tag: tag, "first", 304),
    "its strong form (weak comparison)": (lambda tag: tag.removeprefix("W/"), "first", 304),
    "one of a list": (lambda tag: f'W/"other", {tag}', "first", 304),
    "any (*)": (lambda tag: "*", "first", 304),
    "another ETag": (lambda tag: 'W/"0123"', "first", 200),
    "another token: GitHub's ETags are per token": (lambda tag: tag, "second", 200),
}


@pytest.mark.parametrize("case", CONDITIONS)
def test_the_emulator_answers_if_none_match_like_github(emulator: Emulator, case: str) -> None:
    condition, second, status = CONDITIONS[case]
    gh = emulator.state
    gh.open_pull(42, "Copilot", "a" * 40, "Bot")
    tokens = {"first": gh.actions_token("ghs_first"), "second": gh.actions_token("ghs_second")}
    first = _get(emulator, tokens["first"])
    tag = first.headers["etag"]
    assert first.status_code == 200 and tag.startswith('W/"') and len(tag) == 68
    answer = _get(emulator, tokens[second], condition(tag))
    assert answer.status_code == status
    if status == 304:
        assert answer.content == b"" and answer.headers["etag"] == tag
        assert answer.headers["x-ratelimit-used"] == first.headers["x-ratelimit-used"]
    assert gh.tally() == Tally(2, 2 if status == 200 else 1, 0 if status == 200 else 1)


def test_a_changed_resource_is_answered_in_full_with_a_new_etag(emulator: Emulator) -> None:
    gh = emulator.state
    pull = gh.open_pull(42, "Copilot", "a" * 40, "Bot")
    first = _get(emulator, gh.actions_token())
    pull.head_sha = "b" * 40
    second = _get(emulator, gh.actions_token(), first.headers["etag"])
    assert second.status_code == 200 and second.json()["head"]["sha"] == "b" * 40
    assert second.headers["etag"] != first.headers["etag"]
