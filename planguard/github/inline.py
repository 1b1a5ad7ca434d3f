"""Inline PR review comments: which high and critical findings get one, on which line, and
what to create, update or delete so a re-run never duplicates them. Pure.

A finding is commented inline when the PR's diff changes a line of its resource block: on the
block's first line if the diff shows it, else on the first changed line. A block the change
removes is commented on the left (base) side. Everything else is listed in the main comment.
Comments are found again by a hidden marker *and* the token's own login, like the main comment.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

from planguard.findings import Tier
from planguard.gate.model import Decision, GateItem
from planguard.github.api import LineComment, ReviewComment
from planguard.github.comment import marker_field
from planguard.records import Record
from planguard.render.engine import render_template
from planguard.render.markdown import InlineOutside
from planguard.source.diff import FileDiff, touches, within

INLINE_TIERS = (Tier.HIGH, Tier.CRITICAL)
_MARK = re.compile(r"^<!-- planguard:inline root=(\S+) id=(\S+) -->$", re.MULTILINE)
_REVIEW_MARK = "<!-- planguard:review root={root} -->"


class Inline(Record, frozen=True):
    finding_id: str
    comment: LineComment


class InlinePlan(Record, frozen=True):
    create: tuple[Inline, ...]
    update: tuple[tuple[int, str], ...]
    delete: tuple[int, ...]
    keep: tuple[int, ...]
    outside: tuple[InlineOutside, ...]
    review_body: str


def review_marker(root: str) -> str:
    return _REVIEW_MARK.format(root=marker_field(root))


def plan_inline(
    decision: Decision,
    files: Mapping[str, FileDiff] | None,
    existing: Sequence[ReviewComment],
    *,
    own_login: str,
    root: str,
    unavailable: str = "the PR's diff could not be read",
) -> InlinePlan:
    """`files`: the PR's diff by path; None when the lines cannot be placed (`unavailable`
    says why): then every finding is listed in the main comment instead."""
    wanted: list[Inline] = []
    outside: list[InlineOutside] = []
    for item in decision.items:
        if item.tier not in INLINE_TIERS or item.finding.action is None:
            continue
        placed = _place(item, files, root, unavailable)
        if isinstance(placed, Inline):
            wanted.append(placed)
        else:
            outside.append(InlineOutside(item.finding.address, item.tier, placed))
    mine: dict[tuple[str, str, str], ReviewComment] = {}
    extra: list[int] = []  # two of our comments for one finding (overlapping runs): keep one
    for ours in existing:
        m = _MARK.search(ours.body)
        if ours.author != own_login or m is None or m.group(1) != marker_field(root):
            continue
        key = (m.group(2), ours.path, ours.side)
        kept = mine.get(key)
        if kept is not None:
            extra.append(max(ours.id, kept.id))
        mine[key] = min((kept, ours), key=lambda r: r.id) if kept is not None else ours
    create: list[Inline] = []
    update: list[tuple[int, str]] = []
    keep: list[int] = []
    for inline in wanted:
        c = inline.comment
        found = mine.pop((_digest(inline.finding_id), c.path, c.side), None)
        if found is None or found.line != c.line:  # a comment cannot move: a new one replaces it
            create.append(inline)
            if found is not None:
                mine[("", "", str(found.id))] = found  # deleted below
        elif found.body != c.body:
            update.append((found.id, c.body))
        else:
            keep.append(found.id)
    body = render_template("review.md.j2", marker=review_marker(root), count=len(wanted))
    return InlinePlan(
        tuple(create),
        tuple(update),
        (*extra, *(c.id for c in mine.values())),
        tuple(keep),
        tuple(outside),
        body,
    )


def _place(
    item: GateItem, files: Mapping[str, FileDiff] | None, root: str, unavailable: str
) -> Inline | str:
    """Where the finding's comment goes, or why it cannot go inline."""
    finding = item.finding
    loc = finding.location
    if loc is None:
        return "not located in the source"
    if files is None:
        return f"{loc} ({unavailable})"
    diff = files.get(loc.file)
    if diff is None:
        return f"{loc}, outside this PR's diff"
    if finding.removed_at_base:
        changed, hunks, side = diff.removed, diff.old_hunks, "LEFT"
    else:
        changed, hunks, side = diff.added, diff.new_hunks, "RIGHT"
    first_change = touches(changed, loc.line, loc.end_line)
    if first_change is None:
        return f"{loc}, outside this PR's diff"
    # The block's first line when the diff shows it (as context), else its first changed line.
    line = loc.line if within(hunks, loc.line, loc.line) else first_change
    marker = f"<!-- planguard:inline root={marker_field(root)} id={_digest(finding.id)} -->"
    body = render_template("inline.md.j2", marker=marker, item=item, finding=finding)
    return Inline(finding.id, LineComment(loc.file, line, side, body))


def _digest(finding_id: str) -> str:
    """A finding id in a marker: addresses hold quotes and brackets; a digest holds neither."""
    return hashlib.sha256(finding_id.encode()).hexdigest()[:20]
