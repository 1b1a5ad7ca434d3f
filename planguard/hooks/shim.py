"""PATH shims: `terraform`, `tofu` and `terragrunt` wrappers that ask planguard first.

For harnesses without hooks, and as the backstop for what a hook cannot see (a script or a
Makefile that runs terraform): put the shim directory first on the agent's PATH and every run
of the tool, however it was started, goes through the same rules as the hook.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

MARKER = "# planguard shim"
TOOLS = ("terraform", "tofu", "terragrunt")


def write_shims(directory: Path, planguard: tuple[str, ...]) -> tuple[Path, ...]:
    """One executable per tool in `directory`; `planguard` is how to run planguard."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for tool in TOOLS:
        path = directory / tool
        run = shlex.join([*planguard, "hooks", "exec", tool])
        path.write_text(
            f'#!/bin/sh\n{MARKER}: `planguard hooks shim` wrote this\nexec {run} "$@"\n'
        )
        path.chmod(0o755)
        written.append(path)
    return tuple(written)


def on_path(tool: str, search_path: str) -> list[Path]:
    """Every executable `tool` on `search_path`, in order."""
    found = (Path(folder or ".") / tool for folder in search_path.split(os.pathsep))
    return [p for p in found if p.is_file() and os.access(p, os.X_OK)]


def real_binary(tool: str, search_path: str) -> Path | None:
    """The first `tool` on `search_path` that is not a planguard shim."""
    return next((p for p in on_path(tool, search_path) if not is_shim(p)), None)


def is_shim(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return MARKER.encode() in handle.read(256)
    except OSError:
        return False
