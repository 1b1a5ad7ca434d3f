"""Unified diffs (`git diff`, GitHub's per-file `patch`) as changed line ranges. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from planguard.records import Record

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_DEV_NULL = "/dev/null"

LineRange = tuple[int, int]
"""First and last line, inclusive."""


class FileDiff(Record, frozen=True):
    old_path: str | None
    """None for a new file."""
    new_path: str | None
    """None for a deleted file."""
    removed: tuple[int, ...]
    """Lines of the old file the change removes or rewrites."""
    added: tuple[int, ...]
    """Lines of the new file the change adds or rewrites."""
    new_hunks: tuple[LineRange, ...] = ()
    """New-file lines the diff shows (added and context): where a review comment may go."""
    old_hunks: tuple[LineRange, ...] = ()


class Diff(Record, frozen=True):
    files: tuple[FileDiff, ...]

    def by_new_path(self) -> Mapping[str, FileDiff]:
        return {f.new_path: f for f in self.files if f.new_path is not None}

    def by_old_path(self) -> Mapping[str, FileDiff]:
        return {f.old_path: f for f in self.files if f.old_path is not None}


def parse_git_diff(text: str) -> Diff:
    """`git diff` output (any context size; renames as `rename from`/`rename to`)."""
    files: list[FileDiff] = []
    for chunk in _per_file(text.splitlines()):
        old, new = _paths(chunk)
        hunks = [line for line in chunk if not _is_header(line)]
        files.append(_file_diff(old, new, hunks))
    return Diff(tuple(files))


def parse_patch(path: str, patch: str, status: str = "modified") -> FileDiff:
    """One file's hunks as GitHub's pull request files API gives them."""
    old = None if status == "added" else path
    new = None if status == "removed" else path
    return _file_diff(old, new, patch.splitlines())


def whole_file(path: str, lines: int) -> FileDiff:
    """A file the change adds whole (an untracked file)."""
    every = tuple(range(1, lines + 1))
    return FileDiff(None, path, (), every, ((1, lines),) if lines else ())


def _per_file(lines: list[str]) -> Iterable[list[str]]:
    chunk: list[str] = []
    for line in lines:
        if line.startswith("diff --git ") and chunk:
            yield chunk
            chunk = []
        chunk.append(line)
    if chunk:
        yield chunk


_HEADERS = (
    "diff --git ",
    "index ",
    "--- ",
    "+++ ",
    "new file mode",
    "deleted file mode",
    "old mode",
    "new mode",
    "similarity index",
    "dissimilarity index",
    "rename from ",
    "rename to ",
    "copy from ",
    "copy to ",
    "Binary files ",
)


def _is_header(line: str) -> bool:
    return line.startswith(_HEADERS)


def _paths(chunk: list[str]) -> tuple[str | None, str | None]:
    old: str | None = None
    new: str | None = None
    for line in chunk:
        if line.startswith("--- "):
            old = _strip(line[4:], "a/")
        elif line.startswith("+++ "):
            new = _strip(line[4:], "b/")
        elif line.startswith("rename from "):
            old = line[len("rename from ") :]
        elif line.startswith("rename to "):
            new = line[len("rename to ") :]
        elif line.startswith("@@"):
            break
    if old is None and new is None and chunk and chunk[0].startswith("diff --git "):
        # A pure rename or mode change: no ---/+++ lines.
        parts = chunk[0][len("diff --git ") :].split(" b/", 1)
        if len(parts) == 2:
            old, new = parts[0].removeprefix("a/"), parts[1]
    return old, new


def _strip(path: str, side: str) -> str | None:
    path = path.split("\t", 1)[0]
    if path == _DEV_NULL:
        return None
    return path[len(side) :] if path.startswith(side) else path


def _file_diff(old: str | None, new: str | None, lines: list[str]) -> FileDiff:
    removed: list[int] = []
    added: list[int] = []
    new_hunks: list[LineRange] = []
    old_hunks: list[LineRange] = []
    old_line = new_line = 0
    for line in lines:
        match = _HUNK.match(line)
        if match:
            old_line, new_line = int(match.group(1)), int(match.group(3))
            old_count = int(match.group(2)) if match.group(2) is not None else 1
            new_count = int(match.group(4)) if match.group(4) is not None else 1
            if new_count:
                new_hunks.append((new_line, new_line + new_count - 1))
            if old_count:
                old_hunks.append((old_line, old_line + old_count - 1))
            continue
        if line.startswith("+"):
            added.append(new_line)
            new_line += 1
        elif line.startswith("-"):
            removed.append(old_line)
            old_line += 1
        elif line.startswith("\\"):
            continue  # "\ No newline at end of file"
        else:
            old_line += 1
            new_line += 1
    return FileDiff(old, new, tuple(removed), tuple(added), tuple(new_hunks), tuple(old_hunks))


def touches(lines: Iterable[int], first: int, last: int) -> int | None:
    """The first of `lines` within `first..last`, if any."""
    return next((n for n in lines if first <= n <= last), None)


def within(hunks: Iterable[LineRange], first: int, last: int) -> int | None:
    """The first line of `first..last` that a hunk shows, if any."""
    for start, end in hunks:
        lo, hi = max(start, first), min(end, last)
        if lo <= hi:
            return lo
    return None
