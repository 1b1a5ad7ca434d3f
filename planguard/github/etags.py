"""GitHub's answers kept with their ETags, so that the next read of a URL is conditional.

GitHub answers `If-None-Match: <etag>` with 304 Not Modified when the resource has not changed,
and a 304 does not count against the rate limit
(https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate).

A 304 says only "what you hold under this ETag is current"; it cannot say that the body held
under it is the one GitHub sent. So a kept body is used only when both hold:

- GitHub answered 304 to its ETag for that exact URL, in this run;
- it was kept by this process, or read from a file whose entry carries a MAC keyed by this
  run's token. An entry that anybody without the token wrote or edited (the working tree, an
  earlier step of the job, a poisoned cache) fails the MAC and is dropped: the URL is read in
  full, as with no file at all. Whoever has the token needs no file to mislead a run: with it
  they can post the status themselves.

GitHub's ETags are per token (GitHub support, quoted in eclipse-csi/otterdog#201; github/docs
#34689). The workflow's GITHUB_TOKEN is new in every job, so a file kept from an earlier run is
of use only to a token that stays the same between runs (a personal access token); the
file's name is derived from the token, and a run never reads another token's file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from planguard.records import Record

_VERSION = 1
_MAX_FILE = 64 * 1024 * 1024
"""A bigger file is not read: it cannot be one planguard wrote for one pull request."""
_KEEP_OTHERS = 8
"""Files of other tokens kept beside this run's (the workflow token leaves one per run)."""
_PREFIX = "github-etags-"


class Cached(Record, frozen=True):
    """One answer of GitHub to a GET, as kept."""

    etag: str
    text: str
    """The body exactly as GitHub sent it."""
    next_url: str | None
    """The `Link: rel="next"` GitHub sent with it (a 304 need not repeat it)."""


@dataclass(slots=True)
class Validators:
    """The ETags and bodies of the URLs read; `path` is where they persist between runs."""

    key: bytes
    """Derived from the token: the MAC key of the file's entries."""
    path: Path | None = None
    from_file: dict[str, Cached] = field(default_factory=dict, repr=False)
    """Entries of the file whose MAC matched."""
    this_run: dict[str, Cached] = field(default_factory=dict, repr=False)
    """What this run read or had confirmed: the only entries saved."""
    dropped: int = 0
    """Entries of the file that were malformed or failed their MAC."""

    @staticmethod
    def open(directory: str | None, token: str) -> Validators:
        """This token's validators, from `directory` when one is given and readable."""
        key = hmac.new(token.encode(), b"planguard github etags v1", hashlib.sha256).digest()
        if not directory:
            return Validators(key)
        name = hmac.new(key, b"file name", hashlib.sha256).hexdigest()[:32]
        store = Validators(key, Path(directory) / f"{_PREFIX}{name}.json")
        store._load()
        return store

    def get(self, url: str) -> Cached | None:
        return self.this_run.get(url) or self.from_file.get(url)

    def keep(self, url: str, cached: Cached) -> None:
        """What GitHub sent for `url` (or confirmed with a 304): asked for conditionally for
        the rest of this run, and by the next run with this token."""
        self.this_run[url] = cached

    def save(self) -> None:
        """Write what this run read (nothing else: the file stays one PR's size). A failure
        costs the next run its 304s, nothing more, so it is not reported."""
        if self.path is None or not self.this_run:
            return
        entries = [self._entry(url, c) for url, c in sorted(self.this_run.items())]
        data = json.dumps({"version": _VERSION, "entries": entries}, separators=(",", ":"))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Bodies of a private repository: readable by this user only; replaced whole, so a
            # run that dies mid-write leaves the old file, never half of one.
            handle, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(data)
            os.replace(temp, self.path)
            _prune(self.path)
        except OSError:
            return

    def _load(self) -> None:
        assert self.path is not None
        try:
            if self.path.stat().st_size > _MAX_FILE:
                return
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return  # no file yet, or not one planguard wrote: every URL is read in full
        if not isinstance(data, dict) or data.get("version") != _VERSION:
            return
        entries = data.get("entries")
        if not isinstance(entries, list):
            return
        for entry in entries:
            loaded = self._verified(entry)
            if loaded is None:
                self.dropped += 1
            else:
                self.from_file[loaded[0]] = loaded[1]

    def _verified(self, entry: object) -> tuple[str, Cached] | None:
        if not isinstance(entry, dict):
            return None
        url, etag, text = entry.get("url"), entry.get("etag"), entry.get("text")
        next_url, mac = entry.get("next"), entry.get("mac")
        if not (isinstance(url, str) and isinstance(etag, str) and isinstance(text, str)):
            return None
        if not (next_url is None or isinstance(next_url, str)) or not isinstance(mac, str):
            return None
        cached = Cached(etag, text, next_url)
        if not hmac.compare_digest(mac, self._mac(url, cached)):
            return None
        return url, cached

    def _entry(self, url: str, cached: Cached) -> dict[str, str | None]:
        return {
            "url": url,
            "etag": cached.etag,
            "next": cached.next_url,
            "text": cached.text,
            "mac": self._mac(url, cached),
        }

    def _mac(self, url: str, cached: Cached) -> str:
        message = json.dumps([url, cached.etag, cached.next_url, cached.text]).encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()


def _prune(current: Path) -> None:
    """Keep the newest few files of other tokens: each workflow token leaves one."""
    others = [p for p in current.parent.glob(f"{_PREFIX}*.json") if p != current]
    others.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in others[_KEEP_OTHERS:]:
        stale.unlink(missing_ok=True)
