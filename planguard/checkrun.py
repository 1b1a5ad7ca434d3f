"""`planguard check` and `planguard approve`: the gate end to end, I/O at this edge.

Trust: with `--policy-ref REF` (or `--base REF`), the policy, its rulesets and the reviewers'
allowed-signers file are read from that ref — never from the change under review — and a change
that edits them is itself a risk item.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from planguard import audit, gitio
from planguard.analysis.report import SCHEMA_VERSION, Report
from planguard.app import Outcome, ReportFormat, SourceOptions, classifier_for, run_analysis
from planguard.approvals.model import ApprovalSet, Membership, RejectedApproval
from planguard.approvals.screen import Target, screen
from planguard.approvals.ssh import approval_files, sign_approval, verify_approvals
from planguard.authorship.detect import detect_authorship
from planguard.authorship.knowledge import builtin_agents
from planguard.authorship.model import Agent, AuthorKind, AuthorshipInputs, PullRequestInfo
from planguard.authorship.sources import actors, agent_markers, pull_request_from_event
from planguard.errors import ExitCode, PolicyError, UsageError
from planguard.gate.decide import GateInputs, decide
from planguard.gate.model import CheckDocument, Decision, FailOn
from planguard.gitio import CommitInfo
from planguard.policy.load import load_policy
from planguard.policy.model import HumanEvidence, Policy
from planguard.render.engine import render
from planguard.render.html import html_report
from planguard.render.jsonout import to_jsonable
from planguard.render.markdown import check_markdown
from planguard.render.sarif import sarif_log
from planguard.score.fingerprint import short

DEFAULT_POLICY = ".planguard.yml"
_STRICT = (AuthorKind.AI, AuthorKind.UNKNOWN)


@dataclass(frozen=True, slots=True)
class GateSetup:
    """What check and approve share: the plans and where the trusted configuration is."""

    plans: tuple[str, ...]
    cwd: Path
    rulesets: tuple[str, ...] = ()
    terraform_bin: str = "terraform"
    policy_file: str | None = None
    policy_ref: str | None = None
    base: str | None = None
    source: str | None = None
    """The root module's directory (default: the plan's directory, else the working one)."""


@dataclass(frozen=True, slots=True)
class CheckOptions:
    setup: GateSetup
    env: tuple[tuple[str, str], ...]
    now: dt.datetime
    approvals: tuple[str, ...] = ()
    allowed_signers: str | None = None
    audit_log: str | None = None
    event_path: str | None = None
    format: ReportFormat = ReportFormat.TEXT
    color: bool = False


@dataclass(frozen=True, slots=True)
class RemoteFacts:
    """What the code host says about the change (read by `planguard.github.run`)."""

    pull_request: PullRequestInfo
    approvals: ApprovalSet
    """Reviews as approvals, not yet screened; errors when they could not be read."""
    membership: Membership
    commits: tuple[CommitInfo, ...] | None
    """The PR's commits as the code host lists them; None when they could not be read."""


@dataclass(frozen=True, slots=True)
class Trusted:
    policy: Policy
    repo: Path | None
    ref: str | None
    policy_path: str
    allowed_signers: Path | None
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CheckResult:
    decision: Decision
    report: Report
    trusted_notes: tuple[str, ...]


def check_command(opts: CheckOptions, fail_on: FailOn = FailOn.REVIEW) -> Outcome:
    result = run_check(opts)
    if opts.audit_log:
        record = audit.entry(result.decision, opts.now.isoformat(), opts.setup.plans)
        audit.append(Path(opts.audit_log), record)
    code = ExitCode.GATE_TRIPPED if fail_on.fails(result.decision.verdict) else ExitCode.OK
    return Outcome(render_check(result, opts), code)


def run_check(opts: CheckOptions, remote: RemoteFacts | None = None) -> CheckResult:
    setup = opts.setup
    with tempfile.TemporaryDirectory(prefix="planguard-policy-") as tmp:
        trusted = load_trusted(setup, Path(tmp))
        report = _analyze(setup, trusted, Path(tmp))
        env = dict(opts.env)
        agents = builtin_agents() + trusted.policy.ai_identities
        pr = remote.pull_request if remote else _event_pull_request(opts.event_path)
        inputs = _authorship_inputs(opts, trusted, env, agents, pr, remote=remote)
        authorship = detect_authorship(inputs, agents)
        signers = Path(opts.allowed_signers) if opts.allowed_signers else trusted.allowed_signers
        approvals = _ssh_approvals(opts.approvals, signers)
        untrusted_keys = opts.allowed_signers is None and trusted.ref is None
        if untrusted_keys and approvals.accepted and authorship.kind in _STRICT:
            # The change under review could have added its own key to the working tree's file.
            approvals = ApprovalSet(
                rejected=approvals.rejected
                + tuple(
                    RejectedApproval(
                        a.reviewer,
                        a.source,
                        "reviewer keys read from the working tree, which this change can edit:"
                        " pass --policy-ref/--base (or --allowed-signers)",
                        a.detail,
                    )
                    for a in approvals.accepted
                ),
                errors=approvals.errors,
            )
    if remote is not None:
        approvals = _merge(approvals, remote.approvals)
    head = pr.head_sha if pr is not None and pr.head_sha else _local_head(trusted)
    screened = screen(approvals, Target(report.fingerprint, head), authorship, agents)
    policy = trusted.policy
    online = remote.membership if remote else None
    decision = decide(
        GateInputs(
            report=report,
            authorship=authorship,
            policy=policy,
            approvals=screened,
            membership=lambda team, login: _member(policy, online, team, login),
            today=opts.now.date(),
            policy_changes=_policy_changes(setup, trusted, head if remote else None),
        )
    )
    notes = trusted.notes
    if opts.allowed_signers:
        notes += (f"reviewer keys from --allowed-signers {opts.allowed_signers}",)
    if trusted.ref is None and authorship.kind in (AuthorKind.AI, AuthorKind.UNKNOWN):
        notes += (
            "the policy was read from the working tree, which the change under review can"
            " edit: pass --policy-ref (or --base) to read it from a trusted branch",
        )
    return CheckResult(decision, report, notes)


def load_trusted(setup: GateSetup, scratch: Path) -> Trusted:
    repo = gitio.repo_root(setup.cwd)
    ref = setup.policy_ref or setup.base
    path = setup.policy_file or DEFAULT_POLICY
    notes: list[str] = []
    if ref is not None:
        where = repo or setup.cwd
        text = gitio.show_file(ref, path, where)
        source = f"git {ref}:{path}"
        if text is None:
            notes.append(f"no {path} at {ref}: planguard's default policy applies")
    else:
        local = (repo or setup.cwd) / path if not Path(path).is_absolute() else Path(path)
        if not local.is_file() and setup.policy_file is None and Path(path).is_file():
            local = Path(path)
        text = _read_text(local) if local.is_file() else None
        if text is None and setup.policy_file is not None:
            raise PolicyError(f"{path}: policy file not found")
        source = str(local)
    policy = load_policy(text, source)
    signers = _trusted_file(policy.allowed_signers, ref, repo or setup.cwd, scratch)
    return Trusted(policy, repo, ref, path, signers, tuple(notes))


def _analyze(setup: GateSetup, trusted: Trusted, scratch: Path) -> Report:
    where = trusted.repo or setup.cwd
    extra = [str(_trusted_file(p, trusted.ref, where, scratch)) for p in trusted.policy.rulesets]
    classifier = classifier_for([*extra, *setup.rulesets])
    source = SourceOptions(setup.source, setup.base, setup.cwd)
    report, _ = run_analysis(setup.plans, classifier, setup.terraform_bin, source)
    return report


def _trusted_file(path: str | None, ref: str | None, where: Path, scratch: Path) -> Path | None:
    """A file the policy names, from the trusted ref (copied to `scratch`) or the work tree."""
    if path is None:
        return None
    if ref is None:
        return where / path
    text = gitio.show_file(ref, path, where)
    if text is None:
        raise PolicyError(f"git {ref}:{path}: named in the policy but missing at {ref}")
    copy = scratch / f"{len(list(scratch.iterdir()))}-{Path(path).name}"
    copy.write_text(text, encoding="utf-8")
    return copy


def _authorship_inputs(
    opts: CheckOptions,
    trusted: Trusted,
    env: Mapping[str, str],
    agents: tuple[Agent, ...],
    pr: PullRequestInfo | None,
    *,
    remote: RemoteFacts | None,
) -> AuthorshipInputs:
    base = opts.setup.base
    if remote is not None:
        commits = remote.commits  # exactly the PR's commits, whatever is checked out
    else:
        commits = gitio.commits(base, trusted.repo or opts.setup.cwd) if base else None
    return AuthorshipInputs(
        pull_request=pr,
        actors=actors(env),
        commits=commits,
        env=agent_markers(env, agents),
        human_from_commits=trusted.policy.human_evidence is HumanEvidence.COMMITS,
    )


def _ssh_approvals(paths: tuple[str, ...], signers: Path | None) -> ApprovalSet:
    if not paths:
        return ApprovalSet()
    if signers is None:
        raise UsageError(
            "--approvals needs the reviewers' keys: pass --allowed-signers FILE or set"
            " `allowed_signers:` in the policy"
        )
    return verify_approvals(approval_files(paths), signers)


def _local_head(trusted: Trusted) -> str | None:
    return gitio.head_commit(trusted.repo) if trusted.repo else None


UNSEEN_POLICY_CHANGES = (
    "(cannot tell: the checkout is not the pull request's head commit, so edits to the"
    " gate's configuration cannot be seen)"
)


def _policy_changes(setup: GateSetup, trusted: Trusted, pr_head: str | None) -> tuple[str, ...]:
    base = setup.base or trusted.ref
    if base is None or trusted.repo is None:
        return ()
    if pr_head is not None and not gitio.checks_out(pr_head, trusted.repo):
        return (UNSEEN_POLICY_CHANGES,)  # fail closed: as if it edited them
    guarded = {trusted.policy_path, *trusted.policy.rulesets}
    if trusted.policy.allowed_signers:
        guarded.add(trusted.policy.allowed_signers)
    guarded = {str(Path(p)) for p in guarded}  # `./.planguard.yml` is `.planguard.yml`
    changed = gitio.changed_files(base, trusted.repo)
    return tuple(p for p in changed if p in guarded)


def _member(policy: Policy, online: Membership | None, team: str, login: str) -> bool | None:
    """The policy's `teams:` list first (it is trusted and offline), then the code host."""
    members = policy.team_members(team)
    if members is not None:
        return login in members
    return online(team, login) if online is not None else None


def _event_pull_request(event_path: str | None) -> PullRequestInfo | None:
    return pull_request_from_event(Path(event_path)) if event_path else None


def _merge(first: ApprovalSet, second: ApprovalSet) -> ApprovalSet:
    return ApprovalSet(
        first.accepted + second.accepted,
        first.rejected + second.rejected,
        first.errors + second.errors,
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read the policy: {exc}") from None


def render_check(result: CheckResult, opts: CheckOptions) -> str:
    if opts.format is ReportFormat.JSON:
        doc = CheckDocument(SCHEMA_VERSION, result.decision, result.trusted_notes, result.report)
        return json.dumps(to_jsonable(doc), indent=2) + "\n"
    if opts.format is ReportFormat.SARIF:
        return sarif_log(result.report, result.decision)
    if opts.format is ReportFormat.HTML:
        return html_report(result.report, result.decision)
    if opts.format is ReportFormat.MARKDOWN:
        return check_markdown(
            result.report, result.decision, notes=result.trusted_notes, plans=opts.setup.plans
        )
    return render(
        "check.txt.j2",
        color=opts.color,
        decision=result.decision,
        report=result.report,
        notes=result.trusted_notes,
        plans=opts.setup.plans,
    )


@dataclass(frozen=True, slots=True)
class ApproveOptions:
    setup: GateSetup
    reviewer: str
    key: str
    output: str
    now: dt.datetime
    fingerprint: str | None = None


def approve_command(opts: ApproveOptions) -> Outcome:
    """Sign the plan's fingerprint as `reviewer`; print what was approved."""
    report: Report | None = None
    fingerprint = opts.fingerprint
    if fingerprint is None:
        with tempfile.TemporaryDirectory(prefix="planguard-policy-") as tmp:
            trusted = load_trusted(opts.setup, Path(tmp))
            report = _analyze(opts.setup, trusted, Path(tmp))
        fingerprint = report.fingerprint
    if len(fingerprint) != 64 or any(c not in "0123456789abcdef" for c in fingerprint):
        raise UsageError(f"{fingerprint!r} is not a plan fingerprint (64 hex digits)")
    signed_at = opts.now.isoformat()
    text = sign_approval(fingerprint, opts.reviewer, Path(opts.key), signed_at)
    target = Path(opts.output)
    if target.is_dir():
        reviewer = opts.reviewer.lstrip("@").lower()
        target = target / f"{short(fingerprint)}.{reviewer}.approval"
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the approval: {exc.strerror}") from None
    summary = render("approve.txt.j2", report=report, fingerprint=fingerprint, path=str(target))
    return Outcome(summary, ExitCode.OK)
