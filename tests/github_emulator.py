"""A GitHub REST emulator on 127.0.0.1 that checks every exchange against GitHub's OpenAPI.

It implements the endpoints planguard calls with GitHub's observable behaviour: pagination with
`Link` headers, 422 for a comment body over 65,536 characters or a reviewer who is not a
collaborator, 401 for a bad token, 403 for an Actions token reading `/user` or an org team,
rate-limit headers, and injected faults (5xx, 403/429 rate limits, slow answers that time out).

Conditional requests as GitHub answers them: every GET answered 200 carries a weak ETag
(`W/"<64 hex>"`), which differs per token as GitHub's does (GitHub support, quoted in
eclipse-csi/otterdog#201), and a GET whose `If-None-Match` names the current ETag is answered
304 Not Modified without a body. `tally()` counts requests; a 304 does not count against the
rate limit (GitHub's REST best practices), everything else does.

Every request planguard sends and every response the emulator gives is validated against the
operations extracted from `@octokit/openapi` (tests/fixtures/github/openapi-subset.json); any
mismatch is recorded in `violations` and fails the test that used the emulator. Response bodies
start from GitHub's own examples in that description, so they carry every field GitHub sends.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jsonschema

FIXTURES = Path(__file__).parent / "fixtures" / "github"
SPEC = json.loads((FIXTURES / "openapi-subset.json").read_text(encoding="utf-8"))
WEBHOOKS = json.loads((FIXTURES / "webhook-schemas.json").read_text(encoding="utf-8"))
API_VERSION = "2022-11-28"
ACTIONS_BOT = "github-actions[bot]"
DOCS = "https://docs.github.com/rest"


def _jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 schema → JSON Schema: `nullable: true` becomes a `null` alternative."""
    if isinstance(node, list):
        return [_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _jsonschema(v) for k, v in node.items() if k not in ("nullable", "example")}
    if node.get("nullable") is True:
        if "type" in out and isinstance(out["type"], str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


_COMPONENT_SCHEMAS = _jsonschema(SPEC["components"].get("schemas", {}))


def _validator(schema: Any) -> jsonschema.Draft4Validator:
    root = {"components": {"schemas": _COMPONENT_SCHEMAS}, "allOf": [_jsonschema(schema)]}
    return jsonschema.Draft4Validator(root)


def schema_errors(schema: Any, value: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message[:200]}"
        for e in _validator(schema).iter_errors(value)
    ]


def webhook_errors(name: str, payload: Any) -> list[str]:
    """Validate an event payload against `@octokit/openapi-webhooks` (OpenAPI 3.1)."""
    root = {"components": WEBHOOKS["components"], "$ref": f"#/components/schemas/{name}"}
    validator = jsonschema.Draft202012Validator(root)
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(payload)]


def _resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        _, _, kind, name = node["$ref"].split("/", 3)
        node = SPEC["components"][kind][name]
    return node


def example(name: str) -> Any:
    return copy.deepcopy(SPEC["components"]["examples"][name]["value"])


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]

    def parameters(self) -> list[dict[str, Any]]:
        return [_resolve(p) for p in self.spec.get("parameters", [])]

    def request_schema(self) -> Any:
        body = self.spec.get("requestBody")
        return body["content"]["application/json"]["schema"] if body else None

    def response_schema(self, status: int) -> tuple[bool, Any]:
        """(documented, schema) for a status code."""
        response = self.spec["responses"].get(str(status))
        if response is None:
            return False, None
        content = _resolve(response).get("content", {}).get("application/json")
        return True, content["schema"] if content else None


OPERATIONS = [
    Operation(
        method.upper(),
        template,
        re.compile("^" + re.sub(r"\{[^}]+\}", r"([^/]+)", template) + "$"),
        op,
    )
    for template, methods in SPEC["paths"].items()
    for method, op in methods.items()
]


@dataclass
class Fault:
    """Answer the next `times` matching requests with this instead of the real thing."""

    method: str
    path: str
    """Regex matched against the request path."""
    status: int = 502
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    hang: bool = False
    """Never answer (until the emulator stops): the client's own timeout must end the wait."""
    applied: bool = False
    """With `hang`: do what the request asks first, then never answer (a write that landed
    but whose answer was lost)."""
    times: int = 1


@dataclass
class Pull:
    number: int
    author: str
    head_sha: str
    head_ref: str = "change"
    base_sha: str = "0" * 40
    fork: bool = False
    reviews: list[dict[str, Any]] = field(default_factory=list)
    requested_users: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    commits: list[dict[str, str]] = field(default_factory=list)
    listed_commits: int | None = None
    """The `commits` count the PR reports, when it must differ from the commits listed."""
    """sha, name, email, message of each commit, oldest first."""
    files: list[dict[str, str]] = field(default_factory=list)
    """filename, status, patch of each changed file (`git diff` hunks)."""
    labels: list[str] = field(default_factory=list)


@dataclass
class Call:
    method: str
    path: str
    status: int
    body: Any = None
    conditional: bool = False
    """Sent with `If-None-Match`."""
    query: str = ""


@dataclass(frozen=True)
class Tally:
    """Requests: all, those that count against the rate limit, and the 304s (which do not)."""

    total: int
    rate_limited: int
    not_modified: int

    @staticmethod
    def of(calls: list[Call]) -> Tally:
        not_modified = sum(1 for c in calls if c.status == 304)
        return Tally(len(calls), len(calls) - not_modified, not_modified)


class GitHub:
    """The emulated server's state; tests arrange it and read it back."""

    def __init__(self, owner: str = "acme", repo: str = "infra") -> None:
        self.owner, self.repo = owner, repo
        self.released = threading.Event()
        """Set when the emulator stops: requests a `hang` fault holds are let go."""
        self.users: dict[str, tuple[int, str]] = {ACTIONS_BOT: (41898282, "Bot")}
        self.tokens: dict[str, str | None] = {}
        """token → login; None is an Actions/App installation token (no `/user`)."""
        self.token_identity: dict[str, str] = {}
        """token → the bot login an App installation token writes as."""
        self._acting = ACTIONS_BOT
        self.collaborators: set[str] = set()
        self.pulls: dict[int, Pull] = {}
        self.comments: dict[int, dict[str, Any]] = {}
        self.review_comments: dict[int, dict[str, Any]] = {}
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.teams: dict[str, dict[str, str]] = {}
        """`org/slug` → login → membership state (active|pending)."""
        self.visible_teams = True
        self.faults: list[Fault] = []
        self.calls: list[Call] = []
        self.used = 0
        """Requests that counted against the rate limit (all but the 304s)."""
        self.violations: list[str] = []
        self.page_cap = 100
        self._ids = 1000
        self._lock = threading.Lock()
        self.clock = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        """GitHub's time: one second on at every event, so their order never rests on the wall
        clock (`tick`)."""

    def tick(self) -> str:
        """The next second of GitHub's time, as GitHub writes times."""
        self.clock += dt.timedelta(seconds=1)
        return self.clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    # ---- arranging -------------------------------------------------------------------
    def user(self, login: str, kind: str = "User") -> str:
        if login not in self.users:
            self.users[login] = (len(self.users) + 100, kind)
        return login

    def actions_token(self, token: str = "ghs_actions") -> str:
        self.tokens[token] = None
        return token

    def app_token(self, slug: str, token: str = "ghs_app") -> str:
        """A GitHub App installation token: no `/user`, and what it writes is by `slug[bot]`."""
        self.tokens[token] = None
        self.token_identity[token] = self.user(f"{slug}[bot]", "Bot")
        return token

    def pat(self, login: str, token: str | None = None) -> str:
        token = token or f"ghp_{login}"
        self.tokens[token] = self.user(login)
        return token

    def open_pull(self, number: int, author: str, head_sha: str, kind: str = "User") -> Pull:
        self.user(author, kind)
        self.pulls[number] = Pull(number, author, head_sha)
        return self.pulls[number]

    def review(
        self, number: int, login: str, state: str, commit: str | None = None, body: str = ""
    ) -> None:
        pull = self.pulls[number]
        self.user(login)
        pull.reviews.append(
            {
                "id": self._next_id(),
                "login": login,
                "state": state,
                "commit_id": commit or pull.head_sha,
                "body": body,
                "submitted_at": self.tick(),
            }
        )
        if login in pull.requested_users:
            pull.requested_users.remove(login)  # GitHub: a review ends the request

    def bot_comments(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["issue"] == number]

    def tally(self, since: int = 0) -> Tally:
        """The requests served since the `since`-th (`len(calls)` before a run)."""
        return Tally.of(self.calls[since:])

    # ---- serving ---------------------------------------------------------------------
    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def handle(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], Any]:
        url = urlsplit(target)
        path, query = url.path, parse_qs(url.query)
        with self._lock:
            op, args = self._operation(method, path)
            body = self._body(method, path, raw)
            if op is not None:
                self._check_request(op, query, headers, body)
            fault = self._fault(method, path)
        if fault is not None and fault.applied:
            with self._lock:
                self._current_path = path
                self._answer(op, args, method, query, headers, body)
        conditional = "if-none-match" in headers
        if fault is not None:
            if fault.hang:
                self.released.wait()
            self._log(Call(method, path, fault.status, body, conditional, url.query))
            return fault.status, fault.headers, fault.body
        with self._lock:
            self._current_path = path
            status, extra, answer = self._answer(op, args, method, query, headers, body)
            if method == "GET" and status == 200:
                status, extra, answer = self._conditional(headers, extra, answer)
            if op is not None:
                self._check_response(op, status, answer)
            self._log(Call(method, path, status, body, conditional, url.query))
        return status, {**self._rate_headers(), **extra}, answer

    def _conditional(
        self, headers: dict[str, str], extra: dict[str, str], answer: Any
    ) -> tuple[int, dict[str, str], Any]:
        """The ETag of a 200, or 304 when the request names it. GitHub's ETags vary with the
        token (its answers `Vary: Authorization`), so the token is part of the digest."""
        digest = hashlib.sha256(
            (headers.get("authorization", "") + "\n" + json.dumps(answer, sort_keys=True)).encode()
        )
        tag = f'W/"{digest.hexdigest()}"'
        if _matches(headers.get("if-none-match"), tag):
            return 304, {"etag": tag}, None
        return 200, {**extra, "etag": tag}, answer

    def _log(self, call: Call) -> None:
        self.calls.append(call)
        if call.status != 304:
            self.used += 1

    def _operation(self, method: str, path: str) -> tuple[Operation | None, tuple[str, ...]]:
        for op in OPERATIONS:
            match = op.pattern.match(path)
            if op.method == method and match:
                return op, match.groups()
        self.violations.append(f"{method} {path}: not an operation planguard may use")
        return None, ()

    def _body(self, method: str, path: str, raw: bytes) -> Any:
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            self.violations.append(f"{method} {path}: request body is not JSON")
            return None

    def _fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and re.search(fault.path, path) and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    def _check_request(
        self, op: Operation, query: dict[str, list[str]], headers: dict[str, str], body: Any
    ) -> None:
        where = f"{op.method} {op.template}"
        if headers.get("x-github-api-version") != API_VERSION:
            self.violations.append(f"{where}: X-GitHub-Api-Version is not pinned to {API_VERSION}")
        if headers.get("accept") != "application/vnd.github+json":
            self.violations.append(f"{where}: Accept is not application/vnd.github+json")
        known = {p["name"]: p for p in op.parameters() if p["in"] == "query"}
        for name, values in query.items():
            if name not in known:
                self.violations.append(f"{where}: unknown query parameter {name!r}")
                continue
            value: Any = values[-1]
            if known[name]["schema"].get("type") == "integer":
                value = int(value) if value.isdigit() else value
            for error in schema_errors(known[name]["schema"], value):
                self.violations.append(f"{where}: query {name}: {error}")
        schema = op.request_schema()
        if schema is not None:
            for error in schema_errors(schema, body):
                self.violations.append(f"{where}: request body {error}")
        elif body is not None:
            self.violations.append(f"{where}: sends a body the operation does not take")

    def _check_response(self, op: Operation, status: int, answer: Any) -> None:
        where = f"{op.method} {op.template} → {status}"
        documented, schema = op.response_schema(status)
        if status == 304:
            # GitHub answers a conditional GET with 304 wherever it sends an ETag ("Most
            # endpoints return an etag header": REST best practices); its description lists
            # 304 for a few operations only. Either way a 304 has no body.
            if op.method != "GET" or answer is not None or schema is not None:
                self.violations.append(f"{where}: a 304 answers a GET, and has no body")
            return
        if not documented and status not in (401, 403, 429):
            self.violations.append(f"{where}: status not in GitHub's description")
        if schema is not None:
            for error in schema_errors(schema, answer)[:5]:
                self.violations.append(f"{where}: response {error}")

    def _rate_headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": "1000",
            "x-ratelimit-remaining": str(max(1000 - self.used, 0)),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-reset": str(int(time.time()) + 3600),
            "x-ratelimit-resource": "core",
        }

    def _identity(self, headers: dict[str, str]) -> tuple[bool, str | None]:
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if token not in self.tokens:
            return False, None
        self._acting = self.token_identity.get(token, ACTIONS_BOT)
        return True, self.tokens[token]

    def _answer(
        self,
        op: Operation | None,
        args: tuple[str, ...],
        method: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: Any,
    ) -> tuple[int, dict[str, str], Any]:
        known, login = self._identity(headers)
        if not known:
            return (
                401,
                {},
                {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"},
            )
        if op is None:
            return 404, {}, _message("Not Found")
        handler = getattr(self, "_" + op.spec["operationId"].replace("/", "_").replace("-", "_"))
        result: tuple[int, dict[str, str], Any] = handler(args, query, body, login)
        return result

    # ---- operations --------------------------------------------------------------------
    def _users_get_authenticated(self, args, query, body, login):  # type: ignore[no-untyped-def]
        if login is None:
            return 403, {}, _message("Resource not accessible by integration")
        user = example("private-user-response-with-public-and-private-profile-information")
        user.update(login=login, id=self.users[login][0], type=self.users[login][1])
        return 200, {}, user

    def _pulls_get(self, args, query, body, login):  # type: ignore[no-untyped-def]
        pull = self._pull(args)
        if pull is None:
            return 404, {}, _message("Not Found")
        data = example("pull-request")
        data.update(
            number=pull.number,
            user=self._simple_user(pull.author),
            labels=[self._label(name) for name in pull.labels],
        )
        data["commits"] = len(pull.commits) if pull.listed_commits is None else pull.listed_commits
        data["head"].update(sha=pull.head_sha, ref=pull.head_ref)
        data["base"]["sha"] = pull.base_sha
        full = f"{self.owner}/{self.repo}"
        data["base"]["repo"]["full_name"] = full
        data["head"]["repo"]["full_name"] = f"fork/{self.repo}" if pull.fork else full
        data["requested_reviewers"] = [self._simple_user(u) for u in pull.requested_users]
        data["requested_teams"] = [self._team(t) for t in pull.requested_teams]
        return 200, {}, data

    def _pulls_list_reviews(self, args, query, body, login):  # type: ignore[no-untyped-def]
        pull = self._pull(args)
        items = []
        for review in pull.reviews if pull else []:
            data = example("pull-request-review-items")[0]
            data.update(
                id=review["id"],
                user=self._simple_user(review["login"]),
                state=review["state"],
                commit_id=review["commit_id"],
                body=review["body"],
                submitted_at=review["submitted_at"],
            )
            items.append(data)
        return self._page(items, query, args)

    def _pulls_list_commits(self, args, query, body, login):  # type: ignore[no-untyped-def]
        pull = self._pull(args)
        items = []
        for commit in pull.commits if pull else []:
            data = example("commit-items")[0]
            data["sha"] = commit["sha"]
            who = {"name": commit["name"], "email": commit["email"], "date": "2026-11-22T00:00:00Z"}
            data["commit"].update(message=commit["message"], author=who, committer=who)
            # The account GitHub matched the email to, or null when it matched none.
            account = self._simple_user(commit["login"]) if commit.get("login") else None
            data["author"] = data["committer"] = account
            items.append(data)
        return self._page(items[:250], query, args)

    def _pulls_list_requested_reviewers(self, args, query, body, login):  # type: ignore[no-untyped-def]
        pull = self._pull(args)
        assert pull is not None
        return (
            200,
            {},
            {
                "users": [self._simple_user(u) for u in pull.requested_users],
                "teams": [self._team(t) for t in pull.requested_teams],
            },
        )

    def _pulls_request_reviewers(self, args, query, body, login):  # type: ignore[no-untyped-def]
        pull = self._pull(args)
        assert pull is not None
        users = body.get("reviewers", []) if isinstance(body, dict) else []
        teams = body.get("team_reviewers", []) if isinstance(body, dict) else []
        if pull.author in users:
            return 422, {}, _message("Review cannot be requested from pull request author.")
        unknown_team = [t for t in teams if f"{self.owner}/{t}" not in self.teams]
        if any(u not in self.collaborators for u in users) or unknown_team:
            return (
                422,
                {},
                _message(
                    "Reviews may only be requested from collaborators. One or more of the users or"
                    f" teams you specified is not a collaborator of the {self.owner}/{self.repo}"
                    " repository."
                ),
            )
        pull.requested_users += [u for u in users if u not in pull.requested_users]
        pull.requested_teams += [t for t in teams if t not in pull.requested_teams]
        data = example("pull-request-review-request")
        data["requested_reviewers"] = [self._simple_user(u) for u in pull.requested_users]
        data["requested_teams"] = [self._team(t) for t in pull.requested_teams]
        return 201, {}, data

    def _issues_list_comments(self, args, query, body, login):  # type: ignore[no-untyped-def]
        number = int(args[2])
        items = [self._comment_json(c) for c in self.bot_comments(number)]
        return self._page(items, query, args)

    def _issues_create_comment(self, args, query, body, login):  # type: ignore[no-untyped-def]
        text = body.get("body", "") if isinstance(body, dict) else ""
        if len(text) > 65536:
            return 422, {}, _too_long()
        comment = {
            "id": self._next_id(),
            "issue": int(args[2]),
            "author": login or self._acting,
            "body": text,
        }
        self.comments[comment["id"]] = comment
        return 201, {}, self._comment_json(comment)

    def _issues_update_comment(self, args, query, body, login):  # type: ignore[no-untyped-def]
        comment = self.comments.get(int(args[2]))
        if comment is None:
            return 404, {}, _message("Not Found")
        text = body.get("body", "") if isinstance(body, dict) else ""
        if len(text) > 65536:
            return 422, {}, _too_long()
        comment["body"] = text
        return 200, {}, self._comment_json(comment)

    def _issues_delete_comment(self, args, query, body, login):  # type: ignore[no-untyped-def]
        self.comments.pop(int(args[2]), None)
        return 204, {}, None

    def _repos_create_commit_status(self, args, query, body, login):  # type: ignore[no-untyped-def]
        status = example("status")
        status.update(
            state=body["state"],
            context=body.get("context", "default"),
            description=body.get("description"),
            target_url=body.get("target_url"),
            creator=self._simple_user(login or self._acting),
        )
        status["created_at"] = status["updated_at"] = self.tick()
        self.statuses.setdefault(args[2], []).append(status)
        return 201, {}, status

    def _repos_list_commit_statuses_for_ref(self, args, query, body, login):  # type: ignore[no-untyped-def]
        return self._page(list(reversed(self.statuses.get(args[2], []))), query, args)

    def _teams_get_by_name(self, args, query, body, login):  # type: ignore[no-untyped-def]
        key = f"{args[0]}/{args[1]}"
        if login is None or not self.visible_teams or key not in self.teams:
            return 404, {}, _message("Not Found")
        team = example("team-full")
        team.update(slug=args[1], name=args[1], type="organization")
        team["organization"].setdefault("archived_at", None)  # newer than the example
        return 200, {}, team

    def _teams_get_membership_for_user_in_org(self, args, query, body, login):  # type: ignore[no-untyped-def]
        members = self.teams.get(f"{args[0]}/{args[1]}", {})
        if login is None or not self.visible_teams or args[2] not in members:
            return 404, {}, _message("Not Found")
        data = example("team-membership-response-if-user-is-a-team-maintainer")
        data.update(role="member", state=members[args[2]])
        return 200, {}, data

    def _pulls_list_files(self, args, query, body, login):  # type: ignore[no-untyped-def]
        pull = self._pull(args)
        items = []
        for changed in pull.files if pull else []:
            data = example("diff-entry-items")[0]
            data.update(filename=changed["filename"], status=changed["status"])
            data["patch"] = changed["patch"]
            items.append(data)
        return self._page(items, query, args)

    def _pulls_create_review(self, args, query, body, login):  # type: ignore[no-untyped-def]
        pull = self._pull(args)
        if pull is None:
            return 404, {}, _message("Not Found")
        comments = body.get("comments", [])
        for comment in comments:
            if not self._in_diff(pull, comment):
                # GitHub's answer for a line outside the diff.
                return 422, {}, _unprocessable("Line could not be resolved")
        self.user(login or self._acting)
        self.review(pull.number, login or self._acting, "COMMENTED", body.get("commit_id"))
        review = pull.reviews[-1]
        review["body"] = body.get("body", "")
        for comment in comments:
            cid = self._next_id()
            self.review_comments[cid] = {
                "id": cid,
                "pull": pull.number,
                "review": review["id"],
                "author": login or self._acting,
                "path": comment["path"],
                "line": comment["line"],
                "side": comment.get("side", "RIGHT"),
                "body": comment["body"],
                "commit_id": review["commit_id"],
            }
        data = example("pull-request-review")
        data.update(
            id=review["id"], body=review["body"], state="COMMENTED", commit_id=review["commit_id"]
        )
        data["user"] = self._simple_user(login or self._acting)
        return 200, {}, data

    def _pulls_update_review(self, args, query, body, login):  # type: ignore[no-untyped-def]
        pull = self._pull(args)
        review = next((r for r in pull.reviews if r["id"] == int(args[3])), None) if pull else None
        if review is None:
            return 404, {}, _message("Not Found")
        review["body"] = body["body"]
        data = example("pull-request-review-5")
        data.update(id=review["id"], body=review["body"], commit_id=review["commit_id"])
        data["user"] = self._simple_user(review["login"])
        return 200, {}, data

    def _pulls_list_review_comments(self, args, query, body, login):  # type: ignore[no-untyped-def]
        number = int(args[2])
        items = [
            self._review_comment_json(c)
            for c in self.review_comments.values()
            if c["pull"] == number
        ]
        return self._page(items, query, args)

    def _pulls_update_review_comment(self, args, query, body, login):  # type: ignore[no-untyped-def]
        comment = self.review_comments.get(int(args[2]))
        if comment is None:
            return 404, {}, _message("Not Found")
        comment["body"] = body["body"]
        return 200, {}, self._review_comment_json(comment)

    def _pulls_delete_review_comment(self, args, query, body, login):  # type: ignore[no-untyped-def]
        if self.review_comments.pop(int(args[2]), None) is None:
            return 404, {}, _message("Not Found")
        return 204, {}, None

    def _in_diff(self, pull: Pull, comment: dict[str, Any]) -> bool:
        """Whether a review comment's line is one the file's patch shows on its side."""
        patch = next((f["patch"] for f in pull.files if f["filename"] == comment["path"]), None)
        if patch is None:
            return False
        side = comment.get("side", "RIGHT")
        for match in re.finditer(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", patch, re.M):
            start = int(match.group(3) if side == "RIGHT" else match.group(1))
            count = match.group(4) if side == "RIGHT" else match.group(2)
            if start <= comment["line"] < start + (int(count) if count is not None else 1):
                return True
        return False

    # ---- helpers -----------------------------------------------------------------------
    def _pull(self, args: tuple[str, ...]) -> Pull | None:
        return self.pulls.get(int(args[2]))

    def _simple_user(self, login: str) -> dict[str, Any]:
        uid, kind = self.users.get(login, (1, "User"))
        user = example("pull-request")["user"]
        user.update(login=login, id=uid, type=kind)
        return user

    def _team(self, slug: str) -> dict[str, Any]:
        team = example("simple-pull-request-review-request")["teams"][0]
        team.update(slug=slug, name=slug, type="organization")
        return team

    def _review_comment_json(self, comment: dict[str, Any]) -> dict[str, Any]:
        data = example("pull-request-review-comment-items")[0]
        data.update(
            id=comment["id"],
            pull_request_review_id=comment["review"],
            path=comment["path"],
            line=comment["line"],
            original_line=comment["line"],
            side=comment["side"],
            body=comment["body"],
            commit_id=comment["commit_id"],
            user=self._simple_user(comment["author"]),
        )
        return data

    def _label(self, name: str) -> dict[str, Any]:
        label: dict[str, Any] = example("label-items")[0]
        label.update(name=name)
        return label

    def _issues_add_labels(self, args, query, body, login):  # type: ignore[no-untyped-def]
        pull = self.pulls.get(int(args[2]))
        if pull is None:
            return 404, {}, _message("Not Found")
        names = body.get("labels", []) if isinstance(body, dict) else body
        for name in names:
            if isinstance(name, str) and name not in pull.labels:
                pull.labels.append(name)
        return 200, {}, [self._label(name) for name in pull.labels]

    def _issues_remove_label(self, args, query, body, login):  # type: ignore[no-untyped-def]
        pull = self.pulls.get(int(args[2]))
        name = unquote(args[3])
        if pull is None or name not in pull.labels:
            return 404, {}, _message("Label does not exist")
        pull.labels.remove(name)
        return 200, {}, [self._label(n) for n in pull.labels]

    def _comment_json(self, comment: dict[str, Any]) -> dict[str, Any]:
        data = example("issue-comment")
        data.update(
            id=comment["id"],
            body=comment["body"],
            user=self._simple_user(comment["author"]),
            html_url=f"https://github.com/{self.owner}/{self.repo}/pull/{comment['issue']}"
            f"#issuecomment-{comment['id']}",
        )
        return data

    def _page(
        self, items: list[Any], query: dict[str, list[str]], args: tuple[str, ...]
    ) -> tuple[int, dict[str, str], Any]:
        size = min(int(query.get("per_page", ["30"])[-1]), 100, self.page_cap)
        page = int(query.get("page", ["1"])[-1])
        chunk = items[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(items):
            url = f"{self.base_url}{self._current_path}?per_page={size}&page={page + 1}"
            headers["link"] = f'<{url}>; rel="next"'
        return 200, headers, chunk

    base_url = ""
    _current_path = ""


def _matches(if_none_match: str | None, tag: str) -> bool:
    """`If-None-Match` compares weakly (RFC 9110, 13.1.2): `W/` is ignored on both sides."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return tag.removeprefix("W/") in wanted


def _unprocessable(text: str) -> dict[str, Any]:
    return {"message": "Unprocessable Entity", "errors": [text], "documentation_url": DOCS}


def _message(text: str) -> dict[str, Any]:
    return {"message": text, "documentation_url": DOCS}


def _too_long() -> dict[str, Any]:
    return {
        "message": "Validation Failed",
        "errors": [
            {
                "resource": "IssueComment",
                "code": "custom",
                "field": "body",
                "message": "body is too long (maximum is 65536 characters)",
            }
        ],
        "documentation_url": DOCS,
    }


class Emulator:
    """`with Emulator() as gh:` serves `gh.state` on `gh.url` (127.0.0.1 only)."""

    def __init__(self, state: GitHub | None = None) -> None:
        self.state = state or GitHub()
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in separate writes: with Nagle's algorithm the body waits
            # for the client's delayed ACK (about 40 ms a response on Linux).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra, body = emulator.state.handle(self.command, self.path, headers, raw)
                payload = b"" if body is None else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    for name, value in extra.items():
                        self.send_header(name, value)
                    if payload:
                        self.send_header("content-type", "application/json; charset=utf-8")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            do_GET = do_POST = do_PATCH = do_DELETE = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        host, port = self.server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self.state.base_url = self.url
        # shutdown() waits for the serving loop's next poll: keep that short.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def __enter__(self) -> Emulator:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.state.released.set()
        self.server.shutdown()
        self.server.server_close()
