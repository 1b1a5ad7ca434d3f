"""The change as GitHub shows it (`check --github`): the pull request, its commits, its reviews
and, once the check knows whom to ask about, team membership.

Reading fails closed: reviews that cannot be read are approvals that do not count, commits that
cannot be read leave authorship to the PR author and the environment, and a team whose
membership cannot be read approves nobody.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from planguard.approvals.github import Review, ReviewMemory, review_approvals
from planguard.approvals.model import ApprovalSet, utc_time
from planguard.authorship.model import PullRequestInfo
from planguard.gate.check import ChangeFacts
from planguard.gate.decide import TeamMembership
from planguard.gather.trusted import GateSetup, Trusted, policy_changes
from planguard.github.api import (
    Comment,
    GitHubApi,
    Repository,
    Requested,
    Status,
    team_membership,
)
from planguard.github.choices import CommentMode, Post
from planguard.github.client import GitHubClient, GitHubError
from planguard.github.comment import Stamp, is_marked, last_report, live_comment, newer_report
from planguard.github.context import Context, context_from_env
from planguard.github.record import read_record, record_scope, state_key
from planguard.gitio import CommitInfo
from planguard.plan.roots import named_roots
from planguard.records import Record, field, replace

ACTIONS_IDENTITY = "github-actions[bot]"
"""Who a workflow's GITHUB_TOKEN writes as; `/user` cannot tell an installation token."""


class GitHubOptions(Record, frozen=True):
    post: frozenset[Post]
    started_at: dt.datetime
    comment_mode: CommentMode = CommentMode.UPDATE
    root: str = "default"
    report_path: str | None = None
    comment_author: str | None = None
    pr_number: int | None = None

    @property
    def status_context(self) -> str:
        return "planguard" if self.root == "default" else f"planguard/{self.root}"

    def on(self, what: Post) -> bool:
        return what in self.post


class GitHubRun(Record, frozen=True):
    """One `check --github` run: where it is, the PR as of the plan's commit, and what it read."""

    api: GitHubApi
    ctx: Context
    options: GitHubOptions
    pr: PullRequestInfo
    own: str
    """The login planguard's comments are written as."""
    reviews: tuple[Review, ...]
    approvals: ApprovalSet
    """The reviews as approvals, not yet screened; errors when they could not be read."""
    commits: tuple[CommitInfo, ...] | None
    """The PR's commits as GitHub lists them; None when they could not be read."""
    superseded: str | None
    """Set when a newer run already reported: this one then leaves status and comment alone."""
    requested: Requested
    """Who is already asked to review (read with the PR)."""
    record: ReviewMemory | None = None
    """planguard's record of the reviews (None: no comment is kept, so none can be)."""
    last_status: Status | None = None
    """The newest status of this root's context on the head, as read before this run wrote."""
    state_key: bytes = b""
    """The MAC key of the review record (`github.record.state_key`)."""
    inputs: str = ""
    """`inputs_digest` of this run's reads, stamped on the comment for the next run."""
    unchanged: bool = False
    """This root's comment reports this head with the same inputs: the status the last run
    set stands until this run's verdict replaces it (no pending status in between)."""
    problems: list[str] = field(default_factory=list)
    """What could not be delivered, in order (each delivery is tried on its own)."""


def open_run(environment: dict[str, str], options: GitHubOptions) -> GitHubRun:
    """Read the context and the change as GitHub shows it: the PR, its comments, reviews and
    commits, each once. All before the pending status, because whether it is needed depends on
    whether anything changed since the last report. `superseded` is checked only when a
    status is posted."""
    ctx = context_from_env(environment, options.pr_number)
    api = GitHubApi(GitHubClient(ctx.settings), Repository.parse(ctx.repository))
    live = api.pull(ctx.pr_number)
    pr = _evaluated(live.info, ctx)
    existing = _comments(api, pr.number)  # read once for the questions below
    own = options.comment_author or api.viewer() or _own_bot(existing, options.root)
    superseded = None
    if options.on(Post.STATUS) and existing is not None:
        superseded = _superseded(existing, options, pr, own, live.info.head_sha)
    record, last_status = _record(
        api,
        options,
        head=pr.head_sha,
        scope=record_scope(ctx.repository, pr.number, options.root),
        existing=existing,
        own=own,
        environment=environment,
    )
    run = _read_change(
        GitHubRun(
            api,
            ctx,
            options,
            pr,
            own,
            (),
            ApprovalSet(),
            None,
            superseded,
            live.requested,
            record,
            last_status,
        )
    )
    run = replace(run, state_key=state_key(environment))
    inputs = inputs_digest(run.pr, run.approvals, run.commits)
    now = dt.datetime.now(dt.timezone.utc)
    last = last_report(existing or (), own_login=own, root=options.root, now=now)
    unchanged = last is not None and last.head_sha == pr.head_sha and last.inputs == inputs
    return replace(run, inputs=inputs, unchanged=unchanged)


def inputs_digest(
    pr: PullRequestInfo, approvals: ApprovalSet, commits: tuple[CommitInfo, ...] | None
) -> str:
    """What GitHub said of the change that a verdict rests on: the PR, its reviews as
    approvals (comment-only reviews, planguard's inline one among them, change nothing) and its
    commits. It only decides whether a pending status is posted: each run still decides, and
    sets its status, from what it read itself."""
    return hashlib.sha256(repr((pr, approvals, commits)).encode()).hexdigest()[:32]


def _comments(api: GitHubApi, number: int) -> tuple[Comment, ...] | None:
    try:
        return api.comments(number)
    except GitHubError:
        return None


def _record(
    api: GitHubApi,
    options: GitHubOptions,
    *,
    head: str,
    scope: str,
    existing: tuple[Comment, ...] | None,
    own: str,
    environment: dict[str, str],
) -> tuple[ReviewMemory | None, Status | None]:
    """planguard's record of the reviews, and the newest status of this root on the head.

    The record comes from this root's comment by planguard's own identity; when a run last
    reported on the head, from the statuses, whose times are GitHub's to say. What cannot be
    read fails closed: unreadable comments keep no record, unreadable statuses make every
    review older than now one that must be in it."""
    context = options.status_context
    try:
        statuses: tuple[Status, ...] | None = api.statuses(head)
    except GitHubError:
        statuses = None
    newest = next((s for s in statuses or () if s.context == context), None)
    if not options.on(Post.COMMENT):
        return None, newest
    # Whoever set a status of this context, a run may have reported then: counting every one
    # only makes more reviews ones that must be in the record (planguard's own identity is
    # not taken from comment authors here, which anyone can be).
    reported = [_time(s.created_at) for s in statuses or () if s.context == context]
    if statuses is None:
        reported = [dt.datetime.now(dt.timezone.utc)]
    live = live_comment(existing or (), own_login=own, root=options.root)
    kept = read_record(live.body, state_key(environment), scope) if live else None
    seen_until = max(reported) if reported else None
    return ReviewMemory(
        kept.bound if kept else {}, seen_until, kept.shown if kept else None
    ), newest


def _time(text: str) -> dt.datetime:
    """A GitHub time; one that does not read as a time is taken as now (fail closed)."""
    try:
        return utc_time(text)
    except ValueError:
        return dt.datetime.now(dt.timezone.utc)


def _read_change(run: GitHubRun) -> GitHubRun:
    """The PR's reviews and commits; what cannot be read counts for nothing."""
    try:
        reviews = run.api.reviews(run.pr.number)
        approvals = review_approvals(reviews, run.record)
    except GitHubError as exc:
        reviews = ()
        approvals = ApprovalSet(
            errors=(f"GitHub reviews could not be read, so none counts: {exc}",)
        )
    try:
        commits: tuple[CommitInfo, ...] | None = run.api.commits(run.pr.number)
    except GitHubError:
        commits = None  # authorship then rests on the PR author and the environment
    return replace(run, reviews=reviews, approvals=approvals, commits=commits)


def change_facts(
    run: GitHubRun,
    setup: GateSetup,
    trusted: Trusted,
    *,
    environment: tuple[tuple[str, str], ...],
) -> ChangeFacts:
    """The change as GitHub lists it; the SSH approvals are added once the keys are known."""
    return ChangeFacts(
        pull_request=run.pr,
        commits=run.commits,  # exactly the PR's commits, whatever is checked out
        head=run.pr.head_sha,
        approvals=run.approvals,
        environment=environment,
        policy_changes=policy_changes(setup, trusted, run.pr.head_sha),
        repository=run.ctx.repository.lower(),
        roots=named_roots(setup.plans),
        commits_complete=run.commits is not None
        and (run.pr.commits is None or len(run.commits) >= run.pr.commits),
    )


def membership(run: GitHubRun, questions: Iterable[tuple[str, str]]) -> TeamMembership:
    return team_membership(run.api, questions)


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
    return replace(pr, head_sha=sha) if sha else pr


def _own_bot(existing: tuple[Comment, ...] | None, root: str) -> str:
    """The bot this token writes as, when the token cannot say (an App installation token has
    no `/user`): the one bot account whose comments carry this root's marker. A person quoting
    the marker never counts; with none found (a first run), or several bots, Actions' own."""
    if existing is None:
        return ACTIONS_IDENTITY
    bots = {c.author for c in existing if c.by_bot and is_marked(c.body, root)}
    return bots.pop() if len(bots) == 1 else ACTIONS_IDENTITY


def _superseded(
    existing: tuple[Comment, ...],
    options: GitHubOptions,
    pr: PullRequestInfo,
    own: str,
    current_head: str,
) -> str | None:
    """Whether a newer run already reported (read from its comment's stamp): then this run
    touches neither the status nor the comment. Unreadable comments: not superseded."""
    stamp = Stamp(pr.head_sha, options.started_at)
    now = dt.datetime.now(dt.timezone.utc)
    return newer_report(
        existing, own_login=own, root=options.root, stamp=stamp, current_head=current_head, now=now
    )
