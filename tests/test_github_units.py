"""The GitHub pieces on their own: the client's retry rules against the emulator, the comment
upsert plan, the markdown budget, and the runner's command formats."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from github_emulator import Emulator, Fault, GitHub

from planguard.errors import UsageError
from planguard.github.api import Comment, GitHubApi, Repository
from planguard.github.choices import CommentMode
from planguard.github.client import (
    GitHubAuthError,
    GitHubClient,
    GitHubPermissionError,
    GitHubUnavailable,
    GitHubValidationError,
    Settings,
)
from planguard.github.comment import Stamp, compose, marker, plan_comment
from planguard.github.context import context_from_env
from planguard.github.workflow import Annotation, annotation_lines, guarded, write_outputs
from planguard.render.budget import COMMENT_BUDGET, COMMENT_LIMIT, fit, utf8_bytes


@pytest.fixture
def server() -> Iterator[Emulator]:
    with Emulator(GitHub("acme", "infra")) as emulator:
        emulator.state.open_pull(1, "Copilot", "a" * 40, "Bot")
        yield emulator
        assert emulator.state.violations == [], emulator.state.violations


def api(
    server: Emulator, token: str | None = None, max_wait: float = 30.0
) -> tuple[GitHubApi, list[float]]:
    slept: list[float] = []
    token = token or server.state.actions_token()
    client = GitHubClient(
        Settings(server.url, token, timeout=1.0, max_wait=max_wait), sleep=slept.append
    )
    return GitHubApi(client, Repository("acme", "infra")), slept


SECONDARY = {"message": "You have exceeded a secondary rate limit", "documentation_url": "x"}


@pytest.mark.parametrize(
    ("fault", "expected_wait"),
    [
        (Fault("GET", "/pulls/1$", 403, {"retry-after": "7"}, SECONDARY), 7.0),
        (Fault("GET", "/pulls/1$", 429, {"retry-after": "3"}, SECONDARY), 3.0),
        (Fault("GET", "/pulls/1$", 403, {}, SECONDARY), 60.0),
        (Fault("GET", "/pulls/1$", 502, body={"message": "bad gateway"}), 1.0),
        (Fault("GET", "/pulls/1$", 503, body={"message": "unavailable"}), 1.0),
    ],
)
def test_retried_answers_wait_as_github_asks(
    server: Emulator, fault: Fault, expected_wait: float
) -> None:
    server.state.faults.append(fault)
    gh, slept = api(server, max_wait=120)
    assert gh.pull_request(1).head_sha == "a" * 40
    assert len(slept) == 1 and expected_wait <= slept[0] < expected_wait + 0.3


def test_primary_limit_waits_until_the_reset(server: Emulator) -> None:
    reset = 1_900_000_000
    server.state.faults.append(
        Fault(
            "GET",
            "/pulls/1$",
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
            SECONDARY,
        )
    )
    slept: list[float] = []
    client = GitHubClient(
        Settings(server.url, server.state.actions_token(), max_wait=100),
        sleep=slept.append,
        clock=lambda: reset - 30,
    )
    GitHubApi(client, Repository("acme", "infra")).pull_request(1)
    assert slept == [31.0]


def test_the_wait_budget_bounds_a_run(server: Emulator) -> None:
    server.state.faults.append(Fault("GET", "/pulls/1$", 403, {"retry-after": "600"}, SECONDARY))
    gh, slept = api(server, max_wait=60)
    with pytest.raises(GitHubUnavailable, match="wait budget"):
        gh.pull_request(1)
    assert slept == []


def test_a_timeout_is_retried(server: Emulator) -> None:
    server.state.faults.append(Fault("GET", "/pulls/1$", 200, hang=True))
    gh, slept = api(server)
    assert gh.pull_request(1).number == 1
    assert len(slept) == 1


def test_errors_say_what_to_do(server: Emulator) -> None:
    gh, _ = api(server, token="nope")
    with pytest.raises(GitHubAuthError, match=r"rejected the token.*GITHUB_TOKEN"):
        gh.pull_request(1)
    server.state.faults.append(
        Fault(
            "POST",
            "/comments$",
            403,
            body={"message": "Resource not accessible by integration", "documentation_url": "x"},
        )
    )
    gh, _ = api(server)
    with pytest.raises(GitHubPermissionError, match=r"fork.*pull-requests: write"):
        gh.create_comment(1, "hi")
    with pytest.raises(GitHubValidationError, match="body is too long"):
        gh.create_comment(1, "x" * (COMMENT_LIMIT + 1))


def test_pagination_follows_link_headers(server: Emulator) -> None:
    state = server.state
    state.page_cap = 3
    for n in range(10):
        state.comments[n + 1] = {"id": n + 1, "issue": 1, "author": "carol", "body": str(n)}
    gh, _ = api(server)
    assert [c.body for c in gh.comments(1)] == [str(n) for n in range(10)]
    pages = [c for c in state.calls if c.path.endswith("/comments")]
    assert len(pages) == 4


def test_team_membership_is_unknown_when_the_team_cannot_be_read(server: Emulator) -> None:
    state = server.state
    state.teams["acme/sre"] = {"bob": "active", "eve": "pending"}
    actions, _ = api(server)
    assert actions.team_member("acme", "sre", "bob") is None
    pat, _ = api(server, token=state.pat("reader"))
    assert pat.team_member("acme", "sre", "bob") is True
    assert pat.team_member("acme", "sre", "eve") is False  # pending is not a member
    assert pat.team_member("acme", "sre", "mallory") is False
    assert pat.team_member("acme", "ghost", "bob") is None


# ---- the comment upsert plan (pure) ----------------------------------------------------------

T0 = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc)
HEAD, OLD = "b" * 40, "a" * 40
BOT = "github-actions[bot]"


def body(content: str, head: str = HEAD, minutes: int = 0, root: str = "default") -> str:
    return compose(root, Stamp(head, T0 + dt.timedelta(minutes=minutes)), content, "http://x/run")


PLAN_CASES = [
    # (name, existing comments, our content, our head, our minutes, mode, expected)
    ("first run creates", [], "X", HEAD, 0, "update", "create"),
    ("updates its own", [(5, BOT, body("X"))], "Y", HEAD, 1, "update", "update 5"),
    ("unchanged is not written", [(5, BOT, body("X"))], "X", HEAD, 1, "update", "skip"),
    ("ignores a human's quote", [(5, "carol", body("X"))], "Y", HEAD, 1, "update", "create"),
    ("ignores another root", [(5, BOT, body("X", root="prod"))], "Y", HEAD, 1, "update", "create"),
    (
        "older run does not overwrite",
        [(5, BOT, body("X", minutes=5))],
        "Y",
        HEAD,
        1,
        "update",
        "skip",
    ),
    (
        "outdated head does not overwrite",
        [(5, BOT, body("X", minutes=0))],
        "Y",
        OLD,
        9,
        "update",
        "skip",
    ),
    (
        "duplicates are cleaned",
        [(5, BOT, body("X")), (9, BOT, body("X"))],
        "Y",
        HEAD,
        1,
        "update",
        "update 9 delete 5",
    ),
    ("new keeps the old", [(5, BOT, body("X"))], "Y", HEAD, 1, "new", "create"),
    ("delete-and-new", [(5, BOT, body("X"))], "Y", HEAD, 1, "delete-and-new", "create delete 5"),
    ("new is stale-guarded too", [(5, BOT, body("X", minutes=5))], "Y", HEAD, 1, "new", "skip"),
    (
        "a stamp from the future is ignored",
        [(5, BOT, body("X", minutes=999))],
        "Y",
        HEAD,
        1,
        "update",
        "update 5",
    ),
]


@pytest.mark.parametrize(
    ("existing", "content", "head", "minutes", "mode", "expected"),
    [case[1:] for case in PLAN_CASES],
    ids=[case[0] for case in PLAN_CASES],
)
def test_comment_plan(
    existing: list[tuple[int, str, str]],
    content: str,
    head: str,
    minutes: int,
    mode: str,
    expected: str,
) -> None:
    comments = [Comment(i, author, text) for i, author, text in existing]
    plan = plan_comment(
        comments,
        own_login=BOT,
        root="default",
        body=body(content, head, minutes),
        stamp=Stamp(head, T0 + dt.timedelta(minutes=minutes)),
        current_head=HEAD,
        mode=CommentMode(mode),
        now=T0 + dt.timedelta(minutes=10),
    )
    words = []
    if plan.create:
        words.append("create")
    if plan.update is not None:
        words.append(f"update {plan.update}")
    if plan.delete:
        words.append("delete " + " ".join(map(str, plan.delete)))
    assert (" ".join(words) or "skip") == expected
    assert (plan.skipped is not None) == (expected == "skip")


def test_a_root_name_cannot_break_the_marker() -> None:
    assert marker("prod --> <b>x</b>") == "<!-- planguard:v1 root=prod_--___b_x_/b_ -->"


# ---- the markdown budget -------------------------------------------------------------------


def test_fit_keeps_the_top_closes_what_it_opens_and_says_what_is_left_out() -> None:
    rows = "\n".join(f"| {n} | `aws_db.x[{n}]` |" for n in range(20_000))
    text = f"## planguard: BLOCK\n\n**Approval needed:** @alice\n\n<details><summary>all</summary>\n\n```\nlog\n{rows}\n```\n\n</details>\n"
    cut = fit(text, COMMENT_BUDGET, "the job summary")
    assert len(cut) <= COMMENT_BUDGET < COMMENT_LIMIT
    assert cut.startswith("## planguard: BLOCK\n\n**Approval needed:** @alice")
    assert cut.count("```") % 2 == 0
    assert cut.count("<details>") == cut.count("</details>")
    assert re.search(r"Cut to fit:\*\* not shown here: \d+ more line\(s\).*the job summary", cut)
    assert fit("short", 100, "x") == "short"


def test_fit_counts_bytes_for_the_summary() -> None:
    text = ("é" * 100 + "\n") * 20
    cut = fit(text, 1000, "the report", utf8_bytes)
    assert utf8_bytes(cut) <= 1000 < len(text.encode())


# ---- runner commands -------------------------------------------------------------------------


def test_annotations_are_escaped_and_within_the_per_step_limits() -> None:
    items = [Annotation("error", f"db:{n},x", f"line\n%{n}") for n in range(25)]
    items += [Annotation("warning", "w", "m")] * 3
    lines = annotation_lines(items)
    errors = [line for line in lines if line.startswith("::error")]
    assert len(errors) == 10 and len([line for line in lines if line.startswith("::warning")]) == 3
    assert errors[0] == "::error title=db%3A0%2Cx::line%0A%250"
    assert "16 more" in errors[-1]


def test_printed_text_cannot_issue_workflow_commands() -> None:
    out = guarded('aws_s3_bucket.x["\n::set-env name=A::b"]')
    token = out.split("\n", 1)[0].removeprefix("::stop-commands::")
    assert len(token) == 32 and out.rstrip().endswith(f"::{token}::")


def test_outputs_use_a_delimiter_that_is_not_in_the_value(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "out"
    write_outputs(path, {"verdict": "block", "reviewers": "@a\n@b"})
    text = path.read_text()
    assert re.fullmatch(
        r"verdict<<(ghadelimiter_\w+)\nblock\n\1\nreviewers<<(ghadelimiter_\w+)\n@a\n@b\n\2\n", text
    )


@pytest.mark.parametrize(
    ("env", "pr", "message"),
    [
        ({}, 1, "GITHUB_TOKEN"),
        ({"GITHUB_TOKEN": "t"}, 1, "GITHUB_REPOSITORY"),
        ({"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "a/b"}, None, "--pr NUMBER"),
        (
            {"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "a/b", "PLANGUARD_GITHUB_TIMEOUT": "x"},
            1,
            "seconds",
        ),
    ],
)
def test_context_errors_say_what_to_do(env: dict[str, str], pr: int | None, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        context_from_env(env, pr)


def test_context_defaults_to_github_com_and_honours_enterprise_server() -> None:
    base = {"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "a/b"}
    assert context_from_env(base, 3).settings.api_url == "https://api.github.com"
    ghes = {**base, "GITHUB_API_URL": "https://ghe.example/api/v3"}
    assert context_from_env(ghes, 3).settings.api_url == "https://ghe.example/api/v3"
