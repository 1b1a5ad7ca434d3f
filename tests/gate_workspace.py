"""A repository under review: trusted policy on `main`, the change on `HEAD`."""

from __future__ import annotations

from pathlib import Path

from gitrepo import CLAUDE_TRAILER, DEPENDABOT, HUMAN, Key, allowed_signers, commit, git, ssh_key

POLICY = """\
reviewers:
  default: ["@alice", "@acme/sre"]
  policy_owners: ["@carol"]
teams:
  acme/sre: [bob]
allowed_signers: .planguard/allowed_signers
authorship:
  human_evidence: commits  # local runs: commits by no agent's identity show a person
"""
REVIEWERS = ("alice", "bob", "carol", "dave")
"""dave is a reviewer too: he must still not approve his own change."""


def keys(directory: Path) -> dict[str, Key]:
    directory.mkdir(exist_ok=True)
    return {login: ssh_key(directory, login) for login in (*REVIEWERS, "mallory")}


def make_repo(path: Path, all_keys: dict[str, Key], policy: str = POLICY) -> Path:
    """`main` holds the policy and the reviewers' keys (mallory's key is not among them)."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    signers = {k: v for k, v in all_keys.items() if k in REVIEWERS}
    commit(
        path,
        "planguard policy",
        {
            ".planguard.yml": policy,
            ".planguard/allowed_signers": allowed_signers(signers, {"dave": HUMAN[1]}),
            "main.tf": "# infrastructure\n",
        },
    )
    git(path, "checkout", "-q", "-b", "change")
    return path


AUTHOR_COMMITS = {
    "ai-pr-author": ("Fix the network", HUMAN),
    "ai-trailer": (f"Fix the network\n\n{CLAUDE_TRAILER}\n", HUMAN),
    "ai-runtime": ("Fix the network", HUMAN),
    "human": ("Fix the network", HUMAN),
    "unknown": ("Fix the network", HUMAN),
    "dependabot": ("Bump hashicorp/aws from 5.0 to 6.0", DEPENDABOT),
}


def add_change(repo: Path, author: str) -> None:
    message, who = AUTHOR_COMMITS[author]
    commit(repo, message, {"main.tf": "# infrastructure, changed\n"}, author=who)
