"""`planguard init`: what it writes loads, validates and gates, the workflow is the documented
one, and nothing is overwritten unless asked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import test_workflows as documented
import yaml
from gitrepo import CLAUDE_TRAILER, Key, allowed_signers, commit, git
from helpers import cli, yaml_schema_errors

from planguard.commands.init import ALLOWED_SIGNERS, PLACEHOLDER_REVIEWER, POLICY_SCHEMA, WORKFLOW
from planguard.policy.choices import FailOn
from planguard.policy.load import load_policy
from planguard.resources import data_dir

pytestmark = pytest.mark.usefixtures("clean_env")

ROOT = Path(__file__).parent.parent
SCHEMA = json.loads((ROOT / "schema" / "planguard-policy.schema.json").read_text())
EXAMPLE = data_dir("examples") / "replace-cascade.json"
POLICY = ".planguard.yml"
EVERY = (POLICY, ALLOWED_SIGNERS, WORKFLOW)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh `git init` repository, the working directory."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    monkeypatch.chdir(path)
    return path


def written(root: Path) -> set[str]:
    return {
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and ".git" not in p.parts
    }


def documented_workflow() -> str:
    """docs/github-action.md's same-repository workflow, as the docs show it."""
    doc = (ROOT / "docs" / "github-action.md").read_text(encoding="utf-8")
    blocks = [b for b in documented.FENCE.findall(doc) if b.startswith(f"# {WORKFLOW}\n")]
    assert len(blocks) == 1, "docs/github-action.md: expected one same-repository workflow"
    return blocks[0]


@pytest.mark.parametrize(
    ("args", "files"),
    [
        ([], EVERY),
        (["--workflow"], EVERY),
        (["--no-workflow"], (POLICY, ALLOWED_SIGNERS)),
    ],
    ids=["default", "workflow", "no-workflow"],
)
def test_init_writes_the_files(repo: Path, args: list[str], files: tuple[str, ...]) -> None:
    result = cli(["init", *args])
    assert result.code == 0, result.err
    assert written(repo) == set(files)
    for path in files:
        assert f"wrote {path}" in result.out
    assert "Next steps" in result.out and PLACEHOLDER_REVIEWER in result.out
    assert f"git add {' '.join(files)}" in result.out


def test_init_writes_at_the_repository_root_from_a_subdirectory(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "infra" / "prod").mkdir(parents=True)
    monkeypatch.chdir(repo / "infra" / "prod")
    assert cli(["init"]).code == 0
    assert written(repo) == set(EVERY)


def test_init_outside_git_writes_into_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "plain").mkdir()
    monkeypatch.chdir(tmp_path / "plain")
    result = cli(["init", "--no-workflow"])
    assert result.code == 0, result.err
    assert "no git repository" in result.out and "git add" not in result.out
    assert written(tmp_path / "plain") == {POLICY, ALLOWED_SIGNERS}


def test_the_policy_loads_validates_and_holds_the_shipped_defaults(repo: Path) -> None:
    cli(["init"])
    text = (repo / POLICY).read_text()
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={POLICY_SCHEMA}"
    assert SCHEMA["$id"] == POLICY_SCHEMA
    assert yaml_schema_errors(SCHEMA, text) == []
    policy, defaults = load_policy(text, POLICY), load_policy(None, "defaults")
    assert policy.thresholds == defaults.thresholds
    assert policy.approvals == defaults.approvals
    assert policy.approval_max_age_days == defaults.approval_max_age_days
    placeholder = PLACEHOLDER_REVIEWER.lstrip("@")
    assert policy.default_reviewers == policy.policy_owners == (placeholder,)
    assert policy.allowed_signers == ALLOWED_SIGNERS
    assert policy.enforce_fail_on is FailOn.REVIEW


def test_the_allowed_signers_skeleton_holds_only_comments(repo: Path) -> None:
    cli(["init"])
    lines = (repo / ALLOWED_SIGNERS).read_text().splitlines()
    assert lines and all(line.startswith("#") or not line.strip() for line in lines)
    assert any("ssh-ed25519 AAAA" in line for line in lines), "shows the format"


@pytest.mark.parametrize("trusted", [False, True], ids=["working-tree", "base-ref"])
def test_check_runs_with_the_written_policy(repo: Path, trusted: bool) -> None:
    cli(["init"])
    args = ["check", str(EXAMPLE)]
    if trusted:
        commit(repo, "planguard init", {p: (repo / p).read_text() for p in EVERY})
        git(repo, "checkout", "-q", "-b", "change")
        commit(repo, f"Fix the network\n\n{CLAUDE_TRAILER}\n", {"main.tf": "# changed\n"})
        args += ["--base", "main"]
    result = cli(args)
    assert result.code in (0, 1), result.err
    assert (PLACEHOLDER_REVIEWER in result.out) is trusted  # reviewers come from a trusted ref


def test_following_the_next_steps_gives_a_working_gate(
    repo: Path, all_keys: dict[str, Key], tmp_path: Path
) -> None:
    """Name a reviewer, add their key to the skeleton, commit: an AI change then needs their
    signed approval, and passes with it."""
    cli(["init"])
    policy = (repo / POLICY).read_text().replace(PLACEHOLDER_REVIEWER, "@alice")
    signers = (repo / ALLOWED_SIGNERS).read_text() + allowed_signers(
        {"alice": all_keys["alice"]}, {}
    )
    files = {POLICY: policy, ALLOWED_SIGNERS: signers, WORKFLOW: (repo / WORKFLOW).read_text()}
    commit(repo, "planguard init", files)
    git(repo, "checkout", "-q", "-b", "change")
    commit(repo, f"Fix the network\n\n{CLAUDE_TRAILER}\n", {"main.tf": "# changed\n"})
    check = ["check", str(EXAMPLE), "--base", "main"]
    pending = cli(check)
    assert pending.code == 1 and "@alice" in pending.out, pending.err
    out = tmp_path / "approvals"
    key = str(all_keys["alice"].private)
    approve = ["approve", str(EXAMPLE), "--policy-ref", "main", "--as", "alice", "--key", key]
    assert cli([*approve, "-o", str(out)]).code == 0
    approved = cli([*check, "--approvals", str(out), "--format", "json"])
    assert approved.code == 0, approved.out + approved.err
    assert approved.json()["decision"]["verdict"] == "approved"  # type: ignore[index]


@pytest.mark.parametrize(
    ("present", "args", "named"),
    [
        (EVERY, [], EVERY),
        ((WORKFLOW,), [], (WORKFLOW,)),
        ((POLICY,), ["--no-workflow"], (POLICY,)),
        ((ALLOWED_SIGNERS, WORKFLOW), ["--no-workflow"], (ALLOWED_SIGNERS,)),
    ],
    ids=["all", "workflow", "policy", "no-workflow-ignores-the-workflow"],
)
def test_init_refuses_to_overwrite_and_names_the_files(
    repo: Path, present: tuple[str, ...], args: list[str], named: tuple[str, ...]
) -> None:
    for path in present:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text("mine\n")
    result = cli(["init", *args])
    assert result.code == 2
    listed = re.search(r": ([^:;]+) already exists?;", result.err)
    assert listed and listed.group(1).split(", ") == list(named), result.err
    assert "--force" in result.err
    assert written(repo) == set(present), "a refusal writes nothing"
    assert all((repo / p).read_text() == "mine\n" for p in present)


def test_a_second_init_refuses_then_force_overwrites(repo: Path) -> None:
    first = cli(["init"])
    originals = {p: (repo / p).read_text() for p in EVERY}
    for path in EVERY:
        (repo / path).write_text("edited\n")
    second = cli(["init"])
    assert second.code == 2 and all(p in second.err for p in EVERY)
    forced = cli(["init", "--force"])
    assert forced.code == 0 and first.code == 0
    assert {p: (repo / p).read_text() for p in EVERY} == originals
    assert all(f"replaced {p}" in forced.out for p in EVERY)


def test_force_replaces_a_symlink_not_the_file_it_leads_to(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yml"
    outside.write_text("not planguard's\n")
    (repo / POLICY).symlink_to(outside)
    assert cli(["init"]).code == 2
    assert cli(["init", "--force"]).code == 0
    assert outside.read_text() == "not planguard's\n"
    assert not (repo / POLICY).is_symlink()


def test_init_never_makes_a_second_policy_spelling(repo: Path) -> None:
    (repo / ".planguard.yaml").write_text("version: 1\n")
    for args in ([], ["--force"]):
        result = cli(["init", *args])
        assert result.code == 2 and ".planguard.yaml" in result.err
        assert not (repo / POLICY).exists()


def test_a_directory_in_the_way_is_refused_even_with_force(repo: Path) -> None:
    (repo / WORKFLOW).mkdir(parents=True)
    result = cli(["init", "--force"])
    assert result.code == 2 and WORKFLOW in result.err and "directory" in result.err
    assert written(repo) == set()


def test_the_workflow_is_the_documented_one(repo: Path) -> None:
    cli(["init"])
    assert (repo / WORKFLOW).read_text() == documented_workflow()


def test_the_workflow_passes_the_documented_workflows_check(repo: Path) -> None:
    cli(["init"])
    workflow = yaml.safe_load((repo / WORKFLOW).read_text())
    assert "pull_request" in documented._triggers(workflow)
    documented.test_documented_workflows_never_run_fork_code_with_a_write_token(WORKFLOW, workflow)


def test_help_lists_every_exit_code() -> None:
    result = cli(["--help"])
    text = " ".join(result.out.split())
    assert result.code == 0
    assert "4 GitHub refused or could not serve a request" in text
    assert "5 apply: terraform apply ran and failed" in text
    assert cli(["init", "--help"]).code == 0
