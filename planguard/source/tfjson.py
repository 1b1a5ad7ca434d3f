"""A `*.tf.json` file (Terraform's JSON configuration syntax) as the same `parsed` records a
`.tf` file gives, with the lines of each block and attribute.

`json.loads` keeps no positions, so this reads the document itself (strings through the
standard library's own `scanstring`) and keeps where each value starts and ends. Blocks are
mapped the way Terraform reads them (https://developer.hashicorp.com/terraform/language/syntax/json):
`{"resource": {TYPE: {NAME: BODY}}}`, any level of which may be an array of objects; an
object-valued argument of a body (`lifecycle`, `ebs_block_device`, `tags`) is a nested block.
String values are templates: the references are those of their `${…}` interpolations, read
with the HCL parser; `depends_on` and `replace_triggered_by` hold bare expressions.
"""

from __future__ import annotations

import bisect
import json.decoder
import re
from collections.abc import Callable, Iterator

from planguard.records import Record
from planguard.source.hcl import Attribute, Block, ParsedFile, ParseFailure, Traversal, parse_file

# The standard library's string decoder (in C), which typeshed does not declare.
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_BLANK = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LITERALS = {"true": True, "false": False, "null": None}
_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1}
_LISTED = frozenset({"moved", "removed", "import", "check"})
_BARE = frozenset({"depends_on", "replace_triggered_by"})
_VERBATIM = frozenset({"from", "to", "ignore_changes", "replace_triggered_by"})
_MAX_DEPTH = 200


class _Invalid(Exception):
    def __init__(self, at: int) -> None:
        self.at = at


class Node(Record, frozen=True):
    value: object
    """str, int, float, bool or None; for an array its `Node`s, for an object its `Pair`s."""
    start: int
    end: int
    kind: str = "scalar"
    """"scalar", "array" or "object"."""


Pair = tuple[str, int, Node]
"""An object's key, where the key starts, and its value."""


def parse_json_config(text: str) -> ParsedFile | ParseFailure:
    """The file's blocks, or where it stops being JSON (or is not an object)."""
    lines = _Lines(text)
    try:
        root, end = _value(text, _blank(text, 0), 0)
        rest = _blank(text, end)
        if rest != len(text):
            raise _Invalid(rest)
    except _Invalid as exc:
        return ParseFailure(lines.at(exc.at), "not valid JSON")
    except RecursionError:
        return ParseFailure(None, "not valid JSON (nested too deep)")
    if root.kind != "object":
        return ParseFailure(1, "not a JSON configuration: the top level is not an object")
    return ParsedFile(tuple(_blocks(root, lines)), ())


class _Lines:
    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)


def _blank(text: str, pos: int) -> int:
    found = _BLANK.match(text, pos)
    return found.end() if found else pos


def _value(text: str, pos: int, depth: int) -> tuple[Node, int]:
    if depth > _MAX_DEPTH:
        raise _Invalid(pos)
    char = text[pos : pos + 1]
    if char == "{":
        return _object(text, pos, depth)
    if char == "[":
        return _array(text, pos, depth)
    if char == '"':
        try:
            value, end = _scanstring(text, pos + 1)
        except ValueError:
            raise _Invalid(pos) from None
        return Node(value, pos, end), end
    for word, literal in _LITERALS.items():
        if text.startswith(word, pos):
            return Node(literal, pos, pos + len(word)), pos + len(word)
    number = _NUMBER.match(text, pos)
    if number is None:
        raise _Invalid(pos)
    digits = number.group()
    parsed = float(digits) if any(c in digits for c in ".eE") else int(digits)
    return Node(parsed, pos, number.end()), number.end()


def _object(text: str, pos: int, depth: int) -> tuple[Node, int]:
    pairs: list[Pair] = []
    i = _blank(text, pos + 1)
    if text.startswith("}", i):
        return Node(pairs, pos, i + 1, "object"), i + 1
    while True:
        if not text.startswith('"', i):
            raise _Invalid(i)
        key, after = _value(text, i, depth + 1)
        i = _blank(text, after)
        if not text.startswith(":", i):
            raise _Invalid(i)
        value, after = _value(text, _blank(text, i + 1), depth + 1)
        pairs.append((str(key.value), key.start, value))
        i = _blank(text, after)
        if text.startswith("}", i):
            return Node(pairs, pos, i + 1, "object"), i + 1
        if not text.startswith(",", i):
            raise _Invalid(i)
        i = _blank(text, i + 1)


def _array(text: str, pos: int, depth: int) -> tuple[Node, int]:
    items: list[Node] = []
    i = _blank(text, pos + 1)
    if text.startswith("]", i):
        return Node(items, pos, i + 1, "array"), i + 1
    while True:
        item, after = _value(text, i, depth + 1)
        items.append(item)
        i = _blank(text, after)
        if text.startswith("]", i):
            return Node(items, pos, i + 1, "array"), i + 1
        if not text.startswith(",", i):
            raise _Invalid(i)
        i = _blank(text, i + 1)


# The document as blocks --------------------------------------------------------------------


def _pairs(node: Node) -> list[Pair]:
    return node.value if node.kind == "object" and isinstance(node.value, list) else []


def _objects(node: Node) -> Iterator[Node]:
    """An object, or each object of an array of them (JSON's way to repeat a block)."""
    if node.kind == "object":
        yield node
    elif node.kind == "array" and isinstance(node.value, list):
        yield from (item for item in node.value if item.kind == "object")


def _blocks(root: Node, lines: _Lines) -> Iterator[Block]:
    for kind, key_start, node in _pairs(root):
        if kind in _LABELS:
            yield from _labelled(kind, node, (), want=_LABELS[kind], start=key_start, lines=lines)
        elif kind == "locals":
            for body in _objects(node):
                yield _block(kind, (), key_start, body, lines, nested=False)
        elif kind in _LISTED:
            for body in _objects(node):
                yield _block(kind, (), body.start, body, lines, nested=False)


def _labelled(
    kind: str, node: Node, labels: tuple[str, ...], *, want: int, start: int, lines: _Lines
) -> Iterator[Block]:
    """`{"aws_db": {"main": BODY}}` down to BODY, each label the key of one level."""
    for level in _objects(node):
        if len(labels) == want:
            yield _block(kind, labels, start, level, lines, nested=True)
            continue
        for label, key_start, inner in _pairs(level):
            yield from _labelled(
                kind, inner, (*labels, label), want=want, start=key_start, lines=lines
            )


def _block(
    kind: str, labels: tuple[str, ...], start: int, body: Node, lines: _Lines, *, nested: bool
) -> Block:
    attributes: list[Attribute] = []
    blocks: list[Block] = []
    for name, key_start, value in _pairs(body):
        inner = list(_objects(value)) if nested else []
        if inner:
            blocks.extend(_block(name, (), key_start, b, lines, nested=False) for b in inner)
        else:
            attributes.append(_attribute(name, key_start, value, lines))
    return Block(
        kind,
        labels,
        lines.at(start),
        lines.at(body.end - 1),
        tuple(attributes),
        tuple(blocks),
    )


def _attribute(name: str, start: int, value: Node, lines: _Lines) -> Attribute:
    strings = list(_strings(value))
    bare = name in _BARE
    references = tuple(
        dict.fromkeys(t for s in strings for t in (_expression(s) if bare else _template(s)))
    )
    literal: str | bool | None = None
    if isinstance(value.value, bool | str):
        # A string with an interpolation is an expression, as a `.tf` file's would be.
        literal = None if isinstance(value.value, str) and "${" in value.value else value.value
    verbatim = None
    if name in _VERBATIM:
        shown = strings[0] if isinstance(value.value, str) else f"[{', '.join(strings)}]"
        verbatim = " ".join(shown.split())
    return Attribute(name, lines.at(start), lines.at(value.end - 1), references, literal, verbatim)


def _strings(node: Node) -> Iterator[str]:
    value = node.value
    if isinstance(value, str):
        yield value
    elif node.kind == "array" and isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif node.kind == "object" and isinstance(value, list):
        for _, _, item in value:
            yield from _strings(item)


def _template(text: str) -> Iterator[Traversal]:
    for expression in _interpolations(text):
        yield from _expression(expression)


def _expression(text: str) -> tuple[Traversal, ...]:
    parsed = parse_file(f"x = (\n{text}\n)\n")
    if isinstance(parsed, ParseFailure) or not parsed.attributes:
        return ()  # what cannot be read refers to nothing: it explains nothing either
    return parsed.attributes[0].references


def _interpolations(text: str) -> Iterator[str]:
    """The expressions of a template's `${…}` (not its `$${` escapes)."""
    i = 0
    while (start := text.find("${", i)) >= 0:
        if start > 0 and text[start - 1] == "$":
            i = start + 2
            continue
        end = _closing(text, start + 2)
        if end < 0:
            return
        yield text[start + 2 : end].strip().strip("~").strip()
        i = end + 1


def _closing(text: str, i: int) -> int:
    """The `}` that closes an interpolation whose expression starts at `i`, or -1."""
    depth = 0
    quoted = False
    while i < len(text):
        char = text[i]
        if quoted:
            if char == "\\":
                i += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1
