"""`planguard check --github`, after the decision: tell GitHub.

Delivering never changes the verdict: each output (review requests, comment, status, summary,
annotations, outputs) is tried on its own and a failure is reported — on stderr, in the
summary, and as exit 4 when the verdict allowed the change (a blocked change still exits 1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from planguard import gitio
from planguard.approvals.github import BOUND_DESTROYS, Bound, to_bind
from planguard.errors import PlanguardError
from planguard.findings import Tier
from planguard.gate.check import CheckResult, destroyed_addresses
from planguard.gate.model import Decision, Verdict
from planguard.github.api import Comment, GitHubApi
from planguard.github.choices import Post
from planguard.github.client import (
    GitHubError,
    GitHubMaybeApplied,
    GitHubPermissionError,
    GitHubValidationError,
)
from planguard.github.comment import Stamp, compose, folded, plan_comment
from planguard.github.gather import GitHubRun
from planguard.github.inline import plan_inline
from planguard.github.record import (
    NO_KEY_NOTE,
    Kept,
    record_line,
    record_scope,
    still_present,
    unsigned,
)
from planguard.github.workflow import (
    Annotation,
    annotation_lines,
    append_summary,
    guarded,
    write_outputs,
)
from planguard.plan.model import Action
from planguard.policy.model import GateAction
from planguard.records import Record
from planguard.render import budget
from planguard.render.markdown import GitHubContext, InlineOutside, check_markdown
from planguard.render.view import plan_counts
from planguard.source.diff import FileDiff, parse_patch

T = TypeVar("T")
_STATUS_DESCRIPTION = 140


class Delivered(Record, frozen=True):
    text: str
    """The check's output, with the annotations before it and what was posted after it."""
    problems: tuple[str, ...]
    """What could not be delivered."""


def post_pending(run: GitHubRun) -> None:
    """Until this run has a verdict, the head is not green (an earlier success included).
    Skipped when the last report of this head rests on exactly what GitHub tells this run
    (`run.unchanged`): then only the plan or the policy can differ, and this run's final
    status (always posted) replaces the old one. The old status stood through the minutes of
    queueing, checkout and `terraform plan` before this step anyway; a pending status here
    would only cover these last seconds, at the cost of two status writes per re-run."""
    if run.options.on(Post.STATUS) and run.superseded is None and not run.unchanged:
        pending = "planguard is evaluating this plan"
        _try(
            run.problems,
            "pending status",
            lambda: _post_status(run, state="pending", text=pending),
            False,
        )


def post_error(run: GitHubRun, reason: str) -> None:
    """The run ended without a verdict after `post_pending`: the status says so, never stays
    pending (GitHub's description holds 140 characters)."""
    if run.options.on(Post.STATUS) and run.superseded is None:
        text = f"planguard could not decide: {reason}"
        if len(text) > 140:
            text = text[:139] + "…"
        _try(
            run.problems, "error status", lambda: _post_status(run, state="error", text=text), False
        )


def deliver(
    run: GitHubRun,
    result: CheckResult,
    *,
    text: str,
    report_json: str | None,
    audit_head: str = "",
) -> Delivered:
    """Post everything the options ask for; `report_json` goes to the report file, the audit
    log's new head to the step outputs."""
    report_path = ""
    if run.options.report_path is not None and report_json is not None:
        report_path = _write_report(run.options.report_path, report_json, run.problems)
    done = _deliver(run, result, report_path, audit_head)
    if run.pr.from_fork:
        done += _read_only_fork(run.problems)
    if run.record is not None and unsigned(run.state_key):
        done.append(NO_KEY_NOTE)
    client = run.api.client
    client.save()
    done.append(
        f"{client.sent} request(s), {client.not_modified} of them answered 304 Not Modified"
        " (not counted against the rate limit)"
    )
    text += "".join(f"\nGitHub: {line}" for line in done)
    lines = []
    if run.options.on(Post.ANNOTATIONS):
        lines = annotation_lines(_annotations(result.decision, run.problems))
    return Delivered("\n".join([*lines, guarded(text)]), tuple(run.problems))


def _deliver(run: GitHubRun, result: CheckResult, report_path: str, audit_head: str) -> list[str]:
    """Each output in turn; returns what was done (failures go to `run.problems`)."""
    done: list[str] = []
    refused: tuple[str, ...] = ()
    decision, options, problems = result.decision, run.options, run.problems
    if options.on(Post.REVIEWS) and decision.missing:
        requested = _try(problems, "review requests", lambda: _request_reviews(run, decision), None)
        if requested is not None:
            refused, sent = requested
            done.append("review requests sent" if sent else "reviewers already requested")
    inline: _Inline | None = None
    if options.on(Post.INLINE) and not run.superseded:
        inline = _try(problems, "inline review", lambda: _inline_review(run, decision), None)
        if inline is not None:
            done.append(f"inline review: {inline.summary}")
    view = _View(
        result,
        options.root,
        run.pr.head_sha,
        run.ctx.run_url,
        refused,
        options.started_at.isoformat(),
        inline,
    )
    stale = run.superseded
    comment_url = ""
    if options.on(Post.COMMENT):
        said = _try(problems, "PR comment", lambda: _upsert_comment(run, view), None)
        if said is not None:
            done.append(f"comment {said.what}")
            stale = stale or said.stale
            comment_url = said.url
    if options.on(Post.STATUS):
        if stale:
            # A newer run already reported; do not overwrite its status with an older result.
            done.append(f"status left to the newer run: {stale}")
        elif _try(problems, "commit status", lambda: _final_status(run, decision), False):
            done.append(f"status {options.status_context} on {run.pr.head_sha[:12]}")
    if options.on(Post.LABELS) and not stale:
        label = _try(problems, "PR label", lambda: _tier_label(run, result), None)
        if label is not None:
            done.append(f"label {label}")
    _workflow_files(run, view, report_path, (audit_head, comment_url))
    return done


def _workflow_files(run: GitHubRun, view: _View, report_path: str, heads: tuple[str, str]) -> None:
    """The job summary and the step outputs (files the runner reads, not GitHub requests)."""
    options, problems = run.options, run.problems
    summary_path, output_path = run.ctx.summary_path, run.ctx.output_path
    if options.on(Post.SUMMARY) and summary_path is not None:
        summary = view.render(summary=True, problems=problems)
        _try(problems, "job summary", lambda: append_summary(summary_path, summary), None)
    if options.on(Post.OUTPUTS) and output_path is not None:
        values = _outputs(view.result, report_path, *heads)
        _try(problems, "step outputs", lambda: write_outputs(output_path, values), None)


def _read_only_fork(problems: list[str]) -> list[str]:
    """A fork's `pull_request` run has a read-only token by GitHub's design, not by a
    misconfiguration: what it could not post is said once, and the verdict alone decides the
    exit code (it is in the job summary too). Other problems stay problems."""
    forbidden = [p for p in problems if isinstance(p, _Forbidden)]
    if not forbidden:
        return []
    problems[:] = [p for p in problems if p not in forbidden]
    return [
        "a pull request from a fork gets a read-only token, so this run posted nothing"
        f" ({len(forbidden)} write(s) refused); the verdict is this run's exit code and job"
        " summary. To comment and set the status, use the workflow_run split"
        " (docs/github-action.md)"
    ]


class _Forbidden(str):
    """A problem GitHub answered with 403: the token may not do it (a fork's always)."""

    __slots__ = ()


def _try(problems: list[str], what: str, action: Callable[[], T], fallback: T) -> T:
    try:
        return action()
    except GitHubPermissionError as exc:
        problems.append(_Forbidden(f"{what} failed: {exc}"))
        return fallback
    except PlanguardError as exc:
        problems.append(f"{what} failed: {exc}")
        return fallback


def _request_reviews(run: GitHubRun, decision: Decision) -> tuple[tuple[str, ...], bool]:
    """Ask the named reviewers whose approval does not count for this plan and who are not
    asked yet (an approval of another plan is asked for again); return who GitHub refused,
    and whether anybody was asked."""
    api, pr, requested = run.api, run.pr, run.requested
    approved_here = {a.reviewer for a in decision.approvals.accepted if a.commit == pr.head_sha}
    users: list[str] = []
    teams: list[str] = []
    refused: list[str] = []
    owner = api.repo.owner.lower()
    for name in decision.missing_reviewers:
        if "/" in name:
            org, _, slug = name.partition("/")
            if org.lower() != owner:
                refused.append(f"@{name}: a team of another organisation cannot be requested")
            elif slug not in requested.teams:
                teams.append(slug)
        elif (
            name not in approved_here
            and name != pr.author_login.lower()
            and name not in {u.lower() for u in requested.users}
        ):
            users.append(name)
    if not users and not teams:
        return tuple(refused), False
    try:
        api.request_reviewers(pr.number, tuple(users), tuple(teams))
    except GitHubValidationError:
        # GitHub refuses the whole request for one bad name: ask one by one to find it.
        for user in users:
            refused += _request_one(api, pr.number, (user,), (), f"@{user}")
        for team in teams:
            refused += _request_one(api, pr.number, (), (team,), f"@{api.repo.owner}/{team}")
    return tuple(refused), True


def _request_one(
    api: GitHubApi, number: int, users: tuple[str, ...], teams: tuple[str, ...], name: str
) -> list[str]:
    try:
        api.request_reviewers(number, users, teams)
    except GitHubValidationError as exc:
        return [f"{name}: {str(exc).split('(422 ', 1)[-1].rstrip(')')}"]
    return []


class _Inline(Record, frozen=True):
    count: int
    outside: tuple[InlineOutside, ...]
    summary: str


def _inline_review(run: GitHubRun, decision: Decision) -> _Inline:
    """One review with a comment per high/critical finding on its `.tf` line; a re-run edits
    or deletes its own comments and adds a review only for comments that are new."""
    api, pr = run.api, run.pr
    unavailable = "the PR's diff could not be read"
    files: dict[str, FileDiff] | None = None
    if gitio.head_commit(Path.cwd()) != pr.head_sha:
        # A merge-commit checkout: its line numbers need not be the head's.
        unavailable = f"the checkout is not the PR head {pr.head_sha[:12]}, so lines could differ"
    else:
        try:
            files = {
                f.path: parse_patch(f.path, f.patch, f.status)
                for f in api.pull_files(pr.number)
                if f.patch is not None
            }
        except GitHubError:
            files = None  # every finding is listed in the main comment instead
    existing = api.review_comments(pr.number)
    plan = plan_inline(
        decision, files, existing, own_login=run.own, root=run.options.root, unavailable=unavailable
    )
    for comment_id in plan.delete:
        api.delete_review_comment(comment_id)
    for comment_id, body in plan.update:
        api.update_review_comment(comment_id, body)
    if plan.create:
        comments = tuple(i.comment for i in plan.create)
        api.create_review(pr.number, pr.head_sha, plan.review_body, comments)
    count = len(plan.create) + len(plan.update) + len(plan.keep)
    summary = (
        f"{len(plan.create)} new, {len(plan.update)} updated, {len(plan.keep)} unchanged,"
        f" {len(plan.delete)} deleted comment(s)"
    )
    return _Inline(count, plan.outside, summary)


class _Said(Record, frozen=True):
    what: str
    stale: str | None = None
    url: str = ""
    """The live comment's address (the `comment-url` output)."""


def _upsert_comment(run: GitHubRun, view: _View) -> _Said:
    api, gh, pr = run.api, run.options, run.pr
    content = view.render(summary=False, problems=())
    stamp = Stamp(pr.head_sha, gh.started_at, run.inputs)
    body = compose(gh.root, stamp, content, view.run_url, _record_line(run, view.result))
    # Read again at write time: a push or another run may have landed while this one ran.
    # Both reads are conditional (the client holds this run's ETags): unchanged, each costs a
    # 304, which does not count against the rate limit.
    current_head = api.pull_request(pr.number).head_sha
    existing = api.comments(pr.number)
    plan = plan_comment(
        existing,
        own_login=run.own,
        root=gh.root,
        body=body,
        stamp=stamp,
        current_head=current_head,
        mode=gh.comment_mode,
        now=dt.datetime.now(dt.timezone.utc),
        no_changes=view.no_changes,
    )
    for comment_id in plan.delete:
        api.delete_comment(comment_id)
    for old in (c for c in existing if c.id in plan.fold):
        api.update_comment(old.id, folded(old.body))
    urls = {c.id: c.url for c in existing}
    if plan.update is not None:
        api.update_comment(plan.update, body)
        return _Said(f"updated {plan.update}", url=urls.get(plan.update, ""))
    if plan.create:
        made = _create_once(api, pr.number, body)
        return _Said(f"created {made.id}", url=made.url)
    kept = urls.get(plan.kept, "") if plan.kept is not None else ""
    return _Said(f"left as is: {plan.skipped}", plan.stale, kept)


def _record_line(run: GitHubRun, result: CheckResult) -> str:
    """The review record to keep: what earlier runs bound (of reviews that still exist), the
    approvals this run saw first (bound to the plan the comment showed for their commit, else
    to this run's), and this run's plan as the one the comment now shows."""
    record = run.record
    if record is None:
        return ""
    bound = still_present(record.bound, (r.id for r in run.reviews))
    destroys = tuple(sorted(destroyed_addresses(result.report)))[:BOUND_DESTROYS]
    current = Bound(result.decision.fingerprint, run.pr.head_sha, destroys)
    for review in to_bind(run.reviews, record, run.pr.head_sha):
        bound[review.id] = record.on_sight(review) or current
    scope = record_scope(run.ctx.repository, run.pr.number, run.options.root)
    return record_line(Kept(bound, current), run.state_key, scope)


def _create_once(api: GitHubApi, number: int, body: str) -> Comment:
    """Post the comment; when the answer timed out, look before posting again: the body
    carries this run's stamp, so finding it means it landed."""
    try:
        return api.create_comment(number, body)
    except GitHubMaybeApplied:
        landed = [c for c in api.comments(number) if c.body == body]
        return landed[0] if landed else api.create_comment(number, body)


TIER_LABEL = "planguard: {tier}"


def _tier_label(run: GitHubRun, result: CheckResult) -> str:
    """The plan's tier as a PR label, the only `planguard: *` label on it (an older run's
    tier label goes: a label that says low on a PR that is now critical would mislead)."""
    wanted = TIER_LABEL.format(tier=result.report.tier.value)
    ours = {TIER_LABEL.format(tier=t.value) for t in Tier}
    for stale in sorted(set(run.pr.labels) & ours - {wanted}):
        run.api.remove_label(run.pr.number, stale)
    if wanted not in run.pr.labels:
        run.api.add_labels(run.pr.number, [wanted])
    return wanted


def _final_status(run: GitHubRun, decision: Decision) -> bool:
    """Posted unless the head's newest status of this context, read before this run wrote
    anything, is planguard's own and says the same (no pending status came in between)."""
    state = "success" if decision.verdict.allowed else "failure"
    text = _status_text(decision)
    last = run.last_status
    said = last is not None and (last.creator, last.state, last.description) == (
        run.own,
        state,
        text,
    )
    if run.unchanged and said:
        return True
    return _post_status(run, state=state, text=text)


def _post_status(run: GitHubRun, *, state: str, text: str) -> bool:
    """True once posted (`_try` turns a failure into a reported problem and False)."""
    run.api.set_status(
        run.pr.head_sha,
        state=state,
        context=run.options.status_context,
        description=text,
        target_url=run.ctx.run_url,
    )
    return True


def _status_text(decision: Decision) -> str:
    verdict = decision.verdict
    text = f"{verdict.value}: plan {decision.fingerprint[:12]}"
    if verdict is Verdict.REVIEW_REQUIRED:
        names = sorted("@" + r for r in decision.missing_reviewers)
        text = f"review required from {', '.join(names) or 'nobody named'}"
    elif verdict is Verdict.APPROVED:
        names = sorted({"@" + a for req in decision.requirements for a in req.approved_by})
        text = f"approved by {', '.join(names)} for plan {decision.fingerprint[:12]}"
    elif verdict is Verdict.BLOCK:
        text = f"blocked by policy: plan {decision.fingerprint[:12]}"
    return text if len(text) <= _STATUS_DESCRIPTION else text[: _STATUS_DESCRIPTION - 1] + "…"


class _View(Record, frozen=True):
    """What the comment and the summary show besides the decision."""

    result: CheckResult
    root: str
    head_sha: str
    run_url: str | None
    refused: tuple[str, ...]
    started_at: str
    inline: _Inline | None = None

    @property
    def no_changes(self) -> bool:
        """The plan changes nothing and nothing was found: what `changes-only` skips."""
        counts = plan_counts(self.result.report)
        changed = counts.add or counts.change or counts.destroy or counts.forget
        return not changed and not any(r.findings for r in self.result.report.roots)

    def render(self, *, summary: bool, problems: Sequence[str]) -> str:
        """The PR comment (within the comment budget) or the job summary (within 1 MiB)."""
        context = GitHubContext(
            root=self.root,
            head_sha=self.head_sha,
            started_at=self.started_at,
            refused=self.refused,
            problems=tuple(problems),
            summary=summary,
            inline=self.inline.count if self.inline else None,
            outside=self.inline.outside if self.inline else (),
        )
        result = self.result
        return check_markdown(
            result.report,
            result.decision,
            notes=result.notes,
            plans=(),
            github=context,
            budget=budget.SUMMARY_BUDGET if summary else budget.COMMENT_BUDGET,
            measure=budget.utf8_bytes if summary else budget.characters,
        )


def _write_report(path: str, text: str, problems: list[str]) -> str:
    """The same JSON as `check --format json`; its path, or "" when it could not be written."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        problems.append(f"report file failed: {path}: {exc.strerror}")
        return ""
    return path


def _outputs(
    result: CheckResult, report_path: str, audit_head: str, comment_url: str = ""
) -> dict[str, str]:
    decision, report = result.decision, result.report
    missing = sorted("@" + r for r in decision.missing_reviewers)
    counts = plan_counts(report)
    replaced = sum(
        c.count
        for root in report.roots
        for c in root.plan.actions
        if c.action in (Action.REPLACE_DELETE_FIRST.value, Action.REPLACE_CREATE_FIRST.value)
    )
    return {
        "verdict": decision.verdict.value,
        "verdict-id": decision.verdict.name.lower(),
        "to-add": str(counts.add),
        "to-change": str(counts.change),
        "to-destroy": str(counts.destroy),
        "to-replace": str(replaced),
        "allowed": "true" if decision.verdict.allowed else "false",
        "tier": report.tier.value,
        "score": str(report.score),
        "fingerprint": decision.fingerprint,
        "author-kind": decision.authorship.kind.value,
        "required-reviewers": " ".join(missing),
        "report": report_path,
        "audit-head": audit_head,
        "comment-url": comment_url,
    }


def _annotations(decision: Decision, problems: Sequence[str]) -> list[Annotation]:
    kinds = {GateAction.BLOCK: "error", GateAction.REVIEW: "error", GateAction.WARN: "warning"}
    out = [
        Annotation(
            "error" if not decision.verdict.allowed else "notice",
            f"planguard: {decision.verdict.value}",
            "; ".join(decision.reasons[:3]),
        )
    ]
    for item in decision.items:
        kind = kinds.get(item.action)
        if kind is not None:
            finding = item.finding
            title = f"planguard {item.tier.value}: {finding.address}"
            message = item.why
            if finding.intent is not None and not finding.intent.explained:
                message += f"; not visible in the code change: {finding.intent.reason}"
            loc = finding.location if not finding.removed_at_base else None
            out.append(
                Annotation(
                    kind, title, message, loc.file if loc else None, loc.line if loc else None
                )
            )
    out += [Annotation("warning", "planguard could not deliver", p) for p in problems]
    return out
