"""planguard's record of the reviews it has seen, kept in its own PR comment.

An unpinned approval binds to the plan planguard's comment showed its reviewer
(`approvals.github.Bound`). The record is one hidden line of the comment planguard writes for
the root: the plan the comment shows, which plan each review was bound to, and what those
plans destroyed (to say what a different plan adds). It is read only from the comment written
as planguard's own identity, and it carries a MAC over the record and where it belongs (the
repository, the pull request and the root, so a record cannot be carried to another):

- keyed by `PLANGUARD_STATE_KEY` (the action's `state-key`, from a repository secret), nobody
  without the key can write a record that reads as intact;
- without a key, by a constant: the MAC then only catches an edit that did not recompute it.
  Anyone who can edit the bot's comment (write access) could bind a review to another plan;
  docs/gate.md says to set the key.

A record that is missing, damaged or fails its MAC counts as empty. That fails closed: a
review that a run of planguard has reported on since must be in the record, so an edit or a
deletion voids those approvals (`approvals.github.first_sight`); it never adds one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import zlib
from collections.abc import Iterable, Mapping

from planguard.approvals.github import BOUND_DESTROYS, Bound
from planguard.records import Record

KEY_VARIABLE = "PLANGUARD_STATE_KEY"
NO_KEY_NOTE = (
    "no state-key (PLANGUARD_STATE_KEY): planguard's record of which plan each review approved"
    " is not signed, so anyone who can edit its comment could rebind an approval; set the"
    " action's state-key from a repository secret (docs/gate.md)"
)
_NO_KEY = b"planguard review record v1 (no key set)"
_LINE = re.compile(r"^<!-- planguard:reviews ([A-Za-z0-9_=-]+) mac=([0-9a-f]{64}) -->$", re.M)
_MAX_TEXT = 1 << 20
"""A record that inflates beyond this is not one planguard wrote."""


def record_scope(repository: str, number: int, root: str) -> str:
    """Where a record belongs: it verifies nowhere else."""
    return f"{repository.lower()}#{number}/{root}"


def unsigned(key: bytes) -> bool:
    """The record is MAC'd with the constant, not a secret (`NO_KEY_NOTE`)."""
    return key == _NO_KEY


def state_key(environment: Mapping[str, str]) -> bytes:
    secret = environment.get(KEY_VARIABLE, "")
    return secret.encode() if secret else _NO_KEY


class Kept(Record, frozen=True):
    """What the record holds."""

    bound: dict[int, Bound]
    shown: Bound | None
    """The plan the comment showed, and for which commit."""


def record_line(kept: Kept, key: bytes, scope: str) -> str:
    """The hidden line that keeps `kept`; `scope`: `owner/repo#pr/root`."""
    plans: dict[str, list[str]] = {}
    reviews: dict[str, list[str]] = {}
    for entry in (*kept.bound.values(), *([kept.shown] if kept.shown else [])):
        plans[entry.fingerprint] = sorted(entry.destroys)[:BOUND_DESTROYS]
    for review_id, entry in sorted(kept.bound.items()):
        reviews[str(review_id)] = [entry.fingerprint, entry.commit]
    shown = [kept.shown.fingerprint, kept.shown.commit] if kept.shown else None
    doc = {"v": 2, "plans": plans, "reviews": reviews, "shown": shown}
    text = json.dumps(doc, separators=(",", ":"))
    packed = base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode()
    return f"<!-- planguard:reviews {packed} mac={_mac(key, scope, packed)} -->"


def read_record(body: str, key: bytes, scope: str) -> Kept | None:
    """The record in a comment body; None when there is none or it is not intact."""
    found = _LINE.search(body)
    if found is None:
        return None
    packed, mac = found.groups()
    if not hmac.compare_digest(mac, _mac(key, scope, packed)):
        return None
    try:
        inflater = zlib.decompressobj()
        text = inflater.decompress(base64.urlsafe_b64decode(packed), _MAX_TEXT)
        doc = json.loads(text)
        plans = doc["plans"]

        def plan(fingerprint: str, commit: str) -> Bound:
            return Bound(fingerprint, commit, tuple(str(a) for a in plans[fingerprint]))

        bound = {int(i): plan(fp, commit) for i, (fp, commit) in doc["reviews"].items()}
        return Kept(bound, plan(*doc["shown"]) if doc.get("shown") else None)
    except (binascii.Error, zlib.error, ValueError, KeyError, TypeError):
        return None


def still_present(bound: Mapping[int, Bound], review_ids: Iterable[int]) -> dict[int, Bound]:
    """The entries of reviews that still exist (a record never grows without bound)."""
    present = set(review_ids)
    return {review_id: entry for review_id, entry in bound.items() if review_id in present}


def _mac(key: bytes, scope: str, packed: str) -> str:
    return hmac.new(key, f"{scope}\n{packed}".encode(), hashlib.sha256).hexdigest()
