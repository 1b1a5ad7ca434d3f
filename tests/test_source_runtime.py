"""How the source map runs: the parser is imported on the first parse, not with the modules,
and a large directory is read by a pool of worker processes into the same map."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from planguard.source import pool
from planguard.source.read import WorkTree
from planguard.source.sourcemap import build_source_map

SOURCE = Path(__file__).resolve().parent.parent / "planguard" / "source"
PROBE = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(" ".join(sorted({m.split(".")[0] for m in sys.modules} & {"hcl2", "lark"})))
"""


def test_importing_the_source_map_does_not_import_the_parser() -> None:
    modules = sorted(
        f"planguard.source.{p.stem}"
        for p in SOURCE.glob("*.py")
        if p.stem not in ("__init__", "larkwalk")  # larkwalk is the parser's home
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *modules], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == []


def test_a_file_that_needs_no_parse_imports_no_parser(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "terraform_data" "a" {\n  input = 1\n}\n')
    program = (
        "import sys\n"
        "from planguard.source.read import WorkTree\n"
        "from planguard.source.sourcemap import build_source_map\n"
        f"found = build_source_map(WorkTree(__import__('pathlib').Path({str(tmp_path)!r})), '')\n"
        "assert 'terraform_data.b' not in found.objects\n"
        "print('lark' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


def test_a_large_directory_read_by_worker_processes_is_the_same_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for f in range(12):
        blocks = "".join(
            f'resource "terraform_data" "r{f}_{i}" {{\n  input = var.v\n}}\n' for i in range(5)
        )
        calls = f'module "m{f}" {{\n  source = "./mod"\n  id = {f}\n}}\n'
        unproven = f"locals {{\n  l{f} = var.a ?\n    1 : 2\n}}\n"
        (tmp_path / f"f{f:02d}.tf").write_text(blocks + calls + unproven)
    (tmp_path / "broken.tf").write_text('resource "x" "y" {\n  a = = 1\n}\n')
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text('variable "id" {}\n')
    alone = build_source_map(WorkTree(tmp_path), "")
    monkeypatch.setattr(pool, "MIN_FILES", 2)
    monkeypatch.setattr(pool, "MIN_CHARACTERS", 0)
    monkeypatch.setattr(pool, "CHUNK_CHARACTERS", 300)
    forked = []
    real = pool._collect

    def counting(*args: object, **kwargs: object) -> None:
        forked.append(1)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pool, "_collect", counting)
    together = build_source_map(WorkTree(tmp_path), "")
    assert forked, "the pool was not used"
    assert together == alone
    assert together.objects["local.l3"].location.line == 21


def test_blocks_parsed_ahead_on_worker_processes_are_the_same_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for f in range(10):
        blocks = "".join(
            f'resource "terraform_data" "r{f}_{i}" {{\n  input = var.v{i}\n}}\n' for i in range(4)
        )
        (tmp_path / f"f{f}.tf").write_text(blocks + f"locals {{\n  l{f} = {f}\n}}\n")
    (tmp_path / "unproven.tf").write_text("locals {\n  u = var.a ?\n    1 : 2\n}\n")
    full = build_source_map(WorkTree(tmp_path), "", selective=False)
    monkeypatch.setattr(pool, "MIN_FILES", 2)
    monkeypatch.setattr(pool, "MIN_CHARACTERS", 0)
    monkeypatch.setattr(pool, "CHUNK_CHARACTERS", 200)
    ahead = build_source_map(WorkTree(tmp_path), "")
    wanted = [f"terraform_data.r{f}_{i}" for f in range(0, 10, 2) for i in (1, 3)]
    wanted += ["local.l1", "local.u"]
    ahead.prefetch(wanted)
    parsed = ahead.objects.parsed()  # type: ignore[attr-defined]
    assert parsed == 10 + 1  # the wanted blocks (the unproven file was parsed on reading)
    for key in wanted:
        assert ahead.objects[key] == full.objects[key]
    assert ahead.objects.parsed() == parsed  # type: ignore[attr-defined]  # nothing parsed twice
    assert ahead.objects == full.objects
