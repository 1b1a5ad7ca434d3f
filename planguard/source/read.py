"""Reading the `.tf` source for a plan (I/O edge): the working tree, the base commit through
git, and the diff between them. Everything past here is pure (`sourcemap`, `intent`)."""

from __future__ import annotations

import os
from pathlib import Path

from planguard import gitio
from planguard.records import Record
from planguard.source.apply import SourceFacts
from planguard.source.cache import default_cache
from planguard.source.diff import Diff, parse_git_diff, whole_file
from planguard.source.intent import CodeChange
from planguard.source.sourcemap import build_source_map

_SOURCE_SUFFIXES = (".tf", ".tfvars", ".tf.json")


class WorkTree(Record, frozen=True):
    """Files under `top` (the repository root, or the working directory outside one)."""

    top: Path

    def files(self, directory: str) -> tuple[str, ...]:
        try:
            entries = os.scandir(self.top / directory)
        except OSError:
            return ()
        with entries:
            return tuple(e.name for e in entries if e.is_file())

    def read(self, path: str) -> str | None:
        try:
            return (self.top / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None


class GitTree(Record, frozen=True):
    """Files at a commit, read with git."""

    repo: Path
    commit: str

    def files(self, directory: str) -> tuple[str, ...]:
        return gitio.tree_names(self.commit, directory, self.repo)

    def read(self, path: str) -> str | None:
        # `commit` is resolved and `path` was listed by `files`: one git call per file.
        return gitio.blob(self.commit, path, self.repo)


_WORK_TREES: set[Path] = set()
"""Work-tree tops git has named in this process: a run over many roots asks git once."""


def repository(directory: Path) -> Path | None:
    """`gitio.repo_root` of a resolved directory, asking git once per repository rather
    than once per root (a Terragrunt tree has a hundred roots in one repository): git's answer
    is the nearest directory above holding `.git`, unless the environment points git
    elsewhere, so a top git confirmed once is taken again, and no `.git` above means none."""
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"):
        return gitio.repo_root(directory)
    marked = next((d for d in (directory, *directory.parents) if (d / ".git").exists()), None)
    if marked is None:
        return None
    if marked in _WORK_TREES:
        return marked
    found = gitio.repo_root(directory)
    if found is not None and found.resolve() == marked:
        _WORK_TREES.add(marked)
    return found


def read_source(directory: Path, base: str | None, cwd: Path) -> SourceFacts:
    """The source map of the root module in `directory`; with `base`, the code change too."""
    repo = repository(directory.resolve())
    top = repo or cwd.resolve()
    relative = os.path.relpath(directory.resolve(), top)
    if relative.startswith(".."):
        top, relative = directory.resolve(), "."
    relative = Path(relative).as_posix()
    cache = default_cache(os.environ)
    head = build_source_map(WorkTree(top), relative, cache=cache)
    if base is None:
        return SourceFacts(head, note="intent not checked: no --base to diff against")
    if repo is None:
        note = f"intent not checked: {directory} is not in a git repository"
        return SourceFacts(head, note=note)
    fork = gitio.merge_base(base, repo)
    before = build_source_map(GitTree(repo, fork), relative, cache=cache)
    change = CodeChange(head, before, _diff(fork, repo))
    return SourceFacts(head, change, f"intent checked against {base} ({fork[:12]})")


def _diff(fork: str, repo: Path) -> Diff:
    diff = parse_git_diff(gitio.diff_against(fork, repo))
    added = []
    for path in gitio.untracked(repo):
        if path.endswith(_SOURCE_SUFFIXES):
            text = WorkTree(repo).read(path) or ""
            added.append(whole_file(path, len(text.splitlines())))
    return Diff(diff.files + tuple(added))
