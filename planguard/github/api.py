"""The GitHub operations planguard uses, as typed records (JSON stays inside this module)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

from planguard import jsonread
from planguard.approvals.github import Review
from planguard.authorship.model import PullRequestInfo
from planguard.authorship.sources import pull_request_info
from planguard.github.client import (
    GitHubClient,
    GitHubError,
    GitHubNotFound,
    GitHubPermissionError,
    Json,
)
from planguard.gitio import CommitInfo
from planguard.records import Record, replace


class User(Record, frozen=True):
    login: str
    id: int | None
    type: str | None


class Comment(Record, frozen=True):
    id: int
    author: str
    body: str
    by_bot: bool = False
    """Written by an account GitHub types `Bot` (an App or Actions), never by a person."""
    url: str = ""
    """Its `html_url`: where a person reads it."""


class Status(Record, frozen=True):
    """One commit status as GitHub lists it (newest first): who set it is GitHub's to say."""

    context: str
    state: str
    description: str
    creator: str
    created_at: str


class PullFile(Record, frozen=True):
    path: str
    status: str
    patch: str | None
    """The unified diff hunks; GitHub leaves it out for binary and very large files."""


class LineComment(Record, frozen=True):
    """A review comment on one line: RIGHT is the head, LEFT the base."""

    path: str
    line: int
    side: str
    body: str


class ReviewComment(Record, frozen=True):
    """A review comment already on the PR."""

    id: int
    author: str
    body: str
    path: str
    line: int | None
    side: str
    review_id: int | None


class Requested(Record, frozen=True):
    users: tuple[str, ...]
    teams: tuple[str, ...]


class PullRequest(Record, frozen=True):
    """The pull request and who is asked to review it, from one read."""

    info: PullRequestInfo
    requested: Requested
    """GitHub drops a reviewer from this once they review."""


class Repository(Record, frozen=True):
    owner: str
    name: str

    @staticmethod
    def parse(full_name: str) -> Repository:
        owner, _, name = full_name.partition("/")
        if not owner or not name or "/" in name:
            raise GitHubError(f"{full_name!r} is not owner/repo (GITHUB_REPOSITORY)")
        return Repository(owner, name)

    @property
    def path(self) -> str:
        return f"/repos/{self.owner}/{self.name}"


@contextmanager
def _needs(permission: str) -> Iterator[None]:
    """Name the permission in a 403, so the fix is one line in the workflow."""
    try:
        yield
    except GitHubPermissionError as exc:
        raise GitHubPermissionError(f"{exc} This call needs `{permission}`.", 403) from None


@dataclass
class GitHubApi:
    client: GitHubClient
    repo: Repository

    def viewer(self) -> str | None:
        """The token's own login; None when the token cannot tell (an Actions/App token)."""
        if self.client.installation:
            return None  # GitHub refuses it `/user`: asking would cost a request for a 403
        try:
            data = _obj(self.client.get("/user"))
        except (GitHubPermissionError, GitHubNotFound):
            return None
        return jsonread.text(data, "login") or None

    def pull_request(self, number: int) -> PullRequestInfo:
        return self.pull(number).info

    def pull(self, number: int) -> PullRequest:
        """The pull request with its review requests (no second read for those)."""
        with _needs("pull-requests: read"):
            data = _obj(self.client.get(f"{self.repo.path}/pulls/{number}"))
        info = replace(pull_request_info(data), number=number)
        return PullRequest(info, _requested(data))

    def reviews(self, number: int) -> tuple[Review, ...]:
        with _needs("pull-requests: read"):
            items = self.client.paginate(f"{self.repo.path}/pulls/{number}/reviews")
        return tuple(_review(_obj(item)) for item in items)

    def commits(self, number: int) -> tuple[CommitInfo, ...]:
        """The PR's commits, oldest first (GitHub lists at most 250)."""
        with _needs("pull-requests: read"):
            items = self.client.paginate(f"{self.repo.path}/pulls/{number}/commits")
        return tuple(_commit(_obj(item)) for item in items)

    def request_reviewers(
        self, number: int, users: tuple[str, ...], teams: tuple[str, ...]
    ) -> None:
        body: Json = {"reviewers": list(users), "team_reviewers": list(teams)}
        with _needs("pull-requests: write"):
            self.client.post(
                f"{self.repo.path}/pulls/{number}/requested_reviewers", body, repeatable=True
            )

    def comments(self, number: int) -> tuple[Comment, ...]:
        with _needs("pull-requests: read"):
            items = self.client.paginate(f"{self.repo.path}/issues/{number}/comments")
        return tuple(_comment(_obj(item)) for item in items)

    def add_labels(self, number: int, names: Sequence[str]) -> None:
        with _needs("issues: write (or pull-requests: write)"):
            path = f"{self.repo.path}/issues/{number}/labels"
            self.client.post(path, {"labels": list(names)}, repeatable=True)

    def remove_label(self, number: int, name: str) -> None:
        with _needs("issues: write (or pull-requests: write)"):
            self.client.delete(f"{self.repo.path}/issues/{number}/labels/{quote(name, safe='')}")

    def create_comment(self, number: int, body: str) -> Comment:
        with _needs("pull-requests: write"):
            data = self.client.post(f"{self.repo.path}/issues/{number}/comments", {"body": body})
        return _comment(_obj(data))

    def update_comment(self, comment_id: int, body: str) -> None:
        with _needs("pull-requests: write"):
            self.client.patch(f"{self.repo.path}/issues/comments/{comment_id}", {"body": body})

    def delete_comment(self, comment_id: int) -> None:
        with _needs("pull-requests: write"):
            self.client.delete(f"{self.repo.path}/issues/comments/{comment_id}")

    def set_status(
        self, sha: str, *, state: str, context: str, description: str, target_url: str | None
    ) -> None:
        body: dict[str, Json] = {"state": state, "context": context, "description": description}
        if target_url:
            body["target_url"] = target_url
        with _needs("statuses: write"):
            self.client.post(f"{self.repo.path}/statuses/{sha}", body, repeatable=True)

    def statuses(self, sha: str) -> tuple[Status, ...]:
        """The commit's statuses, newest first, each with its creator."""
        with _needs("statuses: read"):
            items = self.client.paginate(f"{self.repo.path}/commits/{sha}/statuses")
        return tuple(_status(_obj(item)) for item in items)

    def pull_files(self, number: int) -> tuple[PullFile, ...]:
        """The PR's changed files with their patches (GitHub lists at most 3,000)."""
        with _needs("pull-requests: read"):
            items = self.client.paginate(f"{self.repo.path}/pulls/{number}/files")
        return tuple(_pull_file(_obj(item)) for item in items)

    def review_comments(self, number: int) -> tuple[ReviewComment, ...]:
        with _needs("pull-requests: read"):
            items = self.client.paginate(f"{self.repo.path}/pulls/{number}/comments")
        return tuple(_review_comment(_obj(item)) for item in items)

    def create_review(
        self, number: int, commit_id: str, body: str, comments: tuple[LineComment, ...]
    ) -> int | None:
        """One review (event COMMENT) holding every inline comment; its id."""
        payload: Json = {
            "commit_id": commit_id,
            "body": body,
            "event": "COMMENT",
            "comments": [
                {"path": c.path, "line": c.line, "side": c.side, "body": c.body} for c in comments
            ],
        }
        with _needs("pull-requests: write"):
            data = _obj(self.client.post(f"{self.repo.path}/pulls/{number}/reviews", payload))
        return jsonread.integer(data, "id")

    def update_review_comment(self, comment_id: int, body: str) -> None:
        with _needs("pull-requests: write"):
            self.client.patch(f"{self.repo.path}/pulls/comments/{comment_id}", {"body": body})

    def delete_review_comment(self, comment_id: int) -> None:
        with _needs("pull-requests: write"):
            self.client.delete(f"{self.repo.path}/pulls/comments/{comment_id}")

    def team_member(self, org: str, team: str, login: str) -> bool | None:
        """Whether `login` is an active member; None when this token cannot read the team."""
        try:
            self.client.get(f"/orgs/{org}/teams/{team}")
        except (GitHubNotFound, GitHubPermissionError):
            return None  # the team is hidden from this token: membership cannot be told
        try:
            data = _obj(self.client.get(f"/orgs/{org}/teams/{team}/memberships/{login}"))
        except GitHubNotFound:
            return False
        except GitHubPermissionError:
            return None
        return jsonread.text(data, "state") == "active"


def team_membership(
    api: GitHubApi, questions: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], bool | None]:
    """(`org/team`, login) → membership, one API call per pair, errors as "cannot tell"."""
    answers: dict[tuple[str, str], bool | None] = {}
    for team, login in questions:
        org, _, slug = team.partition("/")
        try:
            answers[(team, login)] = api.team_member(org, slug, login)
        except GitHubError:
            answers[(team, login)] = None
    return answers


def _obj(value: Json) -> dict[str, Json]:
    if not isinstance(value, dict):
        raise GitHubError("GitHub answered with an unexpected shape (expected an object)")
    return value


def _user(value: Json) -> User:
    data = jsonread.obj(value)
    return User(
        jsonread.text(data, "login"),
        jsonread.integer(data, "id"),
        jsonread.text(data, "type") or None,
    )


def _requested(pull: dict[str, Json]) -> Requested:
    users, teams = pull.get("requested_reviewers"), pull.get("requested_teams")
    return Requested(
        users=tuple(_user(u).login for u in users) if isinstance(users, list) else (),
        teams=tuple(jsonread.text(_obj(t), "slug") for t in teams)
        if isinstance(teams, list)
        else (),
    )


def _review(data: dict[str, Json]) -> Review:
    user = _user(data.get("user"))
    return Review(
        id=jsonread.integer(data, "id") or 0,
        login=user.login,
        user_id=user.id,
        user_type=user.type,
        state=jsonread.text(data, "state"),
        commit_id=jsonread.text(data, "commit_id") or None,
        submitted_at=jsonread.text(data, "submitted_at"),
        body=jsonread.text(data, "body"),
    )


def _commit(data: dict[str, Json]) -> CommitInfo:
    commit = data.get("commit")
    inner = commit if isinstance(commit, dict) else {}
    author = inner.get("author")
    committer = inner.get("committer")
    who = author if isinstance(author, dict) else {}
    by = committer if isinstance(committer, dict) else {}
    return CommitInfo(
        sha=jsonread.text(data, "sha"),
        author_name=jsonread.text(who, "name"),
        author_email=jsonread.text(who, "email"),
        committer_name=jsonread.text(by, "name"),
        committer_email=jsonread.text(by, "email"),
        message=jsonread.text(inner, "message"),
        author_login=_user(data.get("author")).login,
        committer_login=_user(data.get("committer")).login,
    )


def _pull_file(data: dict[str, Json]) -> PullFile:
    patch = data.get("patch")
    return PullFile(
        jsonread.text(data, "filename"),
        jsonread.text(data, "status"),
        patch if isinstance(patch, str) else None,
    )


def _review_comment(data: dict[str, Json]) -> ReviewComment:
    return ReviewComment(
        id=jsonread.integer(data, "id") or 0,
        author=_user(data.get("user")).login,
        body=jsonread.text(data, "body"),
        path=jsonread.text(data, "path"),
        line=jsonread.integer(data, "line"),
        side=jsonread.text(data, "side") or "RIGHT",
        review_id=jsonread.integer(data, "pull_request_review_id"),
    )


def _status(data: dict[str, Json]) -> Status:
    return Status(
        context=jsonread.text(data, "context"),
        state=jsonread.text(data, "state"),
        description=jsonread.text(data, "description"),
        creator=_user(data.get("creator")).login,
        created_at=jsonread.text(data, "created_at"),
    )


def _comment(data: dict[str, Json]) -> Comment:
    user = _user(data.get("user"))
    return Comment(
        jsonread.integer(data, "id") or 0,
        user.login,
        jsonread.text(data, "body"),
        by_bot=user.type == "Bot" and user.login.endswith("[bot]"),
        url=jsonread.text(data, "html_url"),
    )
