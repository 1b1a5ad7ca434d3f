"""What the human-facing outputs show, chosen once from the report (and the gate's decision).

Pure and bounded: the work here depends on the number of findings shown, never on plan size
beyond one pass over the findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planguard.analysis.report import Report, RootReport, ViewNode
from planguard.findings import Finding, Tier
from planguard.gate.model import Decision, GateItem
from planguard.plan.model import Action
from planguard.policy.model import GateAction, Suppression

TOP_RISKS = 5
LISTED = 100
"""Rows per root in a markdown table (all of them are in the JSON report)."""
DETAILED = 20
PICTURED_STARTS = 3
NODES_PER_START = 10
PICTURE_NODES = 30


@dataclass(frozen=True, slots=True)
class Row:
    """A finding as the outputs rank it: in its root, with what the policy asks of it."""

    root: str
    finding: Finding
    tier: Tier
    """After suppressions when a policy decided; the finding's own tier otherwise."""
    policy: GateAction | None = None
    suppression: Suppression | None = None
    suppression_expired: bool = False

    @property
    def downtime(self) -> bool:
        """A delete-first replacement: the old object is gone before the new one exists."""
        return self.finding.action is Action.REPLACE_DELETE_FIRST


@dataclass(frozen=True, slots=True)
class RootSection:
    root: RootReport
    rows: tuple[Row, ...]
    """Bounded to `LISTED`, most severe first."""
    more: int


@dataclass(frozen=True, slots=True)
class PictureNode:
    key: str
    """The mermaid node id (`n0`, `n1`, …)."""
    label: str
    action: str
    exposure: Tier
    destroyed: bool


@dataclass(frozen=True, slots=True)
class Picture:
    """A mermaid diagram of the worst findings' blast radius, bounded in nodes."""

    nodes: tuple[PictureNode, ...]
    edges: tuple[tuple[str, str], ...]
    partial: bool
    """The bound left out some resources of the pictured radii (the JSON report has them)."""


@dataclass(frozen=True, slots=True)
class ReportView:
    report: Report
    top: tuple[Row, ...]
    sections: tuple[RootSection, ...]
    detailed: tuple[Row, ...]
    picture: Picture | None


def report_view(
    report: Report, decision: Decision | None = None, listed: int = LISTED
) -> ReportView:
    per_root = rows_by_root(report, decision)
    ranked = sorted((r for rows in per_root for r in rows), key=rank_key)
    sections = tuple(
        RootSection(root, tuple(sorted(rows, key=rank_key)[:listed]), max(len(rows) - listed, 0))
        for root, rows in zip(report.roots, per_root, strict=True)
    )
    return ReportView(
        report=report,
        top=tuple(ranked[:TOP_RISKS]),
        sections=sections,
        detailed=tuple(ranked[:DETAILED]),
        picture=_picture(report, ranked),
    )


def rank_key(row: Row) -> tuple[int, int, int, str, str]:
    return (-row.tier.rank, -row.finding.score, not row.downtime, row.root, row.finding.id)


def rows_by_root(report: Report, decision: Decision | None) -> list[list[Row]]:
    """Every finding as a row, per root, in the report's order, with the gate item the decision
    made of that very finding (an item is a function of its finding, so equal findings of two
    roots share one)."""
    items = {item.finding: item for item in decision.items} if decision is not None else {}
    out: list[list[Row]] = []
    for root in report.roots:
        rows = []
        for finding in root.findings:
            item = items.get(finding)
            if decision is not None and item is None:
                raise ValueError(f"the decision has no item for {finding.id} of {root.name}")
            rows.append(_row(root.name, finding, item))
        out.append(rows)
    return out


def _row(root: str, finding: Finding, item: GateItem | None) -> Row:
    if item is None:
        return Row(root, finding, finding.tier)
    return Row(root, finding, item.tier, item.action, item.suppression, item.suppression_expired)


def _picture(report: Report, ranked: Sequence[Row]) -> Picture | None:
    views = {root.name: root.blast_view for root in report.roots}
    chosen: list[tuple[str, ViewNode]] = []
    partial = False
    starts = [r for r in ranked if r.finding.action is not None and r.finding.action.destroys]
    for row in starts[:PICTURED_STARTS]:
        view = views[row.root]
        radius = [n for n in view.nodes if n.exposed_to == row.finding.address]
        if not radius:
            continue
        radius.sort(key=lambda n: (n.depth, -(n.tier.rank if n.tier else -1), n.id))
        room = min(NODES_PER_START, PICTURE_NODES - len(chosen))
        chosen += [(row.root, n) for n in radius[:room]]
        partial = partial or len(radius) > room or not view.complete
    if not chosen:
        return None
    keys = {(root, node.id): f"n{i}" for i, (root, node) in enumerate(chosen)}
    multi = len(report.roots) > 1
    nodes = tuple(
        PictureNode(
            key=keys[(root, node.id)],
            label=f"{root}: {node.id}" if multi else node.id,
            action=node.action.label if node.action else "unchanged",
            exposure=node.exposure,
            destroyed=node.action is not None and node.action.destroys,
        )
        for root, node in chosen
    )
    edges = [
        (keys[(root, e.dependency)], keys[(root, e.dependent)])
        for root in dict.fromkeys(r for r, _ in chosen)
        for e in views[root].edges
        if (root, e.dependency) in keys and (root, e.dependent) in keys
    ]
    return Picture(nodes, _without_shortcuts(edges), partial)


def _without_shortcuts(edges: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Drop an edge a→b while another drawn path a→…→b remains (one edge at a time, so
    reachability never changes, cycles included). A picture has at most 30 nodes."""
    kept = list(dict.fromkeys(edges))
    for edge in list(kept):
        rest = [e for e in kept if e != edge]
        if _reaches(rest, *edge):
            kept = rest
    return tuple(kept)


def _reaches(edges: Sequence[tuple[str, str]], start: str, goal: str) -> bool:
    after: dict[str, list[str]] = {}
    for a, b in edges:
        after.setdefault(a, []).append(b)
    stack, seen = [start], {start}
    while stack:
        for nxt in after.get(stack.pop(), ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False
