"""Proof that hcl2 parses a file, without building anything: a recognizer for a strict subset
of python-hcl2's grammar (`hcl2.lark`), run over `lex` tokens.

Sound, not complete: it says yes only to text the grammar accepts, and no to anything it was
not written for (a template directive, a multi-line conditional, an operator at the start of a
line, a keyword used as a name, `provider::` functions…), which costs a parse, never a wrong
answer. Where the grammar allows a line break (around the items of a tuple, an object or a
call, inside parentheses) the subset allows it too; everywhere else a line break ends the
expression. `tests/test_source_scan.py` holds it to hcl2 on generated and real files.
"""

from __future__ import annotations

from planguard.source.lex import END, Tokens

_BINARY = frozenset({"||", "&&", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%"})
_KEYWORDS = frozenset({"if", "in", "for", "for_each", "else", "endif", "endfor"})
"""hcl2.lark's keyword terminals: in these places its lexer may not take them for names."""
_LITERALS = frozenset({"true", "false", "null"})
NOT_NAMES = _KEYWORDS | _LITERALS
"""Words hcl2's lexer may take for keywords or literals where a name could stand."""
_NOT_ITEM_NAMES = NOT_NAMES - {"for_each"}
"""A body item's name may be `for_each` (the grammar takes keywords there); no other."""


class _Unproven(Exception):
    """The text leaves the subset: no proof, which is no claim that it does not parse."""


def proves(tokens: Tokens) -> bool:
    """Whether hcl2's grammar surely accepts the whole token stream as a file."""
    try:
        end = _Recognizer(tokens).body(0, top=True)
    except (_Unproven, IndexError, RecursionError):
        return False
    return tokens.kinds[end] == END


class _Recognizer:
    def __init__(self, tokens: Tokens) -> None:
        self.kinds = tokens.kinds
        self.tokens = tokens

    def expect(self, i: int, kind: str) -> int:
        if self.kinds[i] != kind:
            raise _Unproven
        return i + 1

    def skip_lines(self, i: int) -> int:
        kinds = self.kinds
        while kinds[i] == "nl":
            i += 1
        return i

    def is_word(self, i: int, word: str) -> bool:
        return self.kinds[i] == "name" and self.tokens.word(i) == word

    def name(self, i: int, forbidden: frozenset[str] = NOT_NAMES) -> int:
        if self.kinds[i] != "name" or self.tokens.word(i) in forbidden:
            raise _Unproven
        return i + 1

    # Bodies and blocks --------------------------------------------------------------------

    def body(self, i: int, *, top: bool) -> int:
        """Items each ended by a line break, up to the end of the file or a block's `}`."""
        kinds = self.kinds
        while True:
            i = self.skip_lines(i)
            if kinds[i] == (END if top else "}"):
                return i
            i = self.item(i)
            if kinds[i] != "nl" and kinds[i - 1] != "heredoc":  # a heredoc ends its line
                raise _Unproven

    def item(self, i: int) -> int:
        kinds = self.kinds
        i = self.name(i, _NOT_ITEM_NAMES)
        if kinds[i] == "=":
            return self.expression(i + 1)
        while kinds[i] in ("name", "s"):
            i = self.label(i)
        i = self.expect(i, "{")
        if kinds[i] == "}":
            return i + 1
        if kinds[i] == "nl":
            return self.expect(self.body(i, top=False), "}")
        i = self.name(i, _NOT_ITEM_NAMES)  # `lifecycle { prevent_destroy = true }`
        i = self.expression(self.expect(i, "="))
        return self.expect(i, "}")

    def label(self, i: int) -> int:
        if self.kinds[i] == "name":
            return self.name(i, _NOT_ITEM_NAMES)
        return i + 1  # a string without interpolations

    # Expressions --------------------------------------------------------------------------

    def expression(self, i: int) -> int:
        i = self.binary(i)
        if self.kinds[i] == "?":
            i = self.expression(i + 1)
            i = self.expression(self.expect(i, ":"))
        return i

    def binary(self, i: int) -> int:
        kinds, tokens = self.kinds, self.tokens
        i = self.unary(i)
        while kinds[i] in _BINARY:
            if kinds[i] == "-" and kinds[i + 1] == "num" and tokens.ends[i] == tokens.starts[i + 1]:
                # hcl2's lexer may read `-11` as one signed literal (`1 -11` does not parse).
                raise _Unproven
            i = self.unary(i + 1)
        return i

    def unary(self, i: int) -> int:
        if self.kinds[i] in ("-", "!"):
            i += 1  # one operator, then a term: hcl2's `unary_op : (MINUS | NOT) expr_term`
        return self.term(i)

    def term(self, i: int) -> int:
        kind = self.kinds[i]
        if kind in ("num", "heredoc", "s"):
            return i + 1
        if kind == "s{":
            return self.string(i + 1)
        if kind == "name":
            if self.tokens.word(i) in _LITERALS:
                return i + 1
            i = self.name(i)
            if self.kinds[i] == "(":
                i = self.call(i + 1)
            return self.postfix(i)
        if kind == "(":
            i = self.expression(self.skip_lines(i + 1))
            return self.postfix(self.expect(self.skip_lines(i), ")"))
        if kind == "[":
            j = self.skip_lines(i + 1)
            i = self.for_tuple(j + 1) if self.is_word(j, "for") else self.tuple(j)
            return self.postfix(i)
        if kind == "{":
            j = self.skip_lines(i + 1)
            i = self.for_object(j + 1) if self.is_word(j, "for") else self.object(j)
            return self.postfix(i)
        raise _Unproven

    def postfix(self, i: int) -> int:
        kinds = self.kinds
        while True:
            kind = kinds[i]
            if kind == ".":
                if kinds[i + 1] == "num" and self.tokens.word(i + 1).isdigit():
                    i += 2  # `network_interface.0`: hcl2's short index
                else:
                    i = self.name(i + 1)
            elif kind in (".*", "[*]"):
                i += 1
            elif kind == "[":
                i = self.expression(self.skip_lines(i + 1))
                i = self.expect(self.skip_lines(i), "]")
            else:
                return i

    def string(self, i: int) -> int:
        """Interpolations after `s{`, through the string's end."""
        while True:
            i = self.expression(i)
            kind = self.kinds[i]
            if kind == "}s":
                return i + 1
            i = self.expect(i, "}s{")

    def call(self, i: int) -> int:
        """Arguments after `(`, through `)`."""
        kinds = self.kinds
        if kinds[i] == ")":
            return i + 1
        i = self.skip_lines(i)
        while True:
            i = self.skip_lines(self.expression(i))
            if kinds[i] == ",":
                i = self.skip_lines(i + 1)
                if kinds[i] == ")":
                    return i + 1
            else:
                return self.expect(i, ")")

    def tuple(self, i: int) -> int:
        """Elements after `[` and any line breaks, through `]`."""
        kinds = self.kinds
        while kinds[i] != "]":
            i = self.skip_lines(self.expression(i))
            if kinds[i] == ",":
                i = self.skip_lines(i + 1)
            elif kinds[i] != "]":
                raise _Unproven
        return i + 1

    def object(self, i: int) -> int:
        """Elements after `{` and any line breaks, through `}`; each ended by `,`, a line
        break or the `}`."""
        kinds = self.kinds
        while kinds[i] != "}":
            i = self.object_key(i)
            if kinds[i] not in ("=", ":"):
                raise _Unproven
            after = self.expression(i + 1)
            i = self.skip_lines(after)
            if kinds[i] == ",":
                i = self.skip_lines(i + 1)
            elif i == after and kinds[i] != "}" and kinds[after - 1] != "heredoc":
                raise _Unproven
        return i + 1

    def object_key(self, i: int) -> int:
        kind = self.kinds[i]
        if kind == "name":
            return self.name(i)
        if kind == "s":
            return i + 1
        if kind == "s{":
            return self.string(i + 1)
        if kind == "(":
            i = self.expression(self.skip_lines(i + 1))
            return self.expect(self.skip_lines(i), ")")
        raise _Unproven

    def for_intro(self, i: int) -> int:
        """`k, v in COLLECTION :` after `for`, and the line breaks after the colon."""
        i = self.name(i)
        if self.kinds[i] == ",":
            i = self.name(i + 1)
        if not self.is_word(i, "in"):
            raise _Unproven
        # No conditional here: its `:` and the intro's would be the parser's choice.
        i = self.binary(i + 1)
        return self.skip_lines(self.expect(i, ":"))

    def for_condition(self, i: int) -> int:
        i = self.skip_lines(i)
        if self.is_word(i, "if"):
            i = self.skip_lines(self.expression(i + 1))
        return i

    def for_tuple(self, i: int) -> int:
        i = self.expression(self.for_intro(i))
        return self.expect(self.for_condition(i), "]")

    def for_object(self, i: int) -> int:
        i = self.binary(self.for_intro(i))
        i = self.expression(self.skip_lines(self.expect(i, "=>")))
        if self.kinds[i] == "...":
            i += 1
        return self.expect(self.for_condition(i), "}")
