"""The change as git and the run's environment show it: `check` without `--github`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from planguard import gitio
from planguard.approvals.model import ApprovalSet, ApprovalSource, RejectedApproval
from planguard.approvals.ssh import approval_files, verify_approvals
from planguard.authorship.sources import pull_request_from_event
from planguard.errors import UsageError
from planguard.gate.check import UNTRUSTED_KEYS, ChangeFacts
from planguard.gather.trusted import GateSetup, Trusted, policy_changes
from planguard.plan.roots import named_roots


def local_change(
    setup: GateSetup,
    trusted: Trusted,
    *,
    environment: tuple[tuple[str, str], ...],
    event_path: str | None,
) -> ChangeFacts:
    """The change as git and the event file show it (SSH approvals are added later)."""
    repo = trusted.repo or setup.cwd
    pr = pull_request_from_event(Path(event_path)) if event_path else None
    head = pr.head_sha if pr is not None and pr.head_sha else None
    if head is None and trusted.repo is not None:
        head = gitio.head_commit(trusted.repo)
    return ChangeFacts(
        pull_request=pr,
        commits=gitio.commits(setup.base, repo) if setup.base else None,
        head=head,
        approvals=ApprovalSet(),
        environment=environment,
        policy_changes=policy_changes(setup, trusted, None),
        repository=gitio.repository_name(repo, trusted.repo),
        context_trusted=False,
        roots=named_roots(setup.plans),
    )


def ssh_approvals(
    paths: Sequence[str], signers: Path | None, keys_trusted: bool, shown: str = ""
) -> ApprovalSet:
    """The SSH-signed approval files, verified against the reviewers' keys. With no trusted
    keys and none named at all, they are listed as unverifiable (they never count)."""
    if not paths:
        return ApprovalSet()
    if signers is None and not keys_trusted:
        return ApprovalSet(
            rejected=tuple(
                RejectedApproval("?", ApprovalSource.SSH, UNTRUSTED_KEYS, str(f))
                for f in approval_files(paths)
            )
        )
    if signers is None:
        raise UsageError(
            "--approvals needs the reviewers' keys: pass --allowed-signers FILE or set"
            " `allowed_signers:` in the policy"
        )
    return verify_approvals(approval_files(paths), signers, shown or None)
