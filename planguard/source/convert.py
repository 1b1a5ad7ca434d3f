"""Parsed blocks as the source map's objects: keys scoped by module, references resolved to
object keys, lifecycle facts. Pure, and the same for a whole-file parse and a block parsed
alone, which is what lets `sourcemap` parse only the blocks it needs.
"""

from __future__ import annotations

from collections.abc import Iterator

from planguard.findings import SourceLocation
from planguard.source.hcl import Attribute, Block, ParsedFile, Traversal
from planguard.source.model import (
    AddressBlock,
    AddressBlockKind,
    AttributeSpan,
    Lifecycle,
    ObjectKind,
    SourceObject,
)
from planguard.source.scan import Item

_NOT_REFERENCES = frozenset({"count", "each", "self", "path", "terraform"})
ADDRESS_KINDS = frozenset({"moved", "removed", "import"})


def item_keys(item: Item, prefix: str) -> tuple[str, ...]:
    """The keys a scanned block may define (`block_objects` of its parse), and perhaps more:
    a `locals` block's assigned names are candidates, confirmed by parsing it."""
    labels = item.labels
    if item.kind == "resource" and len(labels) == 2:
        return (f"{prefix}{labels[0]}.{labels[1]}",)
    if item.kind == "data" and len(labels) == 2:
        return (f"{prefix}data.{labels[0]}.{labels[1]}",)
    named = {"variable": "var", "output": "output", "module": "module"}
    if item.kind in named and len(labels) == 1:
        return (f"{prefix}{named[item.kind]}.{labels[0]}",)
    if item.kind == "locals":
        return tuple(f"{prefix}local.{name}" for name in item.names)
    return ()


def tfvars_objects(parsed: ParsedFile, path: str) -> Iterator[SourceObject]:
    """A variable's value: explains what follows from it like its default does."""
    for attr in parsed.attributes:
        key = f"var.{attr.name}={path}"  # beside the variable block, not instead of it
        yield entry_object(key, ObjectKind.VARIABLE, path, attr, "")


def block_objects(block: Block, path: str, prefix: str) -> Iterator[SourceObject]:
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
            yield entry_object(f"{prefix}local.{attr.name}", ObjectKind.LOCAL, path, attr, prefix)


def entry_object(
    key: str, kind: ObjectKind, path: str, attr: Attribute, prefix: str
) -> SourceObject:
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


def address_block(block: Block, path: str, prefix: str) -> AddressBlock:
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
