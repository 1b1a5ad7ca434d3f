"""Where authorship facts come from at run time: the GitHub event payload, the environment.
(I/O edge; `detect` is the pure part.)"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

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
    user = _dict(pr.get("user"))
    head = _dict(pr.get("head"))
    raw_labels = pr.get("labels")
    items = raw_labels if isinstance(raw_labels, list) else []
    labels = [lab.get("name") for lab in items if isinstance(lab, dict)]
    login = user.get("login")
    if not isinstance(login, str) or not login:
        raise UsageError(f"{path}: pull_request.user.login is missing from the event payload")
    return PullRequestInfo(
        number=_int(pr.get("number")) or 0,
        author_login=login,
        author_id=_int(user.get("id")),
        author_type=_str(user.get("type")) or None,
        head_ref=_str(head.get("ref")),
        head_sha=_str(head.get("sha")),
        title=_str(pr.get("title")),
        body=_str(pr.get("body")),
        labels=tuple(label for label in labels if isinstance(label, str)),
    )


def actors(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((name, env[name]) for name in ACTOR_VARIABLES if env.get(name))


def agent_markers(env: Mapping[str, str], agents: Sequence[Agent]) -> tuple[tuple[str, str], ...]:
    """Only the variables agents are known to set: nothing else of the environment is read."""
    names = sorted({name for agent in agents for name, _ in agent.env})
    return tuple((name, env[name]) for name in names if env.get(name))


def _dict(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""
