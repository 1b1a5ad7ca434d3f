"""`planguard check --github`: read the PR and its reviews, decide, then tell GitHub.

Reading fails closed: reviews that cannot be read are approvals that do not count, and a team
whose membership cannot be read approves nobody. Delivering never changes the verdict: each
output (review requests, comment, status, summary, annotations, outputs) is tried on its own
and a failure is reported — on stderr, in the summary, and as exit 4 when the verdict allowed
the change (a blocked change still exits 1).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from planguard import gitio
from planguard.app import Outcome, ReportFormat
from planguard.approvals.github import Review, review_approvals
from planguard.approvals.model import ApprovalSet
from planguard.authorship.model import PullRequestInfo
from planguard.checkrun import CheckOptions, CheckResult, RemoteFacts, render_check, run_check
from planguard.errors import ExitCode, PlanguardError
from planguard.gate.model import Decision, FailOn, Verdict
from planguard.github.api import GitHubApi, Repository, cached_membership
from planguard.github.client import GitHubClient, GitHubError, GitHubValidationError
from planguard.github.comment import CommentMode, Stamp, compose, newer_report, plan_comment
from planguard.github.context import Context, context_from_env
from planguard.github.inline import plan_inline
from planguard.github.workflow import (
    Annotation,
    annotation_lines,
    append_summary,
    guarded,
    write_outputs,
)
from planguard.gitio import CommitInfo
from planguard.policy.model import GateAction
from planguard.render import budget
from planguard.render.markdown import GitHubContext, InlineOutside, check_markdown
from planguard.source.diff import FileDiff, parse_patch

T = TypeVar("T")
ACTIONS_IDENTITY = "github-actions[bot]"
"""Who a workflow's GITHUB_TOKEN writes as; `/user` cannot tell an installation token."""
_STATUS_DESCRIPTION = 140


class Post(enum.Enum):
    COMMENT = "comment"
    STATUS = "status"
    REVIEWS = "review-requests"
    SUMMARY = "summary"
    ANNOTATIONS = "annotations"
    OUTPUTS = "outputs"
    INLINE = "inline-review"


@dataclass(frozen=True, slots=True)
class GitHubOptions:
    post: frozenset[Post]
    started_at: dt.datetime
    comment_mode: CommentMode = CommentMode.UPDATE
    root: str = "default"
    fail_on: FailOn = FailOn.REVIEW
    report_path: str | None = None
    comment_author: str | None = None
    pr_number: int | None = None

    @property
    def status_context(self) -> str:
        return "planguard" if self.root == "default" else f"planguard/{self.root}"


@dataclass(frozen=True, slots=True)
class Delivery:
    done: tuple[str, ...]
    problems: tuple[str, ...]


def github_check(opts: CheckOptions, gh: GitHubOptions) -> Outcome:
    ctx = context_from_env(dict(opts.env), gh.pr_number)
    api = GitHubApi(GitHubClient(ctx.settings), Repository.parse(ctx.repository))
    pr = _evaluated(api.pull_request(ctx.pr_number), ctx)
    own = gh.comment_author or api.viewer() or ACTIONS_IDENTITY
    problems: list[str] = []
    superseded = _superseded(api, gh, pr, own) if _on(gh, Post.STATUS) else None
    if _on(gh, Post.STATUS) and superseded is None:
        # Until this run has a verdict, the head is not green (an earlier success included).
        pending = "planguard is evaluating this plan"
        _try(
            problems,
            "pending status",
            lambda: _post_status(api, ctx, gh, pr, state="pending", text=pending),
            False,
        )
    reviews, review_error = _read_reviews(api, pr.number)
    approvals = review_approvals(reviews)
    if review_error:
        approvals = ApprovalSet(errors=(review_error,))
    commits = _read_commits(api, pr.number)
    remote = RemoteFacts(pr, approvals, cached_membership(api), commits)
    result = run_check(dataclasses.replace(opts, event_path=None), remote)
    report_path = ""
    if gh.report_path is not None:
        json_opts = dataclasses.replace(opts, format=ReportFormat.JSON)
        report_path = _write_report(gh.report_path, render_check(result, json_opts), problems)
    delivery = _deliver(
        api,
        ctx,
        gh,
        result,
        pr=pr,
        own=own,
        reviews=reviews,
        problems=problems,
        superseded=superseded,
        report_path=report_path,
    )
    text = render_check(result, opts) + "".join(f"\nGitHub: {line}" for line in delivery.done)
    lines = []
    if _on(gh, Post.ANNOTATIONS):
        lines = annotation_lines(_annotations(result.decision, delivery))
    verdict = result.decision.verdict
    if gh.fail_on.fails(verdict):
        code = ExitCode.GATE_TRIPPED
    else:
        code = ExitCode.GITHUB if delivery.problems else ExitCode.OK
    return Outcome("\n".join([*lines, guarded(text)]), code, tuple(delivery.problems))


def _evaluated(pr: PullRequestInfo, ctx: Context) -> PullRequestInfo:
    """The PR as of the commit this run's plan was made from (the event's), not whatever the
    head is by now: approvals, the status and the comment all bind to that commit."""
    sha = ctx.event_head_sha
    if ctx.from_workflow_run and sha != pr.head_sha:
        raise GitHubError(
            f"pull request #{pr.number}'s head is {pr.head_sha[:12]}, not {str(sha)[:12]} that"
            " this workflow_run built: the PR number (from an artifact) does not belong to this"
            " run, or the PR moved on. Not gating it with this plan."
        )
    return dataclasses.replace(pr, head_sha=sha) if sha else pr


def _read_commits(api: GitHubApi, number: int) -> tuple[CommitInfo, ...] | None:
    try:
        return api.commits(number)
    except GitHubError:
        return None  # authorship then rests on the PR author and the environment


def _read_reviews(api: GitHubApi, number: int) -> tuple[tuple[Review, ...], str | None]:
    try:
        return api.reviews(number), None
    except GitHubError as exc:
        return (), f"GitHub reviews could not be read, so none counts: {exc}"


def _on(gh: GitHubOptions, what: Post) -> bool:
    return what in gh.post


def _deliver(
    api: GitHubApi,
    ctx: Context,
    gh: GitHubOptions,
    result: CheckResult,
    *,
    pr: PullRequestInfo,
    own: str,
    reviews: tuple[Review, ...],
    problems: list[str],
    superseded: str | None,
    report_path: str,
) -> Delivery:
    done: list[str] = []
    refused: tuple[str, ...] = ()
    decision = result.decision
    if _on(gh, Post.REVIEWS) and decision.missing:
        requested = _try(
            problems, "review requests", lambda: _request_reviews(api, pr, decision, reviews), None
        )
        if requested is not None:
            refused = requested
            done.append("review requests sent")
    inline: _Inline | None = None
    if _on(gh, Post.INLINE) and not superseded:
        inline = _try(
            problems, "inline review", lambda: _inline_review(api, gh, pr, own, decision), None
        )
        if inline is not None:
            done.append(f"inline review: {inline.summary}")
    view = _view(result, ctx, gh, pr, refused, inline=inline)
    stale = superseded
    if _on(gh, Post.COMMENT):
        said = _try(problems, "PR comment", lambda: _upsert_comment(api, gh, pr, own, view), None)
        if said is not None:
            done.append(f"comment {said.what}")
            stale = stale or said.stale
    if _on(gh, Post.STATUS):
        if stale:
            # A newer run already reported; do not overwrite its status with an older result.
            done.append(f"status left to the newer run: {stale}")
        elif _try(
            problems, "commit status", lambda: _final_status(api, ctx, gh, pr, decision), False
        ):
            done.append(f"status {gh.status_context} on {pr.head_sha[:12]}")
    summary_path, output_path = ctx.summary_path, ctx.output_path
    if _on(gh, Post.SUMMARY) and summary_path is not None:
        summary = view.render(summary=True, problems=problems)
        _try(problems, "job summary", lambda: append_summary(summary_path, summary), None)
    if _on(gh, Post.OUTPUTS) and output_path is not None:
        values = _outputs(result, report_path)
        _try(problems, "step outputs", lambda: write_outputs(output_path, values), None)
    return Delivery(tuple(done), tuple(problems))


def _try(problems: list[str], what: str, action: Callable[[], T], fallback: T) -> T:
    try:
        return action()
    except PlanguardError as exc:
        problems.append(f"{what} failed: {exc}")
        return fallback


def _request_reviews(
    api: GitHubApi, pr: PullRequestInfo, decision: Decision, reviews: tuple[Review, ...]
) -> tuple[str, ...]:
    """Ask the named reviewers who have not approved this head yet; return who GitHub refused."""
    requested = api.requested(pr.number)
    approved_here = {
        a.reviewer for a in review_approvals(reviews).accepted if a.commit == pr.head_sha
    }
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
        return tuple(refused)
    try:
        api.request_reviewers(pr.number, tuple(users), tuple(teams))
    except GitHubValidationError:
        # GitHub refuses the whole request for one bad name: ask one by one to find it.
        for user in users:
            refused += _request_one(api, pr.number, (user,), (), f"@{user}")
        for team in teams:
            refused += _request_one(api, pr.number, (), (team,), f"@{api.repo.owner}/{team}")
    return tuple(refused)


def _request_one(
    api: GitHubApi, number: int, users: tuple[str, ...], teams: tuple[str, ...], name: str
) -> list[str]:
    try:
        api.request_reviewers(number, users, teams)
    except GitHubValidationError as exc:
        return [f"{name}: {str(exc).split('(422 ', 1)[-1].rstrip(')')}"]
    return []


@dataclass(frozen=True, slots=True)
class _Inline:
    count: int
    outside: tuple[InlineOutside, ...]
    summary: str


def _inline_review(
    api: GitHubApi, gh: GitHubOptions, pr: PullRequestInfo, own: str, decision: Decision
) -> _Inline:
    """One review with a comment per high/critical finding on its `.tf` line; a re-run edits
    or deletes its own comments and adds a review only for comments that are new."""
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
        decision, files, existing, own_login=own, root=gh.root, unavailable=unavailable
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


@dataclass(frozen=True, slots=True)
class _Said:
    what: str
    stale: str | None = None


def _upsert_comment(
    api: GitHubApi, gh: GitHubOptions, pr: PullRequestInfo, own: str, view: _View
) -> _Said:
    content = view.render(summary=False, problems=())
    stamp = Stamp(pr.head_sha, gh.started_at)
    body = compose(gh.root, stamp, content, view.run_url)
    # Read again at write time: a push or another run may have landed while this one ran.
    current_head = api.pull_request(pr.number).head_sha
    existing = api.comments(pr.number)
    plan = plan_comment(
        existing,
        own_login=own,
        root=gh.root,
        body=body,
        stamp=stamp,
        current_head=current_head,
        mode=gh.comment_mode,
        now=dt.datetime.now(dt.timezone.utc),
    )
    for comment_id in plan.delete:
        api.delete_comment(comment_id)
    if plan.update is not None:
        api.update_comment(plan.update, body)
        return _Said(f"updated {plan.update}")
    if plan.create:
        return _Said(f"created {api.create_comment(pr.number, body).id}")
    return _Said(f"left as is: {plan.skipped}", plan.stale)


def _final_status(
    api: GitHubApi, ctx: Context, gh: GitHubOptions, pr: PullRequestInfo, decision: Decision
) -> bool:
    state = "success" if decision.verdict.allowed else "failure"
    return _post_status(api, ctx, gh, pr, state=state, text=_status_text(decision))


def _post_status(
    api: GitHubApi, ctx: Context, gh: GitHubOptions, pr: PullRequestInfo, *, state: str, text: str
) -> bool:
    """True once posted (`_try` turns a failure into a reported problem and False)."""
    api.set_status(
        pr.head_sha,
        state=state,
        context=gh.status_context,
        description=text,
        target_url=ctx.run_url,
    )
    return True


def _superseded(api: GitHubApi, gh: GitHubOptions, pr: PullRequestInfo, own: str) -> str | None:
    """Whether a newer run already reported (read from its comment's stamp): then this run
    touches neither the status nor the comment. Unreadable comments: not superseded."""
    try:
        current_head = api.pull_request(pr.number).head_sha
        existing = api.comments(pr.number)
    except GitHubError:
        return None
    stamp = Stamp(pr.head_sha, gh.started_at)
    now = dt.datetime.now(dt.timezone.utc)
    return newer_report(
        existing, own_login=own, root=gh.root, stamp=stamp, current_head=current_head, now=now
    )


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


@dataclass(frozen=True, slots=True)
class _View:
    """What the comment and the summary show besides the decision."""

    result: CheckResult
    root: str
    head_sha: str
    run_url: str | None
    refused: tuple[str, ...]
    started_at: str
    inline: _Inline | None = None

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
            notes=result.trusted_notes,
            plans=(),
            github=context,
            budget=budget.SUMMARY_BUDGET if summary else budget.COMMENT_BUDGET,
            measure=budget.utf8_bytes if summary else budget.characters,
        )


def _view(
    result: CheckResult,
    ctx: Context,
    gh: GitHubOptions,
    pr: PullRequestInfo,
    refused: tuple[str, ...],
    *,
    inline: _Inline | None,
) -> _View:
    started = gh.started_at.isoformat()
    return _View(result, gh.root, pr.head_sha, ctx.run_url, refused, started, inline)


def _write_report(path: str, text: str, problems: list[str]) -> str:
    """The same JSON as `check --format json`; its path, or "" when it could not be written."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        problems.append(f"report file failed: {path}: {exc.strerror}")
        return ""
    return path


def _outputs(result: CheckResult, report_path: str) -> dict[str, str]:
    decision, report = result.decision, result.report
    missing = sorted("@" + r for r in decision.missing_reviewers)
    return {
        "verdict": decision.verdict.value,
        "allowed": "true" if decision.verdict.allowed else "false",
        "tier": report.tier.value,
        "score": str(report.score),
        "fingerprint": decision.fingerprint,
        "author-kind": decision.authorship.kind.value,
        "required-reviewers": " ".join(missing),
        "report": report_path,
    }


def _annotations(decision: Decision, delivery: Delivery) -> list[Annotation]:
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
                message += f"; {finding.intent.reason}"
            loc = finding.location if not finding.removed_at_base else None
            out.append(
                Annotation(
                    kind, title, message, loc.file if loc else None, loc.line if loc else None
                )
            )
    out += [Annotation("warning", "planguard could not deliver", p) for p in delivery.problems]
    return out
