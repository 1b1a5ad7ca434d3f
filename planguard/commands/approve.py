"""`planguard approve`: a named reviewer signs exactly this plan's fingerprint."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from planguard import gitio
from planguard.analysis.report import Report
from planguard.approvals.model import ApprovalScope
from planguard.approvals.ssh import sign_approval
from planguard.commands.outcome import Outcome
from planguard.errors import ExitCode, UsageError
from planguard.gather.trusted import GateSetup, analyze_gated, trusted_configuration
from planguard.plan.roots import named_roots
from planguard.render.engine import render_template
from planguard.score.fingerprint import short


@dataclass(frozen=True, slots=True)
class ApproveOptions:
    setup: GateSetup
    reviewer: str
    key: str
    output: str
    now: dt.datetime
    fingerprint: str | None = None


def approve(opts: ApproveOptions) -> Outcome:
    """Sign the plan's fingerprint as `reviewer`; print what was approved."""
    report: Report | None = None
    fingerprint = opts.fingerprint
    with trusted_configuration(opts.setup) as trusted:
        if fingerprint is None:
            report = analyze_gated(opts.setup, trusted)
            fingerprint = report.fingerprint
        max_age = dt.timedelta(days=trusted.policy.approval_max_age_days)
        repository = gitio.repository_name(trusted.repo or opts.setup.cwd)
    if len(fingerprint) != 64 or any(c not in "0123456789abcdef" for c in fingerprint):
        raise UsageError(f"{fingerprint!r} is not a plan fingerprint (64 hex digits)")
    roots = named_roots(opts.setup.plans)
    scope = ApprovalScope(repository, roots, opts.now.isoformat(), (opts.now + max_age).isoformat())
    text = sign_approval(fingerprint, opts.reviewer, Path(opts.key), scope)
    target = Path(opts.output)
    if target.is_dir():
        reviewer = opts.reviewer.lstrip("@").lower()
        target = target / f"{short(fingerprint)}.{reviewer}.approval"
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the approval: {exc.strerror}") from None
    summary = render_template(
        "approve.txt.j2", report=report, fingerprint=fingerprint, path=str(target)
    )
    return Outcome(summary, ExitCode.OK)
