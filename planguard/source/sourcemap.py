"""A root module's `.tf` and `.tf.json` files, and its local modules', as a `SourceMap`. Files
come through a `SourceTree`, so the same code reads the working tree and a git ref.

Resources are keyed by their configuration address (`module.app.aws_db_instance.main`), which
every instance in the plan (`module.app["a"].aws_db_instance.main[0]`) maps to. A module whose
source is not a local path is recorded as not mapped; a file that does not parse is a warning.

Reading is selective: every file is read and scanned (`examine`), module calls and
`moved`/`removed`/`import` blocks are parsed at once, and every other block only when a
finding or the intent check looks it up (`index`). The map is the same as parsing every file
whole (`selective=False`, which tests compare it with).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Protocol

from planguard.findings import SourceLocation
from planguard.source.cache import StatusCache
from planguard.source.convert import ADDRESS_KINDS, address_block
from planguard.source.examine import Exam, Job, examine_all, settle
from planguard.source.hcl import Block, ParsedFile
from planguard.source.index import FileEntry, SourceIndex
from planguard.source.model import (
    AddressBlock,
    ParseWarning,
    SourceMap,
    UnmappedModule,
)
from planguard.source.where import CONFIGURATION

MAX_MODULE_DEPTH = 32
"""Local modules nested deeper than this are not followed (a source loop would never end)."""


class SourceTree(Protocol):
    def files(self, directory: str) -> tuple[str, ...]:
        """Names of the files directly in `directory` ("" is the top)."""

    def read(self, path: str) -> str | None:
        """The file's text; None when it cannot be read as UTF-8 text."""


@dataclass
class _Walk:
    tree: SourceTree
    cache: StatusCache | None
    selective: bool
    files: list[str] = field(default_factory=list)
    entries: list[FileEntry] = field(default_factory=list)
    address_blocks: list[AddressBlock] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    unmapped: list[UnmappedModule] = field(default_factory=list)
    feeds: dict[str, tuple[str, str]] = field(default_factory=dict)
    read: dict[str, tuple[str | None, Exam | None]] = field(default_factory=dict)
    """Each file read so far, by path: a module directory several calls use is read once."""


def build_source_map(
    tree: SourceTree,
    directory: str,
    *,
    cache: StatusCache | None = None,
    selective: bool = True,
) -> SourceMap:
    """The map of the root module in `directory` and every local module it calls.

    `cache` only spares parsing files nothing looks into, for the report's warnings (see
    `source.cache` for why it can decide nothing). `selective=False` parses every file whole.
    """
    walk = _Walk(tree, cache, selective)
    top = _normal(directory)
    _read_module(walk, top, tree.files(top), "", depth=0)
    index = SourceIndex(walk.entries)
    return SourceMap(
        directory=top,
        files=tuple(walk.files),
        objects=index if selective else dict(index.items()),
        address_blocks=tuple(walk.address_blocks),
        warnings=tuple(walk.warnings),
        unmapped=tuple(walk.unmapped),
        variable_feeds=walk.feeds,
    )


def _normal(directory: str) -> str:
    cleaned = posixpath.normpath(directory) if directory else ""
    return "" if cleaned == "." else cleaned


def _join(directory: str, name: str) -> str:
    return posixpath.join(directory, name) if directory else name


def _read_module(
    walk: _Walk, directory: str, names: tuple[str, ...], prefix: str, *, depth: int
) -> None:
    paths = [
        _join(directory, name)
        for name in sorted(names)
        if name.endswith(CONFIGURATION) or (not prefix and name.endswith(".tfvars"))
    ]
    new = [p for p in paths if p not in walk.read]
    texts = {path: walk.tree.read(path) for path in new}
    jobs = [Job(p, t, whole=not walk.selective) for p, t in texts.items() if t is not None]
    exams = settle(walk.cache, jobs, examine_all(jobs))
    examined = {job.path: exam for job, exam in zip(jobs, exams, strict=True)}
    walk.read.update({p: (t, examined.get(p)) for p, t in texts.items()})
    for path in paths:
        text, exam = walk.read[path]
        if text is None or exam is None:
            walk.warnings.append(ParseWarning(path, None, "not readable as UTF-8 text"))
        else:
            _read_file(walk, FileEntry(path, prefix, text, exam), depth=depth)


def _read_file(walk: _Walk, entry: FileEntry, *, depth: int) -> None:
    # Every file is an entry, even one shown as not parsing: a lookup parses it anew, so a
    # status the parse cache gave decides nothing.
    walk.entries.append(entry)
    status = entry.exam.status
    if not status.parses:
        message = f"does not parse, so its blocks are not mapped: {status.message}"
        walk.warnings.append(ParseWarning(entry.path, status.line, message))
        return
    if entry.path not in walk.files:  # a module directory two calls use is one set of files
        walk.files.append(entry.path)
    if entry.path.endswith(".tfvars"):
        return
    for block in _read_at_once(entry.exam):
        if block.kind in ADDRESS_KINDS:
            walk.address_blocks.append(address_block(block, entry.path, entry.prefix))
        elif block.kind == "module" and block.labels:
            _follow(walk, block, entry.path, entry.prefix, depth=depth)


def _read_at_once(exam: Exam) -> list[Block]:
    """The file's module calls and `moved`/`removed`/`import` blocks, in file order."""
    if isinstance(exam.whole, ParsedFile):
        parsed = [exam.whole]
    else:
        parsed = [p for _, p in exam.blocks if isinstance(p, ParsedFile)]
    wanted = ADDRESS_KINDS | {"module"}
    return [b for p in parsed for b in p.blocks if b.kind in wanted]


def _follow(walk: _Walk, block: Block, path: str, prefix: str, *, depth: int) -> None:
    """Read a module call's source when it is a local directory; else record it as unmapped."""
    key = f"{prefix}module.{block.labels[0]}"
    source = block.attribute("source")
    text = source.literal if source and isinstance(source.literal, str) else None
    loc = SourceLocation(path, block.line, block.end_line)
    if text is None or not text.startswith(("./", "../")):
        shown = _without_credentials(text) if text else "(not a literal string)"
        walk.unmapped.append(UnmappedModule(key, shown, loc))
        return
    if depth >= MAX_MODULE_DEPTH:
        walk.warnings.append(
            ParseWarning(path, block.line, f"{key}: modules nested too deep, not followed")
        )
        return
    child = _normal(posixpath.join(posixpath.dirname(path), text))
    if child.startswith("../") or child == "..":
        walk.unmapped.append(UnmappedModule(key, f"{text} (outside the repository)", loc))
        return
    names = walk.tree.files(child)
    if not any(n.endswith(CONFIGURATION) for n in names):
        walk.unmapped.append(UnmappedModule(key, f"{text} (no .tf files there)", loc))
        walk.warnings.append(
            ParseWarning(path, block.line, f"{key}: source {text} holds no .tf files")
        )
        return
    for attr in block.attributes:
        walk.feeds[f"{key}.var.{attr.name}"] = (key, attr.name)
    _read_module(walk, child, names, f"{key}.", depth=depth + 1)


def _without_credentials(source: str) -> str:
    """A remote source as it may be shown: no `user:token@`, no query string (`?ref=` aside,
    a query can carry a token too)."""
    shown = re.sub(r"(://)[^/@\s]*@", r"\1", source)
    return shown.split("?", 1)[0]
