"""The lark tree of `hcl2.parses_to_tree()` walked into `parsed` records (python-hcl2's and
lark's only home; imported by `hcl` on the first parse, never at start-up).

`hcl2.loads()` drops positions, so this walks the lark tree, whose nodes carry
`meta.line`/`meta.end_line`. Only what planguard reads survives the walk: block kinds and
labels, attribute names and lines, the references each attribute makes, literal booleans and
strings. Attribute values are otherwise never kept: a `.tf` file can hold a hard-coded secret,
and what is not kept cannot be rendered.
"""

from __future__ import annotations

import hcl2
from lark import Token
from lark import Tree as LarkTree
from lark.exceptions import LarkError, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from planguard.source.parsed import Attribute, Block, ParsedFile, ParseFailure, Traversal

Tree = LarkTree[Token]

VERBATIM = frozenset({"from", "to", "ignore_changes", "replace_triggered_by"})
"""Attributes whose source text names addresses or attributes (never values): kept verbatim."""


def parse(text: str) -> ParsedFile | ParseFailure:
    """The file's top-level blocks and attributes, or where and why it does not parse."""
    try:
        tree = hcl2.parses_to_tree(text if text.endswith("\n") else text + "\n")
    except UnexpectedInput as exc:
        return ParseFailure(exc.line if exc.line and exc.line > 0 else None, _unexpected(exc))
    except (LarkError, RecursionError, ValueError) as exc:
        return ParseFailure(None, f"not valid HCL ({type(exc).__name__})")
    body = _child(tree, "body")
    if body is None:
        return ParsedFile((), ())
    attributes = tuple(_attribute(c, text) for c in _children(body, "attribute"))
    return ParsedFile(_blocks(body, text), attributes)


def _unexpected(exc: UnexpectedInput) -> str:
    """Where and what kind of thing the parser did not expect; never the text itself (the
    parser's own message quotes the source, and a `.tf` file can hold a secret)."""
    column = f" at column {exc.column}" if isinstance(exc.column, int) and exc.column > 0 else ""
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            return f"not valid HCL{column}: the file ends too early"
        return f"not valid HCL{column}: unexpected {token.type} token"
    if isinstance(exc, UnexpectedEOF):
        return "not valid HCL: the file ends too early"
    return f"not valid HCL{column}: unexpected character"


def _child(node: Tree, name: str) -> Tree | None:
    return next((c for c in node.children if isinstance(c, LarkTree) and c.data == name), None)


def _children(node: Tree, name: str) -> list[Tree]:
    return [c for c in node.children if isinstance(c, LarkTree) and c.data == name]


def _blocks(body: Tree, text: str) -> tuple[Block, ...]:
    return tuple(_block(c, text) for c in _children(body, "block"))


def _block(node: Tree, text: str) -> Block:
    kind = ""
    labels: list[str] = []
    body: Tree | None = None
    for child in node.children:
        if isinstance(child, LarkTree) and child.data == "identifier":
            if kind:
                labels.append(_name(child))
            else:
                kind = _name(child)
        elif isinstance(child, LarkTree) and child.data == "string":
            labels.append(_string_text(child))
        elif isinstance(child, LarkTree) and child.data == "body":
            body = child
    attributes: list[Attribute] = []
    blocks: tuple[Block, ...] = ()
    if body is not None:
        attributes = [_attribute(c, text) for c in _children(body, "attribute")]
        blocks = _blocks(body, text)
    return Block(kind, tuple(labels), node.meta.line, node.meta.end_line, tuple(attributes), blocks)


def _attribute(node: Tree, text: str) -> Attribute:
    name = _name(node.children[0])
    expression = node.children[-1]
    literal: str | bool | None = None
    if isinstance(expression, LarkTree):
        literal = _literal(expression)
    verbatim = None
    if name in VERBATIM and isinstance(expression, LarkTree):
        verbatim = " ".join(text[expression.meta.start_pos : expression.meta.end_pos].split())
    found: list[Traversal] = []
    _references(expression, found)
    return Attribute(
        name,
        node.meta.line,
        node.meta.end_line,
        tuple(dict.fromkeys(found)),
        literal,
        verbatim,
    )


def _name(node: Tree | Token) -> str:
    if isinstance(node, Token):
        return str(node)
    return "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)))


def _string_text(node: Tree) -> str:
    """A label or plain string: its parts without the quotes (no interpolation expected)."""
    parts = [c for c in node.children if isinstance(c, LarkTree) and c.data == "string_part"]
    return "".join(_name(p) for p in parts)


def _literal(expression: Tree) -> str | bool | None:
    inner = expression.children[0] if len(expression.children) == 1 else None
    if isinstance(inner, LarkTree) and inner.data == "literal_value":
        value = str(inner.children[0])
        return {"true": True, "false": False}.get(value)
    if isinstance(inner, LarkTree) and inner.data == "string":
        parts = [c for c in inner.children if isinstance(c, LarkTree) and c.data == "string_part"]
        if all(isinstance(p.children[0], Token) for p in parts if p.children):
            return _string_text(inner)
    return None


_TRAVERSALS = frozenset({"get_attr_expr_term", "index_expr_term"})


def _references(node: Tree | Token, out: list[Traversal]) -> None:
    """Every traversal in an expression: `var.x`, `aws_vpc.main.id`, `module.m.out`…"""
    if isinstance(node, Token):
        return
    if node.data in _TRAVERSALS:
        names, rest = _flatten(node)
        if len(names) >= 2:
            out.append(tuple(names))
        for inner in rest:
            _references(inner, out)
        return
    if node.data == "object_elem_key":
        return  # `{ name = … }`: the key is a name, not a reference
    for child in node.children:
        _references(child, out)


def _flatten(node: Tree) -> tuple[list[str], list[Tree]]:
    """A traversal's names from its root, and the subtrees (indexes, calls) to search on."""
    if node.data == "expr_term" and len(node.children) == 1:
        only = node.children[0]
        if isinstance(only, LarkTree) and only.data == "identifier":
            return [_name(only)], []
        if isinstance(only, LarkTree):
            return _flatten(only)
        return [], []
    if node.data == "get_attr_expr_term":
        base = node.children[0]
        names, rest = _flatten(base) if isinstance(base, LarkTree) else ([], [])
        attr = node.children[-1]
        if isinstance(attr, LarkTree) and names:
            ident = _child(attr, "identifier")
            if ident is not None:
                names.append(_name(ident))
        return names, rest
    if node.data == "index_expr_term":
        base = node.children[0]
        names, rest = _flatten(base) if isinstance(base, LarkTree) else ([], [])
        return names, rest + [c for c in node.children[1:] if isinstance(c, LarkTree)]
    return [], [node]
