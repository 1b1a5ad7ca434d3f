"""What the human-facing outputs show, chosen once from the report (and the gate's decision).

Pure and bounded: the work here depends on the number of findings shown, never on plan size
beyond one pass over the findings.
"""

from __future__ import annotations

from collections.abc import Sequence

from planguard.analysis.report import ActionCount, Report, RootReport, ViewNode
from planguard.findings import Finding, Tier
from planguard.gate.model import Decision, GateItem
from planguard.plan.model import Action
from planguard.policy.model import GateAction, Suppression
from planguard.records import Record

TOP_RISKS = 5
LISTED = 100
"""Rows per root in a markdown table (all of them are in the JSON report)."""
DETAILED = TOP_RISKS
"""Score breakdowns in markdown: the top causes' (every one is in the JSON report)."""
PICTURED_STARTS = 3
NODES_PER_START = 10
PICTURE_NODES = 30


class Row(Record, frozen=True):
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


class Listed(Record, frozen=True):
    """A row as a list of findings shows it: a cascade member on one line, under its cause
    when that is listed too; a cause (or a finding on its own) with its detail."""

    row: Row
    causes: tuple[str, ...]
    """The root causes it cascades from (never itself); empty: not a cascade member."""
    grouped: bool
    """Shown right under its cause."""
    detailed: bool = False
    """Shown with its score breakdown (text): one of the first causes."""
    show_class: bool = False
    """The first detailed finding of its resource type: the class line is not repeated."""

    @property
    def finding(self) -> Finding:
        return self.row.finding

    @property
    def member(self) -> bool:
        return bool(self.causes)


class RootSection(Record, frozen=True):
    root: RootReport
    rows: tuple[Listed, ...]
    """Bounded to `LISTED`: most severe first, each cascade under its cause."""
    more: int


class PlanCounts(Record, frozen=True):
    """A plan's changes counted the way Terraform's `Plan:` line counts them."""

    add: int
    change: int
    destroy: int
    forget: int
    roots: int = 1

    @property
    def line(self) -> str:
        """`Plan: 1 to add, 0 to change, 1 to destroy.` as Terraform prints it (a replacement
        is one add and one destroy). Forgets as OpenTofu 1.7+ adds them, only when there are
        any (Terraform leaves them out); imports are not counted in a report, so never shown."""
        forget = f", {self.forget} to forget" if self.forget else ""
        add, change, destroy = self.add, self.change, self.destroy
        text = f"Plan: {add} to add, {change} to change, {destroy} to destroy{forget}."
        return text if self.roots == 1 else f"{text} ({self.roots} roots)"


class TopCause(Record, frozen=True):
    """The first finding, as the reports lead with it."""

    root: str
    finding: Finding
    what: str
    """The resource, or "the whole plan" for a plan-level finding."""
    summary: str
    """What happens and why, in words: the action and the reason, or the finding's title."""
    cascaded: int
    """How many other findings of its root cascade from it."""
    causes: tuple[str, ...]
    """What it cascades from itself (rare: a member worse than any cause)."""


class PictureNode(Record, frozen=True):
    key: str
    """The mermaid node id (`n0`, `n1`, …)."""
    label: str
    action: str
    exposure: Tier
    destroyed: bool


class Picture(Record, frozen=True):
    """A mermaid diagram of the worst findings' blast radius, bounded in nodes."""

    nodes: tuple[PictureNode, ...]
    edges: tuple[tuple[str, str], ...]
    partial: bool
    """The bound left out some resources of the pictured radii (the JSON report has them)."""


class ReportView(Record, frozen=True):
    report: Report
    top: tuple[Listed, ...]
    sections: tuple[RootSection, ...]
    detailed: tuple[Row, ...]
    """The score breakdowns shown: causes and findings on their own (a member's is in JSON)."""
    picture: Picture | None
    plan: PlanCounts
    cause: TopCause | None


def report_view(
    report: Report, decision: Decision | None = None, listed: int = LISTED
) -> ReportView:
    per_root = rows_by_root(report, decision)
    ranked = sorted((r for rows in per_root for r in rows), key=rank_key)
    sections = tuple(
        RootSection(
            root,
            tuple(listing(sorted(rows, key=rank_key))[:listed]),
            max(len(rows) - listed, 0),
        )
        for root, rows in zip(report.roots, per_root, strict=True)
    )
    return ReportView(
        report=report,
        top=tuple(listing(ranked[:TOP_RISKS], detailed=TOP_RISKS)),
        sections=sections,
        detailed=tuple(r for r in ranked if not cascade_causes(r.finding))[:DETAILED],
        picture=_picture(report, ranked),
        plan=plan_counts(report),
        cause=top_cause(report),
    )


def text_sections(report: Report, detailed: int, listed: int) -> tuple[RootSection, ...]:
    """Each root's findings in the report's order (root cause first), cascades under their
    causes, the first `detailed` causes marked for a breakdown, at most `listed` shown."""
    sections = []
    for root in report.roots:
        rows = listing([Row(root.name, f, f.tier) for f in root.findings], detailed)
        sections.append(RootSection(root, tuple(rows[:listed]), max(len(rows) - listed, 0)))
    return tuple(sections)


def cascade_causes(finding: Finding) -> tuple[str, ...]:
    """The root causes a finding cascades from; empty for a cause or a finding on its own."""
    return tuple(c for c in finding.root_causes if c != finding.address)


def listing(rows: Sequence[Row], detailed: int = 0) -> list[Listed]:
    """`rows` in order, each cascade member moved right under the first of its causes that is
    listed (a cause is lifted to the worst of its cascade, so it ranks at least as high). The
    first `detailed` findings that are not members are marked for a full breakdown."""
    heads = {(r.root, r.finding.address) for r in rows if not cascade_causes(r.finding)}
    order: list[tuple[Row, tuple[str, ...], bool]] = []
    under: dict[tuple[str, str], list[tuple[Row, tuple[str, ...], bool]]] = {}
    for row in rows:
        causes = cascade_causes(row.finding)
        cause = next((c for c in causes if (row.root, c) in heads), None)
        if cause is None:
            order.append((row, causes, False))
        else:
            under.setdefault((row.root, cause), []).append((row, causes, True))
    out: list[Listed] = []
    typed: set[tuple[str, str]] = set()
    for head in order:
        row = head[0]
        for item, causes, grouped in (head, *under.pop((row.root, row.finding.address), ())):
            detail = not causes and detailed > 0
            if detail:
                detailed -= 1
            kind = (item.root, item.finding.resource_type or "")
            show_class = detail and kind not in typed and item.finding.resource_class is not None
            if show_class:
                typed.add(kind)
            out.append(Listed(item, causes, grouped, detail, show_class))
    return out


def shown_address(finding: Finding) -> str:
    """The resource, or "the whole plan": a plan-level finding's address is the plan's file
    name, not a resource."""
    return "the whole plan" if finding.rule.plan_level else finding.address


def reason_words(finding: Finding) -> str | None:
    """Why Terraform replaces or deletes, in the words of the rulesets (the `reason`
    component), without the forcing attributes the reports list on their own; None when the
    plan gives no reason."""
    text = next((c.reason for c in finding.components if c.name == "reason"), None)
    if text is None:
        return str(finding.action_reason) if finding.action_reason else None
    forced = f" (forced by {', '.join(finding.replace_paths)})"
    return text[: -len(forced)] if finding.replace_paths and text.endswith(forced) else text


def why_words(finding: Finding) -> str:
    """Why, in words: the reason and what forced it (`<why>, forced by <paths>`), or the
    finding's title when the plan gives no reason."""
    words = reason_words(finding)
    if not words:
        return finding.title
    paths = finding.replace_paths
    if paths:
        more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
        words += f", forced by {', '.join(paths[:3])}{more}"
    return words


def summary_words(finding: Finding) -> str:
    """What happens and why, in words: `replace (delete first): <why>`, or the title."""
    if finding.action is None or not reason_words(finding):
        return finding.title
    return f"{finding.action.label}: {why_words(finding)}"


def plan_counts(report: Report) -> PlanCounts:
    add = change = destroy = forget = 0
    for root in report.roots:
        for count in root.plan.actions:
            a, c, d, f = _counted(count)
            add, change, destroy, forget = add + a, change + c, destroy + d, forget + f
    return PlanCounts(add, change, destroy, forget, max(len(report.roots), 1))


def _counted(count: ActionCount) -> tuple[int, int, int, int]:
    """(add, change, destroy, forget) of one action's count; no-op and read are not counted."""
    try:
        action = Action(count.action)
    except ValueError:
        return 0, 0, 0, 0
    n = count.count
    return (
        n if action in _ADDS else 0,
        n if action is Action.UPDATE else 0,
        n if action.destroys else 0,
        n if action in (Action.FORGET, Action.CREATE_FORGET) else 0,
    )


_ADDS = frozenset(
    {
        Action.CREATE,
        Action.REPLACE_DELETE_FIRST,
        Action.REPLACE_CREATE_FIRST,
        Action.CREATE_FORGET,
    }
)


def top_cause(report: Report) -> TopCause | None:
    """The first finding of the root whose first finding is the most severe (each root's
    findings are ranked root cause first)."""
    firsts = [(root, root.findings[0]) for root in report.roots if root.findings]
    if not firsts:
        return None
    root, finding = min(firsts, key=lambda pair: (-pair[1].tier.rank, -pair[1].score))
    cascaded = sum(1 for f in root.findings if finding.address in cascade_causes(f))
    return TopCause(
        root=root.name,
        finding=finding,
        what=shown_address(finding),
        summary=summary_words(finding),
        cascaded=cascaded,
        causes=cascade_causes(finding),
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
