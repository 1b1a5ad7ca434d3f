"""Real git repositories and real SSH keys for the gate's tests."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from planguard.authorship.knowledge import builtin_agents
from planguard.authorship.sources import ACTOR_VARIABLES

AGENT_ENV = sorted({name for agent in builtin_agents() for name, _ in agent.env})
"""Every variable an agent is known to set: cleared around gate tests."""
CLEARED_ENV = [*AGENT_ENV, *ACTOR_VARIABLES, "GITHUB_EVENT_PATH"]

HUMAN = ("Dave Developer", "dave@example.com")
CLAUDE_TRAILER = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"
DEPENDABOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")


def git(repo: Path, *args: str, author: tuple[str, str] = HUMAN) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author[0],
        "GIT_AUTHOR_EMAIL": author[1],
        "GIT_COMMITTER_NAME": author[0],
        "GIT_COMMITTER_EMAIL": author[1],
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
    }
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def commit(repo: Path, message: str, files: dict[str, str], author: tuple[str, str] = HUMAN) -> str:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message, author=author)
    return git(repo, "rev-parse", "HEAD").strip()


@dataclass(frozen=True)
class Key:
    login: str
    private: Path
    public: str


def ssh_key(directory: Path, login: str) -> Key:
    path = directory / f"id_{login}"
    if not path.exists():
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", login, "-f", str(path)],
            check=True,
        )
    return Key(login, path, (directory / f"id_{login}.pub").read_text().strip())


def allowed_signers(keys: dict[str, Key], emails: dict[str, str]) -> str:
    lines = []
    for login, key in keys.items():
        principals = ",".join([login, *([emails[login]] if login in emails else [])])
        lines.append(f"{principals} {key.public}")
    return "\n".join(lines) + "\n"


def event_file(directory: Path, login: str, user_id: int, user_type: str, head_ref: str) -> Path:
    """A `pull_request` event payload with the fields GitHub sends that planguard reads."""
    path = directory / "event.json"
    payload = {
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "title": "Fix the network",
            "body": "",
            "user": {"login": login, "id": user_id, "type": user_type},
            "head": {"ref": head_ref, "sha": "0" * 40},
            "labels": [],
        },
    }
    path.write_text(json.dumps(payload))
    return path


def pr_files(repo: Path) -> list[dict[str, str]]:
    """The PR's files (`main...HEAD`) as GitHub lists them: each file's `git diff` hunks as its
    patch."""
    files = []
    for line in git(repo, "diff", "--name-status", "main...HEAD").splitlines():
        status, name = line.split("\t")
        diff = git(repo, "diff", "main...HEAD", "--", name)
        patch = diff[diff.index("@@") :] if "@@" in diff else ""
        kind = {"A": "added", "D": "removed", "M": "modified"}[status[0]]
        files.append({"filename": name, "status": kind, "patch": patch})
    return files
