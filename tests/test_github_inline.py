"""Inline PR review comments through action.yml against the GitHub emulator (requests and
responses checked against GitHub's OpenAPI description): one review, its comments on the `.tf`
lines of the high and critical findings the diff touches, nothing duplicated on a re-run, the
rest listed in the main comment. The plan is a real Terraform plan of the PR's own repository,
and the PR's files are its real `git diff`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from gate_workspace import POLICY, keys
from github_emulator import Emulator, GitHub
from gitrepo import allowed_signers, commit, git, pr_files
from terraform_runner import Terraform
from test_github import PR, Scene, scene_env
from test_intent import APP, AUDIT, MAIN, VARIABLES

RULESET = 'ruleset: inline-test\nclasses:\n  stateful: ["terraform_data"]\n'


def _pr_repo(tmp_path: Path, terraform: Terraform) -> tuple[Path, str, str]:
    """`main`: policy, keys, infrastructure (applied); `change`: a new network address, the
    network block edited and the audit log deleted. Returns the repo, base and head."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    all_keys = keys(tmp_path / "keys")
    signers = {k: v for k, v in all_keys.items() if k in ("alice", "bob", "carol", "dave")}
    commit(
        repo,
        "infrastructure",
        {
            ".gitignore": ".terraform/\n*.tfstate*\ntfplan\nplan.json\n.terraform.lock.hcl\n",
            ".planguard.yml": POLICY + "rulesets: [inline-ruleset.yaml]\n",
            ".planguard/allowed_signers": allowed_signers(signers, {}),
            "inline-ruleset.yaml": RULESET,
            "variables.tf": VARIABLES,
            "main.tf": MAIN,
            "audit.tf": AUDIT,
            "modules/app/main.tf": APP,
        },
    )
    terraform.run(repo, "init", "-input=false", "-no-color")
    terraform.run(repo, "apply", "-auto-approve", "-input=false", "-no-color")
    git(repo, "checkout", "-q", "-b", "change")
    git(repo, "rm", "-q", "audit.tf")
    edited = MAIN.replace("[var.network_cidr]", '[var.network_cidr, "v2"]')
    commit(repo, "Fix the network", {"main.tf": edited})
    terraform.run(repo, "plan", "-input=false", "-no-color", "-out=tfplan")
    (repo / "plan.json").write_text(terraform.run(repo, "show", "-json", "tfplan"))
    return repo, git(repo, "rev-parse", "main").strip(), git(repo, "rev-parse", "HEAD").strip()


def _review_comments(gh: GitHub) -> list[dict[str, Any]]:
    return sorted(gh.review_comments.values(), key=lambda c: (c["path"], c["line"]))


def test_one_review_with_comments_on_the_right_lines_and_no_duplicates(
    tmp_path: Path, emulator: Emulator, terraform: Terraform
) -> None:
    repo, base, head = _pr_repo(tmp_path, terraform)
    s: Scene = scene_env(tmp_path, emulator, repo, repo / "plan.json", base=base, head=head)
    s.gh.pulls[PR].files = pr_files(repo)

    first = s.run()
    assert first.code == 1, first.err
    comments = _review_comments(s.gh)
    placed = {(c["path"], c["line"], c["side"]) for c in comments}
    # The edited network block (right side, its first line) and the deleted audit block (left
    # side, where it was); the subnet and the module's server are not touched by the diff.
    assert placed == {("main.tf", 1, "RIGHT"), ("audit.tf", 1, "LEFT")}
    network = next(c for c in comments if c["path"] == "main.tf")
    assert "terraform_data.network" in network["body"] and "critical" in network["body"]
    audit = next(c for c in comments if c["path"] == "audit.tf")
    assert "Removing this block destroys the resource" in audit["body"]
    reviews = [r for r in s.gh.pulls[PR].reviews if r["state"] == "COMMENTED"]
    assert len(reviews) == 1 and "planguard:review" in reviews[0]["body"]
    assert {c["review"] for c in comments} == {reviews[0]["id"]}
    [main_comment] = s.comments()
    body = main_comment["body"]
    assert "Not commented inline" in body
    for address in ("terraform_data.subnet", "module.app.terraform_data.server"):
        assert re.search(rf"{re.escape(address)}</code>: <code>[^<]*outside this PR", body), address
    assert "2 high or critical finding(s) are commented inline" in body

    calls_before = list(s.gh.calls)
    second = s.run()
    assert second.code == 1, second.err
    assert _review_comments(s.gh) == comments  # same ids, same lines, same bodies
    assert len([r for r in s.gh.pulls[PR].reviews if r["state"] == "COMMENTED"]) == 1
    assert "inline review: 0 new, 0 updated, 2 unchanged, 0 deleted" in second.out
    writes = [c for c in s.gh.calls[len(calls_before) :] if "/pulls/" in c.path]
    assert not [c for c in writes if c.method in ("POST", "PATCH", "DELETE") and "review" in c.path]
