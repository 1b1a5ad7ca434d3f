"""What the `.tf` source says of each changed resource, known before it is scored: where its
block is, its lifecycle and, given the code change, whether that change explains its destroy
or replace (and if not, the chain from what the diff did change). Pure.

Scoring reads a `Placement` when it builds the finding, so findings are built and ranked once;
`summarize` then says what the report's findings could and could not be located.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from planguard.findings import Evidence, Finding, Intent, SourceLocation
from planguard.plan.model import ResourceChange
from planguard.records import Record, replace
from planguard.source.intent import CodeChange, DestroyedResource, IntentCheck, Judgement
from planguard.source.model import AddressBlock, SourceMap, SourceSummary

Chain = Callable[[str, str], Sequence[str] | None]
"""How one resource depends on another, step by step, in the graph; None when it does not."""


class SourceFacts(Record, frozen=True):
    """What the edge read for one root: its source map and, with `--base`, the code change."""

    head: SourceMap
    change: CodeChange | None = None
    note: str = ""
    """Whether the intent check ran, against what, or why not."""


class Placement(Record, frozen=True):
    """One changed resource in the source."""

    config_key: str
    """Its configuration address (`module.a.aws_x.y`: no instance keys)."""
    location: SourceLocation | None = None
    """Its block; for a block the change removed, where it was in the base version."""
    removed_at_base: bool = False
    lifecycle: tuple[str, ...] = ()
    intent: Intent | None = None
    """With the code change, for a destroy or replace: whether the change explains it."""
    protection_removed: bool = False
    """The code change takes `prevent_destroy = true` off its block: a precursor of a
    destroy, seen also when this plan changes nothing about the object."""


def place(
    changes: Sequence[ResourceChange],
    facts: SourceFacts,
    chain: Chain,
    root_causes: Mapping[str, tuple[str, ...]],
) -> dict[str, Placement]:
    """Every changed resource by node id (no-op and read changes are never findings), and
    with the code change every one whose `prevent_destroy` it removes."""
    changing = [c for c in changes if c.action.is_change]
    facts.head.prefetch(c.location.config_address for c in changing)
    placed = {c.node_id: _locate(c.location.config_address, facts) for c in changing}
    if facts.change is None:
        return placed
    for c in changes:
        if c.mode == "managed" and _protection_removed(c.location.config_address, facts.change):
            found = placed.get(c.node_id) or _locate(c.location.config_address, facts)
            placed[c.node_id] = replace(found, protection_removed=True)
    check = IntentCheck(facts.change)
    verdicts = {
        c.node_id: check.judge(
            DestroyedResource(
                c.node_id,
                placed[c.node_id].config_key,
                c.action_reason,
                tuple(dict.fromkeys(str(p[0]) for p in c.replace_paths if p)),
            )
        )
        for c in changes
        if c.action.destroys and c.mode == "managed"
    }
    explained = [node for node, verdict in verdicts.items() if verdict.explained]
    for node, verdict in verdicts.items():
        steps = (
            () if verdict.explained else _chain(node, root_causes.get(node, ()), explained, chain)
        )
        evidence = verdicts[steps[0]].evidence if steps else ()
        placed[node] = _with_intent(placed[node], verdict, steps, evidence)
    return placed


def summarize(
    findings: Sequence[Finding], placements: Mapping[str, Placement], facts: SourceFacts
) -> SourceSummary:
    """What the report says about the source: which findings were located, which not and why."""
    keyed = [
        (f, placements[f.address].config_key)
        for f in findings
        if f.action is not None and f.address in placements
    ]
    head = facts.head
    return SourceSummary(
        directory=head.directory or ".",
        intent=facts.note,
        files=len(head.files),
        mapped=sum(1 for f, _ in keyed if f.location is not None),
        unmapped=tuple(
            f"{f.address}: {_why_unmapped(key, head)}" for f, key in keyed if f.location is None
        ),
        warnings=tuple(str(w) for w in head.warnings),
        remote_modules=tuple(f"{u.module} ({u.source}) at {u.location}" for u in head.unmapped),
        address_blocks=tuple(_describe(b) for b in head.address_blocks),
    )


def _describe(block: AddressBlock) -> str:
    addresses = " → ".join(a for a in (block.from_address, block.to_address) if a)
    return f"{block.kind.value} {addresses} at {block.location}"


def _why_unmapped(key: str, head: SourceMap) -> str:
    remote = head.unmapped_module(key)
    if remote is not None:
        return f"in {remote.description}"
    return f"no block {key} in {head.directory or '.'}"


def _protection_removed(key: str, change: CodeChange) -> bool:
    # Asked of every managed resource in the plan: a block that never mentions
    # `prevent_destroy` is not parsed to learn that it does not say it.
    if change.base is None or not change.base.may_protect(key):
        return False
    before = change.base.objects.get(key)
    after = change.head.objects.get(key)
    if before is None or after is None or before.lifecycle is None:
        return False
    now = after.lifecycle.prevent_destroy if after.lifecycle else None
    return before.lifecycle.prevent_destroy is True and now is not True


def _locate(key: str, facts: SourceFacts) -> Placement:
    obj = facts.head.objects.get(key)
    if obj is not None:
        lifecycle = obj.lifecycle.facts if obj.lifecycle else ()
        return Placement(key, obj.location, lifecycle=lifecycle)
    base = facts.change.base if facts.change is not None else None
    before = base.objects.get(key) if base is not None else None
    if before is not None:  # the change removed the block: point where it was
        return Placement(key, before.location, removed_at_base=True)
    removed = facts.head.removed_block(key)
    if removed is not None:  # a `removed` block says what happens to it
        return Placement(key, removed.location)
    return Placement(key)


def _with_intent(
    placement: Placement, verdict: Judgement, chain: Sequence[str], evidence: tuple[Evidence, ...]
) -> Placement:
    if verdict.explained:
        intent = Intent(True, verdict.reason, verdict.evidence)
    else:
        intent = Intent(False, verdict.reason, evidence, tuple(chain))
    return replace(placement, intent=intent)


def _chain(
    node: str, root_causes: Sequence[str], explained: Sequence[str], chain: Chain
) -> Sequence[str]:
    """The shortest chain from an explained destroy to this one (its root causes first)."""
    ordered = [a for a in root_causes if a in explained]
    ordered += [a for a in explained if a not in ordered]
    best: Sequence[str] = ()
    for start in ordered:
        found = chain(start, node)
        if found and (not best or len(found) < len(best)):
            best = found
    return best
