"""Which PR comment to write, update or delete. Pure: the API calls happen in `github.run`.

One comment per PR and plan root, found by its first line (a hidden marker) *and* by its author
being the token's own identity, so a person who quotes the marker is never overwritten. The
second line stamps the head commit and the run's start time: a run that started earlier than
the one that wrote the comment, or that evaluated a commit that is no longer the head, leaves
the comment alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from planguard.approvals.model import utc_time
from planguard.github.api import Comment
from planguard.github.choices import CommentMode
from planguard.records import Record

_STAMP = re.compile(
    r"^<!-- planguard:run head=([0-9a-f]*) at=(\S+)(?: inputs=([0-9a-f]+))? -->$", re.MULTILINE
)
_FOOTER = re.compile(r"\n<sub>planguard run started [^\n]*</sub>\n?\Z")


_CLOCK_SKEW = dt.timedelta(minutes=5)


class Stamp(Record, frozen=True):
    head_sha: str
    at: dt.datetime
    inputs: str = ""
    """A digest of what GitHub told the run about the change (`gather.inputs_digest`)."""


class CommentPlan(Record, frozen=True):
    create: bool = False
    update: int | None = None
    delete: tuple[int, ...] = ()
    fold: tuple[int, ...] = ()
    """Older comments to fold away (`hide-and-new`)."""
    kept: int | None = None
    """The live comment left as it is (it already says this)."""
    skipped: str | None = None
    """Why nothing is written (stale run, unchanged body)."""
    stale: str | None = None
    """Set when a newer run already reported: this run must not overwrite anything."""


def marker(root: str) -> str:
    return f"<!-- planguard:v1 root={marker_field(root)} -->"


def compose(root: str, stamp: Stamp, content: str, run_url: str | None, record: str = "") -> str:
    """Marker, run stamp, the review record (`github.record`), content, and a footer naming
    this run (stamp and footer change every run)."""
    at = stamp.at.astimezone(dt.timezone.utc).isoformat()
    link = f" · [logs]({run_url})" if run_url else ""
    inputs = f" inputs={stamp.inputs}" if stamp.inputs else ""
    kept = f"{record}\n" if record else ""
    return (
        f"{marker(root)}\n<!-- planguard:run head={stamp.head_sha} at={at}{inputs} -->\n"
        f"{kept}{content.rstrip()}\n\n<sub>planguard run started {at}{link}</sub>\n"
    )


def plan_comment(
    existing: Sequence[Comment],
    *,
    own_login: str,
    root: str,
    body: str,
    stamp: Stamp,
    current_head: str,
    mode: CommentMode,
    now: dt.datetime,
    no_changes: bool = False,
) -> CommentPlan:
    """`no_changes`: the plan changes nothing (for `changes-only`)."""
    mine = _mine(existing, own_login, root)
    if not mine and mode is CommentMode.CHANGES_ONLY and no_changes:
        return CommentPlan(skipped="the plan changes nothing (comment mode changes-only)")
    if not mine:
        return CommentPlan(create=True)
    latest = max(mine, key=lambda c: c.id)
    theirs = _stamp(latest.body, now)
    stale = _stale(theirs, stamp, current_head)
    if stale:
        return CommentPlan(skipped=stale, stale=stale)
    duplicates = tuple(c.id for c in mine if c.id != latest.id)
    if mode is CommentMode.NEW:
        return CommentPlan(create=True)
    if mode is CommentMode.DELETE_AND_NEW:
        return CommentPlan(create=True, delete=tuple(c.id for c in mine))
    if mode is CommentMode.HIDE_AND_NEW:
        return CommentPlan(create=True, fold=tuple(c.id for c in mine))
    # Same words, and stamped with the same inputs: the next run can tell nothing changed.
    if _content(latest.body) == _content(body) and theirs and theirs.inputs == stamp.inputs:
        return CommentPlan(
            delete=duplicates, skipped="the comment already says this", kept=latest.id
        )
    return CommentPlan(update=latest.id, delete=duplicates)


def newer_report(
    existing: Sequence[Comment],
    *,
    own_login: str,
    root: str,
    stamp: Stamp,
    current_head: str,
    now: dt.datetime,
) -> str | None:
    """Why a newer run's report stands (so this run must write nothing), or None."""
    return _stale(
        last_report(existing, own_login=own_login, root=root, now=now), stamp, current_head
    )


def last_report(
    existing: Sequence[Comment], *, own_login: str, root: str, now: dt.datetime
) -> Stamp | None:
    """The stamp of this root's live comment: which head, when, and what inputs it reports."""
    mine = _mine(existing, own_login, root)
    return _stamp(max(mine, key=lambda c: c.id).body, now) if mine else None


def live_comment(existing: Sequence[Comment], *, own_login: str, root: str) -> Comment | None:
    """This root's live report: the newest marked comment by planguard's own identity."""
    mine = _mine(existing, own_login, root)
    return max(mine, key=lambda c: c.id) if mine else None


def _mine(existing: Sequence[Comment], own_login: str, root: str) -> list[Comment]:
    """This root's comments by the token's own identity (a quoted marker by anyone else is not)."""
    return [c for c in existing if c.author == own_login and is_marked(c.body, root)]


def is_marked(body: str, root: str) -> bool:
    """The body is a planguard report of `root`: its first line is the marker (a person who
    quotes the marker further down has not written one)."""
    return body.split("\n", 1)[0] == marker(root)


def _stale(theirs: Stamp | None, ours: Stamp, current_head: str) -> str | None:
    if theirs is None:
        return None
    if ours.head_sha != current_head and theirs.head_sha == current_head:
        return (
            f"this run evaluated {ours.head_sha[:12]}, but the head is now {current_head[:12]}"
            " and the comment already reports it"
        )
    if theirs.at > ours.at:
        return (
            f"a newer run (started {theirs.at.isoformat()}) already wrote the comment; this run"
            f" started {ours.at.isoformat()}"
        )
    return None


def _stamp(body: str, now: dt.datetime) -> Stamp | None:
    """The stamp of a comment; None for one from the future (forged, or a skewed clock), which
    must not freeze the comment."""
    found = _STAMP.search(body)
    if found is None:
        return None
    try:
        at = utc_time(found.group(2))
    except ValueError:
        return None
    if at > now + _CLOCK_SKEW:
        return None
    return Stamp(found.group(1), at, found.group(3) or "")


def _content(body: str) -> str:
    """The body without the run stamp and footer, which change on every run."""
    return _FOOTER.sub("", _STAMP.sub("", body, count=1))


def folded(body: str) -> str:
    """An older report, collapsed and without its marker: no longer planguard's live comment
    for the root (so never updated again), still readable for the record."""
    old = _content(body).split("\n", 1)[-1].strip()
    return (
        "<details><summary>planguard: an older report, superseded by a newer comment</summary>"
        f"\n\n{old}\n\n</details>\n"
    )


def marker_field(root: str) -> str:
    """A root name cannot end the HTML comment or break the marker line."""
    return re.sub(r"[^A-Za-z0-9._/-]", "_", root)
