"""The self-contained HTML report: the blast views laid out as one SVG, the findings table and
the data the page's script shows when a node or a finding is clicked. No CDN, works offline;
every value from the plan reaches the page through jinja2's autoescape or `script_json`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planguard.analysis.report import Report, RootReport
from planguard.gate.model import Decision
from planguard.graph.dag import layered_layout
from planguard.render.engine import render_html, visible
from planguard.render.jsonout import JSON, to_jsonable
from planguard.render.view import Row, rank_key, rows_by_root

COLUMN = 260
ROW = 56
NODE_WIDTH = 220
NODE_HEIGHT = 40
ROOT_GAP = 70
TABLE_ROWS = 2000
"""Findings in the page's table, all roots together (all of them are in the JSON report)."""
DRAWN_NODES = 2000
"""Resources drawn, all roots together: later roots are listed, not drawn, past it."""


@dataclass(frozen=True, slots=True)
class DrawnNode:
    key: str
    """`r<root index>:<address>`: unique across roots, the id the page's script uses."""
    root: str
    address: str
    action: str
    exposure: str
    tier: str | None
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class DrawnEdge:
    path: str
    """SVG path data."""


@dataclass(frozen=True, slots=True)
class RootBand:
    name: str
    y: int


@dataclass(frozen=True, slots=True)
class HtmlView:
    report: Report
    decision: Decision | None
    rows: tuple[Row, ...]
    more_rows: int
    nodes: tuple[DrawnNode, ...]
    edges: tuple[DrawnEdge, ...]
    bands: tuple[RootBand, ...]
    width: int
    height: int
    complete: bool
    details: dict[str, JSON]
    """Per node key: what the side panel shows when it is clicked."""
    row_keys: tuple[str, ...]
    """Per row: the node key of its finding's resource."""


def html_report(report: Report, decision: Decision | None = None) -> str:
    return render_html("report.html.j2", view=html_view(report, decision))


def html_view(report: Report, decision: Decision | None = None) -> HtmlView:
    ranked = sorted((r for rows in rows_by_root(report, decision) for r in rows), key=rank_key)
    all_rows = ranked[:TABLE_ROWS]
    index = {root.name: i for i, root in enumerate(report.roots)}
    nodes: list[DrawnNode] = []
    edges: list[DrawnEdge] = []
    bands: list[RootBand] = []
    top = 30
    width = NODE_WIDTH + 40
    for position, root in enumerate(report.roots):
        if len(nodes) + len(root.blast_view.nodes) > DRAWN_NODES:
            continue  # bounded page: the root's findings are still in the table
        bands.append(RootBand(root.name, top - 20))
        drawn, lines, height, right = _draw_root(position, root, top)
        nodes += drawn
        edges += lines
        top += height + ROOT_GAP
        width = max(width, right)
    return HtmlView(
        report=report,
        decision=decision,
        rows=tuple(all_rows),
        more_rows=len(ranked) - len(all_rows),
        nodes=tuple(nodes),
        edges=tuple(edges),
        bands=tuple(bands),
        width=width,
        height=top,
        complete=all(r.blast_view.complete for r in report.roots)
        and len(nodes) == sum(len(r.blast_view.nodes) for r in report.roots),
        details=_details(report, all_rows),
        row_keys=tuple(node_key(index[r.root], r.finding.address) for r in all_rows),
    )


def _draw_root(
    index: int, root: RootReport, top: int
) -> tuple[list[DrawnNode], list[DrawnEdge], int, int]:
    blast = root.blast_view
    ids = [n.id for n in blast.nodes]
    pairs = [(e.dependency, e.dependent) for e in blast.edges]
    places = layered_layout(ids, pairs)
    spot = {n: (20 + col * COLUMN, top + row * ROW) for n, (col, row) in places.items()}
    drawn = [
        DrawnNode(
            key=node_key(index, n.id),
            root=root.name,
            address=n.id,
            action=n.action.label if n.action else "unchanged",
            exposure=n.exposure.value,
            tier=n.tier.value if n.tier else None,
            x=spot[n.id][0],
            y=spot[n.id][1],
        )
        for n in blast.nodes
    ]
    lines = [DrawnEdge(_curve(spot[a], spot[b])) for a, b in pairs]
    height = max((row for _, row in places.values()), default=-1) * ROW + NODE_HEIGHT + 20
    right = max((x for x, _ in spot.values()), default=0) + NODE_WIDTH + 20
    return drawn, lines, height, right


def _curve(start: tuple[int, int], end: tuple[int, int]) -> str:
    x1, y1 = start[0] + NODE_WIDTH, start[1] + NODE_HEIGHT // 2
    x2, y2 = end[0], end[1] + NODE_HEIGHT // 2
    if x2 <= x1:  # same layer (a cycle) or backwards: loop around below
        x2, y2 = end[0] + NODE_WIDTH // 2, end[1] + NODE_HEIGHT
        return f"M{x1},{y1} C{x1 + 40},{y1 + 60} {x2},{y2 + 60} {x2},{y2}"
    mid = (x1 + x2) // 2
    return f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"


def _details(report: Report, rows: Sequence[Row]) -> dict[str, JSON]:
    """What the side panel shows per node: its own finding, or whose radius reaches it."""
    findings = {(r.root, r.finding.address): r for r in rows}
    out: dict[str, JSON] = {}
    for index, root in enumerate(report.roots):
        for node in root.blast_view.nodes:
            row = findings.get((root.name, node.id))
            out[node_key(index, node.id)] = _visible_json(
                {
                    "address": node.id,
                    "root": root.name,
                    "type": node.type,
                    "action": node.action.label if node.action else "unchanged",
                    "tier": row.tier.value if row else None,
                    "score": row.finding.score if row else None,
                    "components": to_jsonable(row.finding.components) if row else [],
                    "blast": to_jsonable(row.finding.blast) if row else None,
                    "exposed_to": node.exposed_to if node.exposed_to != node.id else None,
                    "exposure": node.exposure.value,
                    "depth": node.depth,
                }
            )
    return out


def node_key(root_index: int, address: str) -> str:
    """The id the page's script and the table rows share; shown, so made visible."""
    return visible(f"r{root_index}:{address}")


def _visible_json(value: JSON) -> JSON:
    """Control and bidi characters as escapes in every string the side panel may show."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, list):
        return [_visible_json(v) for v in value]
    if isinstance(value, dict):
        return {visible(k): _visible_json(v) for k, v in value.items()}
    return value
