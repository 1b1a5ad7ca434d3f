"""HTTP to the GitHub REST API (requests' only home).

Retries what GitHub asks to be retried — 5xx, timeouts, connection resets, primary and
secondary rate limits — within one bounded wait budget per run, so a gate never hangs a job.
Every failure that reaches the caller is a `GitHubError` whose message says what to do.
"""

from __future__ import annotations

import json
import random
import time
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias
from urllib.parse import urlencode

from planguard import __version__
from planguard.errors import ExitCode, PlanguardError
from planguard.github.etags import Cached, Validators
from planguard.records import Record

if TYPE_CHECKING:
    import requests

Json: TypeAlias = "dict[str, Json] | list[Json] | str | int | float | bool | None"
API_VERSION = "2022-11-28"
"""Pinned: 2026-03-10 carries breaking changes planguard is not tested against yet."""
_MAX_PAGES = 100
_RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
_SECONDARY_DEFAULT_WAIT = 60.0
"""GitHub: with neither retry-after nor an exhausted primary limit, wait at least a minute."""


def _requests() -> types.ModuleType:
    """requests, imported on first use: the offline commands never pay its import time."""
    import requests  # noqa: PLC0415

    return requests


class GitHubError(PlanguardError):
    """GitHub refused or could not serve a request."""

    exit_code = ExitCode.GITHUB

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class GitHubAuthError(GitHubError):
    """401: the token is missing, wrong or expired."""


class GitHubPermissionError(GitHubError):
    """403: the token lacks a permission."""


class GitHubNotFound(GitHubError):
    """404: missing, or hidden from this token."""


class GitHubValidationError(GitHubError):
    """422: GitHub understood the request and refused it."""


class GitHubUnavailable(GitHubError):
    """5xx, timeouts or rate limits that outlasted the wait budget."""


class GitHubMaybeApplied(GitHubUnavailable):
    """A write that creates something was sent and its answer never came: it may have been
    applied, so it is not sent again blindly (the caller looks before posting again)."""


class Settings(Record, frozen=True):
    api_url: str
    token: str
    timeout: float = 20.0
    """Seconds per request (connect and read)."""
    max_wait: float = 300.0
    """Seconds of retry waiting allowed per run, over all requests."""
    max_attempts: int = 6
    cache_dir: str | None = None
    """Where GitHub's answers and their ETags are kept between runs (PLANGUARD_CACHE_DIR);
    None: a run still reads each URL conditionally after its first read."""


@dataclass(slots=True)
class _Budget:
    left: float
    waited: float = 0.0


def wait(seconds: float) -> None:
    """How a client waits between attempts unless given its own `sleep` (tests record)."""
    time.sleep(seconds)


@dataclass
class GitHubClient:
    settings: Settings
    sleep: Callable[[float], None] = field(default_factory=lambda: wait)
    clock: Callable[[], float] = time.time
    session: requests.Session = field(default_factory=lambda: _requests().Session())

    def __post_init__(self) -> None:
        self._budget = _Budget(self.settings.max_wait)
        self._etags = Validators.open(self.settings.cache_dir, self.settings.token)
        self.sent = 0
        """HTTP requests sent so far, retries included."""
        self.not_modified = 0
        """How many of them GitHub answered 304: those do not count against the rate limit."""
        self.session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self.settings.token}",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"planguard/{__version__}",
            }
        )

    @property
    def waited(self) -> float:
        """Seconds spent waiting for retries so far."""
        return self._budget.waited

    @property
    def installation(self) -> bool:
        """The token is a GitHub App installation token, as the workflow's GITHUB_TOKEN is:
        GitHub prefixes those `ghs_` (https://github.blog/engineering/platform-security/
        behind-githubs-new-authentication-token-formats/) and refuses them `/user`."""
        return self.settings.token.startswith("ghs_")

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Json:
        return self._get(self._url(path, params)).json_body

    def post(self, path: str, body: Json, *, repeatable: bool = False) -> Json:
        """`repeatable`: posting it twice does no harm (a status, a review request); else a
        POST whose answer timed out raises `GitHubMaybeApplied` instead of being re-sent."""
        return self._request("POST", self._url(path), body=body, repeatable=repeatable).json_body

    def patch(self, path: str, body: Json) -> Json:
        return self._request("PATCH", self._url(path), body=body).json_body

    def put(self, path: str, body: Json) -> Json:
        return self._request("PUT", self._url(path), body=body).json_body

    def delete(self, path: str) -> None:
        self._request("DELETE", self._url(path))

    def paginate(self, path: str, params: Mapping[str, str | int] | None = None) -> list[Json]:
        """Every item of a list endpoint, following `Link: rel="next"`."""
        items: list[Json] = []
        url: str | None = self._url(path, {"per_page": 100, **(params or {})})
        for _ in range(_MAX_PAGES):
            if url is None:
                return items
            page = self._get(url)
            if not isinstance(page.json_body, list):
                raise GitHubError(f"GET {path}: expected a list from GitHub, got something else")
            items.extend(page.json_body)
            url = page.next_url  # the next link carries its own query
            if url is not None and not url.startswith(self.settings.api_url.rstrip("/") + "/"):
                # The token goes with every request: never to a host the API did not name.
                raise GitHubError(f"GET {path}: the next page is on another host ({url})")
        raise GitHubError(f"GET {path}: more than {_MAX_PAGES} pages; refusing to read on")

    def save(self) -> None:
        """Keep this run's ETags and bodies for the next run (when a cache dir is set)."""
        self._etags.save()

    def _url(self, path: str, params: Mapping[str, str | int] | None = None) -> str:
        """The whole URL, query included: it is the key of the answer kept for it."""
        query = f"?{urlencode(params)}" if params else ""
        return self.settings.api_url.rstrip("/") + path + query

    def _get(self, url: str) -> _Response:
        """GET `url`, conditionally when an answer to it is held: GitHub's 304 says that answer
        is current, and only then is its body used (planguard/github/etags.py says why that
        body can be trusted)."""
        held = self._etags.get(url)
        headers = {"If-None-Match": held.etag} if held is not None else None
        response = self._request("GET", url, headers=headers)
        if response.not_modified:
            if held is None:
                raise GitHubError(f"GET {url}: GitHub answered 304 to a request for a full body")
            self._etags.keep(url, held)
            return _Response.parse(held.text, held.next_url, f"GET {url}")
        if response.etag:
            self._etags.keep(url, Cached(response.etag, response.text, response.next_url))
        return response

    def _request(
        self,
        method: str,
        url: str,
        body: Json = None,
        repeatable: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> _Response:
        what = f"{method} {url.removeprefix(self.settings.api_url.rstrip('/'))}"
        http = _requests()
        for attempt in range(1, self.settings.max_attempts + 1):
            self.sent += 1
            try:
                raw = self.session.request(
                    method,
                    url,
                    json=body if method in ("POST", "PATCH", "PUT") else None,
                    headers=headers,
                    timeout=self.settings.timeout,
                )
            except (http.Timeout, http.ConnectionError) as exc:
                sent = not isinstance(exc, (http.ConnectTimeout, http.ConnectionError))
                if sent and not repeatable:
                    raise GitHubMaybeApplied(
                        f"{what}: sent, but GitHub's answer timed out; it may have been applied,"
                        " so it is not sent again blindly"
                    ) from None
                kind = "timed out" if isinstance(exc, http.Timeout) else "could not connect"
                self._wait(what, _backoff(attempt), f"{kind} ({type(exc).__name__})", attempt)
                continue
            delay = self._retry_delay(raw, attempt)
            if delay is None:
                if raw.status_code == 304:
                    self.not_modified += 1
                return _Response.of(raw, what)
            self._wait(what, delay, _describe(raw), attempt)
        raise GitHubUnavailable(f"{what}: gave up after {self.settings.max_attempts} attempts")

    def _retry_delay(self, raw: requests.Response, attempt: int) -> float | None:
        if raw.status_code in _RETRYABLE_STATUS:
            return _backoff(attempt)
        if raw.status_code not in (403, 429):
            return None
        headers = raw.headers
        retry_after = _number(headers.get("retry-after"))
        if retry_after is not None:
            return retry_after
        if headers.get("x-ratelimit-remaining") == "0":
            reset = _number(headers.get("x-ratelimit-reset"))
            return max(0.0, (reset or 0.0) - self.clock()) + 1.0
        if raw.status_code == 429 or "secondary rate limit" in raw.text.lower():
            return _SECONDARY_DEFAULT_WAIT * (1 << (attempt - 1))
        return None  # a plain 403: a permission problem, not a limit

    def _wait(self, what: str, delay: float, why: str, attempt: int) -> None:
        if attempt >= self.settings.max_attempts:
            raise GitHubUnavailable(
                f"{what}: {why}; gave up after {attempt} attempts. Re-run the job later."
            )
        if delay > self._budget.left:
            raise GitHubUnavailable(
                f"{what}: {why}; retrying would need {delay:.0f}s more than the"
                f" {self.settings.max_wait:.0f}s wait budget (PLANGUARD_GITHUB_MAX_WAIT) allows"
                f" after {attempt} attempt(s). Re-run the job later.",
            )
        self._budget.left -= delay
        self._budget.waited += delay
        self.sleep(delay)


class _Response(Record, frozen=True):
    json_body: Json
    next_url: str | None
    etag: str | None = None
    text: str = ""
    """The body as GitHub sent it (what is kept under `etag`)."""
    not_modified: bool = False

    @staticmethod
    def of(raw: requests.Response, what: str) -> _Response:
        if raw.status_code >= 400:
            raise _error(raw, what)
        if raw.status_code == 304:
            return _Response(None, None, raw.headers.get("etag"), not_modified=True)
        next_url = raw.links.get("next", {}).get("url")
        if not raw.content:
            return _Response(None, next_url)
        try:
            text = raw.content.decode("utf-8")  # JSON on the wire is UTF-8 (RFC 8259)
        except UnicodeDecodeError:
            raise GitHubError(f"{what}: GitHub answered with something that is not JSON") from None
        parsed = _Response.parse(text, next_url, what)
        return _Response(parsed.json_body, next_url, raw.headers.get("etag"), text)

    @staticmethod
    def parse(text: str, next_url: str | None, what: str) -> _Response:
        try:
            body: Json = json.loads(text)
        except ValueError:
            raise GitHubError(f"{what}: GitHub answered with something that is not JSON") from None
        return _Response(body, next_url)


def _backoff(attempt: int) -> float:
    return float(min(2 ** (attempt - 1), 30)) + random.uniform(0, 0.25)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _describe(raw: requests.Response) -> str:
    return f"HTTP {raw.status_code} {_message(raw) or raw.reason}"


def _message(raw: requests.Response) -> str:
    try:
        data = raw.json()
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    errors = data.get("errors") if isinstance(data, dict) else None
    text = message if isinstance(message, str) else ""
    if isinstance(errors, list):
        details = [e.get("message") or e.get("code") for e in errors if isinstance(e, dict)]
        text += "".join(f"; {d}" for d in details if isinstance(d, str))
    return text


def _error(raw: requests.Response, what: str) -> GitHubError:
    status, said = raw.status_code, _message(raw) or raw.reason
    if status == 401:
        return GitHubAuthError(
            f"{what}: GitHub rejected the token (401 {said}). Pass a valid token in GITHUB_TOKEN"
            " (the action's `github-token` input); it may have expired or been revoked.",
            status,
        )
    if status == 403:
        return GitHubPermissionError(
            f"{what}: forbidden (403 {said}). The token lacks a permission this needs: grant it"
            " in the workflow's `permissions:` (docs/github-action.md). A pull request from a"
            " fork gets a read-only token: use the `workflow_run` pattern there.",
            status,
        )
    if status == 404:
        return GitHubNotFound(
            f"{what}: not found (404 {said}); it does not exist or this token cannot see it",
            status,
        )
    if status == 422:
        return GitHubValidationError(f"{what}: GitHub refused it (422 {said})", status)
    return GitHubError(f"{what}: HTTP {status} {said}", status)
