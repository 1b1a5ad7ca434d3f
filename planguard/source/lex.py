"""`.tf` text as tokens, the way python-hcl2's grammar (`hcl2.lark`) cuts it: comments and
newlines, names, numbers, heredocs, strings with their `${…}` interpolations, punctuation.

The cheap first step of reading a file (`scan` finds its blocks, `recognize` proves it
parses): one regular expression run over the text, nothing built but three parallel lists.
Where the text holds anything this lexer does not cut exactly like the grammar (a template
directive `%{`, an escaped `$${`, a string running over a line end, a character HCL has no
use for) it gives up (None), and the file is parsed whole: being unsure is always allowed,
being wrong is not.
"""

from __future__ import annotations

import bisect
import dataclasses
import re

from planguard.records import Record, field

END = "end"
"""The kind of the sentinel token after the last one."""

# A run of string characters that hcl2.lark's STRING_CHARS takes too, and nothing it treats
# otherwise: no quote, backslash-newline, line end, `${`, `$${`, `%{` or `%%`.
_CHARS = r'(?:[^"\\$%\n]|\\[^\n]|\$(?![{$])|%(?![{%]))*'
_CODE = re.compile(
    r"[ \t\r]*(?:"
    # hcl2.lark's NL_OR_COMMENT: a newline, or a comment (a line comment takes its newline).
    r"(?P<nl>\n|#[^\n]*\n|//[^\n]*\n|/\*(?:.|\n)*?\*/)"
    r"|(?P<name>[a-zA-Z_][a-zA-Z0-9_-]*)"
    rf'|(?P<s>"{_CHARS}")'  # a whole string without interpolations
    rf'|(?P<si>"{_CHARS}\$\{{)'  # a string up to its first `${`
    r"|(?P<num>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"
    # hcl2.lark's HEREDOC_TEMPLATE(_TRIM), verbatim: the same text ends the same heredoc.
    r"|(?P<heredoc><<-?(?P<tag>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r?\n)??\s*(?P=tag)\r?\n)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|\.\*|\[\*\]|::|[-+*/%<>!?:=.,\[\]{}()])"
    r")"
)
# After the `}` closing an interpolation: the string goes on to its end or its next `${`.
_RESUME = re.compile(rf'\}}{_CHARS}(?:(?P<end>")|(?P<more>\$\{{))')
_STRING_OPENERS = {"si": "s{", "end": "}s", "more": "}s{"}


class Tokens(Record, frozen=True):
    """Parallel lists, one entry per token, then an `END` sentinel.

    Kinds: `nl`, `name`, `num`, `heredoc`, punctuation as itself (`{`, `==`, …), and for
    strings `s` (a whole string without `${`), `s{` (a string up to its first `${`), `}s{`
    (an interpolation's `}` through the next `${`) and `}s` (an interpolation's `}` through
    the closing quote)."""

    kinds: list[str]
    starts: list[int]
    ends: list[int]
    text: str
    _newlines: list[int] = field(default_factory=list)

    def word(self, index: int) -> str:
        return self.text[self.starts[index] : self.ends[index]]

    def line(self, index: int) -> int:
        """The line the token starts on."""
        if not self._newlines:
            self._newlines.extend(m.start() for m in re.finditer("\n", self.text))
            self._newlines.append(len(self.text) + 1)  # never empty again
        return bisect.bisect_right(self._newlines, self.starts[index] - 1) + 1


def tokenize(text: str) -> Tokens | None:
    """The tokens of `text`, or None where this lexer cannot be sure it cuts like hcl2's."""
    tokens = Tokens([], [], [], text)
    lexer = _Lexer(tokens)
    pos: int | None = 0
    while pos is not None:
        pos = lexer.run(pos)
        if pos == -1:
            return None
    tokens.kinds.append(END)
    tokens.starts.append(len(text))
    tokens.ends.append(len(text))
    return tokens


@dataclasses.dataclass
class _Lexer:
    tokens: Tokens
    braces: list[int] = dataclasses.field(default_factory=list)
    """For each open interpolation, innermost last: the `{` open inside it."""

    def run(self, pos: int) -> int | None:
        """Lex code from `pos` until the text ends (None), an interpolation closes (where to
        go on), or something is not for sure (-1)."""
        text, braces = self.tokens.text, self.braces
        kinds, starts, ends = self.tokens.kinds, self.tokens.starts, self.tokens.ends
        for found in _CODE.finditer(text, pos):
            if found.start() != pos:
                return -1  # a character HCL has no use for
            kind = found.lastgroup or ""
            start, pos = found.span(kind)
            if kind == "op":
                kind = text[start:pos]
                if braces and kind == "{":
                    braces[-1] += 1
                elif braces and kind == "}":
                    if not braces[-1]:
                        braces.pop()
                        return self.resume(start)
                    braces[-1] -= 1
            elif kind == "si":
                kind = "s{"
                braces.append(0)
            kinds.append(kind)
            starts.append(start)
            ends.append(pos)
        if text[pos:].strip(" \t\r") or braces:
            return -1
        return None

    def resume(self, brace: int) -> int:
        """The string after an interpolation's closing `}` at `brace`."""
        found = _RESUME.match(self.tokens.text, brace)
        if found is None:
            return -1  # a directive, an escape or a line end in the string: not for sure
        kind = _STRING_OPENERS[found.lastgroup or ""]
        if kind == "}s{":
            self.braces.append(0)
        self.tokens.kinds.append(kind)
        self.tokens.starts.append(brace)
        self.tokens.ends.append(found.end())
        return found.end()
