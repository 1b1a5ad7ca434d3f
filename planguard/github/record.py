"""planguard's record of the reviews it has seen, kept in its own PR comment.

An unpinned approval binds to the plan planguard evaluated when it first saw the review
(`approvals.github.Bound`). The record is one hidden line of the comment planguard writes for
the root: which plan each review was bound to, and what that plan destroyed (to say what a
different plan adds). It is read only from the comment written as planguard's own identity,
and it carries a MAC:

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

KEY_VARIABLE = "PLANGUARD_STATE_KEY"
_NO_KEY = b"planguard review record v1 (no key set)"
_LINE = re.compile(r"^<!-- planguard:reviews ([A-Za-z0-9_=-]+) mac=([0-9a-f]{64}) -->$", re.M)
_MAX_TEXT = 1 << 20
"""A record that inflates beyond this is not one planguard wrote."""


def state_key(environment: Mapping[str, str]) -> bytes:
    secret = environment.get(KEY_VARIABLE, "")
    return secret.encode() if secret else _NO_KEY


def record_line(bound: Mapping[int, Bound], key: bytes) -> str:
    """The hidden line that keeps `bound` (empty when there is nothing to keep)."""
    if not bound:
        return ""
    plans: dict[str, list[str]] = {}
    reviews: dict[str, list[str]] = {}
    for review_id, entry in sorted(bound.items()):
        plans[entry.fingerprint] = sorted(entry.destroys)[:BOUND_DESTROYS]
        reviews[str(review_id)] = [entry.fingerprint, entry.commit]
    text = json.dumps({"v": 1, "plans": plans, "reviews": reviews}, separators=(",", ":"))
    packed = base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode()
    return f"<!-- planguard:reviews {packed} mac={_mac(key, packed)} -->"


def read_record(body: str, key: bytes) -> dict[int, Bound] | None:
    """The record in a comment body; None when there is none or it is not intact."""
    found = _LINE.search(body)
    if found is None:
        return None
    packed, mac = found.groups()
    if not hmac.compare_digest(mac, _mac(key, packed)):
        return None
    try:
        inflater = zlib.decompressobj()
        text = inflater.decompress(base64.urlsafe_b64decode(packed), _MAX_TEXT)
        doc = json.loads(text)
        plans, reviews = doc["plans"], doc["reviews"]
        return {
            int(review_id): Bound(fp, commit, tuple(str(a) for a in plans[fp]))
            for review_id, (fp, commit) in reviews.items()
        }
    except (binascii.Error, zlib.error, ValueError, KeyError, TypeError):
        return None


def kept(bound: Mapping[int, Bound], review_ids: Iterable[int]) -> dict[int, Bound]:
    """The entries of reviews that still exist (a record never grows without bound)."""
    present = set(review_ids)
    return {review_id: entry for review_id, entry in bound.items() if review_id in present}


def _mac(key: bytes, packed: str) -> str:
    return hmac.new(key, packed.encode(), hashlib.sha256).hexdigest()
