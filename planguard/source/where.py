"""Where a plan's `.tf` source is, decided without loading the source map: a plan without
source beside it (most runs of `analyze` on a saved plan) never imports the parser's code."""

from __future__ import annotations

from pathlib import Path

from planguard.errors import UsageError

CONFIGURATION = (".tf", ".tf.json")
"""The suffixes of Terraform configuration files (`.tfvars` are inputs, not configuration)."""


def source_directory(plan_path: str, given: str | None, cwd: Path) -> Path | None:
    """`--source`, else the plan file's directory, else the working directory, whichever
    holds `.tf` or `.tf.json` files; None when none does."""
    if given is not None:
        chosen = Path(given)
        if not chosen.is_dir():
            raise UsageError(f"--source {given}: not a directory (the root module's .tf files)")
        return chosen
    candidates = [] if plan_path == "-" else [Path(plan_path).parent]
    for candidate in [*candidates, cwd]:
        if any(p.name.endswith(CONFIGURATION) for p in candidate.glob("*.tf*")):
            return candidate
    return None
