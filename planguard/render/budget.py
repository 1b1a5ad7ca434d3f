"""Cut markdown to a size limit without breaking it: whole lines, open blocks closed, a note."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from planguard.records import Record

COMMENT_LIMIT = 65_536
"""GitHub refuses comment bodies over 65,536 characters."""
COMMENT_BUDGET = 60_000
"""What planguard allows itself, leaving room for the markers and a margin."""
SUMMARY_LIMIT = 1_048_576
"""GitHub refuses a step summary over 1 MiB (bytes)."""
SUMMARY_BUDGET = 1_000_000


def characters(text: str) -> int:
    return len(text)


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


class Part(Record, frozen=True):
    """A piece of a markdown document, in order of importance."""

    title: str
    """What the cut note names when this part is left out."""
    text: str
    required: bool = False
    """Always kept (bounded by construction: the verdict, the reviewers, the top risk)."""


def assemble(
    parts: Sequence[Part],
    budget: int,
    where_full: str,
    measure: Callable[[str], int] = characters,
) -> str:
    """The parts in order while they fit; the first that does not is cut at whole lines (its
    open blocks closed) and the optional parts after it are left out, named in a note.
    Required parts are always kept, wherever they are."""
    whole = "".join(p.text for p in parts)
    if measure(whole) <= budget:
        return whole
    sizes = [measure(p.text) for p in parts]
    required_after = [0] * (len(parts) + 1)
    for i in range(len(parts) - 1, -1, -1):
        required_after[i] = required_after[i + 1] + (sizes[i] if parts[i].required else 0)
    optional = [i for i, p in enumerate(parts) if not p.required]
    kept: list[str] = []
    used = 0
    for index, part in enumerate(parts):
        later = optional[bisect.bisect_right(optional, index) :]
        # keeping this part whole must leave room for the note on what may follow it
        reserve = measure(_left_out_note(parts, later, where_full)) + 2 if later else 0
        if part.required or used + sizes[index] + required_after[index + 1] + reserve <= budget:
            kept.append(part.text)
            used += sizes[index]
            continue
        note = _left_out_note(parts, optional[bisect.bisect_left(optional, index) :], where_full)
        room = budget - used - required_after[index + 1] - measure(note) - 2
        if room > 0:
            kept.append(cut(part.text, room, measure))
        kept += [p.text for p in parts[index + 1 :] if p.required]
        kept.append("\n" + note + "\n")
        break
    return fit("".join(kept), budget, where_full, measure)


def _left_out_note(parts: Sequence[Part], positions: Sequence[int], where_full: str) -> str:
    titles = [parts[i].title for i in positions[:6]]
    if len(positions) > 6:
        titles.append(f"{len(positions) - 6} more part(s)")
    return _note(titles, where_full)


def fit(
    markdown: str, budget: int, where_full: str, measure: Callable[[str], int] = characters
) -> str:
    """`markdown` itself when it fits; else its longest prefix of whole lines that fits
    together with the closers of what it leaves open and a note saying what was left out."""
    if measure(markdown) <= budget:
        return markdown
    lines = markdown.count("\n") + 1
    room = budget - measure(_note([f"{lines} more line(s)"], where_full)) - 2
    kept = cut(markdown, room, measure)
    left_out = lines - kept.count("\n")
    return kept + "\n" + _note([f"{max(left_out, 1)} more line(s)"], where_full) + "\n"


def cut(markdown: str, budget: int, measure: Callable[[str], int] = characters) -> str:
    """The longest prefix of whole lines that fits with the closers of the blocks it leaves
    open (a fence, `<details>`), those closers added."""
    if measure(markdown) <= budget:
        return markdown
    kept: list[str] = []
    used = 0
    state = _Open()
    for line in markdown.split("\n"):
        after = state.after(line)
        if used + measure(line) + 1 + measure("\n".join(after.closers())) + 1 > budget:
            break
        kept.append(line)
        used += measure(line) + 1
        state = after
    return "\n".join([*kept, *state.closers()]) + "\n"


class _Open(Record, frozen=True):
    """Blocks open after some lines: inside a fence, and how many `<details>` deep."""

    fence: bool = False
    details: int = 0

    def after(self, line: str) -> _Open:
        stripped = line.strip()
        if stripped.startswith("```"):
            return _Open(not self.fence, self.details)
        if self.fence:
            return self
        depth = self.details + stripped.count("<details") - stripped.count("</details>")
        return _Open(False, max(depth, 0))

    def closers(self) -> list[str]:
        return (["```"] if self.fence else []) + ["</details>"] * self.details


def _note(left_out: Sequence[str], where_full: str) -> str:
    shown = ", ".join(left_out[:6]) + (
        f" and {len(left_out) - 6} more" if len(left_out) > 6 else ""
    )
    return f"> **Cut to fit:** not shown here: {shown or 'some lines'}. Full report: {where_full}."
