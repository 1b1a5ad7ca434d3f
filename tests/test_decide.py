"""`decide()` on its own: small reports built in memory, one policy snippet per row, the verdict,
the gate items and the requirements it must come to. The end-to-end gate tests run the same rules
through real plans; these pin each rule of `planguard/gate/decide.py` down to one fact."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import pytest

from planguard.analysis.report import (
    BlastView,
    Coverage,
    GraphSummary,
    PlanSummary,
    Report,
    RootReport,
    Tool,
)
from planguard.approvals.model import Approval, ApprovalSet, ApprovalSource
from planguard.authorship.model import AuthorKind, Authorship
from planguard.findings import Finding, FindingKind, Tier, finding_id
from planguard.gate.decide import GateInputs, decide
from planguard.gate.model import Decision, Verdict
from planguard.policy.load import load_policy

TODAY = dt.date(2027, 1, 15)
FINGERPRINT = "f" * 64
ROOT = "prod"
DB = "aws_db_instance.main"
LOGS = "aws_s3_bucket.logs"
PROD_DB = "module.prod.aws_db_instance.main"

AI = AuthorKind.AI
HUMAN = AuthorKind.HUMAN
UNKNOWN = AuthorKind.UNKNOWN
AUTOMATION = AuthorKind.AUTOMATION

PASS = Verdict.PASS
WARN = Verdict.WARN
APPROVED = Verdict.APPROVED
REVIEW = Verdict.REVIEW_REQUIRED
BLOCK = Verdict.BLOCK

# Policy snippets: each is merged over rulesets/policy/defaults.yaml by `load_policy`.
DEFAULTS = None
ALICE_BOB = "reviewers: {default: ['@alice', '@bob']}\n"
AI_CRITICAL_BLOCK = "thresholds: {ai: {critical: block}}\n" + ALICE_BOB
DBA_RULE = "reviewers: {default: ['@alice'], rules: [{match: 'aws_db_instance.*', reviewers: ['@dba-lead']}]}\n"
TWO_RULES = "reviewers: {default: ['@alice'], rules: [{match: module.prod, reviewers: ['@ops']}, {match: '*', reviewers: ['@anyone']}]}\n"
TWO_FROM_RULE = "reviewers: {rules: [{match: '*', reviewers: ['@alice', '@bob'], approvals: 2}]}\n"
TWO_AT_CRITICAL = "approvals: {critical: 2}\n" + ALICE_BOB
EMPTY_RULE = "reviewers: {default: ['@alice'], rules: [{match: '*', reviewers: []}]}\n"
DBA_TEAM = "reviewers: {default: ['@acme/dba']}\n"
DBA_TEAM_LISTED = DBA_TEAM + "teams: {acme/dba: ['@dora']}\n"
ALICE_OR_TEAM = "reviewers: {default: ['@alice', '@acme/dba']}\n"
OWNERS = "reviewers: {default: ['@alice'], policy_owners: ['@sec']}\n"
ALICE = "reviewers: {default: ['@alice']}\n"


def suppressing(rule: str, address: str, expires: str) -> str:
    return (
        ALICE_BOB
        + f"suppressions: [{{address: '{address}', rule: '{rule}', reason: planned migration,"
        + f" expires: '{expires}', accepted_by: '@carol'}}]\n"
    )


def finding(rule: str, tier: str, address: str = DB) -> Finding:
    return Finding(
        id=finding_id(FindingKind(rule), address),
        rule=FindingKind(rule),
        address=address,
        title=f"{rule} {address}",
        score=0,
        tier=Tier(tier),
        components=(),
    )


def incomplete(tier: str) -> Finding:
    """As `score.plan_level.incomplete_finding` makes it: critical when errored, else high."""
    return finding("incomplete-plan", tier, ROOT)


def plan_summary(plan: str) -> PlanSummary:
    return PlanSummary(
        source=ROOT,
        format_version="1.2",
        terraform_version="1.9.0",
        tool=Tool.TERRAFORM,
        complete=plan != "partial",
        errored=plan == "errored",
        applyable=plan == "ok",
        actions=(),
        existing_managed=0,
        destroyed_or_replaced=0,
        drifted=0,
        deferred=0,
        output_changes=0,
        sensitive_output_changes=0,
        action_invocations=0,
        warnings=(),
    )


def report(findings: tuple[Finding, ...], plan: str = "ok") -> Report:
    root = RootReport(
        name=ROOT,
        plan=plan_summary(plan),
        findings=findings,
        coverage=Coverage(classified=0, unknown=0, unknown_types=()),
        graph=GraphSummary(nodes=0, edges=0, cycles=(), notes=()),
        blast_view=BlastView(nodes=(), edges=(), complete=True),
        tier=max((f.tier for f in findings), default=Tier.LOW),
        score=0,
    )
    return Report(
        schema_version="1.3",
        planguard_version="0.0.0",
        roots=(root,),
        tier=root.tier,
        score=0,
        rulesets=(),
        fingerprint=FINGERPRINT,
    )


def authorship(kind: AuthorKind) -> Authorship:
    return Authorship(kind=kind, evidence=(), basis=f"told: {kind.value}", identities=("dave",))


def approvals(*logins: str) -> ApprovalSet:
    return ApprovalSet(
        accepted=tuple(
            Approval(login, ApprovalSource.SSH, "2027-01-15T10:00:00Z", FINGERPRINT)
            for login in logins
        )
    )


class Req(NamedTuple):
    """The facts of one `Requirement`, in the order `decide` makes them."""

    rule: str
    reviewers: tuple[str, ...]
    needed: int
    approved_by: tuple[str, ...]
    reasons: tuple[str, ...]


def default_req(*reasons: str, approved_by: tuple[str, ...] = ()) -> Req:
    return Req("reviewers.default", ("alice", "bob"), 1, approved_by, reasons)


@dataclass(frozen=True, kw_only=True)
class Row:
    author: AuthorKind
    findings: tuple[Finding, ...] = ()
    policy: str | None = DEFAULTS
    approved: tuple[str, ...] = ()
    membership: Mapping[tuple[str, str], bool | None] = field(default_factory=dict)
    plan: str = "ok"
    """`ok`, `partial` (complete: false) or `errored`."""
    policy_changes: tuple[str, ...] = ()
    today: dt.date = TODAY
    verdict: Verdict
    items: tuple[tuple[str, str], ...] = ()
    """(tier after suppressions, action) per finding."""
    requirements: tuple[Req, ...] = ()
    notes: tuple[str, ...] = ()
    """Every note of every requirement, in order."""
    reasons: tuple[str, ...] = ()
    """Lines the decision's reasons must contain."""


def run(row: Row) -> Decision:
    inputs = GateInputs(
        report=report(row.findings, row.plan),
        authorship=authorship(row.author),
        policy=load_policy(row.policy, ".planguard.yml"),
        approvals=approvals(*row.approved),
        membership=row.membership,
        today=row.today,
        policy_changes=row.policy_changes,
    )
    return decide(inputs)


DB_HIGH = (finding("replace", "high"),)
REPLACE_DB = "replace:aws_db_instance.main"
TEARDOWN = (finding("environment-teardown", "critical", ROOT),)
NOT_IN_TEAM = (
    "cannot tell whether @dora is in @acme/dba: their approval is not counted"
    " (list the team under `teams:` in the policy)"
)
NO_DEFAULT = "no reviewers are named for this: add them under `reviewers.default` in .planguard.yml"
FAIL_CLOSED = "the plan is errored or partial"

VERDICTS = [
    pytest.param(
        Row(
            author=AI,
            verdict=PASS,
            reasons=("no destroy, replace or hazardous change in the plan",),
        ),
        id="a plan without findings passes and says so",
    ),
    pytest.param(
        Row(
            author=AI, findings=(finding("replace", "low"),), verdict=PASS, items=(("low", "pass"),)
        ),
        id="a low tier replace by an ai author passes",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=(finding("replace", "medium"),),
            verdict=WARN,
            items=(("medium", "warn"),),
        ),
        id="a medium tier replace by an ai author warns",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=ALICE_BOB,
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(default_req(REPLACE_DB),),
            reasons=("reviewers.default: needs 1 approval(s), has 0 (1 item(s))",),
        ),
        id="a high tier replace by an ai author needs review from the default reviewers",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=ALICE_BOB,
            approved=("bob",),
            verdict=APPROVED,
            items=(("high", "review"),),
            requirements=(default_req(REPLACE_DB, approved_by=("bob",)),),
            reasons=("reviewers.default: approved by @bob (1 item(s))",),
        ),
        id="one default reviewer's approval lets a high tier ai replace through",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=(finding("replace", "medium"), finding("destroy", "high", LOGS)),
            policy=ALICE_BOB,
            approved=("alice",),
            verdict=APPROVED,
            items=(("medium", "warn"), ("high", "review")),
            requirements=(default_req("destroy:aws_s3_bucket.logs", approved_by=("alice",)),),
        ),
        id="a met review outranks a warning: the verdict is approved, not warn",
    ),
    pytest.param(
        Row(
            author=UNKNOWN,
            findings=DB_HIGH,
            policy=ALICE_BOB,
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(default_req(REPLACE_DB),),
        ),
        id="an unknown author is held to review at high tier like an ai author",
    ),
    pytest.param(
        Row(
            author=UNKNOWN,
            findings=(finding("replace", "medium"),),
            verdict=WARN,
            items=(("medium", "warn"),),
        ),
        id="an unknown author warns at medium tier like an ai author",
    ),
    pytest.param(
        Row(
            author=AUTOMATION,
            findings=DB_HIGH,
            policy=ALICE_BOB,
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(default_req(REPLACE_DB),),
        ),
        id="an automation author needs review at high tier by default",
    ),
    pytest.param(
        Row(
            author=HUMAN,
            findings=(finding("replace", "medium"),),
            verdict=PASS,
            items=(("medium", "pass"),),
        ),
        id="a human author passes a medium tier replace",
    ),
    pytest.param(
        Row(
            author=HUMAN,
            findings=DB_HIGH,
            policy=ALICE_BOB,
            verdict=WARN,
            items=(("high", "warn"),),
        ),
        id="a human author only warns at high tier",
    ),
    pytest.param(
        Row(
            author=HUMAN,
            findings=TEARDOWN,
            policy=ALICE_BOB,
            verdict=REVIEW,
            items=(("critical", "review"),),
            requirements=(default_req("environment-teardown:prod"),),
        ),
        id="a human author needs review at critical tier",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=TEARDOWN,
            policy=ALICE_BOB,
            approved=("alice",),
            verdict=APPROVED,
            items=(("critical", "review"),),
            requirements=(default_req("environment-teardown:prod", approved_by=("alice",)),),
        ),
        id="the shipped defaults ask review not block for a critical ai change",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=TEARDOWN,
            policy=AI_CRITICAL_BLOCK,
            approved=("alice", "bob"),
            verdict=BLOCK,
            items=(("critical", "block"),),
            reasons=("blocked: environment-teardown:prod (ai author, critical tier: block)",),
        ),
        id="a policy blocking critical ai changes blocks whatever the approvals",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=(*TEARDOWN, *DB_HIGH),
            policy=AI_CRITICAL_BLOCK,
            verdict=BLOCK,
            items=(("critical", "block"), ("high", "review")),
            requirements=(default_req(REPLACE_DB),),
        ),
        id="a block outranks an unmet review",
    ),
    pytest.param(
        Row(
            author=HUMAN,
            findings=TEARDOWN,
            policy=AI_CRITICAL_BLOCK,
            verdict=REVIEW,
            items=(("critical", "review"),),
            requirements=(default_req("environment-teardown:prod"),),
        ),
        id="blocking critical ai changes leaves a human's critical change at review",
    ),
]

FAIL_CLOSED_ROWS = [
    pytest.param(
        Row(
            author=AI,
            findings=(incomplete("critical"),),
            policy=ALICE_BOB,
            approved=("alice", "bob"),
            plan="errored",
            verdict=BLOCK,
            items=(("critical", "block"),),
            reasons=(
                "blocked: incomplete-plan:prod (ai author, critical tier: review;"
                f" raised to block: {FAIL_CLOSED})",
            ),
        ),
        id="an errored plan by an ai author is blocked whatever the approvals",
    ),
    pytest.param(
        Row(
            author=HUMAN,
            findings=(incomplete("critical"),),
            policy=ALICE_BOB,
            plan="errored",
            verdict=BLOCK,
            items=(("critical", "block"),),
            reasons=(
                "blocked: incomplete-plan:prod (human author, critical tier: review;"
                f" raised to block: {FAIL_CLOSED})",
            ),
        ),
        id="an errored plan by a human author is blocked too",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=(incomplete("critical"),),
            policy=suppressing("*", "*", "2099-01-01"),
            plan="errored",
            verdict=BLOCK,
            items=(("low", "block"),),
        ),
        id="a wildcard suppression does not lift the block on an errored plan",
    ),
    pytest.param(
        Row(
            author=HUMAN,
            findings=(incomplete("high"),),
            policy=ALICE_BOB,
            plan="partial",
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(default_req("incomplete-plan:prod"),),
        ),
        id="a partial plan by a human author is raised from warn to review",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=(incomplete("high"),),
            policy=ALICE_BOB,
            approved=("bob",),
            plan="partial",
            verdict=APPROVED,
            items=(("high", "review"),),
            requirements=(default_req("incomplete-plan:prod", approved_by=("bob",)),),
        ),
        id="a partial plan is allowed once a named reviewer approves",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=(incomplete("high"),),
            policy="thresholds: {ai: {high: pass}}\n" + ALICE_BOB,
            plan="partial",
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(default_req("incomplete-plan:prod"),),
        ),
        id="a partial plan needs review even where the policy passes its tier",
    ),
]

SUPPRESSIONS = [
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=suppressing("replace", DB, "2027-06-30"),
            verdict=PASS,
            items=(("low", "pass"),),
            reasons=(
                "suppression suppressions[0] applied: replace:aws_db_instance.main"
                " — planned migration (accepted by @carol, expires 2027-06-30)",
            ),
        ),
        id="a suppression in force lowers the finding to low tier and it passes",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=suppressing("*", "aws_db_instance.*", "2027-01-15"),
            verdict=PASS,
            items=(("low", "pass"),),
            reasons=(
                "suppression suppressions[0] applied: replace:aws_db_instance.main"
                " — planned migration (accepted by @carol, expires 2027-01-15)",
            ),
        ),
        id="a suppression still applies on the day it expires",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=suppressing("replace", DB, "2027-01-14"),
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(default_req(REPLACE_DB),),
            reasons=(
                "suppression suppressions[0] EXPIRED, not applied: replace:aws_db_instance.main"
                " — planned migration (accepted by @carol, expires 2027-01-14)",
            ),
        ),
        id="an expired suppression is not applied and says so",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=suppressing("destroy", DB, "2027-06-30"),
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(default_req(REPLACE_DB),),
        ),
        id="a suppression of another rule does not apply",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=suppressing("replace", LOGS, "2027-06-30"),
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(default_req(REPLACE_DB),),
        ),
        id="a suppression of another address does not apply",
    ),
]

REVIEWERS = [
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=DBA_RULE,
            approved=("alice",),
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(Req("reviewers.rules[0]", ("dba-lead",), 1, (), (REPLACE_DB,)),),
        ),
        id="a rule matching the address replaces the default reviewers",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=(*DB_HIGH, finding("destroy", "high", LOGS)),
            policy=DBA_RULE,
            approved=("alice",),
            verdict=REVIEW,
            items=(("high", "review"), ("high", "review")),
            requirements=(
                Req("reviewers.rules[0]", ("dba-lead",), 1, (), (REPLACE_DB,)),
                Req(
                    "reviewers.default", ("alice",), 1, ("alice",), ("destroy:aws_s3_bucket.logs",)
                ),
            ),
        ),
        id="findings no rule matches fall back to the default reviewers, each group apart",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=(finding("replace", "high", PROD_DB), finding("destroy", "high", LOGS)),
            policy=TWO_RULES,
            approved=("ops",),
            verdict=REVIEW,
            items=(("high", "review"), ("high", "review")),
            requirements=(
                Req("reviewers.rules[0]", ("ops",), 1, ("ops",), (f"replace:{PROD_DB}",)),
                Req("reviewers.rules[1]", ("anyone",), 1, (), ("destroy:aws_s3_bucket.logs",)),
            ),
        ),
        id="the first matching rule wins and a module path covers what is inside it",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=ALICE_BOB,
            approved=("mallory", "carol"),
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(default_req(REPLACE_DB),),
        ),
        id="approvals by people no requirement names are not counted",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=TWO_FROM_RULE,
            approved=("alice",),
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(
                Req("reviewers.rules[0]", ("alice", "bob"), 2, ("alice",), (REPLACE_DB,)),
            ),
            reasons=("reviewers.rules[0]: needs 2 approval(s), has 1 (1 item(s))",),
        ),
        id="a rule asking for two approvals is not met by one",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=TWO_FROM_RULE,
            approved=("alice", "bob"),
            verdict=APPROVED,
            items=(("high", "review"),),
            requirements=(
                Req("reviewers.rules[0]", ("alice", "bob"), 2, ("alice", "bob"), (REPLACE_DB,)),
            ),
        ),
        id="a rule asking for two approvals is met by two named reviewers",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=(*TEARDOWN, *DB_HIGH),
            policy=TWO_AT_CRITICAL,
            approved=("alice",),
            verdict=REVIEW,
            items=(("critical", "review"), ("high", "review")),
            requirements=(
                Req(
                    "reviewers.default",
                    ("alice", "bob"),
                    2,
                    ("alice",),
                    ("environment-teardown:prod", REPLACE_DB),
                ),
            ),
        ),
        id="without a rule count the most severe tier in a group sets the approvals needed",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            approved=("alice",),
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(Req("reviewers.default", (), 1, (), (REPLACE_DB,)),),
            notes=(NO_DEFAULT,),
        ),
        id="a review with no reviewers named is never satisfied",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=EMPTY_RULE,
            approved=("alice",),
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(Req("reviewers.rules[0]", (), 1, (), (REPLACE_DB,)),),
            notes=(
                "no reviewers are named for this: add them under `reviewers.rules[0]` in .planguard.yml",
            ),
        ),
        id="a matching rule naming nobody is never satisfied even by a default reviewer",
    ),
]

TEAMS = [
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=DBA_TEAM_LISTED,
            approved=("dora",),
            verdict=APPROVED,
            items=(("high", "review"),),
            requirements=(Req("reviewers.default", ("acme/dba",), 1, ("dora",), (REPLACE_DB,)),),
        ),
        id="a team reviewer is satisfied by a member in the policy's teams list",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=DBA_TEAM_LISTED,
            approved=("eve",),
            membership={("acme/dba", "eve"): True},
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(Req("reviewers.default", ("acme/dba",), 1, (), (REPLACE_DB,)),),
        ),
        id="the policy's teams list comes before the membership the code host reports",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=DBA_TEAM,
            approved=("dora",),
            membership={("acme/dba", "dora"): True},
            verdict=APPROVED,
            items=(("high", "review"),),
            requirements=(Req("reviewers.default", ("acme/dba",), 1, ("dora",), (REPLACE_DB,)),),
        ),
        id="a team reviewer is satisfied by a member the code host confirms",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=DBA_TEAM,
            approved=("dora",),
            membership={("acme/dba", "dora"): False},
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(Req("reviewers.default", ("acme/dba",), 1, (), (REPLACE_DB,)),),
        ),
        id="an approval by a known non-member of the team is not counted",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=DBA_TEAM,
            approved=("dora",),
            membership={("acme/dba", "dora"): None},
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(Req("reviewers.default", ("acme/dba",), 1, (), (REPLACE_DB,)),),
            notes=(NOT_IN_TEAM,),
        ),
        id="an approval whose team membership is unknown is not counted and a note says so",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=DBA_TEAM,
            approved=("dora",),
            membership={("acme/ops", "dora"): True},
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(Req("reviewers.default", ("acme/dba",), 1, (), (REPLACE_DB,)),),
            notes=(NOT_IN_TEAM,),
        ),
        id="an approval whose team membership was not asked is not counted and a note says so",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=ALICE_OR_TEAM,
            approved=("alice",),
            verdict=APPROVED,
            items=(("high", "review"),),
            requirements=(
                Req("reviewers.default", ("alice", "acme/dba"), 1, ("alice",), (REPLACE_DB,)),
            ),
        ),
        id="a named user beside an unknown team counts without a note",
    ),
]

POLICY_CHANGES = [
    pytest.param(
        Row(
            author=AI,
            policy=OWNERS,
            approved=("alice",),
            policy_changes=(".planguard.yml", "rulesets/aws.yaml"),
            verdict=REVIEW,
            requirements=(Req("reviewers.policy_owners", ("sec",), 1, (), ("policy-change",)),),
            reasons=(
                "the change edits the gate's own configuration (.planguard.yml, rulesets/aws.yaml):"
                " a ai author needs the policy owners' approval",
            ),
        ),
        id="a policy change by an ai author needs the policy owners and names the files",
    ),
    pytest.param(
        Row(
            author=UNKNOWN,
            policy=ALICE,
            approved=("alice",),
            policy_changes=(".planguard.yml",),
            verdict=APPROVED,
            requirements=(
                Req("reviewers.policy_owners", ("alice",), 1, ("alice",), ("policy-change",)),
            ),
        ),
        id="the policy owners default to the default reviewers",
    ),
    pytest.param(
        Row(
            author=AI,
            findings=DB_HIGH,
            policy=OWNERS,
            approved=("alice",),
            policy_changes=(".planguard.yml",),
            verdict=REVIEW,
            items=(("high", "review"),),
            requirements=(
                Req("reviewers.default", ("alice",), 1, ("alice",), (REPLACE_DB,)),
                Req("reviewers.policy_owners", ("sec",), 1, (), ("policy-change",)),
            ),
        ),
        id="a policy change is a requirement apart from the findings' reviewers",
    ),
    pytest.param(
        Row(
            author=AI,
            policy_changes=(".planguard.yml",),
            verdict=REVIEW,
            requirements=(Req("reviewers.policy_owners", (), 1, (), ("policy-change",)),),
            notes=(
                "no reviewers are named for this: add them under `reviewers.policy_owners` in .planguard.yml",
            ),
        ),
        id="a policy change with no owners named is never satisfied",
    ),
    pytest.param(
        Row(
            author=HUMAN,
            policy=OWNERS,
            policy_changes=(".planguard.yml",),
            verdict=PASS,
        ),
        id="a policy change by a human author needs no owners under the shipped defaults",
    ),
    pytest.param(
        Row(
            author=HUMAN,
            policy="thresholds: {human: {high: review}}\n" + OWNERS,
            policy_changes=(".planguard.yml",),
            verdict=REVIEW,
            requirements=(Req("reviewers.policy_owners", ("sec",), 1, (), ("policy-change",)),),
        ),
        id="a policy change by a human author needs the owners where high tier asks review",
    ),
]


@pytest.mark.parametrize(
    "row", VERDICTS + FAIL_CLOSED_ROWS + SUPPRESSIONS + REVIEWERS + TEAMS + POLICY_CHANGES
)
def test_decide(row: Row) -> None:
    decision = run(row)
    assert decision.verdict is row.verdict
    assert [(i.tier.value, i.action.value) for i in decision.items] == list(row.items)
    assert [
        Req(r.rule, r.reviewers, r.needed, r.approved_by, r.reasons) for r in decision.requirements
    ] == list(row.requirements)
    assert [n for r in decision.requirements for n in r.notes] == list(row.notes)
    for line in row.reasons:
        assert line in decision.reasons
    assert decision.reasons.count(f"authorship: told: {row.author.value}") == 1


def test_decide_carries_what_it_decided_on() -> None:
    row = Row(author=AI, policy=OWNERS, policy_changes=(".planguard.yml",), verdict=REVIEW)
    decision = run(row)
    policy = load_policy(OWNERS, ".planguard.yml")
    assert decision.fingerprint == FINGERPRINT
    assert decision.policy_source == ".planguard.yml"
    assert decision.policy_digest == policy.digest
    assert decision.policy_changes == (".planguard.yml",)
    assert decision.authorship == authorship(AI)
    assert decision.approvals == approvals()
    assert decision.missing_reviewers == ("sec",)
