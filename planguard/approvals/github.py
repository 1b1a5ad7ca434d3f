"""GitHub reviews → approvals (the rules; the transport lives in the GitHub client). Pure.

A reviewer's effective review is their latest APPROVED, CHANGES_REQUESTED or DISMISSED one
(COMMENTED and PENDING reviews change nothing), so a later change request or a dismissal
withdraws an approval. An approval binds to the commit it was given on; a review body line
`planguard-fingerprint: <digest>` binds it to that plan fingerprint as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from planguard.approvals.model import Approval, ApprovalSet, ApprovalSource, RejectedApproval
from planguard.policy.model import normalise_reviewer

_EFFECTIVE = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})
_FINGERPRINT = re.compile(r"planguard-fingerprint:\s*([0-9a-f]{64})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Review:
    """The fields of a pull request review the rules read (REST `GET …/pulls/{n}/reviews`)."""

    id: int
    login: str
    user_id: int | None
    user_type: str | None
    state: str
    commit_id: str | None
    submitted_at: str
    body: str = ""


def review_approvals(reviews: Iterable[Review]) -> ApprovalSet:
    """`reviews` in the chronological order GitHub lists them."""
    latest: dict[object, Review] = {}
    for review in reviews:
        if review.state.upper() in _EFFECTIVE:
            latest[review.login.lower()] = review
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
            accepted.append(
                Approval(
                    reviewer=login,
                    source=ApprovalSource.GITHUB,
                    at=review.submitted_at,
                    fingerprint=pinned.group(1).lower() if pinned else None,
                    commit=review.commit_id,
                    detail=detail,
                )
            )
    return ApprovalSet(tuple(accepted), tuple(rejected))
