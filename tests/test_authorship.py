"""Authorship detection: every kind of signal, its trust tier, and that signals only escalate."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitrepo import CLAUDE_TRAILER, HUMAN, commit, git

from planguard import gitio
from planguard.authorship.detect import detect_authorship
from planguard.authorship.knowledge import builtin_agents
from planguard.authorship.model import AuthorKind, AuthorshipInputs, PullRequestInfo, Trust
from planguard.gitio import CommitInfo

AGENTS = builtin_agents()


def pr(login: str, uid: int | None = None, kind: str = "User", **extra: object) -> PullRequestInfo:
    return PullRequestInfo(7, login, uid, kind, **extra)  # type: ignore[arg-type]


def human_commit(message: str = "fix", email: str = HUMAN[1], name: str = HUMAN[0]) -> CommitInfo:
    return CommitInfo("c" * 40, name, email, name, email, message)


CASES: dict[str, tuple[AuthorshipInputs, AuthorKind, Trust | None]] = {
    "copilot by id": (
        AuthorshipInputs(pull_request=pr("renamed", 198982749, "Bot")),
        AuthorKind.AI,
        Trust.SERVER,
    ),
    "copilot by login": (
        AuthorshipInputs(pull_request=pr("Copilot", None, "Bot")),
        AuthorKind.AI,
        Trust.SERVER,
    ),
    "devin bot": (
        AuthorshipInputs(pull_request=pr("devin-ai-integration[bot]", 158243242, "Bot")),
        AuthorKind.AI,
        Trust.SERVER,
    ),
    "human pr author": (
        AuthorshipInputs(pull_request=pr("dave", 1234)),
        AuthorKind.HUMAN,
        Trust.SERVER,
    ),
    "dependabot": (
        AuthorshipInputs(pull_request=pr("dependabot[bot]", 49699333, "Bot")),
        AuthorKind.AUTOMATION,
        Trust.SERVER,
    ),
    "renovate branch only": (
        AuthorshipInputs(pull_request=pr("dave", 1, head_ref="renovate/aws")),
        AuthorKind.AUTOMATION,
        Trust.CONVENTION,
    ),
    "actor is the agent": (
        AuthorshipInputs(pull_request=pr("dave", 1), actors=(("GITHUB_ACTOR", "Copilot"),)),
        AuthorKind.AI,
        Trust.SERVER,
    ),
    "claude trailer": (
        AuthorshipInputs(commits=(human_commit(f"fix\n\n{CLAUDE_TRAILER}"),)),
        AuthorKind.AI,
        Trust.COMMIT,
    ),
    "cursor co-author": (
        AuthorshipInputs(
            commits=(human_commit("x\n\nCo-authored-by: Cursor <cursoragent@cursor.com>"),)
        ),
        AuthorKind.AI,
        Trust.COMMIT,
    ),
    "aider name suffix": (
        AuthorshipInputs(commits=(human_commit(name="Dave (aider)"),)),
        AuthorKind.AI,
        Trust.COMMIT,
    ),
    "aider domain": (
        AuthorshipInputs(
            commits=(human_commit("x\n\nCo-authored-by: aider (gpt-5) <aider@aider.chat>"),)
        ),
        AuthorKind.AI,
        Trust.COMMIT,
    ),
    "assisted-by (kernel)": (
        AuthorshipInputs(
            commits=(human_commit("x\n\nAssisted-by: Claude:claude-3-opus coccinelle"),)
        ),
        AuthorKind.AI,
        Trust.COMMIT,
    ),
    "claude footer in PR body": (
        AuthorshipInputs(
            pull_request=pr(
                "dave", 1, body="🤖 Generated with [Claude Code](https://claude.com/claude-code)"
            )
        ),
        AuthorKind.AI,
        Trust.CONVENTION,
    ),
    "codex branch": (
        AuthorshipInputs(pull_request=pr("dave", 1, head_ref="codex/fix-vpc")),
        AuthorKind.AI,
        Trust.CONVENTION,
    ),
    "label": (
        AuthorshipInputs(pull_request=pr("dave", 1, labels=("fix-me",))),
        AuthorKind.AI,
        Trust.CONVENTION,
    ),
    "runtime marker": (
        AuthorshipInputs(commits=(human_commit(),), env=(("CLAUDECODE", "1"),)),
        AuthorKind.AI,
        Trust.RUNTIME,
    ),
    "human commits": (AuthorshipInputs(commits=(human_commit(),)), AuthorKind.HUMAN, Trust.COMMIT),
    "human commits, server evidence required": (
        AuthorshipInputs(commits=(human_commit(),), human_from_commits=False),
        AuthorKind.UNKNOWN,
        None,
    ),
    "nothing known": (AuthorshipInputs(), AuthorKind.UNKNOWN, None),
    "an app nobody lists is not a person": (
        AuthorshipInputs(pull_request=pr("acme-coder[bot]", 99, "Bot")),
        AuthorKind.UNKNOWN,
        Trust.SERVER,
    ),
    "missing account type is not a person": (
        AuthorshipInputs(pull_request=pr("someone", 98, None)),
        AuthorKind.UNKNOWN,
        Trust.SERVER,  # type: ignore[arg-type]
    ),
    "no commits in range": (AuthorshipInputs(commits=()), AuthorKind.UNKNOWN, None),
    # Pitfalls: names and look-alike emails are not agents.
    "a person called Claude": (
        AuthorshipInputs(commits=(human_commit(name="Claude Monet"),)),
        AuthorKind.HUMAN,
        Trust.COMMIT,
    ),
    "look-alike email": (
        AuthorshipInputs(
            commits=(human_commit("x\n\nCo-authored-by: Claude <claude@anthropic.com>"),)
        ),
        AuthorKind.HUMAN,
        Trust.COMMIT,
    ),
    "review bot suggestion": (
        AuthorshipInputs(
            commits=(
                human_commit(
                    "x\n\nCo-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>"
                ),
            )
        ),
        AuthorKind.HUMAN,
        Trust.COMMIT,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_signal(case: str) -> None:
    inputs, kind, trust = CASES[case]
    result = detect_authorship(inputs, AGENTS)
    assert result.kind is kind, result
    if trust is not None:
        assert any(s.kind is kind and s.trust is trust for s in result.evidence), result.evidence
    assert result.basis.startswith(kind.value)


def test_signals_only_escalate() -> None:
    """A human PR author with one AI trailer anywhere is AI; nothing undoes server-side AI."""
    mixed = AuthorshipInputs(
        pull_request=pr("dave", 1),
        commits=(human_commit(), human_commit(f"x\n\n{CLAUDE_TRAILER}")),
    )
    assert detect_authorship(mixed, AGENTS).kind is AuthorKind.AI
    copilot = AuthorshipInputs(
        pull_request=pr("Copilot", 198982749, "Bot"),
        commits=(human_commit(),),
        actors=(("GITHUB_ACTOR", "dave"),),
    )
    assert detect_authorship(copilot, AGENTS).kind is AuthorKind.AI


def test_identities_include_coauthors_and_noreply_logins() -> None:
    msg = "x\n\nCo-authored-by: Erin <12+erin@users.noreply.github.com>"
    result = detect_authorship(
        AuthorshipInputs(pull_request=pr("dave", 1), commits=(human_commit(msg),)), AGENTS
    )
    assert {"dave", "dave@example.com", "erin", "12+erin@users.noreply.github.com"} <= set(
        result.identities
    )


def test_commits_and_trailers_from_a_real_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    commit(tmp_path, "base", {"a.tf": "1"})
    commit(tmp_path, f"change\n\nbody line\n\n{CLAUDE_TRAILER}\n", {"a.tf": "2"})
    commit(tmp_path, "fixup", {"a.tf": "3"}, author=("Cursor Agent", "cursoragent@cursor.com"))
    commits = gitio.commits("main~2", tmp_path)
    assert [c.author_email for c in commits] == [HUMAN[1], "cursoragent@cursor.com"]
    result = detect_authorship(AuthorshipInputs(commits=commits), AGENTS)
    agents = {s.agent for s in result.evidence}
    assert result.kind is AuthorKind.AI and {"claude-code", "cursor"} <= agents


def test_policy_adds_identities() -> None:
    from planguard.policy.load import load_policy

    policy = load_policy("ai_identities: {emails: [agent@acme.example]}\n", "p")
    inputs = AuthorshipInputs(commits=(human_commit(email="agent@acme.example"),))
    assert detect_authorship(inputs, AGENTS).kind is AuthorKind.HUMAN
    assert detect_authorship(inputs, AGENTS + policy.ai_identities).kind is AuthorKind.AI


def test_event_payload_with_odd_types_is_read_not_crashed(tmp_path: Path) -> None:
    import json

    from planguard.authorship.sources import pull_request_from_event

    event = tmp_path / "event.json"
    pr_doc = {"number": "7", "labels": 5, "user": {"login": "dave", "id": "x", "type": 3}}
    event.write_text(json.dumps({"pull_request": pr_doc}))
    info = pull_request_from_event(event)
    assert info is not None and info.labels == () and info.author_id is None
    kind = detect_authorship(AuthorshipInputs(pull_request=info), AGENTS).kind
    assert kind is AuthorKind.UNKNOWN  # no account type: not shown to be a person
