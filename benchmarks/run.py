"""Time planguard, a bare `json.load` floor and the peers on the same generated plans.

Every subject is a whole process, measured from start to exit: wall time, and peak resident
memory from the kernel's accounting of that process (`wait4`). Runs go round-robin (every
subject once, then again), so a slow minute on the machine hits all subjects alike; each cell
is the median of the runs, with the spread (min–max) beside it.

    python benchmarks/run.py --install-peers          # once: peers into benchmarks/.peers
    python benchmarks/run.py --sizes 1k,10k,100k --runs 5 --report docs/benchmarks.md
    python benchmarks/run.py --sizes example,real-100,lean-100k --runs 11

`example` is the bundled example plan and `real-100` a real 100-resource plan of the test
corpus: there start-up is most of the run, so `python -c pass` and `planguard --version` run
beside them. `lean-100k` is the generator's `--lean` plan (small values), where planguard's own
per-resource work, not JSON decoding, dominates.

The peers (blastcheck, readtheplan, preapply from PyPI) run from their own virtualenv so their
dependencies never meet planguard's; a subject whose command is missing is reported as such.
"""

from __future__ import annotations

import argparse
import codecs
import hashlib
import importlib.util
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = {
    "1k": 1_000,
    "10k": 10_000,
    "100k": 100_000,
    "300k": 300_000,
    "lean-100k": 100_000,
    "example": 19,
    "real-100": 100,
}
LEAN = {"lean-100k"}
FIXED = {
    "example": HERE.parent / "examples" / "replace-cascade.json",
    "real-100": HERE.parent / "tests" / "corpus" / "AlexTzk__gcp-infrastructure__plan.json",
}
"""Plans that are files, not generated (sources and licenses: tests/corpus/README.md)."""
SMALL = set(FIXED)
PEERS = {"blastcheck": "0.8.0", "readtheplan": "0.4.0", "preapply": "1.0.4"}
FLOOR = "import gc, json, sys; gc.disable(); json.load(open(sys.argv[1], 'rb'))"


@dataclass(frozen=True)
class Subject:
    name: str
    argv: tuple[str, ...]
    """The command; the plan path is appended."""
    ok_codes: tuple[int, ...] = (0,)
    """Exit codes of a successful run (a gate that trips exits 1 or 2 by design)."""
    small_only: bool = False
    """Measured on the small plans only (start-up rows)."""
    takes_plan: bool = True


@dataclass
class Sample:
    wall: float
    rss_kib: int
    exit_code: int
    output_bytes: int
    output_chars: int


@dataclass
class Cell:
    subject: str
    size: str
    resources: int
    plan_bytes: int
    samples: list[Sample] = field(default_factory=list)
    failure: str | None = None

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def rss_mib(self) -> float:
        return statistics.median(s.rss_kib for s in self.samples) / 1024


def subjects(peers_bin: Path, size: str) -> list[Subject]:
    python = sys.executable
    planguard = (python, "-m", "planguard")
    found = [
        Subject("python -c pass", (python, "-c", "pass"), small_only=True, takes_plan=False),
        Subject(
            "planguard --version", (*planguard, "--version"), small_only=True, takes_plan=False
        ),
        Subject("json.load floor", (python, "-c", FLOOR)),
        Subject(
            "planguard analyze --format json",
            (*planguard, "analyze", "--format", "json"),
        ),
        Subject(
            "planguard analyze --format markdown",
            (*planguard, "analyze", "--format", "markdown"),
        ),
        Subject(
            "planguard check --format markdown (the PR comment)",
            (*planguard, "check", "--format", "markdown"),
            ok_codes=(0, 1),
        ),
        Subject("planguard check", (*planguard, "check"), ok_codes=(0, 1), small_only=True),
    ]
    peer_commands = {
        "blastcheck": ("--json",),
        "readtheplan": ("analyze", "--format", "json"),
        "preapply": ("analyze", "--json", "--quiet"),
    }
    for peer, args in peer_commands.items():
        exe = peers_bin / peer
        found.append(Subject(f"{peer} {PEERS[peer]}", (str(exe), *args)))
    return [s for s in found if size in SMALL or not s.small_only]


def measure(subject: Subject, plan: Path, timeout: float) -> Sample | str:
    """Run once, through the launcher; a Sample, or why the run does not count."""
    if not Path(subject.argv[0]).exists():
        return "not installed (python benchmarks/run.py --install-peers)"
    with tempfile.TemporaryDirectory() as scratch:
        result, output = Path(scratch) / "result.json", Path(scratch) / "output"
        planned = [str(plan)] if subject.takes_plan else []
        argv = [sys.executable, str(HERE / "launch.py"), str(result), *subject.argv, *planned]
        with output.open("wb") as out:
            proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.DEVNULL, start_new_session=True
            )
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the launcher and the subject
                proc.wait()
                return f"timed out after {timeout:.0f} s"
        done = json.loads(result.read_text(encoding="utf-8"))
        if done["exit_code"] not in subject.ok_codes:
            return f"failed (exit {done['exit_code']})"
        return Sample(
            done["wall"], done["rss_kib"], done["exit_code"], output.stat().st_size, _chars(output)
        )


def _chars(path: Path) -> int:
    """Characters of a UTF-8 file, counted a block at a time (outputs reach 60 MB)."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            count += len(decoder.decode(block))
    return count + len(decoder.decode(b"", final=True))


def ensure_plan(size: str, plans: Path) -> Path:
    """The plan of a size, made again whenever the generator has changed since."""
    if size in FIXED:
        return FIXED[size]
    path = plans / f"plan-{size}.json"
    stamp = path.with_suffix(".generator")
    generator = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()
    if not path.exists() or not stamp.exists() or stamp.read_text() != generator:
        print(f"generating {path} …", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                "--resources",
                str(SIZES[size]),
                "--out",
                str(path),
                *(["--lean"] if size in LEAN else []),
            ],
            check=True,
        )
        stamp.write_text(generator)
    return path


def install_peers(venv: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pins = [f"{name}=={version}" for name, version in PEERS.items()]
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", *pins], check=True)


def run(
    sizes: Sequence[str], runs: int, plans: Path, peers_bin: Path, timeout: float
) -> list[Cell]:
    cells: list[Cell] = []
    for size in sizes:
        plan = ensure_plan(size, plans)
        row = [
            Cell(s.name, size, SIZES[size], plan.stat().st_size) for s in subjects(peers_bin, size)
        ]
        for n in range(runs):
            for subject, cell in zip(subjects(peers_bin, size), row, strict=True):
                if cell.failure:
                    continue
                result = measure(subject, plan, timeout)
                if isinstance(result, str):
                    cell.failure = result
                else:
                    cell.samples.append(result)
                print(
                    f"{size} run {n + 1}/{runs} {subject.name}: {_short(cell, result)}",
                    file=sys.stderr,
                )
        cells += row
    return cells


def _short(cell: Cell, result: Sample | str) -> str:
    if isinstance(result, str):
        return result
    return f"{result.wall:.2f} s, {result.rss_kib / 1024:.0f} MiB"


# ---------------------------------------------------------------------------------------------
# Report


def machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    return {
        "cpu": f"{cpu} × {os.cpu_count()}",
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "planguard": _version([sys.executable, "-m", "planguard", "--version"]),
        "msgspec": _module_version("msgspec"),
        "networkx": _module_version("networkx"),
    }


def _version(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown"


def _module_version(name: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", f"import {name}; print({name}.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "not installed"


def table(cells: Sequence[Cell]) -> str:
    lines = [
        "| plan | subject | wall (median) | spread | peak RSS (median) | × floor wall | × floor RSS | output |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size in dict.fromkeys(c.size for c in cells):
        row = [c for c in cells if c.size == size]
        floor = next((c for c in row if c.subject == "json.load floor" and c.samples), None)
        for cell in row:
            weight = cell.plan_bytes / 1e6
            plan = f"{size} ({weight:.0f} MB)" if weight >= 1 else f"{size} ({weight * 1e3:.0f} kB)"
            if cell.failure or not cell.samples:
                lines.append(f"| {plan} | {cell.subject} | {cell.failure} | | | | | |")
                continue
            walls = [s.wall for s in cell.samples]
            ratio_wall = f"{cell.wall / floor.wall:.2f}" if floor else ""
            ratio_rss = f"{cell.rss_mib / floor.rss_mib:.2f}" if floor else ""
            output = max(s.output_chars for s in cell.samples)
            spread = f"{_seconds(min(walls))}–{_seconds(max(walls))}"
            lines.append(
                f"| {plan} | {cell.subject} | {_seconds(cell.wall)} | {spread}"
                f" | {cell.rss_mib:.0f} MiB | {ratio_wall} | {ratio_rss} | {output:,} chars |"
            )
    return "\n".join(lines)


def _seconds(value: float) -> str:
    """Small plans in milliseconds (start-up is the story there), the rest in seconds."""
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def targets(cells: Sequence[Cell]) -> str:
    """The issue's targets, each with its measured ratio and whether it was met."""

    def cell(size: str, prefix: str) -> Cell | None:
        """The cell of a subject named `prefix`… (`name$`: exactly `name`)."""
        exact = prefix.endswith("$")

        def named(subject: str) -> bool:
            return subject == prefix[:-1] if exact else subject.startswith(prefix)

        return next((c for c in cells if c.size == size and named(c.subject) and c.samples), None)

    lines = []
    generated = [c.size for c in cells if c.size not in SMALL and c.size not in LEAN]
    big = "100k" if cell("100k", "json.load") else max(generated or [""], key=SIZES.get)
    floor, pg = cell(big, "json.load"), cell(big, "planguard analyze --format json")
    if floor and pg:
        lines.append(
            _target(f"{big}: wall ≤ 2.5× the json.load floor", pg.wall / floor.wall, 2.5, "×")
        )
        lines.append(
            _target(f"{big}: peak RSS ≤ 1.5× the floor's", pg.rss_mib / floor.rss_mib, 1.5, "×")
        )
    peers = [c for c in cells if c.size == big and c.samples and c.subject.split()[0] in PEERS]
    if pg and peers:
        fastest = min(peers, key=lambda c: c.wall)
        speedup = fastest.wall / pg.wall
        lines.append(
            f"- {big}: ≥ 2× faster than the fastest peer ({fastest.subject}, {fastest.wall:.2f} s):"
            f" **{speedup:.2f}×** — {'met' if speedup >= 2 else 'missed'}"
        )
    small, large = (
        cell("10k", "planguard analyze --format json"),
        cell("100k", "planguard analyze --format json"),
    )
    if small and large:
        lines.append(_target("10k → 100k growth ≤ 11×", large.wall / small.wall, 11, "×"))
    lines += _small_and_lean_targets(cell)
    comments = [c for c in cells if c.subject.startswith("planguard check") and c.samples]
    if comments:
        longest = max(max(s.output_chars for s in c.samples) for c in comments)
        met = "met" if longest <= 65_536 else "missed"
        lines.append(
            f"- the PR comment ≤ 65,536 characters at every size: longest **{longest:,}** — {met}"
        )
    return "\n".join(lines)


def _small_and_lean_targets(cell: Callable[[str, str], Cell | None]) -> list[str]:
    """Issue 21: start-up on small plans, per-resource cost on the lean plan."""
    lines = []
    for size in sorted(SMALL):
        analyze, check = (
            cell(size, "planguard analyze --format json"),
            cell(size, "planguard check$"),
        )
        peer, version = cell(size, "blastcheck"), cell(size, "planguard --version")
        if analyze:
            lines.append(_target(f"{size}: analyze ≤ 150 ms", analyze.wall * 1000, 150, " ms"))
        if check:
            lines.append(_target(f"{size}: check ≤ 200 ms", check.wall * 1000, 200, " ms"))
        if analyze and peer:
            lines.append(
                _target(f"{size}: analyze ≤ 2.5× blastcheck", analyze.wall / peer.wall, 2.5, "×")
            )
        if version:
            lines.append(_target(f"{size}: --version ≤ 60 ms", version.wall * 1000, 60, " ms"))
    floor, lean = (
        cell("lean-100k", "json.load"),
        cell("lean-100k", "planguard analyze --format json"),
    )
    if floor and lean:
        lines.append(_target("lean-100k: wall ≤ 2.0× the floor", lean.wall / floor.wall, 2.0, "×"))
        lines.append(
            _target(
                "lean-100k: peak RSS ≤ 1.0× the floor's", lean.rss_mib / floor.rss_mib, 1.0, "×"
            )
        )
    floor, full = cell("100k", "json.load"), cell("100k", "planguard analyze --format json")
    if floor and full:
        lines.append(_target("100k: wall ≤ 1.5× the floor", full.wall / floor.wall, 1.5, "×"))
    return lines


def _target(label: str, value: float, limit: float, unit: str) -> str:
    return f"- {label}: **{value:.2f}{unit}** — {'met' if value <= limit else 'missed'}"


def report(cells: Sequence[Cell], facts: dict[str, str]) -> str:
    """The machine, the tables and the targets."""
    machine_line = "Machine: " + "; ".join(f"{k} {v}" for k, v in facts.items())
    return "\n\n".join([machine_line, table(cells), "Targets:\n" + targets(cells)])


def report_from(saved: dict[str, object]) -> str:
    """`report` of the samples an earlier run kept (`--json`)."""
    cells = []
    for raw in saved["cells"]:  # type: ignore[attr-defined]
        found = Cell(raw["subject"], raw["size"], raw["resources"], raw["plan_bytes"])
        found.samples = [Sample(**sample) for sample in raw["samples"]]
        found.failure = raw["failure"]
        cells.append(found)
    return report(cells, saved["machine"])  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="1k,10k,100k", help=f"comma-separated, of: {', '.join(SIZES)}"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of every subject per size")
    parser.add_argument("--plans", type=Path, default=HERE / "plans", help="where plans are made")
    parser.add_argument("--peers-venv", type=Path, default=HERE / ".peers")
    parser.add_argument("--install-peers", action="store_true", help="make the peers' venv first")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per run")
    parser.add_argument("--json", type=Path, help="write every sample here")
    parser.add_argument("--report", type=Path, help="write the markdown tables here")
    parser.add_argument(
        "--from-json", type=Path, help="report the samples of an earlier run's --json; run nothing"
    )
    args = parser.parse_args(argv)
    if args.from_json:
        print(report_from(json.loads(args.from_json.read_text(encoding="utf-8"))))
        return 0
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}; choose from {', '.join(SIZES)}")
    if args.install_peers:
        install_peers(args.peers_venv)
    if importlib.util.find_spec("planguard") is None:  # the subjects run `python -m planguard`
        parser.error("planguard is not installed in this Python")
    cells = run(sizes, args.runs, args.plans, args.peers_venv / "bin", args.timeout)
    facts = machine()
    text = report(cells, facts)
    print(text)
    if args.report:
        args.report.write_text(text + "\n", encoding="utf-8")
    if args.json:
        payload = {"machine": facts, "cells": [asdict(c) for c in cells]}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
