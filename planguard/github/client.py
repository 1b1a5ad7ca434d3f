"""HTTP to the GitHub REST API (requests' only home).

Retries what GitHub asks to be retried — 5xx, timeouts, connection resets, primary and
secondary rate limits — within one bounded wait budget per run, so a gate never hangs a job.
Every failure that reaches the caller is a `GitHubError` whose message says what to do.
"""

from __future__ import annotations

import random
import time
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from planguard import __version__
from planguard.errors import ExitCode, PlanguardError

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


@dataclass(frozen=True, slots=True)
class Settings:
    api_url: str
    token: str
    timeout: float = 20.0
    """Seconds per request (connect and read)."""
    max_wait: float = 300.0
    """Seconds of retry waiting allowed per run, over all requests."""
    max_attempts: int = 6


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

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Json:
        return self._request("GET", self._url(path), params=params).json_body

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
        url: str | None = self._url(path)
        query: Mapping[str, str | int] | None = {"per_page": 100, **(params or {})}
        for _ in range(_MAX_PAGES):
            if url is None:
                return items
            page = self._request("GET", url, params=query)
            if not isinstance(page.json_body, list):
                raise GitHubError(f"GET {path}: expected a list from GitHub, got something else")
            items.extend(page.json_body)
            url, query = page.next_url, None  # the next link carries its own query
            if url is not None and not url.startswith(self.settings.api_url.rstrip("/") + "/"):
                # The token goes with every request: never to a host the API did not name.
                raise GitHubError(f"GET {path}: the next page is on another host ({url})")
        raise GitHubError(f"GET {path}: more than {_MAX_PAGES} pages; refusing to read on")

    def _url(self, path: str) -> str:
        return self.settings.api_url.rstrip("/") + path

    def _request(
        self,
        method: str,
        url: str,
        params: Mapping[str, str | int] | None = None,
        body: Json = None,
        repeatable: bool = True,
    ) -> _Response:
        what = f"{method} {url.removeprefix(self.settings.api_url.rstrip('/'))}"
        http = _requests()
        for attempt in range(1, self.settings.max_attempts + 1):
            try:
                raw = self.session.request(
                    method,
                    url,
                    params=params,
                    json=body if method in ("POST", "PATCH", "PUT") else None,
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


@dataclass(frozen=True, slots=True)
class _Response:
    json_body: Json
    next_url: str | None

    @staticmethod
    def of(raw: requests.Response, what: str) -> _Response:
        if raw.status_code >= 400:
            raise _error(raw, what)
        body: Json = None
        if raw.content:
            try:
                body = raw.json()
            except ValueError:
                raise GitHubError(
                    f"{what}: GitHub answered with something that is not JSON"
                ) from None
        return _Response(body, raw.links.get("next", {}).get("url"))


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
