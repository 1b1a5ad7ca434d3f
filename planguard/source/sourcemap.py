"""A root module's `.tf` files, and its local modules', as a `SourceMap`. Pure: files come
through a `SourceTree`, so the same code reads the working tree and a git ref.

Resources are keyed by their configuration address (`module.app.aws_db_instance.main`), which
every instance in the plan (`module.app["a"].aws_db_instance.main[0]`) maps to. A module whose
source is not a local path is recorded as not mapped; a file that does not parse is a warning.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from planguard.findings import SourceLocation
from planguard.source.hcl import Attribute, Block, ParseFailure, Traversal, parse_file
from planguard.source.model import (
    AddressBlock,
    AddressBlockKind,
    AttributeSpan,
    Lifecycle,
    ObjectKind,
    ParseWarning,
    SourceMap,
    SourceObject,
    UnmappedModule,
)

MAX_MODULE_DEPTH = 32
"""Local modules nested deeper than this are not followed (a source loop would never end)."""
_NOT_REFERENCES = frozenset({"count", "each", "self", "path", "terraform"})


class SourceTree(Protocol):
    def files(self, directory: str) -> tuple[str, ...]:
        """Names of the files directly in `directory` ("" is the top)."""

    def read(self, path: str) -> str | None:
        """The file's text; None when it cannot be read as UTF-8 text."""


@dataclass
class _Collected:
    files: list[str] = field(default_factory=list)
    objects: dict[str, SourceObject] = field(default_factory=dict)
    address_blocks: list[AddressBlock] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    unmapped: list[UnmappedModule] = field(default_factory=list)
    feeds: dict[str, tuple[str, str]] = field(default_factory=dict)


def build_source_map(tree: SourceTree, directory: str) -> SourceMap:
    """The map of the root module in `directory` and every local module it calls."""
    found = _Collected()
    top = _normal(directory)
    _read_module(tree, top, tree.files(top), "", found, depth=0)
    return SourceMap(
        directory=_normal(directory),
        files=tuple(found.files),
        objects=found.objects,
        address_blocks=tuple(found.address_blocks),
        warnings=tuple(found.warnings),
        unmapped=tuple(found.unmapped),
        variable_feeds=found.feeds,
    )


def _normal(directory: str) -> str:
    cleaned = posixpath.normpath(directory) if directory else ""
    return "" if cleaned == "." else cleaned


def _join(directory: str, name: str) -> str:
    return posixpath.join(directory, name) if directory else name


def _read_module(
    tree: SourceTree,
    directory: str,
    names: tuple[str, ...],
    prefix: str,
    found: _Collected,
    *,
    depth: int,
) -> None:
    for name in sorted(names):
        path = _join(directory, name)
        if name.endswith(".tf.json"):
            found.warnings.append(ParseWarning(path, None, "JSON configuration is not mapped"))
        elif name.endswith(".tf") or (not prefix and name.endswith(".tfvars")):
            _read_file(tree, path, prefix, found, depth=depth, tfvars=name.endswith(".tfvars"))


def _read_file(
    tree: SourceTree, path: str, prefix: str, found: _Collected, *, depth: int, tfvars: bool
) -> None:
    text = tree.read(path)
    if text is None:
        found.warnings.append(ParseWarning(path, None, "not readable as UTF-8 text"))
        return
    parsed = parse_file(text)
    if isinstance(parsed, ParseFailure):
        message = f"does not parse, so its blocks are not mapped: {parsed.message}"
        found.warnings.append(ParseWarning(path, parsed.line, message))
        return
    if path not in found.files:  # a module directory two calls use is one set of files
        found.files.append(path)
    if tfvars:  # a variable's value: explains what follows from it like its default does
        for attr in parsed.attributes:
            key = f"var.{attr.name}={path}"  # beside the variable block, not instead of it
            _add(found, _object(key, ObjectKind.VARIABLE, path, attr, ""))
        return
    for block in parsed.blocks:
        for item in _objects(block, path, prefix):
            _add(found, item)
        if block.kind in ("moved", "removed", "import"):
            found.address_blocks.append(_address_block(block, path, prefix))
        elif block.kind == "module" and block.labels:
            _follow(tree, block, path, prefix, found, depth=depth)


def _add(found: _Collected, item: SourceObject) -> None:
    # A duplicate block is a Terraform error; the first one found keeps its place.
    found.objects.setdefault(item.key, item)


def _objects(block: Block, path: str, prefix: str) -> Iterator[SourceObject]:
    loc = SourceLocation(path, block.line, block.end_line)
    spans = tuple(_span(a, prefix) for a in block.attributes)
    labels = block.labels
    if block.kind == "resource" and len(labels) == 2:
        yield SourceObject(
            f"{prefix}{labels[0]}.{labels[1]}",
            ObjectKind.RESOURCE,
            loc,
            spans + _nested_spans(block, prefix),
            _lifecycle(block.block("lifecycle")),
        )
    elif block.kind == "data" and len(labels) == 2:
        yield SourceObject(f"{prefix}data.{labels[0]}.{labels[1]}", ObjectKind.DATA, loc, spans)
    elif block.kind == "variable" and len(labels) == 1:
        yield SourceObject(f"{prefix}var.{labels[0]}", ObjectKind.VARIABLE, loc, spans)
    elif block.kind == "output" and len(labels) == 1:
        yield SourceObject(f"{prefix}output.{labels[0]}", ObjectKind.OUTPUT, loc, spans)
    elif block.kind == "module" and len(labels) == 1:
        yield SourceObject(f"{prefix}module.{labels[0]}", ObjectKind.MODULE, loc, spans)
    elif block.kind == "locals":
        for attr in block.attributes:
            yield _object(f"{prefix}local.{attr.name}", ObjectKind.LOCAL, path, attr, prefix)


def _object(key: str, kind: ObjectKind, path: str, attr: Attribute, prefix: str) -> SourceObject:
    loc = SourceLocation(path, attr.line, attr.end_line)
    return SourceObject(key, kind, loc, (_span(attr, prefix),))


def _span(attr: Attribute, prefix: str) -> AttributeSpan:
    refs = (resolve(t, prefix) for t in attr.references)
    return AttributeSpan(
        attr.name, attr.line, attr.end_line, tuple(dict.fromkeys(r for r in refs if r))
    )


def _nested_spans(block: Block, prefix: str) -> tuple[AttributeSpan, ...]:
    """Nested blocks (`ebs_block_device { … }`) as attributes named by the block type, which is
    how the plan's `replace_paths` names them. `lifecycle` is the resource's own meta-block."""
    spans = []
    for inner in block.blocks:
        resolved = (resolve(t, prefix) for a in inner.attributes for t in a.references)
        refs = tuple(dict.fromkeys(r for r in resolved if r))
        spans.append(AttributeSpan(inner.kind, inner.line, inner.end_line, refs))
    return tuple(spans)


def resolve(traversal: Traversal, prefix: str) -> str | None:
    """The object key a reference names, in the module whose keys start with `prefix`."""
    head = traversal[0]
    if head in _NOT_REFERENCES or len(traversal) < 2:
        return None
    if head == "var":
        return f"{prefix}var.{traversal[1]}"
    if head == "local":
        return f"{prefix}local.{traversal[1]}"
    if head == "module":
        if len(traversal) >= 3:
            return f"{prefix}module.{traversal[1]}.output.{traversal[2]}"
        return f"{prefix}module.{traversal[1]}"
    if head == "data":
        return f"{prefix}data.{traversal[1]}.{traversal[2]}" if len(traversal) >= 3 else None
    return f"{prefix}{head}.{traversal[1]}"


def _lifecycle(block: Block | None) -> Lifecycle | None:
    if block is None:
        return None

    def flag(name: str) -> bool | None:
        attr = block.attribute(name)
        return attr.literal if attr and isinstance(attr.literal, bool) else None

    def text(name: str) -> str | None:
        attr = block.attribute(name)
        return attr.verbatim if attr else None

    return Lifecycle(
        prevent_destroy=flag("prevent_destroy"),
        create_before_destroy=flag("create_before_destroy"),
        ignore_changes=text("ignore_changes"),
        replace_triggered_by=text("replace_triggered_by"),
    )


def _address_block(block: Block, path: str, prefix: str) -> AddressBlock:
    def address(name: str) -> str | None:
        attr = block.attribute(name)
        return f"{prefix}{attr.verbatim}" if attr and attr.verbatim else None

    lifecycle = block.block("lifecycle")
    destroy = lifecycle.attribute("destroy") if lifecycle else None
    return AddressBlock(
        AddressBlockKind(block.kind),
        SourceLocation(path, block.line, block.end_line),
        address("from"),
        address("to"),
        destroy.literal if destroy and isinstance(destroy.literal, bool) else None,
    )


def _follow(
    tree: SourceTree, block: Block, path: str, prefix: str, found: _Collected, *, depth: int
) -> None:
    """Read a module call's source when it is a local directory; else record it as unmapped."""
    key = f"{prefix}module.{block.labels[0]}"
    source = block.attribute("source")
    text = source.literal if source and isinstance(source.literal, str) else None
    loc = SourceLocation(path, block.line, block.end_line)
    if text is None or not text.startswith(("./", "../")):
        shown = _without_credentials(text) if text else "(not a literal string)"
        found.unmapped.append(UnmappedModule(key, shown, loc))
        return
    if depth >= MAX_MODULE_DEPTH:
        found.warnings.append(
            ParseWarning(path, block.line, f"{key}: modules nested too deep, not followed")
        )
        return
    child = _normal(posixpath.join(posixpath.dirname(path), text))
    if child.startswith("../") or child == "..":
        found.unmapped.append(UnmappedModule(key, f"{text} (outside the repository)", loc))
        return
    names = tree.files(child)
    if not any(n.endswith((".tf", ".tf.json")) for n in names):
        found.unmapped.append(UnmappedModule(key, f"{text} (no .tf files there)", loc))
        found.warnings.append(
            ParseWarning(path, block.line, f"{key}: source {text} holds no .tf files")
        )
        return
    for attr in block.attributes:
        found.feeds[f"{key}.var.{attr.name}"] = (key, attr.name)
    _read_module(tree, child, names, f"{key}.", found, depth=depth + 1)


def _without_credentials(source: str) -> str:
    """A remote source as it may be shown: no `user:token@`, no query string (`?ref=` aside,
    a query can carry a token too)."""
    shown = re.sub(r"(://)[^/@\s]*@", r"\1", source)
    return shown.split("?", 1)[0]
