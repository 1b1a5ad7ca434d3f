"""The self-contained HTML report: the blast views laid out as one SVG, the findings table and
the data the page's script shows when a node or a finding is clicked. No CDN, works offline;
every value from the plan reaches the page through jinja2's autoescape or `script_json`.
"""

from __future__ import annotations

from collections.abc import Sequence

from planguard.addresses import format_key, parse_address
from planguard.analysis.report import Report, RootReport
from planguard.gate.model import Decision
from planguard.graph.dag import layered_layout
from planguard.records import Record
from planguard.render.engine import render_html
from planguard.render.jsonout import JSON, to_jsonable
from planguard.render.terminal import visible
from planguard.render.view import (
    PlanCounts,
    Row,
    TopCause,
    plan_counts,
    rank_key,
    rows_by_root,
    top_cause,
)

COLUMN = 260
ROW = 64
NODE_WIDTH = 220
NODE_HEIGHT = 50
LABEL = 34
"""Characters of a label line that fit in a node (the full address is the node's tooltip)."""
ROOT_GAP = 70
TABLE_ROWS = 2000
"""Findings in the page's table, all roots together (all of them are in the JSON report)."""
DRAWN_NODES = 2000
"""Resources drawn, all roots together: later roots are listed, not drawn, past it."""


class DrawnNode(Record, frozen=True):
    key: str
    """`r<root index>:<address>`: unique across roots, the id the page's script uses."""
    root: str
    address: str
    module: str
    """The first label line: the last module steps (empty in the root module)."""
    resource: str
    """The second label line: the resource, shortened keeping what tells it apart."""
    action: str
    exposure: str
    tier: str | None
    x: int
    y: int


class DrawnEdge(Record, frozen=True):
    path: str
    """SVG path data."""


class RootBand(Record, frozen=True):
    name: str
    y: int


class HtmlView(Record, frozen=True):
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
    plan: PlanCounts
    cause: TopCause | None
    node_width: int = NODE_WIDTH
    node_height: int = NODE_HEIGHT


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
        plan=plan_counts(report),
        cause=top_cause(report),
    )


def _draw_root(
    index: int, root: RootReport, top: int
) -> tuple[list[DrawnNode], list[DrawnEdge], int, int]:
    blast = root.blast_view
    ids = [n.id for n in blast.nodes]
    pairs = [(e.dependency, e.dependent) for e in blast.edges]
    places = layered_layout(ids, pairs)
    spot = {n: (20 + col * COLUMN, top + row * ROW) for n, (col, row) in places.items()}
    labels = node_labels(ids)
    drawn = [
        DrawnNode(
            key=node_key(index, n.id),
            root=root.name,
            address=n.id,
            module=labels[n.id][0],
            resource=labels[n.id][1],
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


def node_labels(ids: Sequence[str], limit: int = LABEL) -> dict[str, tuple[str, str]]:
    """Two label lines per node, (module, resource), each at most `limit` characters: the
    nearest module steps that fit and the resource, shortened at the front (the end tells
    instances and names apart). Never ambiguous: ids whose short labels would coincide show
    the part of their lines where they differ, or (rarely, wider than the node) in full."""
    short = {i: _label(i, limit) for i in ids}
    alike: dict[tuple[str, str], list[str]] = {}
    for i, label in short.items():
        alike.setdefault(label, []).append(i)
    out = dict(short)
    for group in alike.values():
        if len(group) == 1:
            continue
        full = [_label(i, None) for i in group]
        lines = [
            _windows([f[line] for f in full], [short[i][line] for i in group], limit)
            for line in (0, 1)
        ]
        labels = list(zip(*lines, strict=True))
        unique = len(set(labels)) == len(labels)
        out.update(zip(group, labels if unique else full, strict=True))
    return out


def _windows(texts: list[str], shortened: list[str], limit: int) -> list[str]:
    """The same window of each text, around where they start to differ."""
    if len(set(texts)) == 1:
        return shortened
    if all(len(t) <= limit for t in texts):
        return texts
    shortest = min(len(t) for t in texts)
    differ = next((i for i in range(shortest) if len({t[i] for t in texts}) > 1), shortest)
    start = max(0, differ - limit // 2)
    out = []
    for text in texts:
        head = "…" if start else ""
        room = limit - len(head)
        piece = text[start : start + room]
        if start + room < len(text):
            piece = piece[:-1] + "…"
        out.append(head + piece)
    return out


_DEPOSED = " (deposed "


def _label(node_id: str, limit: int | None) -> tuple[str, str]:
    base, _, deposed = node_id.partition(_DEPOSED)
    suffix = f"{_DEPOSED}{deposed}" if deposed else ""
    try:
        address = parse_address(base)
    except ValueError:
        return "", _front_cut(node_id, limit)
    steps = [f"module.{s.name}{format_key(s.key)}" for s in address.module]
    data = "data." if address.mode == "data" else ""
    name = f"{address.name}{format_key(address.key)}{suffix}"
    resource = f"{data}{address.type}.{name}"
    if limit is None:
        return ".".join(steps), resource
    module = ".".join(steps)
    for kept in (2, 1):  # the nearest steps that fit, whole
        if len(module) <= limit:
            break
        module = "…" + ".".join(steps[-kept:])
    module = _front_cut(module, limit)
    if len(resource) > limit:
        # keep the whole name (what tells resources of a type apart) and what fits of the type
        room = limit - len(name) - 2
        resource = f"{data}{address.type}"[:room] + "…." + name if room >= 6 else ""
        resource = resource or _front_cut(f"{data}{address.type}.{name}", limit)
    return module, resource


def _front_cut(text: str, limit: int | None) -> str:
    """`text`, or its last characters after an ellipsis: a name's end tells names apart."""
    if limit is None or len(text) <= limit:
        return text
    return "…" + text[len(text) - limit + 1 :]


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
