"""Findings meet the source: each gets its `file:line`, its lifecycle and, given the code
change, whether that change explains it. Unexplained destroys at or above the scoring's
`unexplained_escalates_from` tier are raised one tier, and say so. Pure."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from planguard.addresses import parse_address
from planguard.findings import Evidence, Finding, Intent, Tier
from planguard.source.intent import CodeChange, DestroyedResource, IntentCheck, Verdict
from planguard.source.model import AddressBlock, SourceMap, SourceSummary

_NEXT = {Tier.LOW: Tier.MEDIUM, Tier.MEDIUM: Tier.HIGH, Tier.HIGH: Tier.CRITICAL}
Chain = Callable[[str, str], Sequence[str] | None]
"""How one resource depends on another, step by step, in the graph; None when it does not."""


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
    findings: Sequence[Finding], facts: SourceFacts, chain: Chain, escalate_from: str
) -> tuple[tuple[Finding, ...], SourceSummary]:
    keys = [config_key(f) for f in findings]
    located = [_locate(f, key, facts) for f, key in zip(findings, keys, strict=True)]
    if facts.change is not None:
        located = _judge(located, keys, facts.change, chain, Tier(escalate_from))
    keyed = list(zip(located, keys, strict=True))
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
        return f"in {remote.description}"
    return f"no block {key} in {head.directory or '.'}"


def _locate(finding: Finding, key: str | None, facts: SourceFacts) -> Finding:
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
    removed = facts.head.removed_block(key)
    if removed is not None:  # a `removed` block says what happens to it
        return dataclasses.replace(finding, location=removed.location)
    return finding


def _judge(
    findings: Sequence[Finding],
    keys: Sequence[str | None],
    change: CodeChange,
    chain: Chain,
    escalate_from: Tier,
) -> list[Finding]:
    verdicts: dict[str, Verdict] = {}
    check = IntentCheck(change)
    for finding, key in zip(findings, keys, strict=True):
        if key is not None and finding.action is not None and finding.action.destroys:
            resource = DestroyedResource(
                finding.address,
                key,
                finding.action_reason,
                tuple(dict.fromkeys(_first_step(p) for p in finding.replace_paths if p)),
            )
            verdicts[finding.address] = check.judge(resource)
    explained = [a for a, v in verdicts.items() if v.explained]
    out = []
    for finding in findings:
        verdict = verdicts.get(finding.address)
        if verdict is None:
            out.append(finding)
            continue
        steps = () if verdict.explained else _chain(finding, explained, chain)
        evidence = verdicts[steps[0]].evidence if steps else ()
        out.append(_with_intent(finding, verdict, steps, evidence, escalate_from))
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


def _chain(finding: Finding, explained: Sequence[str], chain: Chain) -> Sequence[str]:
    """The shortest chain from an explained destroy to this one (its root causes first)."""
    ordered = [a for a in finding.root_causes if a in explained]
    ordered += [a for a in explained if a not in ordered]
    best: Sequence[str] = ()
    for start in ordered:
        found = chain(start, finding.address)
        if found and (not best or len(found) < len(best)):
            best = found
    return best
