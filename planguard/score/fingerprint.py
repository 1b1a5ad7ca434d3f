"""The plan fingerprint: a digest of the risky change set an approval is given for.

It covers what a reviewer approves — which objects are destroyed, replaced or forgotten (their
addresses, and which real objects they are: a digest of their `id`/`arn`/`self_link` in the
prior state, so the same teardown planned in two workspaces has two fingerprints), how and
why, which hazards fire on which attributes, and exactly which resources sit in each blast
radius — and nothing else: no timestamps, no attribute values, no file paths, no scores (those
follow the policy, not the plan). Re-planning the same risky set gives the same fingerprint; any
new or changed risk item gives a different one, and voids approvals given for the old one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping

from planguard.findings import Finding
from planguard.plan.model import ResourceChange

VERSION = "pg2"
IDENTITY_ATTRIBUTES = ("id", "arn", "self_link")
"""What names the real object behind an address; a digest of them, never the values."""


def fingerprint(roots: Iterable[tuple[Iterable[Finding], Mapping[str, str]]]) -> str:
    """One digest over the findings of every root, each with its objects' identities (node id
    → `object_identity`); the order of roots does not matter."""
    digests = sorted(_root_digest(findings, objects) for findings, objects in roots)
    return _sha(json.dumps([VERSION, digests]))


def short(fingerprint: str) -> str:
    return fingerprint[:12]


def object_identity(change: ResourceChange) -> str | None:
    """A digest of what the prior state says the object is; None when it names nothing."""
    named = [change.before.get((name,)) for name in IDENTITY_ATTRIBUTES]
    values = [v if isinstance(v, (str, int, float)) else None for v in named]
    if all(v is None for v in values):
        return None
    return _sha(json.dumps([change.type, values]))


def _root_digest(findings: Iterable[Finding], objects: Mapping[str, str]) -> str:
    items = sorted(json.dumps(_item(f, objects.get(f.address)), sort_keys=True) for f in findings)
    return _sha("\n".join(items))


def _item(finding: Finding, identity: str | None) -> dict[str, object]:
    if finding.rule.plan_level:
        # The plan-level finding's address is the plan's file name: not part of the risk.
        return {"rule": finding.rule.value, "parts": sorted(c.name for c in finding.components)}
    blast = finding.blast
    return {
        "rule": finding.rule.value,
        "address": finding.address,
        "object": identity,
        "action": finding.action.value if finding.action else None,
        "reason": finding.action_reason.value if finding.action_reason else None,
        "replace_paths": list(finding.replace_paths),
        "previous_address": finding.previous_address,
        "deposed": finding.deposed,
        "drifted": finding.drifted,
        "hazards": sorted(f"{h.id}:{h.attribute}" for h in finding.hazards),
        "root_causes": sorted(finding.root_causes),
        "blast": [blast.total, blast.changing, blast.members_digest] if blast else None,
    }


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
