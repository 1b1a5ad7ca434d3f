"""Whether a file parses, remembered across runs by the SHA-256 of its text: the parse cache.

Location: `$PLANGUARD_CACHE_DIR` (empty: no cache), else `$XDG_CACHE_HOME/planguard`, else
`~/.cache/planguard`. Safe to delete at any time: a missing or unreadable entry is a miss.

## What an entry may decide: nothing

The cache sits in a directory the user (and so an AI agent acting as the user) can write, and
`planguard check` must hold against that agent. An entry keyed by the hash of a real file can
still lie: nothing a reader of the cache can check tells a forged entry from a true one
without parsing the file again, and signing entries needs a key the same user cannot read.
So an entry never feeds what the gate decides:

- it holds one fact, whether the file parses (and, if not, the line and the kind of error in
  the fixed words `larkwalk` uses: an entry whose message is anything else is a miss, so a
  forged entry cannot put text of its choosing into a report);
- it is read only for a file no finding and no intent check looks into, and only for the
  report's list of parse warnings and its count of files read. Every block a finding, a
  lifecycle, a `removed`/`moved`/`import` block, a module call or the intent check reads is
  parsed from the file on every run (`sourcemap`), and so is every file whose parse status the
  intent check asks about (`SourceMap.unreadable`).

A lie can therefore hide a parse warning of a file nothing reads, or show a false one; it
cannot change a finding, a tier, an intent verdict or the plan fingerprint. Entries are JSON,
never pickle: reading one runs no code.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from planguard.records import Record
from planguard.source.hcl import PARSER

CACHE_ENV = "PLANGUARD_CACHE_DIR"
_LAYOUT = "parse-status-v1"
_MESSAGE = re.compile(
    r"not valid HCL(?: at column \d{1,9})?: (?:the file ends too early|unexpected character"
    r"|unexpected [A-Z0-9_$]{1,40} token)"
    r"|not valid HCL \([A-Za-z]{1,40}\)"
)
"""Every message `larkwalk` writes, and nothing else."""


class Status(Record, frozen=True):
    """Whether a file parses; where and why not."""

    parses: bool
    line: int | None = None
    message: str = ""


class StatusCache(Record, frozen=True):
    root: Path

    def get(self, text: str) -> Status | None:
        try:
            raw = json.loads(self._path(text).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return _status(raw)

    def put(self, text: str, status: Status) -> None:
        path = self._path(text)
        record = {"parses": status.parses, "line": status.line, "message": status.message}
        # Written beside, then renamed: whole or not at all, even with runs side by side.
        partial = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            partial.write_text(json.dumps(record), encoding="utf-8")
            os.replace(partial, path)
        except OSError:
            return  # a cache that cannot be written is no cache, not an error

    def _path(self, text: str) -> Path:
        key = hashlib.sha256(f"{_version()}\0{text}".encode("utf-8", "surrogatepass"))
        digest = key.hexdigest()
        return self.root / _LAYOUT / digest[:2] / f"{digest}.json"


def default_cache(env: Mapping[str, str]) -> StatusCache | None:
    """The cache the environment names (module docstring), or None for none."""
    given = env.get(CACHE_ENV)
    if given is not None:
        return StatusCache(Path(given)) if given else None
    base = env.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG spec: a relative path is to be ignored
        home = env.get("HOME")
        if not home:
            return None
        base = os.path.join(home, ".cache")
    return StatusCache(Path(base) / "planguard")


def _status(raw: object) -> Status | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("parses"), bool):
        return None
    if raw["parses"]:
        return Status(True)
    line, message = raw.get("line"), raw.get("message")
    line_ok = line is None or (isinstance(line, int) and not isinstance(line, bool) and line > 0)
    if not line_ok or not isinstance(message, str) or not _MESSAGE.fullmatch(message):
        return None
    return Status(False, line, message)


@functools.cache
def _version() -> str:
    """What an entry was computed with: planguard's walk and the parser libraries' versions."""
    metadata = importlib.import_module("importlib.metadata")  # only when a cache is used
    versions = []
    for name in ("python-hcl2", "lark"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} ?")
    return "; ".join([PARSER, *versions])
