"""Cut markdown to a size limit without breaking it: whole lines, open blocks closed, a note."""

from __future__ import annotations

from collections.abc import Callable

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


def fit(
    markdown: str, budget: int, where_full: str, measure: Callable[[str], int] = characters
) -> str:
    """`markdown` itself when it fits; else its longest prefix of whole lines that fits
    together with the closers of what it leaves open and a note saying what was left out."""
    if measure(markdown) <= budget:
        return markdown
    lines = markdown.split("\n")
    kept: list[str] = []
    used = 0
    for line in lines:
        cost = measure(line) + 1
        if used + cost + _reserve(kept, where_full, measure) > budget:
            break
        kept.append(line)
        used += cost
    left_out = len(lines) - len(kept)
    return "\n".join([*kept, *_closers(kept), "", _note(left_out, where_full)]) + "\n"


def _reserve(kept: list[str], where_full: str, measure: Callable[[str], int]) -> int:
    tail = "\n".join([*_closers(kept), "", _note(10**9, where_full)])
    return measure(tail) + 2


def _note(left_out: int, where_full: str) -> str:
    return (
        f"> **Cut to fit:** {left_out} more line(s) are not shown here. Full report: {where_full}."
    )


def _closers(lines: list[str]) -> list[str]:
    """Close a fence and any `<details>` the kept lines leave open (innermost first)."""
    closers: list[str] = []
    fence = False
    details = 0
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("```"):
            fence = not fence
        elif not fence:
            details += stripped.count("<details") - stripped.count("</details>")
    if fence:
        closers.append("```")
    closers += ["</details>"] * max(details, 0)
    return closers
