"""`planguard init`: a starting policy, its allowed-signers file and the GitHub workflow, written
into the repository planguard runs in (its git root, else the working directory).

Nothing is overwritten without `--force`, and nothing is written unless every file can be: a
refusal names all the files in the way at once.
"""

from __future__ import annotations

import os
from pathlib import Path

from planguard import gitio
from planguard.authorship.model import AuthorKind
from planguard.commands.outcome import Outcome
from planguard.errors import ExitCode, UsageError
from planguard.findings import Tier
from planguard.policy.choices import DEFAULT_POLICY, POLICY_NAMES, FailOn
from planguard.policy.load import load_policy
from planguard.records import Record
from planguard.render.engine import render_template

POLICY_SCHEMA = "https://planguard.dev/schema/planguard-policy.schema.json"
"""The `$id` of the policy schema planguard ships (schema/planguard-policy.schema.json)."""
ALLOWED_SIGNERS = ".planguard/allowed_signers"
WORKFLOW = ".github/workflows/planguard.yml"
PLACEHOLDER_REVIEWER = "@your-org/infra-owners"
"""Valid (the policy loads), obviously not real: the next steps say to replace it."""


class InitOptions(Record, frozen=True):
    cwd: Path
    workflow: bool = True
    """Also write the GitHub workflow."""
    force: bool = False
    """Overwrite files that exist."""


class Scaffold(Record, frozen=True):
    """One file init writes."""

    path: str
    """From the repository root, with `/`."""
    text: str


class ThresholdRow(Record, frozen=True):
    """One author kind's line of the policy's `thresholds:`."""

    kind: str
    actions: tuple[tuple[str, str], ...]
    """(tier, action), lowest tier first."""


class WrittenFile(Record, frozen=True):
    path: str
    replaced: bool
    """It existed and `--force` overwrote it."""


def init(opts: InitOptions) -> Outcome:
    repo = gitio.repo_root(opts.cwd)
    root = repo or opts.cwd
    files = scaffolds(opts.workflow)
    existing = _refuse_conflicts(root, files, opts.force)
    _write_all(root, files)
    text = render_template(
        "init/done.txt.j2",
        root=str(root),
        in_git=repo is not None,
        written=[WrittenFile(f.path, f.path in existing) for f in files],
        policy=DEFAULT_POLICY,
        allowed_signers=ALLOWED_SIGNERS,
        reviewer=PLACEHOLDER_REVIEWER,
        workflow=WORKFLOW if opts.workflow else None,
    )
    return Outcome(text, ExitCode.OK)


def scaffolds(workflow: bool) -> tuple[Scaffold, ...]:
    """The files init writes, rendered."""
    files = [
        Scaffold(DEFAULT_POLICY, policy_text()),
        Scaffold(
            ALLOWED_SIGNERS, render_template("init/allowed_signers.j2", policy=DEFAULT_POLICY)
        ),
    ]
    if workflow:
        files.append(Scaffold(WORKFLOW, render_template("init/workflow.yml.j2")))
    return tuple(files)


def policy_text() -> str:
    """The commented policy; its thresholds, approvals and approval age are the shipped
    defaults (read from them, so they cannot drift apart)."""
    defaults = load_policy(None, "defaults")
    kinds = sorted(AuthorKind, key=lambda kind: kind.strictness, reverse=True)
    rows = [
        ThresholdRow(
            kind.value, tuple((t.value, defaults.actions_for(kind).at(t).value) for t in Tier)
        )
        for kind in kinds
    ]
    return render_template(
        "init/planguard.yml.j2",
        schema=POLICY_SCHEMA,
        thresholds=rows,
        approvals=[(t.value, defaults.approvals.at(t)) for t in Tier],
        reviewer=PLACEHOLDER_REVIEWER,
        allowed_signers=ALLOWED_SIGNERS,
        max_age_days=defaults.approval_max_age_days,
        fail_on=FailOn.REVIEW.value,
    )


def _refuse_conflicts(root: Path, files: tuple[Scaffold, ...], force: bool) -> frozenset[str]:
    """The files that exist (and will be replaced), or a usage error naming every file in
    the way. A symlink counts as existing even when it leads nowhere."""
    existing = [f.path for f in files if os.path.lexists(root / f.path)]
    directories = [p for p in existing if (root / p).is_dir() and not (root / p).is_symlink()]
    if directories:
        raise UsageError(
            f"{root}: {', '.join(directories)}: a directory where planguard init writes a file;"
            " move it away and run planguard init again"
        )
    other = [n for n in POLICY_NAMES if n != DEFAULT_POLICY and os.path.lexists(root / n)]
    if other:
        # Both spellings present is a configuration error for `check`: never create that.
        raise UsageError(
            f"{root}: {other[0]} exists, and planguard refuses a repository with both it and"
            f" {DEFAULT_POLICY}: edit {other[0]} instead, or remove it and run planguard init"
        )
    if existing and not force:
        raise UsageError(
            f"{root}: {', '.join(existing)} already {'exists' if len(existing) == 1 else 'exist'};"
            " planguard init never overwrites a file: pass --force to replace, or move away"
            + (" (--no-workflow skips the workflow)" if WORKFLOW in existing else "")
        )
    return frozenset(existing)


def _write_all(root: Path, files: tuple[Scaffold, ...]) -> None:
    written: list[str] = []
    for scaffold in files:
        path = root / scaffold.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink():
                path.unlink()  # --force replaces the link, never the file it leads to
            path.write_text(scaffold.text, encoding="utf-8", newline="\n")
        except OSError as exc:
            done = f" (already written: {', '.join(written)})" if written else ""
            raise UsageError(
                f"{path}: cannot write it: {exc.strerror}{done}; fix the directory's"
                " permissions and run planguard init again (with --force for those written)"
            ) from None
        written.append(scaffold.path)
