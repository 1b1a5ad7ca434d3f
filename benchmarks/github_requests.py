"""How many GitHub requests one `planguard check --github` run makes (issue 21), against the
GitHub emulator (tests/github_emulator.py): a first run, then two re-runs with nothing changed.

    python benchmarks/github_requests.py

The pull request: 20 changed `.tf` files of a real Terraform repository (a real plan, the PR's
files its real `git diff`), 5 findings commented inline, and 150 comments already on it (110 in
the conversation, 40 on the code). It is gated the way action.yml runs it, with its default
`cache-dir` kept between the runs. With the workflow token every run has a new token, as every
Actions job does; GitHub's ETags are per token, so only the run's own reads can be answered
304. With a personal access token the previous run's ETags can be too. A request counts
against the rate limit unless GitHub answers 304 Not Modified.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from action_runner import ActionRunner, Run  # noqa: E402 (tests/ is put on the path above)
from github_emulator import Emulator, GitHub, Tally  # noqa: E402
from gitrepo import commit, git, pr_files  # noqa: E402
from terraform_runner import Terraform, find_terraform  # noqa: E402

OWNER, NAME, PR = "acme", "infra", 42
FILES = 20
INLINE = 5
"""Files whose edit forces a replacement: each replaced block is a finding on a changed line."""
CONVERSATION, ON_CODE = 110, 40
"""The 150 comments already on the PR: issue comments, and review comments on its files."""
POLICY = """\
reviewers:
  default: ["@alice", "@acme/sre"]
teams:
  acme/sre: [bob]
rulesets: [ruleset.yaml]
"""
RULESET = 'ruleset: requests-benchmark\nclasses:\n  stateful: ["terraform_data"]\n'


@dataclass(frozen=True)
class Repo:
    path: Path
    base: str
    head: str
    plan: Path


def service(n: int, version: str, release: str) -> str:
    """One file: a stateful store and the app that is replaced with it."""
    return (
        f'resource "terraform_data" "store_{n:02}" {{\n'
        f'  triggers_replace = ["{version}"]\n'
        "}\n\n"
        f'resource "terraform_data" "app_{n:02}" {{\n'
        f'  input            = "{release}"\n'
        f"  triggers_replace = terraform_data.store_{n:02}.id\n"
        "}\n"
    )


def make_repo(directory: Path, terraform: Terraform) -> Repo:
    """`main` applied; `change` edits all 20 files: the first 5 replace their store (a
    high-risk finding on the changed line; the app replaced with it is a finding the diff
    does not touch), the other 15 update their app in place."""
    repo = directory / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    files = {f"svc{n:02}.tf": service(n, "v1", "release 1") for n in range(1, FILES + 1)}
    ignore = ".terraform/\n*.tfstate*\ntfplan\nplan.json\n.terraform.lock.hcl\n"
    base_files = {".gitignore": ignore, ".planguard.yml": POLICY, "ruleset.yaml": RULESET}
    commit(repo, "infrastructure", {**base_files, **files})
    terraform.run(repo, "init", "-input=false", "-no-color")
    terraform.run(repo, "apply", "-auto-approve", "-input=false", "-no-color")
    git(repo, "checkout", "-q", "-b", "change")
    edited = {
        f"svc{n:02}.tf": service(n, "v2", "release 1")
        if n <= INLINE
        else service(n, "v1", "release 2")
        for n in range(1, FILES + 1)
    }
    commit(repo, "Roll out release 2", edited)
    terraform.run(repo, "plan", "-input=false", "-no-color", "-out=tfplan")
    (repo / "plan.json").write_text(terraform.run(repo, "show", "-json", "tfplan"))
    base = git(repo, "rev-parse", "main").strip()
    return Repo(repo, base, git(repo, "rev-parse", "HEAD").strip(), repo / "plan.json")


class Scenario:
    """The PR above on an emulator, gated by action.yml's step (in this process)."""

    def __init__(self, emulator: Emulator, repo: Repo, temp: Path) -> None:
        self.gh = gh = emulator.state
        pull = gh.open_pull(PR, "Copilot", repo.head, "Bot")
        pull.base_sha = repo.base
        pull.files = pr_files(repo.path)
        log = git(repo.path, "log", "--reverse", "--format=%H%x1f%an%x1f%ae%x1f%B%x1e", "main..")
        for record in filter(str.strip, log.split("\x1e")):
            sha, name, email, message = record.strip("\n").split("\x1f")
            pull.commits.append({"sha": sha, "name": name, "email": email, "message": message})
        gh.collaborators |= {"alice", "bob", "carol"}
        gh.teams[f"{OWNER}/sre"] = {"bob": "active"}
        self._existing_comments(repo)
        self.repo = repo
        temp.mkdir(parents=True, exist_ok=True)
        event = temp / "event.json"
        event.write_text(
            json.dumps({"pull_request": {"number": PR, "head": {"sha": repo.head}}}),
            encoding="utf-8",
        )
        self.runner = ActionRunner(
            repo.path,
            temp,
            {
                "token": "",
                "action_path": str(ROOT),
                "event": {"pull_request": {"base": {"sha": repo.base}}},
            },
            {
                "GITHUB_API_URL": emulator.url,
                "GITHUB_SERVER_URL": "http://127.0.0.1:9",
                "GITHUB_REPOSITORY": f"{OWNER}/{NAME}",
                "GITHUB_RUN_ID": "1001",
                "GITHUB_EVENT_PATH": str(event),
                "GITHUB_EVENT_NAME": "pull_request",
                "PLANGUARD_GITHUB_TIMEOUT": "5",
            },
        )

    def _existing_comments(self, repo: Repo) -> None:
        """110 conversation comments and 40 review comments (in two reviews) by people."""
        gh, people = self.gh, ("alice", "bob", "carol")
        for n in range(CONVERSATION):
            cid = 10_000 + n
            body = f"Comment {n}: looks reasonable, but what does the plan replace?"
            gh.comments[cid] = {"id": cid, "issue": PR, "author": people[n % 3], "body": body}
        for login in ("bob", "carol"):
            gh.review(PR, login, "COMMENTED", self.gh.pulls[PR].head_sha)
        reviews = self.gh.pulls[PR].reviews
        for n in range(ON_CODE):
            cid = 20_000 + n
            gh.review_comments[cid] = {
                "id": cid,
                "pull": PR,
                "review": reviews[n % 2]["id"],
                "author": reviews[n % 2]["login"],
                "path": f"svc{FILES - n % 10:02}.tf",
                "line": 6,
                "side": "RIGHT",
                "body": f"Nit {n}: is release 2 ready?",
                "commit_id": repo.head,
            }

    def run(self, token: str, **inputs: str) -> tuple[Run, Tally]:
        """One gate run with `token`; what it did and the requests it made."""
        before = len(self.gh.calls)
        self.runner.github["token"] = token
        result = self.runner.run({"plan": str(self.repo.plan), "base": "main", **inputs})
        return result, self.gh.tally(before)


@dataclass(frozen=True)
class Row:
    token: str
    run: str
    counts: Tally


TOKENS = {
    "workflow token": "a new `ghs_` token for every run, as each Actions job gets",
    "personal access token": "the same token for every run",
}
RUNS = ("first run", "re-run, nothing changed", "re-run again")


def measure(directory: Path, terraform: Terraform) -> list[Row]:
    """Three runs per kind of token, each on a fresh emulator and runner."""
    repo = make_repo(directory, terraform)
    rows = []
    for n, kind in enumerate(TOKENS):
        with Emulator(GitHub(OWNER, NAME)) as emulator:
            scene = Scenario(emulator, repo, directory / f"runner-{n}")
            gh = emulator.state
            for run in RUNS:
                token = gh.pat("planguard-bot") if kind != "workflow token" else ""
                _, counts = scene.run(token or gh.actions_token(f"ghs_job{len(rows)}"))
                rows.append(Row(kind, run, counts))
            if gh.violations:
                raise AssertionError("\n".join(gh.violations))
    return rows


def table(rows: list[Row]) -> str:
    lines = [
        "| token | run | requests | count against the rate limit | 304 Not Modified |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rows:
        c = row.counts
        lines.append(
            f"| {row.token} | {row.run} | {c.total} | {c.rate_limited} | {c.not_modified} |"
        )
    return "\n".join(lines)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="planguard-requests-") as temp:
        print(table(measure(Path(temp), find_terraform())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
