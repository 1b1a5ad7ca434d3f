"""Where the shipped data lives: `planguard/_data/` in a wheel, the repo top level otherwise."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`rulesets`, `templates`, `examples` or `schema`; raise when the installation lacks it."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"planguard's {name}/ directory is missing: reinstall planguard-gate")
