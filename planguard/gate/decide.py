"""Report + authorship + policy + approvals → `Decision`. Pure: the date comes in as a value.

Per finding: suppressions first (an expired one does not apply, and says so), then the policy's
action for the author kind at the finding's tier. Findings that need review are grouped by the
first reviewer rule matching their address; each group needs its own approvals. Fail closed:
an errored plan is blocked, a partial one always needs review, a required review without named
reviewers cannot be satisfied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from planguard.analysis.report import Report
from planguard.approvals.model import ApprovalSet
from planguard.authorship.model import AuthorKind, Authorship
from planguard.findings import Finding, Tier
from planguard.gate.model import Decision, GateItem, Requirement, Verdict
from planguard.policy.model import GateAction, Policy, ReviewerRule
from planguard.records import Record

_DEFAULT_RULE = "reviewers.default"
_POLICY_RULE = "reviewers.policy_owners"
POLICY_CHANGE = "policy-change"

TeamMembership = Mapping[tuple[str, str], bool | None]
"""(`org/team`, login) → whether they are a member, asked of the code host before deciding.
A pair it does not hold, or holds as None, cannot be told: such an approval does not count."""


class GateInputs(Record, frozen=True):
    report: Report
    authorship: Authorship
    policy: Policy
    approvals: ApprovalSet
    """Already screened (`approvals.screen`)."""
    membership: TeamMembership
    """For teams the policy's own `teams:` list does not settle (that list comes first)."""
    today: dt.date
    policy_changes: tuple[str, ...] = ()
    """Files of the gate's configuration the change edits."""


class _Need:
    """What one reviewer rule asks for, gathered finding by finding (a plain class: a
    dataclass compiles its methods at import, on every run)."""

    __slots__ = ("count", "ids", "rule")

    def __init__(self, rule: ReviewerRule | None, count: int, ids: list[str]) -> None:
        self.rule, self.count, self.ids = rule, count, ids


def decide(inputs: GateInputs) -> Decision:
    report, authorship, policy = inputs.report, inputs.authorship, inputs.policy
    approvals, policy_changes = inputs.approvals, inputs.policy_changes
    kind = authorship.kind
    errored = _errored(report)
    items = tuple(_item(f, kind, policy, inputs.today, errored) for f in report.findings)
    needs: dict[str, _Need] = {}
    for item in items:
        if item.action is GateAction.REVIEW:
            rule = next((r for r in policy.rules if r.matches(item.finding.address)), None)
            count = rule.approvals if rule and rule.approvals else policy.approvals.at(item.tier)
            _need(needs, rule.where if rule else _DEFAULT_RULE, rule, count, item.finding.id)
    reasons: list[str] = []
    policy_action = policy.actions_for(kind).at(Tier.HIGH)
    if policy_changes and policy_action >= GateAction.REVIEW:
        _need(needs, _POLICY_RULE, None, policy.approvals.high, POLICY_CHANGE)
        reasons.append(
            f"the change edits the gate's own configuration ({', '.join(policy_changes)}):"
            f" a {kind.value} author needs the policy owners' approval"
        )
    requirements = tuple(
        _requirement(key, need, _reviewers(key, need, policy), inputs)
        for key, need in needs.items()
    )
    verdict = _verdict(items, requirements)
    reasons += _reasons(verdict, items, requirements, authorship, approvals)
    return Decision(
        verdict=verdict,
        reasons=tuple(reasons),
        items=items,
        requirements=requirements,
        authorship=authorship,
        fingerprint=report.fingerprint,
        policy_source=policy.source,
        policy_digest=policy.digest,
        approvals=approvals,
        policy_changes=tuple(policy_changes),
    )


def _errored(report: Report) -> bool:
    return any(root.plan.errored for root in report.roots)


def _item(
    finding: Finding, kind: AuthorKind, policy: Policy, today: dt.date, errored: bool
) -> GateItem:
    suppression = next(
        (s for s in policy.suppressions if s.matches(finding.rule.value, finding.address)), None
    )
    expired = suppression is not None and suppression.expires < today
    tier = finding.tier if suppression is None or expired else Tier.LOW
    action = policy.actions_for(kind).at(tier)
    why = f"{kind.value} author, {tier.value} tier: {action.value}"
    if finding.rule.needs_review:
        # What the plan leaves out or contradicts cannot be scored: never allowed on its tier.
        floor = GateAction.BLOCK if errored else GateAction.REVIEW
        if action < floor:
            action = floor
            why = f"{why}; raised to {floor.value}: the plan is errored or partial"
    return GateItem(finding, tier, action, why, suppression, expired)


def _need(
    needs: dict[str, _Need], key: str, rule: ReviewerRule | None, count: int, reason: str
) -> None:
    need = needs.setdefault(key, _Need(rule, 0, []))
    need.count = max(need.count, count)
    need.ids.append(reason)


def _reviewers(key: str, need: _Need, policy: Policy) -> tuple[str, ...]:
    if need.rule is not None:
        return need.rule.reviewers
    return policy.policy_owners if key == _POLICY_RULE else policy.default_reviewers


def _requirement(
    key: str, need: _Need, reviewers: tuple[str, ...], inputs: GateInputs
) -> Requirement:
    approved: list[str] = []
    notes: list[str] = []
    for approval in inputs.approvals.accepted:
        verdicts = [_named(r, approval.reviewer, inputs) for r in reviewers]
        if True in verdicts:
            approved.append(approval.reviewer)
        elif None in verdicts:
            unknown = [r for r, v in zip(reviewers, verdicts, strict=True) if v is None]
            teams = ", ".join("@" + r for r in unknown)
            notes.append(
                f"cannot tell whether @{approval.reviewer} is in {teams}: their approval is"
                " not counted (list the team under `teams:` in the policy)"
            )
    if not reviewers:
        notes.append(f"no reviewers are named for this: add them under `{key}` in .planguard.yml")
    return Requirement(key, reviewers, need.count, tuple(need.ids), tuple(approved), tuple(notes))


def _named(reviewer: str, login: str, inputs: GateInputs) -> bool | None:
    if "/" not in reviewer:
        return reviewer == login
    members = inputs.policy.team_members(reviewer)  # trusted and offline: it comes first
    if members is not None:
        return login in members
    return inputs.membership.get((reviewer, login))


def _verdict(items: Sequence[GateItem], requirements: Sequence[Requirement]) -> Verdict:
    if any(i.action is GateAction.BLOCK for i in items):
        return Verdict.BLOCK
    if any(not r.satisfied for r in requirements):
        return Verdict.REVIEW_REQUIRED
    if requirements:
        return Verdict.APPROVED
    if any(i.action is GateAction.WARN for i in items):
        return Verdict.WARN
    return Verdict.PASS


def _reasons(
    verdict: Verdict,
    items: Sequence[GateItem],
    requirements: Sequence[Requirement],
    authorship: Authorship,
    approvals: ApprovalSet,
) -> list[str]:
    out = [f"authorship: {authorship.basis}"]
    blocked = [i for i in items if i.action is GateAction.BLOCK]
    for item in blocked:
        out.append(f"blocked: {item.finding.id} ({item.why})")
    for req in requirements:
        state = (
            "approved by " + ", ".join("@" + a for a in req.approved_by)
            if req.satisfied
            else (f"needs {req.needed} approval(s), has {len(req.approved_by)}")
        )
        out.append(f"{req.rule}: {state} ({len(req.reasons)} item(s))")
    for item in items:
        if item.suppression is not None:
            s = item.suppression
            state = "EXPIRED, not applied" if item.suppression_expired else "applied"
            out.append(
                f"suppression {s.where} {state}: {item.finding.id} — {s.reason}"
                f" (accepted by @{s.accepted_by}, expires {s.expires.isoformat()})"
            )
    out += [f"approval could not be checked: {e}" for e in approvals.errors]
    if verdict is Verdict.PASS and not items:
        out.append("no destroy, replace or hazardous change in the plan")
    return out
