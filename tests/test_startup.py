"""Issue 21: a command imports what it uses. Start-up is most of a small plan's run, so each
case names the heavy libraries a run must not load (checked in a fresh interpreter, after the
run, from `sys.modules`); speed itself is measured in benchmarks/run.py, not here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "replace-cascade.json")
HEAVY = ("networkx", "jinja2", "requests", "yaml", "hcl2", "lark")

SLOW = pytest.mark.slow
CASES = [
    # (what is run, libraries it may load); each case is a fresh interpreter (~0.5 s)
    (["--help"], ()),
    pytest.param(["analyze", "--help"], (), marks=SLOW),
    (["analyze", EXAMPLE, "--format", "json"], ()),
    pytest.param(["analyze", EXAMPLE], ("jinja2",), marks=SLOW),
    pytest.param(["analyze", EXAMPLE, "--format", "sarif"], ("jinja2",), marks=SLOW),
    (["check", EXAMPLE], ("jinja2",)),
    pytest.param(["check", EXAMPLE, "--format", "json"], (), marks=SLOW),
    pytest.param(["rules", "list"], ("jinja2",), marks=SLOW),
]

PROBE = """
import contextlib, io, json, sys
from planguard.cli import run
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = run(json.loads(sys.argv[1]))
    except SystemExit as exc:  # --help
        code = exc.code
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _loaded(args: list[str], cwd: Path) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    )
    result = json.loads(done.stdout)
    return int(result["code"] or 0), set(result["modules"])


@pytest.mark.parametrize(("args", "allowed"), CASES, ids=lambda v: " ".join(map(str, v))[:40])
def test_a_command_loads_only_the_libraries_it_uses(
    args: list[str], allowed: tuple[str, ...], tmp_path: Path
) -> None:
    code, modules = _loaded(args, tmp_path)
    assert code in (0, 1), code
    assert not (modules & set(HEAVY)) - set(allowed), sorted(modules & set(HEAVY))


def test_a_plan_with_source_beside_it_does_load_the_parser(tmp_path: Path) -> None:
    """The probe can fail: reading .tf source loads python-hcl2."""
    (tmp_path / "main.tf").write_text('resource "terraform_data" "network" {}\n')
    plan = tmp_path / "plan.json"
    plan.write_bytes(Path(EXAMPLE).read_bytes())
    _, modules = _loaded(["analyze", str(plan), "--format", "json"], tmp_path)
    assert "hcl2" in modules or "lark" in modules
