"""Which plans a run reads and what each root is called.

A plan argument is a file, `-` (stdin), a glob (`plans/*.json`), a directory (a Terragrunt
`run-all` output tree, e.g. from `--json-out-dir`), or `NAME=PATH` to name a root yourself.
Names are short and unique: several plans are named by their paths relative to what they
share (`prod/vpc`, `staging/vpc`), a generic file name (`tfplan.json`) by its directory.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePath

from planguard.errors import UsageError
from planguard.records import Record

PLAN_SUFFIXES = (".json", ".tfplan")
NOT_PLANS = (".tf.json", ".tfvars.json", ".tfstate.json")
GENERIC_STEMS = frozenset({"tfplan", "plan", "terraform", "tofu", "output", "show"})
"""File names that say nothing about the root: the directory names it instead."""


class RootSpec(Record, frozen=True):
    name: str
    path: str
    """A plan file (JSON or binary), or `-` for stdin."""


def discover(args: Sequence[str]) -> tuple[RootSpec, ...]:
    """One spec per plan file the arguments name, in argument order, each path once."""
    named: list[tuple[str | None, str]] = []
    for arg in args:
        name, target = _split_name(arg)
        found = _expand(target)
        if name is not None and len(found) > 1:  # NAME=DIR: NAME/prod, NAME/staging, …
            inner = _derive_names(found, from_directory=True)
            named += [(f"{name}/{inner[p]}", p) for p in found]
        else:
            named += [(name, path) for path in found]
    unique = _once_per_file(named)
    paths = [p for _, p in unique]
    derived = _derive_names(paths, from_directory=any(Path(a).is_dir() for a in args))
    specs = tuple(RootSpec(name or derived[path], path) for name, path in unique)
    _require_unique(specs)
    return specs


def named_roots(args: Sequence[str]) -> tuple[str, ...]:
    """The names of roots given as `NAME=PATH` (workspaces, environments), sorted: what an
    approval binds to. A root named after its file path says nothing of where it applies."""
    explicit = set()
    for arg in args:
        name, target = _split_name(arg)
        if name is not None:
            explicit.update(_expand(target))
    return tuple(sorted(spec.name for spec in discover(args) if spec.path in explicit))


def _once_per_file(named: Sequence[tuple[str | None, str]]) -> list[tuple[str | None, str]]:
    """Each file once (`./a.json` is `a.json`); one file under two names is an error."""
    seen: dict[str, tuple[str | None, str]] = {}
    for name, path in named:
        key = path if path == "-" else str(Path(path).resolve())
        if key in seen and seen[key][0] != name:
            raise UsageError(f"{path}: the same plan is given twice under different names")
        seen.setdefault(key, (name, path))
    return list(seen.values())


def _split_name(arg: str) -> tuple[str | None, str]:
    if "=" not in arg or Path(arg).exists():
        return None, arg
    name, path = arg.split("=", 1)
    if not name.strip():
        raise UsageError(f"{arg!r}: the root name before '=' is empty (use NAME=PATH)")
    return name.strip(), path


def _expand(target: str) -> list[str]:
    if target == "-":
        return [target]
    path = Path(target)
    if path.is_dir():
        found = sorted(str(p) for p in _plan_files(path))
        if not found:
            raise UsageError(
                f"{target}: a directory with no plan files in it (looked for"
                f" {', '.join('*' + s for s in PLAN_SUFFIXES)} and `tfplan`, skipping hidden"
                " directories such as .terragrunt-cache)"
            )
        return found
    if path.exists() or not any(c in target for c in "*?["):
        return [target]
    matches = sorted(glob.glob(target, recursive=True))
    if not matches:
        raise UsageError(f"{target}: no plan file matches this pattern")
    return matches


def _plan_files(directory: Path) -> Iterator[Path]:
    for here, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if name.endswith(NOT_PLANS):
                continue  # Terraform's own JSON syntax and variable files live in trees too
            if name == "tfplan" or name.endswith(PLAN_SUFFIXES):
                yield Path(here) / name


def _derive_names(paths: Sequence[str], *, from_directory: bool) -> dict[str, str]:
    files = [p for p in paths if p != "-"]
    names = {"-": "<stdin>"}
    if len(files) == 1 and not from_directory:
        names[files[0]] = files[0]  # one plan: its path as given, as before multi-root
        return names
    if not files:
        return names
    base = PurePath(os.path.commonpath([os.path.abspath(Path(p).parent) for p in files]))
    for path in files:
        names[path] = _short_name(PurePath(os.path.abspath(path)), base)
    if len(set(names.values())) != len(names):
        names.update({p: p for p in files})  # fall back to the paths themselves
    return names


def _short_name(path: PurePath, base: PurePath) -> str:
    stem = path.name
    for suffix in PLAN_SUFFIXES:
        stem = stem.removesuffix(suffix)
    folders = path.parent.relative_to(base).parts if path.parent != base else ()
    if stem.lower() in GENERIC_STEMS:
        return "/".join(folders) if folders else (base.name or stem)
    return "/".join([*folders, stem])


def _require_unique(specs: Sequence[RootSpec]) -> None:
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise UsageError(f"two plans are both named {spec.name!r}: name them with NAME=PATH")
        seen.add(spec.name)
