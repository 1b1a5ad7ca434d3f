"""Run `action.yml`'s steps the way the Actions runner does: expressions in `env:` and
`working-directory:` evaluated, the `run:` script executed by bash with that environment.

Only the expression forms the action uses are understood; anything else fails the test, so
the action cannot grow an expression these tests do not exercise.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
_EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")
DEV_BIN = str(Path(sys.executable).parent / "planguard")


@dataclass
class Run:
    code: int
    out: str
    err: str
    outputs: dict[str, str]
    summary: str


@dataclass
class ActionRunner:
    workspace: Path
    temp: Path
    github: dict[str, Any]
    """The `github` context: event, token, api_url, …"""
    env: dict[str, str] = field(default_factory=dict)
    """The runner's environment (GITHUB_* variables)."""
    in_process: bool = True
    """Run the gate step's `"$PLANGUARD_BIN" check` as `planguard.cli.run(["check"])` in this
    process, in the step's environment and directory: no interpreter start per run, and the
    GitHub client's waits go to `waited` instead of sleeping. False: bash runs the script."""
    waited: list[float] = field(default_factory=list)

    def run(self, inputs: Mapping[str, str], *, setup: bool = False) -> Run:
        steps: dict[str, dict[str, str]] = {}
        output_file = self.temp / f"output-{len(list(self.temp.iterdir()))}"
        summary_file = self.temp / f"summary-{len(list(self.temp.iterdir()))}"
        last = None
        for step in ACTION["runs"]["steps"]:
            if step["id"] == "setup" and not setup:
                steps["setup"] = {"bin": DEV_BIN}  # the test venv already has planguard
                continue
            output_file.write_text("")
            summary_file.write_text("")
            last = self._step(step, inputs, steps, output_file, summary_file)
            steps[step["id"]] = _parse_outputs(output_file.read_text())
            if last.returncode != 0 and step["id"] != "gate":
                raise AssertionError(f"step {step['id']} failed: {last.stderr}")
        assert last is not None
        return Run(
            last.returncode,
            last.stdout,
            last.stderr,
            steps["gate"],
            summary_file.read_text(),
        )

    def _step(
        self,
        step: dict[str, Any],
        inputs: Mapping[str, str],
        steps: dict[str, dict[str, str]],
        output_file: Path,
        summary_file: Path,
    ) -> subprocess.CompletedProcess[str]:
        assert "${{" not in step["run"], "no expression may appear inside run:"
        values = {**self._defaults(steps), **{f"inputs.{k}": v for k, v in inputs.items()}}
        env = {
            **self.env,
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
        }
        env.update({k: self._eval(v, values, steps) for k, v in step.get("env", {}).items()})
        cwd = self.workspace / self._eval(step.get("working-directory", "."), values, steps)
        if self.in_process and step["id"] == "gate" and steps["setup"]["bin"] == DEV_BIN:
            return self._in_process(step["run"], env, cwd)
        return subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def _in_process(
        self, script: str, env: dict[str, str], cwd: Path
    ) -> subprocess.CompletedProcess[str]:
        from planguard.cli import run  # the code under test, not the runner's
        from planguard.github import client

        assert script == '"$PLANGUARD_BIN" check', f"the gate step runs {script!r}"
        out, err = io.StringIO(), io.StringIO()
        original = client.wait
        client.wait = self.waited.append
        try:
            with _environment(env), _directory(cwd), redirect_stdout(out), redirect_stderr(err):
                code = run(["check"])
        finally:
            client.wait = original
        return subprocess.CompletedProcess(["check"], code, out.getvalue(), err.getvalue())

    def _defaults(self, steps: dict[str, dict[str, str]]) -> dict[str, str]:
        return {
            f"inputs.{name}": self._eval(str(spec.get("default", "")), {}, steps)
            for name, spec in ACTION["inputs"].items()
        }

    def _eval(self, text: str, values: Mapping[str, str], steps: dict[str, dict[str, str]]) -> str:
        def one(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr in values:
                return values[expr]
            head, _, rest = expr.partition(".")
            if head == "steps":
                step_id, _, output = rest.partition(".outputs.")
                return steps[step_id][output]
            if head == "runner" and rest == "temp":
                return str(self.temp)
            if head == "github":
                node: Any = self.github
                for part in rest.split("."):
                    node = node[part]
                return str(node)
            raise AssertionError(f"expression the test runner does not know: {expr}")

        return _EXPR.sub(one, str(text))


def _parse_outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT in the runner's two forms: `name=value` and `name<<DELIM … DELIM`."""
    out: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            out[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _directory(path: Path) -> Iterator[None]:
    saved = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(saved)
