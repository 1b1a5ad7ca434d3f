"""The managed policy: a machine's policy that the user running planguard cannot edit.

An agent on a workstation controls the working tree, the environment and the flags of every
planguard run it starts; the only configuration it cannot write is one owned by root and
writable by nobody else (the way Claude Code's and Codex's managed settings work). That file,
`/etc/planguard/policy.yml`, is the trusted policy of every run without a trusted git ref:
`planguard apply`, `planguard hook` and a local `planguard check`.

`PLANGUARD_MANAGED_POLICY` names another place only when nothing is at the fixed one, and only
a protected file counts: an agent can then pick among files it cannot write, never weaken a
policy an administrator put in place.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

MANAGED_POLICY = Path("/etc/planguard/policy.yml")
MANAGED_POLICY_ENV = "PLANGUARD_MANAGED_POLICY"


@dataclass(frozen=True, slots=True)
class Managed:
    path: Path | None
    """The protected managed policy, or None."""
    notes: tuple[str, ...] = ()
    """Why a managed policy that exists was not used, or how far it is protected."""


def find_managed(environment: dict[str, str], fixed: Path = MANAGED_POLICY) -> Managed:
    candidate = fixed
    if not fixed.exists() and environment.get(MANAGED_POLICY_ENV):
        candidate = Path(environment[MANAGED_POLICY_ENV])
    if not candidate.exists():
        return Managed(None)
    why = unprotected(candidate)
    if why is not None:
        return Managed(
            None, (f"managed policy {candidate} ignored: {why}; the shipped defaults apply",)
        )
    notes: tuple[str, ...] = ()
    if os.geteuid() == 0:
        notes = (
            f"planguard runs as root: whatever runs as root (an agent too) can edit {candidate};"
            " run agents as an unprivileged user",
        )
    return Managed(candidate, notes)


def unprotected(path: Path) -> str | None:
    """Why the user running planguard (or an agent running as them) could change `path`, or
    None: it and every directory above it are owned by root and writable by nobody else (a
    sticky directory such as /tmp protects what root owns in it)."""
    try:
        target = path.resolve(strict=True)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    for item in (target, *target.parents):
        info = item.stat()
        shared = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        sticky = stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX
        if info.st_uid != 0:
            return f"{item} is not owned by root"
        if shared and not (sticky and item != target):
            return f"{item} is writable by users other than root"
    return None
