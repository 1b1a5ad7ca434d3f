"""Findings meet the source: each gets its `file:line`, its lifecycle and, given the code
change, whether that change explains it. Unexplained destroys at or above the scoring's
`unexplained_escalates_from` tier are raised one tier, and say so. Pure."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from planguard.addresses import parse_address
from planguard.score.model import Finding, Tier
from planguard.source.intent import CodeChange, DestroyedResource, Verdict, judge
from planguard.source.model import (
    AddressBlock,
    AddressBlockKind,
    Evidence,
    Intent,
    SourceMap,
    SourceSummary,
    enclosing_modules,
)

_NEXT = {Tier.LOW: Tier.MEDIUM, Tier.MEDIUM: Tier.HIGH, Tier.HIGH: Tier.CRITICAL}
Path = Callable[[str, str], Sequence[str] | None]
"""The dependency path from one resource to another in the graph, or None."""


@dataclass(frozen=True, slots=True)
class SourceFacts:
    """What the edge read for one root: its source map and, with `--base`, the code change."""

    head: SourceMap
    change: CodeChange | None = None
    note: str = ""
    """Whether the intent check ran, against what, or why not."""


def config_key(finding: Finding) -> str | None:
    """The configuration address of a resource finding (`module.a.aws_x.y`), else None."""
    if finding.action is None:
        return None
    address = finding.address.split(" (deposed ", 1)[0]
    try:
        return parse_address(address).config_address
    except ValueError:
        return None


def with_source(
    findings: Sequence[Finding], facts: SourceFacts, path: Path, escalate_from: str
) -> tuple[tuple[Finding, ...], SourceSummary]:
    located = [_locate(f, facts) for f in findings]
    if facts.change is not None:
        located = _judge(located, facts.change, path, Tier(escalate_from))
    keyed = [(f, config_key(f)) for f in located]
    unmapped = tuple(
        f"{f.address}: {_why_unmapped(key, facts.head)}"
        for f, key in keyed
        if key is not None and f.location is None
    )
    head = facts.head
    summary = SourceSummary(
        directory=head.directory or ".",
        intent=facts.note,
        files=len(head.files),
        mapped=sum(1 for f, key in keyed if key is not None and f.location is not None),
        unmapped=unmapped,
        warnings=tuple(str(w) for w in head.warnings),
        remote_modules=tuple(f"{u.module} ({u.source}) at {u.location}" for u in head.unmapped),
        address_blocks=tuple(_describe(b) for b in head.address_blocks),
    )
    return tuple(located), summary


def _describe(block: AddressBlock) -> str:
    addresses = " → ".join(a for a in (block.from_address, block.to_address) if a)
    return f"{block.kind.value} {addresses} at {block.location}"


def _why_unmapped(key: str, head: SourceMap) -> str:
    remote = head.unmapped_module(key)
    if remote is not None:
        return f"in module {remote.module} ({remote.source}), whose source is not mapped"
    return f"no block {key} in {head.directory or '.'}"


def _locate(finding: Finding, facts: SourceFacts) -> Finding:
    key = config_key(finding)
    if key is None:
        return finding
    obj = facts.head.objects.get(key)
    if obj is not None:
        lifecycle = obj.lifecycle.facts if obj.lifecycle else ()
        return dataclasses.replace(finding, location=obj.location, lifecycle=lifecycle)
    base = facts.change.base if facts.change is not None else None
    before = base.objects.get(key) if base is not None else None
    if before is not None:  # the change removed the block: point where it was
        return dataclasses.replace(finding, location=before.location, removed_at_base=True)
    removed = next(
        (
            b
            for b in facts.head.address_blocks
            if b.kind is AddressBlockKind.REMOVED
            and b.from_address in {key, *enclosing_modules(key)}
        ),
        None,
    )
    if removed is not None:  # a `removed` block says what happens to it
        return dataclasses.replace(finding, location=removed.location)
    return finding


def _judge(
    findings: Sequence[Finding], change: CodeChange, path: Path, escalate_from: Tier
) -> list[Finding]:
    verdicts: dict[str, Verdict] = {}
    for finding in findings:
        key = config_key(finding)
        if key is not None and finding.action is not None and finding.action.destroys:
            resource = DestroyedResource(
                finding.address,
                key,
                finding.action_reason,
                tuple(dict.fromkeys(_first_step(p) for p in finding.replace_paths if p)),
            )
            verdicts[finding.address] = judge(resource, change)
    explained = [a for a, v in verdicts.items() if v.explained]
    out = []
    for finding in findings:
        verdict = verdicts.get(finding.address)
        if verdict is None:
            out.append(finding)
            continue
        chain = () if verdict.explained else _chain(finding, explained, path)
        evidence = verdicts[chain[0]].evidence if chain else ()
        out.append(_with_intent(finding, verdict, chain, evidence, escalate_from))
    return out


def _first_step(path: str) -> str:
    """`ebs_block_device[0].size` → `ebs_block_device`: the attribute a block sets."""
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def _with_intent(
    finding: Finding,
    verdict: Verdict,
    chain: Sequence[str],
    evidence: tuple[Evidence, ...],
    escalate_from: Tier,
) -> Finding:
    if verdict.explained:
        intent = Intent(True, verdict.reason, verdict.evidence)
        return dataclasses.replace(finding, intent=intent)
    reason = "not visible in the code change: " + verdict.reason
    tier = finding.tier
    raised = tier >= escalate_from and tier in _NEXT
    intent = Intent(
        False, reason, evidence, tuple(chain), escalated_from=tier.value if raised else None
    )
    return dataclasses.replace(finding, intent=intent, tier=_NEXT[tier] if raised else tier)


def _chain(finding: Finding, explained: Sequence[str], path: Path) -> Sequence[str]:
    """The shortest dependency path from an explained destroy (its root causes first)."""
    ordered = [a for a in finding.root_causes if a in explained]
    ordered += [a for a in explained if a not in ordered]
    best: Sequence[str] = ()
    for start in ordered:
        found = path(start, finding.address)
        if found and (not best or len(found) < len(best)):
            best = found
    return best
