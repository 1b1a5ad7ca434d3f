"""Where a `.tf` file's top-level blocks are, without parsing it: the cheap first step.

`scan` cuts the file into top-level blocks (`resource "aws_db" "main" { … }`), each with its
kind, labels, lines and character span, and says whether the whole file is *proven* to parse
(`recognize`). For a file hcl2 parses, the blocks found are exactly the ones it finds: strings,
heredocs and comments are lexed the way its grammar lexes them (`lex`), so a `resource` word in
a comment, a block header inside a heredoc or a brace inside a string is never taken for
structure. Anything the scan cannot cut for sure (a top-level attribute, odd quoting, a label
with an interpolation, unbalanced brackets) gives None, and the file is parsed whole.

What a scan may be trusted with (`sourcemap` relies on exactly this):
- a proven file parses, and parsing one of its blocks alone (`excerpt`) gives the block the
  whole-file parse gives;
- for any file that parses, every block and every `locals` entry it holds is in the scan
  (the scan may list more: a name it lists is looked up by parsing, never believed).
"""

from __future__ import annotations

import functools

from planguard.records import Record
from planguard.source.lex import END, Tokens, tokenize
from planguard.source.recognize import NOT_NAMES, proves

_OPEN = frozenset({"{", "[", "("})
_CLOSE = frozenset({"}", "]", ")"})
_PROTECT = "prevent_destroy"


class Item(Record, frozen=True):
    """One top-level block."""

    kind: str
    labels: tuple[str, ...]
    line: int
    end_line: int
    start: int
    end: int
    """Character span, from the block type's first character to its closing brace."""
    names: tuple[str, ...] = ()
    """Names assigned at the block's top level (`x =`): what a `locals` block may define."""
    protects: bool = False
    """The block mentions `prevent_destroy`: without the word, no lifecycle says it."""


class Scan(Record, frozen=True):
    items: tuple[Item, ...]
    proven: bool
    """The whole file parses (`recognize.proves`): its blocks may be parsed one by one."""

    def excerpt(self, text: str, item: Item) -> str:
        """The block's own text: parsed alone, it gives what the whole file's parse gives, with
        lines counted from `item.line` (`hcl.parse_blocks`)."""
        return text[item.start : item.end]


@functools.lru_cache(maxsize=4096)
def scan(text: str) -> Scan | None:
    """The file's top-level blocks, or None when the scan cannot be sure of them."""
    tokens = tokenize(text if text.endswith("\n") else text + "\n")
    if tokens is None:
        return None
    items = _items(tokens)
    if items is None:
        return None
    return Scan(items, proves(tokens))


def _items(tokens: Tokens) -> tuple[Item, ...] | None:
    kinds = tokens.kinds
    found: list[Item] = []
    i = 0
    while kinds[i] != END:
        if kinds[i] == "nl":
            i += 1
            continue
        item, i = _block(tokens, i)
        if item is None:
            return None
        found.append(item)
    return tuple(found)


def _block(tokens: Tokens, first: int) -> tuple[Item | None, int]:
    """The block starting at token `first`, and the token after it."""
    kinds = tokens.kinds
    if kinds[first] != "name" or tokens.word(first) in NOT_NAMES:
        return None, first  # a top-level attribute, stray punctuation, a keyword as a type
    labels: list[str] = []
    i = first + 1
    while kinds[i] in ("name", "s"):
        word = tokens.word(i)
        if kinds[i] == "name" and word in NOT_NAMES:
            return None, first  # hcl2 would not count a keyword among the labels
        labels.append(word if kinds[i] == "name" else word[1:-1])  # raw, as the parse keeps it
        i += 1
    if kinds[i] == "s{":
        return None, first  # a label with an interpolation
    while kinds[i] == "nl":  # hcl2 allows a line break before the brace
        i += 1
    if kinds[i] != "{":
        return None, first
    close = _closing(kinds, i)
    if close < 0:
        return None, first
    kind = tokens.word(first)
    start, end = tokens.starts[first], tokens.ends[close]
    item = Item(
        kind,
        tuple(labels),
        tokens.line(first),
        tokens.line(close),
        start,
        end,
        _assigned(tokens, i, close) if kind == "locals" else (),
        # The word anywhere in the block, even in a comment: more than enough is enough.
        _PROTECT in tokens.text[start:end],
    )
    return item, close + 1


def _closing(kinds: list[str], brace: int) -> int:
    """The `}` closing the block opened at `brace`; -1 when brackets do not match."""
    depth = 0
    i = brace
    while True:
        kind = kinds[i]
        if kind in _OPEN:
            depth += 1
        elif kind in _CLOSE:
            depth -= 1
            if depth == 0:
                return i if kind == "}" else -1
        elif kind == END:
            return -1
        i += 1


def _assigned(tokens: Tokens, brace: int, close: int) -> tuple[str, ...]:
    """Names assigned directly in the block (`x =`), whatever separates them."""
    kinds = tokens.kinds
    names: list[str] = []
    depth = 0
    for i in range(brace, close):
        kind = kinds[i]
        if kind in _OPEN:
            depth += 1
        elif kind in _CLOSE:
            depth -= 1
        elif depth == 1 and kind == "name" and kinds[i + 1] == "=":
            names.append(tokens.word(i))
    return tuple(names)
