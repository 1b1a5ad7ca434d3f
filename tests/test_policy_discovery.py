"""Where the policy is found: both spellings, with and without a trusted ref, and a `--policy`
that names nothing is an error (exit 2) in every mode — never the defaults in silence."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitrepo import commit, git
from helpers import cli

pytestmark = pytest.mark.usefixtures("clean_env")

POLICY = "reviewers: {default: ['@alice']}\n"
EXAMPLE = Path(__file__).parent.parent / "examples" / "replace-cascade.json"


def repo_with(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "policy", {"main.tf": "# infra\n", **files})
    git(repo, "checkout", "-q", "-b", "change")
    commit(repo, "change", {"main.tf": "# infra, changed\n"})
    return repo


@pytest.mark.parametrize("name", [".planguard.yml", ".planguard.yaml"])
@pytest.mark.parametrize("base", [False, True], ids=["working-tree", "base"])
def test_either_spelling_is_the_policy(
    name: str, base: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_with(tmp_path, {name: POLICY})
    monkeypatch.chdir(repo)
    args = ["check", str(EXAMPLE), "--format", "json", *(["--base", "main"] if base else [])]
    result = cli(args)
    assert result.code in (0, 1), result.err
    source = result.json()["decision"]["policy_source"]  # type: ignore[index]
    assert source.endswith(name), source


@pytest.mark.parametrize("base", [False, True], ids=["working-tree", "base"])
def test_both_spellings_at_once_are_refused(
    base: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_with(tmp_path, {".planguard.yml": POLICY, ".planguard.yaml": POLICY})
    monkeypatch.chdir(repo)
    result = cli(["check", str(EXAMPLE), *(["--base", "main"] if base else [])])
    assert result.code == 2
    assert ".planguard.yml and .planguard.yaml" in result.err and "keep one" in result.err


@pytest.mark.parametrize(
    "flags",
    [[], ["--base", "main"], ["--policy-ref", "main"]],
    ids=["working-tree", "base", "policy-ref"],
)
def test_a_policy_flag_that_names_nothing_is_an_error_in_every_mode(
    flags: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_with(tmp_path, {".planguard.yml": POLICY})
    monkeypatch.chdir(repo)
    result = cli(["check", str(EXAMPLE), "--policy", "typo.yml", *flags])
    assert result.code == 2, (result.code, result.err)
    assert "typo.yml" in result.err


def test_a_broken_ruleset_at_the_trusted_ref_is_named_as_the_user_knows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20: messages named private copies ("0-allowed_signers"); they name the file and
    the ref it was read from."""
    policy = POLICY + "rulesets: [rulesets/mine.yaml]\n"
    broken = "ruleset: mine\nclasses:\n  stateful: [aws_db_instance]\n  nonsense: [x]\n"
    repo = repo_with(tmp_path, {".planguard.yml": policy, "rulesets/mine.yaml": broken})
    monkeypatch.chdir(repo)
    result = cli(["check", str(EXAMPLE), "--base", "main"])
    assert result.code == 2
    assert "rulesets/mine.yaml at main" in result.err, result.err
    assert "planguard-policy-" not in result.err
