"""Approvals from any source (SSH-signed files, GitHub reviews) in one shape."""

from __future__ import annotations

import datetime as dt
import enum

from planguard.records import Record


class ApprovalSource(enum.Enum):
    SSH = "ssh-signature"
    GITHUB = "github-review"


class Approval(Record, frozen=True):
    reviewer: str
    """Normalised login (no `@`, lower-case)."""
    source: ApprovalSource
    at: str
    """When it was given (ISO 8601, as the source reports it)."""
    fingerprint: str | None
    """The plan fingerprint it approves; None when it binds to a commit instead."""
    commit: str | None = None
    """The head commit it approves (GitHub reviews)."""
    aliases: tuple[str, ...] = ()
    """Other names of the same person (emails in the allowed-signers line)."""
    detail: str = ""
    """Where it came from: a file name, a review id."""
    scope: ApprovalScope | None = None
    """Where and until when it holds (SSH approvals; a review is scoped by its PR)."""
    plan_destroys: tuple[str, ...] | None = None
    """A review bound to a plan by planguard's record (`approvals.github.Bound`): what that
    plan destroyed or replaced, so a different plan can say what it adds."""


class ApprovalScope(Record, frozen=True):
    """What a signed approval names besides the plan: where it may be used, and until when."""

    repository: str
    """`owner/name` (`planguard.gitio.repository_name`)."""
    roots: tuple[str, ...]
    """The roots named on the command line (`NAME=PATH`), sorted."""
    signed_at: str
    not_after: str
    """ISO 8601 times."""


class RejectedApproval(Record, frozen=True):
    reviewer: str
    source: ApprovalSource
    reason: str
    detail: str = ""


class ApprovalSet(Record, frozen=True):
    accepted: tuple[Approval, ...] = ()
    rejected: tuple[RejectedApproval, ...] = ()
    errors: tuple[str, ...] = ()
    """Approvals that could not be checked at all (never counted: fail closed)."""


def merged(first: ApprovalSet, second: ApprovalSet) -> ApprovalSet:
    """Both sets in one (approvals from several sources)."""
    return ApprovalSet(
        first.accepted + second.accepted,
        first.rejected + second.rejected,
        first.errors + second.errors,
    )


def aware(when: dt.datetime) -> dt.datetime:
    """`when`, a time without a zone taken as UTC (GitHub's and planguard's own times are)."""
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def utc_time(text: str) -> dt.datetime:
    """An ISO 8601 time (`aware`); ValueError when the text is not one."""
    return aware(dt.datetime.fromisoformat(text))
