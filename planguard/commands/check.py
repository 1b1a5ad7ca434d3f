"""`planguard check`: the pre-apply gate, end to end.

Facts first — the plans (with the trusted rulesets), the trusted policy, and the change from
git and the environment or from GitHub — then the pure check (`planguard.gate.check`), then
the output: rendered, appended to the audit log, and with `--github` delivered to the PR.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from planguard import audit
from planguard.approvals.model import merged
from planguard.commands.outcome import Outcome
from planguard.errors import ExitCode
from planguard.gate.check import (
    CheckResult,
    authorship_of,
    conclude,
    screen_change,
    team_questions,
)
from planguard.gate.decide import TeamMembership
from planguard.gather.local import local_change, ssh_approvals
from planguard.gather.managed import Managed, find_managed
from planguard.gather.trusted import GateSetup, analyze_gated, trusted_configuration
from planguard.policy.choices import FailOn
from planguard.records import Record, replace
from planguard.render.choices import Format
from planguard.render.formats import render

if TYPE_CHECKING:
    from planguard.github.gather import GitHubOptions, GitHubRun


class CheckOptions(Record, frozen=True):
    setup: GateSetup
    env: tuple[tuple[str, str], ...]
    now: dt.datetime
    approvals: tuple[str, ...] = ()
    allowed_signers: str | None = None
    audit_log: str | None = None
    event_path: str | None = None
    format: Format = Format.TEXT
    color: bool = False
    fail_on: FailOn = FailOn.REVIEW
    working_tree: bool = False
    """`planguard apply` and the agent hook: the change is the working tree (`ChangeFacts`)."""
    managed: Managed | None = None
    """The machine's managed policy, when the caller read it already (`planguard apply`
    takes the binary from it too: one read, one policy); None: read here."""


def check(opts: CheckOptions, github: GitHubOptions | None = None) -> Outcome:
    run = None
    if github is not None:
        # The GitHub client and its renderers are loaded for a run that talks to GitHub only.
        from planguard.github import deliver as github_deliver  # noqa: PLC0415
        from planguard.github import gather as github_gather  # noqa: PLC0415

        run = github_gather.open_run(dict(opts.env), github)
        opts = _with_base_from(run, opts)
        github_deliver.post_pending(run)
        try:
            result = evaluate(opts, run)
        except Exception as exc:  # no verdict (bad input, a bug): the status must not stay pending
            github_deliver.post_error(run, str(exc))
            raise
    else:
        result = evaluate(opts, run)
    text = render_check(result, opts, opts.format)
    head = _audit(opts, result)
    notices = () if head is None else (f"audit log {opts.audit_log}: keep its new head {head}",)
    if run is None:
        return Outcome(text, _exit_code(result.fail_on, result, ()), notices=notices)
    wants_file = run.options.report_path is not None
    report_json = render_check(result, opts, Format.JSON) if wants_file else None
    from planguard.github import deliver as github_deliver  # noqa: PLC0415

    delivered = github_deliver.deliver(
        run, result, text=text, report_json=report_json, audit_head=head or ""
    )
    code = _exit_code(result.fail_on, result, delivered.problems)
    return Outcome(delivered.text, code, delivered.problems, notices)


def _with_base_from(run: GitHubRun, opts: CheckOptions) -> CheckOptions:
    """The pull request's base as GitHub reports it, when the workflow passed none: a
    `workflow_run` for a fork has no `pull_requests[0]` to take it from. (The checkout must
    hold that commit: else the trusted ref cannot be read, and the run stops with exit 2.)"""
    setup = opts.setup
    if setup.base or setup.policy_ref or not run.pr.base_sha:
        return opts
    return replace(opts, setup=replace(setup, base=run.pr.base_sha))


def _audit(opts: CheckOptions, result: CheckResult) -> str | None:
    """Append the decision to the audit log, in every mode; the log's new head digest (to keep
    elsewhere: a log cannot vouch for its own last line)."""
    if not opts.audit_log:
        return None
    record = audit.entry(result.decision, opts.now.isoformat(), opts.setup.plans)
    return audit.append(Path(opts.audit_log), record)


def evaluate(opts: CheckOptions, run: GitHubRun | None = None) -> CheckResult:
    """Gather every fact (from GitHub when `run` is given, else from git and the event file),
    then decide. The decision itself does not know where the facts came from.

    Who wrote the change is known first: with no trusted ref, an AI or unknown author gets the
    shipped defaults that the working tree may only tighten, and only built-in rulesets."""
    setup = opts.setup
    head = run.pr.head_sha if run else None
    managed = opts.managed if opts.managed is not None else find_managed(dict(opts.env))
    with trusted_configuration(setup, head, opts.allowed_signers, managed) as read:
        if run is None:
            facts = local_change(setup, read, environment=opts.env, event_path=opts.event_path)
            facts = replace(facts, working_tree=opts.working_tree)
        else:
            from planguard.github import gather as github_gather  # noqa: PLC0415

            facts = github_gather.change_facts(run, setup, read, environment=opts.env)
        authorship = authorship_of(read.gate_policy(), facts)
        # No trusted ref: nothing tells the policy from one the change wrote, whoever the
        # author seems to be (a local run's event file and environment are forgeable too).
        trusted = read if read.anchored else read.tightened(authorship.kind.value)
        policy = trusted.gate_policy()
        report = analyze_gated(setup, trusted)
        ssh = ssh_approvals(
            opts.approvals, trusted.allowed_signers, trusted.keys_trusted, trusted.signers_shown
        )
    facts = replace(facts, approvals=merged(ssh, facts.approvals))
    screened = screen_change(report, policy, facts, authorship, opts.now)
    today = opts.now.date()
    questions = team_questions(report, policy, facts, screened, today)
    membership: TeamMembership = {}
    if run is not None and questions:
        from planguard.github import gather as github_gather  # noqa: PLC0415

        membership = github_gather.membership(run, questions)
    return conclude(
        report, policy, facts, screened, membership=membership, today=today, fail_on=opts.fail_on
    )


def render_check(result: CheckResult, opts: CheckOptions, fmt: Format) -> str:
    return render(
        fmt,
        result.report,
        result.decision,
        notes=result.notes,
        plans=tuple(dict(opts.setup.shown_as).get(p, p) for p in opts.setup.plans),
        color=opts.color,
    )


def _exit_code(fail_on: FailOn, result: CheckResult, problems: tuple[str, ...]) -> ExitCode:
    if result.decision.verdict.fails(fail_on):
        return ExitCode.GATE_TRIPPED
    return ExitCode.GITHUB if problems else ExitCode.OK
