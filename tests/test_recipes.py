"""The Atlantis and Terragrunt recipes in docs/integrations.md, run as written: the Atlantis
`run` step with the files and variables Atlantis gives it, the Terragrunt loop with a
`terragrunt` that passes through to the real Terraform (what it does for these commands)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from gitrepo import commit, git
from terraform_runner import Terraform

DOC = (Path(__file__).parent.parent / "docs" / "integrations.md").read_text()
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.usefixtures("clean_env")


def recipe(name: str) -> str:
    found = re.search(rf"<!-- recipe: {name} -->\n```\w+\n(.*?)```", DOC, re.DOTALL)
    assert found, name
    return found.group(1)


def repo_with_origin(path: Path) -> Path:
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commit(path, "base", {".planguard.yml": "reviewers: {default: ['@alice']}\n"})
    git(path, "remote", "add", "origin", str(path))
    git(path, "fetch", "-q", "origin")
    git(path, "checkout", "-q", "-b", "change")  # the pull request's branch
    commit(path, "the change", {"main.tf": "# changed\n"})
    return path


@pytest.mark.parametrize(("plan", "code"), [("noop", 0), ("destroy", 1)])
@pytest.mark.slow  # whole processes: the default run keeps its 90 s budget
def test_the_atlantis_run_step_gates_the_showfile(
    plan: str, code: int, real_plans: dict[str, Path], tmp_path: Path
) -> None:
    steps = yaml.safe_load(recipe("atlantis"))["workflows"]["planguard"]["plan"]["steps"]
    (run,) = [s["run"] for s in steps if isinstance(s, dict)]
    repo = repo_with_origin(tmp_path / "repo")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "SHOWFILE": str(
            real_plans[plan]
        ),  # `terraform show -json` of $PLANFILE, as Atlantis writes it
        "PLANFILE": str(real_plans[plan].parent / "tfplan"),
        "BASE_BRANCH_NAME": "main",
    }
    done = subprocess.run(
        ["bash", "-c", run], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == code, done.stderr
    assert "planguard" in done.stdout  # the markdown report Atlantis posts


@pytest.mark.slow  # plans two modules with a real Terraform
def test_the_terragrunt_loop_checks_every_module_as_one_change(
    terraform: Terraform, tmp_path: Path
) -> None:
    repo = repo_with_origin(tmp_path / "repo")
    shims = tmp_path / "bin"
    shims.mkdir()
    (shims / "terraform").symlink_to(terraform.executable(tmp_path))
    (shims / "terragrunt").write_text('#!/bin/sh\nexec terraform "$@"\n')
    (shims / "terragrunt").chmod(0o755)
    for module in ("live/prod/network", "live/prod/app"):
        folder = repo / module
        folder.mkdir(parents=True)
        (folder / "terragrunt.hcl").write_text("# terragrunt\n")
        (folder / "main.tf").write_text('resource "terraform_data" "x" {\n  input = "a"\n}\n')
        terraform.run(folder, "init", "-input=false", "-no-color")
        terraform.run(folder, "apply", "-auto-approve", "-input=false", "-no-color")
        (folder / "main.tf").write_text("")  # the change removes the resource
    env = {**os.environ, "PATH": f"{shims}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-c", recipe("terragrunt")],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]
    assert "(2 roots)" in done.stdout, done.stdout  # one change, one verdict, each a root
    assert re.search(r"\(root (app|network)\)", done.stdout)
