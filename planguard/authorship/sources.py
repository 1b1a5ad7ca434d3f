"""Where authorship facts come from at run time: the GitHub event payload, the environment.
(I/O edge; `detect` is the pure part.)"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from planguard import jsonread
from planguard.authorship.model import Agent, PullRequestInfo
from planguard.errors import UsageError

ACTOR_VARIABLES = ("GITHUB_ACTOR", "GITHUB_TRIGGERING_ACTOR")


def pull_request_from_event(path: Path) -> PullRequestInfo | None:
    """The pull request of a `pull_request*` event payload; None for other events."""
    try:
        event = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read the GitHub event payload: {exc}") from None
    pr = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pr, dict):
        return None
    info = pull_request_info(pr)
    if not info.author_login:
        raise UsageError(f"{path}: pull_request.user.login is missing from the event payload")
    return info


def pull_request_info(pr: Mapping[str, object]) -> PullRequestInfo:
    """A pull request object as GitHub writes it, in an event payload or an API answer."""
    user, head = jsonread.obj(pr.get("user")), jsonread.obj(pr.get("head"))
    base = jsonread.obj(pr.get("base"))
    head_repo = jsonread.text(jsonread.obj(head.get("repo")), "full_name")
    base_repo = jsonread.text(jsonread.obj(base.get("repo")), "full_name")
    labels = pr.get("labels")
    names = (
        [jsonread.text(jsonread.obj(label), "name") for label in labels or ()]
        if isinstance(labels, list)
        else []
    )
    return PullRequestInfo(
        number=jsonread.integer(pr, "number") or 0,
        author_login=jsonread.text(user, "login"),
        author_id=jsonread.integer(user, "id"),
        author_type=jsonread.text(user, "type") or None,
        head_ref=jsonread.text(head, "ref"),
        head_sha=jsonread.text(head, "sha"),
        title=jsonread.text(pr, "title"),
        body=jsonread.text(pr, "body"),
        labels=tuple(name for name in names if name),
        commits=jsonread.integer(pr, "commits"),
        base_sha=jsonread.text(base, "sha"),
        from_fork=bool(head_repo and base_repo and head_repo != base_repo),
    )


def actors(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((name, env[name]) for name in ACTOR_VARIABLES if env.get(name))


def agent_markers(env: Mapping[str, str], agents: Sequence[Agent]) -> tuple[tuple[str, str], ...]:
    """Only the variables agents are known to set: nothing else of the environment is read."""
    names = sorted({name for agent in agents for name, _ in agent.env})
    return tuple((name, env[name]) for name in names if env.get(name))
