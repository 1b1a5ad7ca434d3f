"""Where a GitHub run is, read once from the environment Actions sets (I/O edge)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from planguard import jsonread
from planguard.errors import UsageError
from planguard.github.client import Settings
from planguard.records import Record

TOKEN_VARIABLES = ("PLANGUARD_GITHUB_TOKEN", "GITHUB_TOKEN")


class Context(Record, frozen=True):
    settings: Settings
    repository: str
    pr_number: int
    event_path: str | None
    run_url: str | None
    summary_path: Path | None
    output_path: Path | None
    event_head_sha: str | None
    """The commit the triggering event is about: the one this run's plan was made from."""
    from_workflow_run: bool
    """Triggered by `workflow_run`: the PR number came from an artifact, so it is checked."""


def context_from_env(env: Mapping[str, str], pr_number: int | None) -> Context:
    token = next((env[name] for name in TOKEN_VARIABLES if env.get(name)), "")
    if not token:
        raise UsageError(
            "--github needs a token in GITHUB_TOKEN (in a workflow: `env: GITHUB_TOKEN:"
            " ${{ github.token }}`, or the action's `github-token` input)"
        )
    repository = env.get("GITHUB_REPOSITORY", "")
    if "/" not in repository:
        raise UsageError("--github needs GITHUB_REPOSITORY=owner/repo (Actions sets it)")
    event_path = env.get("GITHUB_EVENT_PATH") or None
    event = _event(event_path)
    number = pr_number if pr_number is not None else _event_number(event)
    if number is None:
        raise UsageError(
            "--github needs a pull request: run on a pull_request or pull_request_review event,"
            " or pass --pr NUMBER (the workflow_run pattern in docs/github-action.md)"
        )
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    run_id = env.get("GITHUB_RUN_ID")
    return Context(
        settings=Settings(
            api_url=env.get("GITHUB_API_URL") or "https://api.github.com",
            token=token,
            timeout=_seconds(env, "PLANGUARD_GITHUB_TIMEOUT", 20.0),
            max_wait=_seconds(env, "PLANGUARD_GITHUB_MAX_WAIT", 300.0),
            cache_dir=env.get("PLANGUARD_CACHE_DIR") or None,
        ),
        repository=repository,
        pr_number=number,
        event_path=event_path,
        run_url=f"{server}/{repository}/actions/runs/{run_id}" if run_id else None,
        summary_path=Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY") else None,
        output_path=Path(env["GITHUB_OUTPUT"]) if env.get("GITHUB_OUTPUT") else None,
        event_head_sha=_event_head(event),
        from_workflow_run=isinstance(event.get("workflow_run"), dict),
    )


def _event(event_path: str | None) -> dict[str, object]:
    if event_path is None:
        return {}
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{event_path}: cannot read the GitHub event payload: {exc}") from None
    return event if isinstance(event, dict) else {}


def _event_number(event: Mapping[str, object]) -> int | None:
    return jsonread.integer(jsonread.obj(event.get("pull_request")), "number")


def _event_head(event: Mapping[str, object]) -> str | None:
    """The PR head of a `pull_request*` event, the built commit of a `workflow_run` one."""
    pr, run = event.get("pull_request"), event.get("workflow_run")
    if isinstance(pr, dict):
        sha = jsonread.text(jsonread.obj(pr.get("head")), "sha")
    else:
        sha = jsonread.text(jsonread.obj(run), "head_sha")
    return sha or None


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{name}={raw!r}: expected a number of seconds") from None
    if value <= 0:
        raise UsageError(f"{name}={raw!r}: must be more than 0")
    return value
