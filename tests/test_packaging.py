"""The wheel carries rulesets/, templates/ and examples/: install it outside the repo and run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_outside_the_repo_runs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("planguard_gate-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    example = subprocess.run(
        [python, "-c", "from planguard.resources import data_dir; print(data_dir('examples'))"],
        cwd=outside,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert str(REPO) not in example  # found inside the installed package, not the checkout
    result = subprocess.run(
        [env_dir / "bin" / "planguard", "analyze", f"{example}/replace-cascade.json"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "terraform_data.network" in result.stdout and "blast radius" in result.stdout
    rules = subprocess.run(
        [env_dir / "bin" / "planguard", "rules", "list"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "azurerm" in rules.stdout
    gate = subprocess.run(
        [env_dir / "bin" / "planguard", "check", f"{example}/destroy.json"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    # The shipped defaults and agent knowledge load: an unknown author's teardown needs review.
    assert gate.returncode == 1, gate.stderr
    assert "REVIEW REQUIRED" in gate.stdout
    # Every schema ships in the package: an editor can be pointed at what `schema` prints.
    for kind, title in (("policy", "policy"), ("ruleset", "ruleset"), ("report", "report")):
        printed = subprocess.run(
            [env_dir / "bin" / "planguard", "schema", kind],
            cwd=outside,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert title in json.loads(printed.stdout)["title"].lower()
