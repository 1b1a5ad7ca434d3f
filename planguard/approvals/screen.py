"""The rules every approval passes, whatever its source. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from planguard.approvals.model import (
    Approval,
    ApprovalScope,
    ApprovalSet,
    RejectedApproval,
    aware,
    utc_time,
)
from planguard.authorship.model import Agent, Authorship
from planguard.records import Record


class Target(Record, frozen=True):
    """What an approval must be for."""

    fingerprint: str
    head_sha: str | None = None
    repository: str = ""
    roots: tuple[str, ...] = ()
    """Sorted root names."""
    now: dt.datetime | None = None
    max_age: dt.timedelta = dt.timedelta(days=7)
    authors_known: bool = False
    """No author identities and none to find: a plan saved from a working tree (`planguard
    apply`), written by the agent running there, not by anyone's commits."""
    destroys: frozenset[str] = frozenset()
    """Addresses this plan destroys or replaces (to say what it adds to an approved one)."""


def screen(
    approvals: ApprovalSet, target: Target, authorship: Authorship, agents: Sequence[Agent]
) -> ApprovalSet:
    """Keep approvals for this exact plan (or head commit) by someone other than its authors,
    and not by a bot or an AI identity; say why each other one does not count."""
    accepted: list[Approval] = []
    rejected = list(approvals.rejected)
    authors = set(authorship.identities)
    agent_logins = {login for agent in agents for login in agent.logins}
    agent_emails = {email for agent in agents for email in agent.emails}
    for approval in approvals.accepted:
        reason = _why_not(approval, target, authors, agent_logins | agent_emails)
        if reason is None:
            accepted.append(approval)
        else:
            rejected.append(
                RejectedApproval(approval.reviewer, approval.source, reason, approval.detail)
            )
    return ApprovalSet(tuple(_distinct(accepted)), tuple(rejected), approvals.errors)


def _why_not(approval: Approval, target: Target, authors: set[str], agents: set[str]) -> str | None:
    names = {approval.reviewer, *(a.lower() for a in approval.aliases)}
    if approval.fingerprint is not None and approval.fingerprint != target.fingerprint:
        if approval.plan_destroys is not None:
            return _another_plan(approval.fingerprint, approval.plan_destroys, target)
        return (
            f"approves plan fingerprint {approval.fingerprint[:12]}, not this plan's"
            f" {target.fingerprint[:12]}: the risky changes differ"
        )
    if approval.commit is not None and approval.commit != target.head_sha:
        head = (target.head_sha or "unknown")[:12]
        return f"approves commit {approval.commit[:12]}, not the head commit {head}"
    if approval.fingerprint is None and approval.commit is None:
        return "names neither a plan fingerprint nor a commit"
    if approval.scope is not None:
        outside = _out_of_scope(approval.scope, target)
        if outside is not None:
            return outside
    if not authors and not target.authors_known:
        return (
            "the change's authors are not known (pass --base or the PR event), so this could"
            " be a self-approval"
        )
    if names & authors:
        return "an author of the change cannot approve it"
    if approval.reviewer.endswith("[bot]") or names & agents:
        return "bots and AI agents cannot approve"
    return None


SHOWN_DESTROYS = 5


def _another_plan(approved: str, destroyed: tuple[str, ...], target: Target) -> str:
    """A review planguard bound to the plan of its day, and this plan is another one."""
    added = sorted(target.destroys - set(destroyed))
    said = f"approved plan {approved[:12]}; this plan is {target.fingerprint[:12]}"
    if not added:
        return f"{said}: the risky changes differ"
    shown = ", ".join(added[:SHOWN_DESTROYS])
    more = f" and {len(added) - SHOWN_DESTROYS} more" if len(added) > SHOWN_DESTROYS else ""
    return f"{said}: it also destroys {shown}{more}"


def _out_of_scope(scope: ApprovalScope, target: Target) -> str | None:
    """Why a signed approval does not hold here, or now; None when it does."""
    if scope.repository != target.repository:
        return f"approves a plan of repository {scope.repository}, not {target.repository}"
    if scope.roots != target.roots:
        return f"approves roots {', '.join(scope.roots)}, not {', '.join(target.roots)}"
    try:
        signed = utc_time(scope.signed_at)
        until = utc_time(scope.not_after)
    except ValueError:
        return "its signing or expiry time is not a time"
    if target.now is not None and signed > aware(target.now) + _CLOCK_SKEW:
        return f"signed in the future ({scope.signed_at})"
    if until - signed > target.max_age:
        days = target.max_age.days
        return f"valid for longer than the policy allows (approval_max_age_days: {days})"
    if target.now is not None and until < aware(target.now):
        return f"expired at {scope.not_after}"
    return None


_CLOCK_SKEW = dt.timedelta(minutes=5)


def _distinct(approvals: Iterable[Approval]) -> list[Approval]:
    """One approval per person counts once, however many files or reviews they left."""
    seen: dict[str, Approval] = {}
    for approval in approvals:
        seen.setdefault(approval.reviewer, approval)
    return list(seen.values())
