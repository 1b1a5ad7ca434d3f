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
from pathlib import Path

from planguard.records import Record

MANAGED_POLICY = Path("/etc/planguard/policy.yml")
MANAGED_POLICY_ENV = "PLANGUARD_MANAGED_POLICY"


class Managed(Record, frozen=True):
    path: Path | None
    """The protected managed policy, or None."""
    text: str = ""
    """Its content, read once, from the file whose protection was checked."""
    notes: tuple[str, ...] = ()
    """Why a managed policy that exists was not used, or how far it is protected."""


class Unprotected(Exception):
    """Someone other than root could change the file: the message says who and where."""


def find_managed(environment: dict[str, str], fixed: Path = MANAGED_POLICY) -> Managed:
    candidate = fixed
    if not os.path.lexists(fixed) and environment.get(MANAGED_POLICY_ENV):
        candidate = Path(environment[MANAGED_POLICY_ENV])
    if not os.path.lexists(candidate):
        return Managed(None)
    try:
        data = read_protected(candidate)
        text = data.decode("utf-8")
    except (Unprotected, UnicodeDecodeError) as exc:
        ignored = f"managed policy {candidate} ignored: {exc}; the shipped defaults apply"
        return Managed(None, notes=(ignored,))
    notes: tuple[str, ...] = ()
    if os.geteuid() == 0:
        notes = (
            f"planguard runs as root: whatever runs as root (an agent too) can edit {candidate};"
            " run agents as an unprivileged user",
        )
    return Managed(candidate, text, notes)


def unprotected(path: Path) -> str | None:
    """Why the user running planguard (or an agent running as them) could change `path`, or
    None when only root can."""
    try:
        read_protected(path)
    except Unprotected as exc:
        return str(exc)
    return None


def read_protected(path: Path) -> bytes:
    """The file's bytes, when only root can change them: the file and every directory on the
    way to it — as written (a symbolic link in a directory someone else can write could be
    pointed elsewhere) and as resolved — are owned by root and writable by nobody else (a
    sticky directory such as /tmp protects what root owns in it). The bytes come from the
    descriptor that was checked, so the file cannot be swapped in between."""
    written = Path(os.path.abspath(path))
    try:
        resolved = written.resolve(strict=True)
        for directory in (*written.parents, *resolved.parents):
            _check(directory, os.lstat(directory), str(directory))
        handle = os.open(resolved, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise Unprotected(f"{path} cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise Unprotected(f"{resolved} is not a regular file")
        _check(resolved, info, str(resolved))
        chunks = []
        while chunk := os.read(handle, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(handle)


def _check(item: Path, info: os.stat_result, shown: str) -> None:
    if info.st_uid != 0:
        raise Unprotected(f"{shown} is not owned by root")
    shared = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    sticky = stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX
    if shared and not sticky and not stat.S_ISLNK(info.st_mode):
        raise Unprotected(f"{shown} is writable by users other than root")
