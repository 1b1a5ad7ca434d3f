"""The gate's decision and everything that explains it."""

from __future__ import annotations

import enum

from planguard.analysis.report import Report
from planguard.approvals.model import ApprovalSet
from planguard.authorship.model import Authorship
from planguard.findings import Finding, Tier
from planguard.policy.choices import FailOn
from planguard.policy.model import GateAction, Suppression
from planguard.records import Record


class Verdict(enum.Enum):
    PASS = "pass"
    WARN = "warn"
    APPROVED = "approved"
    """A review was required and the named reviewers approved this exact plan."""
    REVIEW_REQUIRED = "review required"
    BLOCK = "block"

    @property
    def allowed(self) -> bool:
        return self in (Verdict.PASS, Verdict.WARN, Verdict.APPROVED)

    def fails(self, fail_on: FailOn) -> bool:
        """Whether a run asking for `fail_on` exits 1 on this verdict."""
        return fail_on.fails(self.allowed, self is Verdict.BLOCK)


class GateItem(Record, frozen=True):
    """One finding as the gate sees it: its tier after suppressions and what the policy asks."""

    finding: Finding
    tier: Tier
    action: GateAction
    why: str
    suppression: Suppression | None = None
    suppression_expired: bool = False


class Requirement(Record, frozen=True):
    """A set of named reviewers of whom `needed` must approve, and why."""

    rule: str
    """The policy entry that names them (`reviewers.rules[0]`, `reviewers.default`, …)."""
    reviewers: tuple[str, ...]
    needed: int
    reasons: tuple[str, ...]
    """Finding ids (or the policy change) that need it."""
    approved_by: tuple[str, ...]
    notes: tuple[str, ...] = ()
    """E.g. a team whose membership cannot be checked."""

    @property
    def satisfied(self) -> bool:
        return bool(self.reviewers) and len(self.approved_by) >= self.needed


class Decision(Record, frozen=True):
    verdict: Verdict
    reasons: tuple[str, ...]
    items: tuple[GateItem, ...]
    requirements: tuple[Requirement, ...]
    authorship: Authorship
    fingerprint: str
    policy_source: str
    policy_digest: str
    approvals: ApprovalSet
    policy_changes: tuple[str, ...] = ()
    """Files of the gate's own configuration that the change edits."""

    @property
    def missing(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if not r.satisfied)

    @property
    def missing_reviewers(self) -> tuple[str, ...]:
        """Everyone named by an unmet requirement, once each, in policy order."""
        return tuple(dict.fromkeys(r for req in self.missing for r in req.reviewers))


class CheckDocument(Record, frozen=True):
    """`planguard check --format json` (and the action's report file): the decision, what it
    was decided on, and the notes on where the trusted configuration came from."""

    schema_version: str
    decision: Decision
    notes: tuple[str, ...]
    report: Report
