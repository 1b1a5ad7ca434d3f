"""A shell command line read character by character, the way a shell reads it before it
splits words: quotes, escapes, line continuations, comments, here-documents and command
substitutions. `planguard.shellcmd` then splits the prepared text into commands.

The scan answers what the standard library's `shlex` gets wrong for a shell: a `#` starts a
comment only at the start of a word, a backslash-newline joins lines except inside a comment
or single quotes, a here-document's delimiter is a whole word after quote removal, and its
body is text fed to the command, not commands. What it does not read (ANSI-C `$'…'` and
locale `$"…"` quoting) it reports, so the caller fails closed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from planguard.records import Record, field

_WORD_END = frozenset(" \t\n;&|()<>")


class Prepared(Record, frozen=True):
    text: str
    """The line without comments, continuations and here-document bodies; each `<<WORD`
    replaced by `<< MARKER`."""
    bodies: dict[str, str] = field(default_factory=dict)
    """Each marker's here-document body."""
    unread: tuple[str, ...] = ()
    """Constructs the scan does not read."""


def prepare(text: str) -> Prepared:
    scan = _Scan(text)
    scan.run()
    return Prepared("".join(scan.out), scan.bodies, tuple(dict.fromkeys(scan.unread)))


@dataclasses.dataclass
class _Scan:
    text: str
    out: list[str] = dataclasses.field(default_factory=list)
    bodies: dict[str, str] = dataclasses.field(default_factory=dict)
    unread: list[str] = dataclasses.field(default_factory=list)
    pending: list[tuple[str, str, bool]] = dataclasses.field(default_factory=list)
    i: int = 0

    def run(self) -> None:
        quote = ""
        text = self.text
        while self.i < len(text):
            char = text[self.i]
            if quote in ("'", "$'"):
                quote = self._in_single(char, quote)
            elif char == "\\":
                self._escape()
            elif quote == '"':
                self.out.append(char)
                quote = "" if char == '"' else quote
                self.i += 1
            else:
                quote = self._unquoted(char)
        for marker, _, _ in self.pending:  # no newline after the operator: an empty body
            self.bodies[marker] = ""

    def _in_single(self, char: str, quote: str) -> str:
        if quote == "$'" and char == "\\":  # ANSI-C quotes have escapes; single quotes do not
            self.out.append(self.text[self.i : self.i + 2])
            self.i += 2
            return quote
        self.out.append(char)
        self.i += 1
        return "" if char == "'" else quote

    def _escape(self) -> None:
        if self.text.startswith("\\\n", self.i):  # a continuation: the lines are one
            self.i += 2
            return
        self.out.append(self.text[self.i : self.i + 2])
        self.i += 2

    def _unquoted(self, char: str) -> str:
        text, i = self.text, self.i
        if text.startswith(("$'", '$"'), i):
            self.unread.append(f"{text[i : i + 2]}…{text[i + 1]} quoting")
            self.out.append(text[i : i + 2])
            self.i += 2
            return "$'" if text[i + 1] == "'" else '"'
        if char in "'\"":
            self.out.append(char)
            self.i += 1
            return char
        if char == "#" and (not self.out or self.out[-1][-1:] in _WORD_END):
            end = text.find("\n", i)  # a comment: a continuation does not extend it
            self.i = len(text) if end < 0 else end
            return ""
        if text.startswith("<<<", i):  # a here-string: its word is an ordinary word
            self.out.append("<<<")
            self.i += 3
            return ""
        if text.startswith("<<", i):
            self._here_document()
            return ""
        if char == "\n" and self.pending:
            self.out.append(char)
            self.i += 1
            self._bodies()
            return ""
        self.out.append(char)
        self.i += 1
        return ""

    def _here_document(self) -> None:
        """`<<WORD` / `<<-WORD`: the delimiter is WORD with its quotes removed (`E"OF"` is
        `EOF`); the body starts on the next line."""
        text = self.text
        j = self.i + 2
        strip_tabs = text.startswith("-", j)
        j += strip_tabs
        while j < len(text) and text[j] in " \t":
            j += 1
        word: list[str] = []
        while j < len(text) and text[j] not in _WORD_END:
            if text[j] in "'\"":
                end = text.find(text[j], j + 1)
                if end < 0:
                    self.unread.append("a here-document delimiter with an unclosed quote")
                    end = len(text)
                word.append(text[j + 1 : end])
                j = end + 1
            elif text[j] == "\\":
                word.append(text[j + 1 : j + 2])
                j += 2
            else:
                word.append(text[j])
                j += 1
        delimiter = "".join(word)
        if not delimiter:
            self.unread.append("a here-document without a delimiter")
        marker = f"planguard-heredoc-{len(self.bodies) + len(self.pending)}"
        self.pending.append((marker, delimiter, strip_tabs))
        self.out.append(f"<< {marker} ")
        self.i = j

    def _bodies(self) -> None:
        """The bodies of the here-documents opened on the line that just ended."""
        text = self.text
        for marker, delimiter, strip_tabs in self.pending:
            lines: list[str] = []
            while self.i < len(text):
                end = text.find("\n", self.i)
                end = len(text) if end < 0 else end
                line = text[self.i : end]
                self.i = end + 1
                if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                    break
                lines.append(line)
            self.bodies[marker] = "\n".join(lines)
        self.pending = []


def substitutions(text: str) -> Iterator[str]:
    """The text of each `$(…)`, `` `…` ``, `<(…)` and `>(…)` outside single quotes (inside
    double quotes they run too). An unclosed one yields the rest of the text: what it runs
    is at least that."""
    i, quote = 0, ""
    while i < len(text):
        char = text[i]
        if char == "\\" and quote != "'":
            i += 2
            continue
        if char in "'\"" and quote in ("", char):
            quote = "" if quote == char else char
        elif quote != "'" and char == "`":
            end = text.find("`", i + 1)
            yield text[i + 1 : end if end > i else len(text)]
            i = end if end > i else len(text)
        elif quote != "'" and text.startswith(("$(", "<(", ">("), i):
            depth, end = 1, i + 2
            while end < len(text) and depth:
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
            yield text[i + 2 : end - 1 if depth == 0 else end]
            i = end - 1
        i += 1
