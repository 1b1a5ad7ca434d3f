"""`planguard approve`: a named reviewer signs exactly this plan's fingerprint."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from planguard import gitio
from planguard.analysis.report import Report
from planguard.approvals.model import ApprovalScope
from planguard.approvals.ssh import sign_approval, verify_approvals
from planguard.authorship.knowledge import builtin_agents
from planguard.authorship.sources import agent_markers
from planguard.commands.outcome import Outcome
from planguard.errors import ExitCode, UsageError
from planguard.gather.managed import find_managed
from planguard.gather.trusted import GateSetup, analyze_gated, trusted_configuration
from planguard.plan.roots import named_roots
from planguard.records import Record
from planguard.render.engine import render_template
from planguard.score.fingerprint import short


class ApproveOptions(Record, frozen=True):
    setup: GateSetup
    reviewer: str
    key: str
    output: str
    now: dt.datetime
    fingerprint: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    """For the machine's managed policy (the same policy `check` and `apply` use)."""


def approve(opts: ApproveOptions) -> Outcome:
    """Sign the plan's fingerprint as `reviewer`; print what was approved."""
    _refuse_agents(opts.env)
    report: Report | None = None
    fingerprint = opts.fingerprint
    managed = find_managed(dict(opts.env))
    with trusted_configuration(opts.setup, managed=managed) as trusted:
        if fingerprint is None:
            report = analyze_gated(opts.setup, trusted)
            fingerprint = report.fingerprint
        if len(fingerprint) != 64 or any(c not in "0123456789abcdef" for c in fingerprint):
            raise UsageError(f"{fingerprint!r} is not a plan fingerprint (64 hex digits)")
        max_age = dt.timedelta(days=trusted.policy.approval_max_age_days)
        repository = gitio.repository_name(trusted.repo or opts.setup.cwd, trusted.repo)
        roots = named_roots(opts.setup.plans)
        now = opts.now.isoformat()
        scope = ApprovalScope(repository, roots, now, (opts.now + max_age).isoformat())
        text = sign_approval(fingerprint, opts.reviewer, Path(opts.key), scope)
        warnings = _unlisted_key(
            text, opts.reviewer, trusted.allowed_signers, trusted.signers_shown
        )
    target = approval_path(Path(opts.output), opts.output, fingerprint, opts.reviewer)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the approval: {exc.strerror}") from None
    summary = render_template(
        "approve.txt.j2", report=report, fingerprint=fingerprint, path=str(target)
    )
    return Outcome(summary, ExitCode.OK, warnings=warnings)


def _unlisted_key(text: str, reviewer: str, signers: Path | None, shown: str) -> tuple[str, ...]:
    """Checked as the gate will check it: an approval signed with a key the keys file does
    not list for `--as` would count for nobody, and the reviewer should know now."""
    if signers is None or not signers.is_file():
        return ()
    with tempfile.TemporaryDirectory(prefix="planguard-approve-") as tmp:
        written = Path(tmp) / "check.approval"
        written.write_text(text, encoding="utf-8")
        verified = verify_approvals([written], signers, shown or None)
    if verified.accepted:
        return ()
    why = verified.rejected[0].reason if verified.rejected else "it does not verify"
    return (
        f"this approval will not count: {why}. Sign with the key {shown or signers} lists for"
        f" {reviewer}, or add your public key there (a policy change)",
    )


def approval_path(output: Path, written: str, fingerprint: str, reviewer: str) -> Path:
    """`-o DIR` (existing, or written with a trailing `/`, or without `.approval`): one file per
    reviewer and plan inside it, created when missing. `-o FILE.approval`: that file, which
    must not already hold someone's approval."""
    is_folder = output.is_dir() or written.endswith("/") or not written.endswith(".approval")
    if is_folder:
        login = reviewer.lstrip("@").lower()
        return output / f"{short(fingerprint)}.{login}.approval"
    if output.exists():
        raise UsageError(
            f"{written}: already exists; approvals are never overwritten. Pass a directory"
            " (`-o .planguard/approvals/`) and each reviewer's approval gets its own file"
        )
    return output


def _refuse_agents(env: tuple[tuple[str, str], ...]) -> None:
    """An approval is a person's word: not signed from inside an agent's session, where the
    agent could sign with a key it can read. (The markers are advisory; the agent hook also
    denies `planguard approve`, and docs/agents.md says to keep reviewer keys out of reach.)"""
    markers = agent_markers(dict(env), builtin_agents())
    if markers:
        names = ", ".join(sorted({f"{name}" for name, _ in markers}))
        raise UsageError(
            f"planguard approve: refused inside an AI agent's session ({names} set): a person"
            " approves, in their own terminal, with their own key"
        )
