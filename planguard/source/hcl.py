"""Parsing `.tf` text into `parsed` records: a whole file, or some of its top-level blocks.

The parser (python-hcl2 on lark, walked in `larkwalk`) is imported on the first parse, not
with this module: most runs need no parse or only a few blocks (`scan` finds which), and
importing the parser costs more than parsing those.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import cast

from planguard.records import replace
from planguard.source.parsed import Attribute, Block, ParsedFile, ParseFailure, Traversal

__all__ = [
    "PARSER",
    "Attribute",
    "Block",
    "ParseFailure",
    "ParsedFile",
    "Traversal",
    "load_parser",
    "parse_blocks",
    "parse_file",
]

PARSER = "python-hcl2 lark walk, records v1"
"""Names what `parse_file` produces; part of every parse-cache key (`source.cache`). Change it
whenever the walk keeps something new or keeps it differently."""

Parse = Callable[[str], ParsedFile | ParseFailure]


@functools.lru_cache(maxsize=4096)
def parse_file(text: str) -> ParsedFile | ParseFailure:
    """The file's top-level blocks and attributes, or where and why it does not parse.

    Cached by text: the intent check reads each unchanged file twice (head and base), and a
    module directory several calls use is read once per call; parsing is the slow part.
    """
    return _walk()(text)


def parse_blocks(text: str, first_line: int) -> ParsedFile | ParseFailure:
    """Top-level blocks cut out of a file, with the lines they have in the file:
    `first_line` is the file line of the text's first line. The text keeps each block's own
    line breaks (`scan.excerpt`), so shifting every line by the same amount is exact."""
    parsed = parse_file(text)
    if isinstance(parsed, ParseFailure) or first_line == 1:
        return parsed
    shift = first_line - 1
    return ParsedFile(
        tuple(_shift_block(b, shift) for b in parsed.blocks),
        tuple(_shift_attribute(a, shift) for a in parsed.attributes),
    )


def _shift_block(block: Block, shift: int) -> Block:
    return replace(
        block,
        line=block.line + shift,
        end_line=block.end_line + shift,
        attributes=tuple(_shift_attribute(a, shift) for a in block.attributes),
        blocks=tuple(_shift_block(b, shift) for b in block.blocks),
    )


def _shift_attribute(attribute: Attribute, shift: int) -> Attribute:
    return replace(attribute, line=attribute.line + shift, end_line=attribute.end_line + shift)


def load_parser() -> None:
    """Import the parser and load its grammar now (before forking workers that parse)."""
    parse_file("x = 1\n")


@functools.cache
def _walk() -> Parse:
    # importlib, not an import statement: `import planguard.source.hcl` must not load lark.
    return cast(Parse, importlib.import_module("planguard.source.larkwalk").parse)
