"""The check once every fact is gathered: who authored the change, which approvals count, what
the policy decides. Pure, and the same whether the facts came from git or from GitHub: a
gatherer (`planguard.gather.local`, `planguard.github.gather`) fills `ChangeFacts`, and team
membership is asked for the questions `team_questions` names before the final decision.
"""

from __future__ import annotations

import datetime as dt

from planguard.analysis.report import Report
from planguard.approvals.model import ApprovalSet, ApprovalSource, RejectedApproval
from planguard.approvals.screen import Target, screen
from planguard.authorship.detect import detect_authorship
from planguard.authorship.model import Agent, Authorship, AuthorshipInputs, PullRequestInfo
from planguard.authorship.sources import actors, agent_markers
from planguard.gate.decide import GateInputs, TeamMembership, decide
from planguard.gate.model import Decision
from planguard.gitio import CommitInfo
from planguard.policy.choices import FailOn
from planguard.policy.model import HumanEvidence, Policy
from planguard.records import Record

UNTRUSTED_KEYS = (
    "reviewer keys read from the working tree, which this change can edit:"
    " pass --policy-ref/--base (or --allowed-signers)"
)


class TrustedPolicy(Record, frozen=True):
    """The policy in force and how far it can be trusted (`planguard.gather.trusted`)."""

    policy: Policy
    agents: tuple[Agent, ...]
    """The built-in AI/automation identities plus the policy's own."""
    from_ref: str | None
    """The git ref it was read from; None when it came from the working tree."""
    keys_trusted: bool
    """The reviewers' keys came from the trusted ref or were named on the command line."""
    notes: tuple[str, ...] = ()


class ChangeFacts(Record, frozen=True):
    """Everything known about the change besides its plans, gathered before any decision."""

    pull_request: PullRequestInfo | None
    commits: tuple[CommitInfo, ...] | None
    """The change's commits; None when they could not be read (or no base was given)."""
    head: str | None
    """The commit the plan was made from: approvals on GitHub bind to it."""
    approvals: ApprovalSet
    """From every source (SSH-signed files, code-host reviews), not yet screened."""
    environment: tuple[tuple[str, str], ...] = ()
    """The run's environment: actors and the markers AI agents set."""
    policy_changes: tuple[str, ...] = ()
    """Files of the gate's own configuration the change edits."""
    commits_complete: bool = True
    """False when the code host listed fewer commits than the change has (or none)."""
    repository: str = ""
    """`owner/name`: what a signed approval must name."""
    context_trusted: bool = True
    """False for a local run: its event file and environment are whoever runs it's to set."""
    roots: tuple[str, ...] = ()
    """The roots named on the command line (`NAME=PATH`), sorted: what it must name too."""
    working_tree: bool = False
    """The plan was saved from the working tree it is applied from (`planguard apply`, the
    agent hook): no commits to read authors from; the agent (or person) running it wrote it,
    and the policy's reviewers are who may approve it."""


class Screened(Record, frozen=True):
    authorship: Authorship
    approvals: ApprovalSet
    """Only approvals that may count: for this plan, by someone who is not an author."""


class CheckResult(Record, frozen=True):
    decision: Decision
    report: Report
    notes: tuple[str, ...]
    """Where the trusted configuration came from, and what that means."""
    fail_on: FailOn = FailOn.REVIEW
    """What makes the run exit 1: as asked, but never below the policy's `enforce.fail_on`."""


def authorship_of(trusted: TrustedPolicy, facts: ChangeFacts) -> Authorship:
    """Who wrote the change: known before the plans are analyzed, since it decides which
    policy and rulesets can be trusted when no trusted ref is given."""
    env = dict(facts.environment)
    inputs = AuthorshipInputs(
        pull_request=facts.pull_request,
        actors=actors(env),
        commits=facts.commits,
        env=agent_markers(env, trusted.agents),
        human_from_commits=trusted.policy.human_evidence is HumanEvidence.COMMITS,
        commits_complete=facts.commits_complete,
        context_trusted=facts.context_trusted,
    )
    return detect_authorship(inputs, trusted.agents)


def screen_change(
    report: Report,
    trusted: TrustedPolicy,
    facts: ChangeFacts,
    authorship: Authorship,
    now: dt.datetime | None = None,
) -> Screened:
    approvals = facts.approvals
    if not trusted.keys_trusted:
        # The change under review could have added its own key to the working tree's file.
        approvals = _without_ssh(approvals)
    target = Target(
        report.fingerprint,
        facts.head,
        repository=facts.repository,
        roots=facts.roots,
        now=now,
        max_age=dt.timedelta(days=trusted.policy.approval_max_age_days),
        authors_known=facts.working_tree,
        destroys=destroyed_addresses(report),
    )
    return Screened(authorship, screen(approvals, target, authorship, trusted.agents))


def destroyed_addresses(report: Report) -> frozenset[str]:
    """What the plan destroys or replaces, by address."""
    return frozenset(
        f.address
        for root in report.roots
        for f in root.findings
        if f.action is not None and f.action.destroys
    )


def team_questions(
    report: Report, trusted: TrustedPolicy, facts: ChangeFacts, screened: Screened, today: dt.date
) -> tuple[tuple[str, str], ...]:
    """(team, login) pairs the decision needs answered: each approver, for each team named by
    a requirement that the policy's own `teams:` list does not settle."""
    draft = _decide(report, trusted, facts, screened, membership={}, today=today)
    teams = {
        reviewer
        for requirement in draft.requirements
        for reviewer in requirement.reviewers
        if "/" in reviewer and trusted.policy.team_members(reviewer) is None
    }
    logins = dict.fromkeys(a.reviewer for a in screened.approvals.accepted)
    return tuple((team, login) for team in sorted(teams) for login in logins)


def conclude(
    report: Report,
    trusted: TrustedPolicy,
    facts: ChangeFacts,
    screened: Screened,
    *,
    membership: TeamMembership,
    today: dt.date,
    fail_on: FailOn = FailOn.REVIEW,
) -> CheckResult:
    """The decision, and the exit rule: whoever runs planguard asks for `fail_on` (a flag or
    PLANGUARD_FAIL_ON, which an agent running its own gate sets), the policy sets its floor."""
    decision = _decide(report, trusted, facts, screened, membership=membership, today=today)
    notes = trusted.notes
    floor = trusted.policy.enforce_fail_on
    if fail_on.rank < floor.rank:
        notes += (
            f"--fail-on {fail_on.value} (or PLANGUARD_FAIL_ON) asked for less than the policy"
            f" allows (enforce.fail_on: {floor.value}): {floor.value} applies",
        )
        fail_on = floor
    verdict = decision.verdict
    if verdict.fails(FailOn.REVIEW) and not verdict.fails(fail_on):
        notes += (
            f"--fail-on {fail_on.value} (or PLANGUARD_FAIL_ON): this run exits 0 although the"
            f" verdict is {verdict.value}",
        )
    return CheckResult(decision, report, notes, fail_on)


def _decide(
    report: Report,
    trusted: TrustedPolicy,
    facts: ChangeFacts,
    screened: Screened,
    *,
    membership: TeamMembership,
    today: dt.date,
) -> Decision:
    return decide(
        GateInputs(
            report=report,
            authorship=screened.authorship,
            policy=trusted.policy,
            approvals=screened.approvals,
            membership=membership,
            today=today,
            policy_changes=facts.policy_changes,
        )
    )


def _without_ssh(approvals: ApprovalSet) -> ApprovalSet:
    ssh = [a for a in approvals.accepted if a.source is ApprovalSource.SSH]
    return ApprovalSet(
        accepted=tuple(a for a in approvals.accepted if a.source is not ApprovalSource.SSH),
        rejected=approvals.rejected
        + tuple(RejectedApproval(a.reviewer, a.source, UNTRUSTED_KEYS, a.detail) for a in ssh),
        errors=approvals.errors,
    )
