"""How long reading the `.tf` source takes for a plan of a large configuration (run on demand,
not in tests).

    python benchmarks/source_map.py [--files 200] [--resources-per-file 25] [--changed 50]
    python benchmarks/source_map.py --roots 100     # a Terragrunt-style tree, with and without source

Writes a root module of FILES files, each with RESOURCES resource blocks (references, nested
blocks, a lifecycle) and a local module called from every file, and a `terraform show -json`
plan of it that changes CHANGED resources spread over as many files (the rest no-op). Each
case then runs in a fresh Python process (nothing cached in memory, the parser not yet
imported) and times what the source costs a run: reading and scanning every file, building
the source map, and placing every changed resource in it (`source.apply.place`, `summarize`),
with the process's peak RSS. Cases:

- `full`: every file parsed whole (what planguard did before the selective parse), one core;
- `full, both cores`: the same, files parsed in a process pool;
- `cold`: selective, the parse cache empty;
- `warm`: selective again, the parse cache as `cold` left it;
- `every resource changed`: selective, cache cold, a plan that changes all of them;
- `unproven files, cold` / `warm`: every block also holds a conditional broken over lines,
  which the scan does not try to prove parses (the module calls sit in a `modules.tf` of their
  own), so each file is parsed whole to report whether it parses, unless the parse cache
  knows; the 50 files holding a changed resource are parsed whole either way.

`--roots N` instead writes N small roots (`live/NNN/`, 4 files of 8 blocks, a plan changing 2)
as Terragrunt's `run-all plan` leaves them, and times `planguard analyze live/` with the
`.tf` files beside each plan and with the plans alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BLOCK = """\
resource "aws_instance" "r{i}" {{
  ami           = var.ami
  instance_type = local.size
  subnet_id     = aws_subnet.s{prev}.id
  tags = {{ Name = "r{i}-${{var.env}}" }}
  ebs_block_device {{
    device_name = "/dev/sdb"
    volume_size = 100
  }}
  lifecycle {{
    create_before_destroy = true
    ignore_changes        = [tags]
  }}{extra}
}}

"""
UNPROVEN = '\n  user_data = var.big ? "large" :\n    "small"'
"""Valid HCL the scan does not try to prove: a conditional broken over lines."""


def write(root: Path, files: int, per_file: int, *, unproven: bool = False) -> int:
    (root / "modules" / "svc").mkdir(parents=True)
    (root / "modules" / "svc" / "main.tf").write_text(
        'variable "id" {}\nresource "terraform_data" "svc" {\n  input = var.id\n}\n'
    )
    (root / "variables.tf").write_text(
        'variable "ami" {}\nvariable "env" {}\nvariable "big" {}\n'
        'locals {\n  size = "t3.micro"\n}\n'
    )
    count = 0
    extra = UNPROVEN if unproven else ""
    calls = [
        f'module "svc{f}" {{\n  source = "./modules/svc"\n  id     = "{f}"\n}}\n\n'
        for f in range(files)
    ]
    if unproven:  # the module calls in a file of their own, the way such roots are written
        (root / "modules.tf").write_text("".join(calls))
    for f in range(files):
        text = [] if unproven else [calls[f]]
        for r in range(per_file):
            i = f * per_file + r
            text.append(BLOCK.format(i=i, prev=max(i - 1, 0), extra=extra))
            count += 1
        (root / f"file{f:04d}.tf").write_text("".join(text))
    return count


def plan(files: int, per_file: int, changed: int) -> dict[str, object]:
    """Every resource of `write`'s root: `changed` of them replaced, one in each of as many
    files (spread evenly), the rest no-op, like a real plan of an estate."""
    total = files * per_file
    step = max(total // max(changed, 1), 1)
    chosen = set(range(0, total, step)[:changed])
    changes = [
        _change(f"aws_instance.r{i}", "aws_instance", i in chosen, "subnet_id")
        for i in range(total)
    ]
    changes += [
        _change(f"module.svc{f}.terraform_data.svc", "terraform_data", False, "input")
        for f in range(files)
    ]
    return {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": changes}


def _change(address: str, rtype: str, replaced: bool, forcing: str) -> dict[str, object]:
    module, _, local = (
        address.rpartition(".terraform_data.") if "module." in address else ("", "", "")
    )
    body: dict[str, object] = {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": address.rsplit(".", 1)[1],
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {
            "actions": ["delete", "create"] if replaced else ["no-op"],
            "before": {"id": "x"},
            "after": {},
            "replace_paths": [[forcing]] if replaced else [],
        },
    }
    if replaced:
        body["action_reason"] = "replace_because_cannot_update"
    if module and local:
        body["module_address"] = module
    return body


def one_case(root: Path, plan_path: Path, selective: bool, workers: int) -> None:
    """In this process (a fresh one): time the source work for one plan, print JSON."""
    from planguard.plan.load import load_plan
    from planguard.source import pool
    from planguard.source.apply import SourceFacts, place, summarize
    from planguard.source.cache import default_cache
    from planguard.source.read import WorkTree
    from planguard.source.sourcemap import build_source_map

    pool.WORKERS = workers
    loaded = load_plan(str(plan_path), "terraform", Path.cwd(), None)
    start = time.perf_counter()
    head = build_source_map(
        WorkTree(root), "", cache=default_cache(os.environ), selective=selective
    )
    facts = SourceFacts(head)
    placed = place(loaded.resource_changes, facts, lambda a, b: None, {})
    summary = summarize((), placed, facts)
    wall = time.perf_counter() - start
    located = sum(1 for p in placed.values() if p.location is not None)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "located": located, "files": summary.files, "rss": peak}))


def _run_case(
    root: Path, plan_path: Path, cache: Path, *, selective: bool = True, workers: int = 2
) -> dict[str, float]:
    argv = [sys.executable, __file__, "--one", str(root), str(plan_path)]
    argv += ["--workers", str(workers)] + ([] if selective else ["--full"])
    env = {**os.environ, "PLANGUARD_CACHE_DIR": str(cache)}
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


def run_root(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        rows = []
        for unproven in (False, True):
            root = base / ("unproven" if unproven else "proven")
            root.mkdir()
            blocks = write(root, args.files, args.resources_per_file, unproven=unproven)
            some = base / "some.json"
            some.write_text(json.dumps(plan(args.files, args.resources_per_file, args.changed)))
            every = base / "every.json"
            every.write_text(json.dumps(plan(args.files, args.resources_per_file, blocks)))
            cache = base / f"cache-{unproven}"
            label = "unproven files, " if unproven else ""
            if not unproven:
                rows.append(
                    ("full, one core", _run_case(root, some, cache, selective=False, workers=1))
                )
                rows.append(("full, both cores", _run_case(root, some, cache, selective=False)))
            rows.append((f"{label}cold", _run_case(root, some, cache)))
            rows.append((f"{label}warm", _run_case(root, some, cache)))
            if not unproven:
                rows.append(("every resource changed", _run_case(root, every, base / "c2")))
        size = sum(p.stat().st_size for p in (base / "proven").rglob("*.tf"))
        print(
            f"{blocks} resource blocks in {args.files} files ({size / 1e6:.1f} MB),"
            f" {args.changed} of them replaced (one per file):"
        )
        print("| case | wall | changed resources located | peak RSS |")
        print("|---|---|---|---|")
        for name, row in rows:
            print(f"| {name} | {row['wall']:.2f} s | {row['located']} | {row['rss']:.0f} MiB |")


ROOT_FILES = 4
ROOT_BLOCKS = 8
ROUNDS = 5


def run_roots(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with_source, plans_only = Path(tmp) / "with" / "live", Path(tmp) / "without" / "live"
        for n in range(count):
            for tree, source in ((with_source, True), (plans_only, False)):
                root = tree / f"{n:03d}"
                root.mkdir(parents=True)
                if source:
                    write(root, ROOT_FILES, ROOT_BLOCKS)
                doc = plan(ROOT_FILES, ROOT_BLOCKS, 2)
                (root / "plan.json").write_text(json.dumps(doc))
        runs: dict[str, list[float]] = {"with source": [], "plans only": []}
        for _ in range(ROUNDS):  # interleaved, so both see the same machine
            for label, tree in (("with source", with_source), ("plans only", plans_only)):
                argv = [sys.executable, "-m", "planguard", "analyze", str(tree), "--format", "json"]
                start = time.perf_counter()
                done = subprocess.run(argv, cwd=tree.parent, capture_output=True, check=False)
                runs[label].append(time.perf_counter() - start)
                if done.returncode not in (0, 1):
                    raise SystemExit(done.stderr.decode())
        timings = {label: min(values) for label, values in runs.items()}
        ratio = timings["with source"] / timings["plans only"]
        print(
            f"{count} roots, {ROOT_FILES * ROOT_BLOCKS} resource blocks each"
            f" (best of {ROUNDS}, whole `planguard analyze` processes):"
        )
        print(
            f"with source {timings['with source']:.2f} s, plans only {timings['plans only']:.2f} s:"
            f" {ratio:.2f}×"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--resources-per-file", type=int, default=25)
    parser.add_argument("--changed", type=int, default=50)
    parser.add_argument("--roots", type=int, default=0)
    parser.add_argument("--one", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one_case(args.one[0], args.one[1], not args.full, args.workers)
    elif args.roots:
        run_roots(args.roots)
    else:
        run_root(args)


if __name__ == "__main__":
    main()
