"""What a parse of one `.tf` file keeps: blocks, attributes and their lines (`hcl.parse_file`).

Plain records, so every reader of the source (the lark walk, the JSON reader, the parse cache,
the worker processes) speaks them without importing a parser.
"""

from __future__ import annotations

from planguard.records import Record

Traversal = tuple[str, ...]
"""`var.cidr` as `("var", "cidr")`; index steps are left out (`a.b[0].c` → `a`, `b`, `c`)."""


class Attribute(Record, frozen=True):
    name: str
    line: int
    end_line: int
    references: tuple[Traversal, ...]
    literal: str | bool | None = None
    """The value when it is a plain string or boolean literal (`source`, `prevent_destroy`)."""
    verbatim: str | None = None
    """For the `VERBATIM` attributes: the expression's source text."""


class Block(Record, frozen=True):
    kind: str
    labels: tuple[str, ...]
    line: int
    end_line: int
    attributes: tuple[Attribute, ...]
    blocks: tuple[Block, ...]

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)

    def block(self, kind: str) -> Block | None:
        return next((b for b in self.blocks if b.kind == kind), None)


class ParseFailure(Record, frozen=True):
    line: int | None
    message: str


class ParsedFile(Record, frozen=True):
    blocks: tuple[Block, ...]
    attributes: tuple[Attribute, ...]
    """Top-level attributes: what a `.tfvars` file holds."""
