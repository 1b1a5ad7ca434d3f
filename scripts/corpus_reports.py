"""Write every report planguard makes of every corpus plan, to compare two versions byte by byte.

    python scripts/corpus_reports.py write DIR     # analyze and check, every format, every plan
    python scripts/corpus_reports.py compare A B   # exit 1 and list the files that differ

A reshaping of the code must leave every report unchanged: write the reports before the change,
again after it, and compare. The corpus plans are `tests/corpus/*.json` (each plain and, where
`tests/corpus_sources/` has its configuration, read with that source). `check` runs outside any
git repository with no agent environment, so its author is `unknown` (the strict default).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
CORPUS = HERE / "tests" / "corpus"
SOURCES = HERE / "tests" / "corpus_sources"
ANALYZE_FORMATS = ("text", "json", "markdown", "sarif", "html")
CHECK_FORMATS = ("text", "json", "markdown", "sarif", "html")
KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")


def _runs(plan: Path) -> list[tuple[str, list[str]]]:
    stem = plan.name.removesuffix(".json")
    runs = [(f"{stem}.analyze.{f}", ["analyze", str(plan), "--format", f]) for f in ANALYZE_FORMATS]
    runs += [(f"{stem}.check.{f}", ["check", str(plan), "--format", f]) for f in CHECK_FORMATS]
    source = SOURCES / stem
    if source.is_dir():
        runs += [
            (
                f"{stem}.source.analyze.{f}",
                ["analyze", str(plan), "--source", str(source), "--format", f],
            )
            for f in ("json", "markdown")
        ]
    return runs


def write(out: Path) -> int:
    from planguard.cli import run  # noqa: PLC0415  # the version under test

    out.mkdir(parents=True, exist_ok=True)
    for name in list(os.environ):
        if name not in KEEP:
            del os.environ[name]
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)  # no git repository: nothing of this checkout is read as the change
        for plan in sorted(CORPUS.glob("*.json")):
            if plan.name == "manifest.json":
                continue
            for name, argv in _runs(plan):
                target = out / name
                with open(os.devnull, "w") as null, contextlib.redirect_stderr(null):
                    code = run([*argv, "-o", str(target)])
                with open(target, "a", encoding="utf-8") as handle:
                    handle.write(f"\n[exit {code}]\n")
    print(f"wrote {len(list(out.iterdir()))} reports to {out}")
    return 0


def compare(before: Path, after: Path) -> int:
    names = sorted({p.name for p in before.iterdir()} | {p.name for p in after.iterdir()})
    differ = [
        n
        for n in names
        if not (before / n).is_file()
        or not (after / n).is_file()
        or (before / n).read_bytes() != (after / n).read_bytes()
    ]
    for name in differ:
        print(f"differs: {name}")
    print(f"{len(names) - len(differ)} of {len(names)} reports byte-identical")
    return 1 if differ else 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "write":
        return write(Path(argv[1]).resolve())
    if len(argv) == 3 and argv[0] == "compare":
        return compare(Path(argv[1]), Path(argv[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
