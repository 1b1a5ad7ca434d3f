"""GitHub reviews → approvals (the rules; the transport lives in the GitHub client). Pure.

A reviewer's effective review is their latest APPROVED, CHANGES_REQUESTED or DISMISSED one
(COMMENTED and PENDING reviews change nothing), so a later change request or a dismissal
withdraws an approval. An approval binds to the commit it was given on; a review body line
`planguard-fingerprint: <digest>` binds it to that plan fingerprint as well.

Without that line, it binds to the plan planguard's comment showed for that commit when the
review came in (the plan the reviewer saw; else, when planguard had shown none, the plan of the
run that first sees the review): the run that sees it records that plan in its own state
(`Bound`), and later runs count the approval only for that plan. The same head can plan
differently (the base moved): the reviewer approved what they saw, not what the merge would do
now. A review that a run of planguard has seen since (a `planguard` status on the head is newer
than the review) but that has no record was recorded and the record lost or edited: it does
not count until given again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

from planguard.approvals.model import (
    Approval,
    ApprovalSet,
    ApprovalSource,
    RejectedApproval,
    utc_time,
)
from planguard.policy.model import normalise_reviewer
from planguard.records import Record

_EFFECTIVE = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})
_FINGERPRINT = re.compile(r"planguard-fingerprint:\s*([0-9a-f]{64})", re.IGNORECASE)


class Review(Record, frozen=True):
    """The fields of a pull request review the rules read (REST `GET …/pulls/{n}/reviews`)."""

    id: int
    login: str
    user_id: int | None
    user_type: str | None
    state: str
    commit_id: str | None
    submitted_at: str
    body: str = ""


class Bound(Record, frozen=True):
    """planguard's record of a review: the plan that was current for its commit when a run
    first saw it."""

    fingerprint: str
    commit: str
    destroys: tuple[str, ...] = ()
    """Addresses that plan destroyed or replaced (at most `BOUND_DESTROYS`)."""


BOUND_DESTROYS = 40


class ReviewMemory(Record, frozen=True):
    """What planguard knows of the reviews from its own earlier runs."""

    bound: Mapping[int, Bound]
    """By review id."""
    seen_until: dt.datetime | None = None
    """When planguard's latest run on this head reported: a review submitted before must be in
    `bound`. None: no run of planguard has reported on this head yet."""
    shown: Bound | None = None
    """The plan planguard's comment showed last, and for which commit."""

    def on_sight(self, review: Review) -> Bound | None:
        """The plan a review first seen now approves: the one shown for its commit, if any."""
        shown = self.shown
        return shown if shown is not None and shown.commit == review.commit_id else None


def first_sight(review: Review, record: ReviewMemory) -> bool:
    """An unpinned approval this run binds: never recorded, and not older than the last report
    on the head (GitHub's times are whole seconds: a review in the second of the last report is
    taken as new, and binds to the plan that report showed). A time that does not read as one
    is not newer (fail closed)."""
    if review.id in record.bound:
        return False
    if record.seen_until is None:
        return True
    try:
        return utc_time(review.submitted_at) >= record.seen_until
    except ValueError:
        return False


def to_bind(reviews: Iterable[Review], record: ReviewMemory, head: str) -> tuple[Review, ...]:
    """The approvals on `head` this run binds to its plan: effective, unpinned, first seen."""
    return tuple(
        review
        for review in _effective(reviews).values()
        if review.state.upper() == "APPROVED"
        and review.commit_id == head
        and not _FINGERPRINT.search(review.body)
        and first_sight(review, record)
    )


def _effective(reviews: Iterable[Review]) -> dict[str, Review]:
    """Each reviewer's latest review that approves, requests changes or was dismissed."""
    latest: dict[str, Review] = {}
    for review in reviews:
        if review.state.upper() in _EFFECTIVE:
            latest[review.login.lower()] = review
    return latest


def review_approvals(reviews: Iterable[Review], record: ReviewMemory | None = None) -> ApprovalSet:
    """`reviews` in the chronological order GitHub lists them; `record`: planguard's own
    record of them (None: none is kept, and an unpinned approval binds to its commit only)."""
    latest = _effective(reviews)
    accepted, rejected = [], []
    for review in latest.values():
        login = normalise_reviewer(review.login)
        detail = f"review {review.id}"
        if review.state.upper() != "APPROVED":
            reason = f"latest review is {review.state.upper()}"
            rejected.append(RejectedApproval(login, ApprovalSource.GITHUB, reason, detail))
        elif review.user_type != "User":
            reason = f"a {review.user_type or 'unknown'} account cannot approve"
            rejected.append(RejectedApproval(login, ApprovalSource.GITHUB, reason, detail))
        elif review.commit_id is None:
            reason = "the approved commit no longer exists"
            rejected.append(RejectedApproval(login, ApprovalSource.GITHUB, reason, detail))
        else:
            pinned = _FINGERPRINT.search(review.body)
            fingerprint = pinned.group(1).lower() if pinned else None
            bound = None
            if record is not None and fingerprint is None:
                bound = record.bound.get(review.id)
                if bound is None and first_sight(review, record):
                    bound = record.on_sight(review)
                elif bound is None:
                    reason = (
                        "planguard's record of the plan it approved is missing (its comment was"
                        " edited or deleted since): it counts again once given again"
                    )
                    rejected.append(RejectedApproval(login, ApprovalSource.GITHUB, reason, detail))
                    continue
            accepted.append(
                Approval(
                    reviewer=login,
                    source=ApprovalSource.GITHUB,
                    at=review.submitted_at,
                    fingerprint=bound.fingerprint if bound else fingerprint,
                    commit=review.commit_id,
                    detail=detail,
                    plan_destroys=bound.destroys if bound else None,
                )
            )
    return ApprovalSet(tuple(accepted), tuple(rejected))
