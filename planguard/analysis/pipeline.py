"""The pipeline up to the report: plan → graph → score → `Report`. Pure, no I/O."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from planguard import __version__
from planguard.analysis.report import (
    SCHEMA_VERSION,
    ActionCount,
    BlastView,
    Coverage,
    GraphSummary,
    PlanSummary,
    Report,
    RootReport,
    Tool,
    TypeCount,
    ViewEdge,
    ViewNode,
)
from planguard.findings import Finding, ResourceClass, Tier
from planguard.graph.build import build_graph_data
from planguard.graph.dag import (
    DependencyGraph,
    blast_radii,
    bounded_reach,
    dependency_graph,
    root_causes,
)
from planguard.plan.model import Action, Plan
from planguard.records import Record
from planguard.rules.classify import Classifier
from planguard.score.causes import cascade_order, lift_root_causes
from planguard.score.fingerprint import fingerprint, object_identity
from planguard.score.plan_level import (
    Census,
    census,
    incomplete_finding,
    inconsistency_finding,
    teardown_finding,
)
from planguard.score.resource import GraphFacts, may_score, score_change

if TYPE_CHECKING:
    from planguard.source.apply import Placement, SourceFacts
    from planguard.source.model import SourceSummary

BLAST_VIEW_LIMIT = 400
"""Resources in a root's blast view: enough for every picture, bounded for huge plans."""
REGISTRIES = {"registry.terraform.io/": Tool.TERRAFORM, "registry.opentofu.org/": Tool.OPENTOFU}


class NamedPlan(Record, frozen=True):
    name: str
    plan: Plan
    source: SourceFacts | None = None
    """The root's `.tf` source and code change, when the edge could read them."""


class RootAnalysis(Record, frozen=True):
    """A root's report plus the graph it was computed on (for `explain` and `graph`)."""

    report: RootReport
    graph: DependencyGraph
    objects: Mapping[str, str]
    """Destroyed objects' identity digests by node id (`score.fingerprint.object_identity`)."""


def build_report(
    plans: Sequence[NamedPlan], classifier: Classifier
) -> tuple[Report, tuple[RootAnalysis, ...]]:
    roots = tuple(root_report(p.plan, classifier, p.name, p.source) for p in plans)
    reports = tuple(r.report for r in roots)
    report = Report(
        schema_version=SCHEMA_VERSION,
        planguard_version=__version__,
        roots=reports,
        tier=max((r.tier for r in reports), default=Tier.LOW),
        score=max((r.score for r in reports), default=0),
        rulesets=classifier.rulesets.sources,
        fingerprint=fingerprint((r.report.findings, r.objects) for r in roots),
        notes=_mixed_tools(reports),
    )
    return report, roots


def root_report(
    plan: Plan, classifier: Classifier, name: str, source: SourceFacts | None = None
) -> RootAnalysis:
    graph = dependency_graph(build_graph_data(plan))
    managed = census(plan)
    summary = _summary(plan, managed)
    causes = _root_causes(plan, graph)
    placements: Mapping[str, Placement] = {}
    if source:
        # The source map's code is loaded only for a run that reads source.
        from planguard.source.apply import place  # noqa: PLC0415

        placements = place(plan.resource_changes, source, graph.chain, causes)
    findings = _findings(plan, managed, graph, classifier, causes=causes, placements=placements)
    report = RootReport(
        name=name,
        plan=summary,
        findings=findings,
        coverage=_coverage(plan, classifier),
        graph=GraphSummary(
            nodes=len(graph.data.nodes),
            edges=len(graph.data.edges),
            cycles=graph.cycles(),
            notes=graph.data.notes,
        ),
        blast_view=_blast_view(graph, findings),
        tier=max((f.tier for f in findings), default=Tier.LOW),
        score=max((f.score for f in findings), default=0),
        source=_source_summary(findings, placements, source),
    )
    objects = {
        c.node_id: identity
        for c in plan.resource_changes
        if c.action.destroys and (identity := object_identity(c)) is not None
    }
    return RootAnalysis(report, graph, objects)


def _source_summary(
    findings: Sequence[Finding], placements: Mapping[str, Placement], source: SourceFacts | None
) -> SourceSummary | None:
    if source is None:
        return None
    from planguard.source.apply import summarize  # noqa: PLC0415 (see root_report)

    return summarize(findings, placements, source)


def _root_causes(plan: Plan, graph: DependencyGraph) -> dict[str, tuple[str, ...]]:
    changes = plan.resource_changes
    destructive = [c.node_id for c in changes if c.action.destroys]
    changing = [c.node_id for c in changes if c.action.is_change]
    # A delete is never a cascade: Terraform deletes what the configuration no longer has, not
    # what depends on a replacement (a removed alias of a replaced key is its own cause).
    self_caused = [
        c.node_id
        for c in changes
        if c.action is Action.DELETE or (c.action_reason and c.action_reason.self_caused)
    ]
    return root_causes(graph, destructive, changing, self_caused)


def _findings(
    plan: Plan,
    managed: Census,
    graph: DependencyGraph,
    classifier: Classifier,
    *,
    causes: Mapping[str, tuple[str, ...]],
    placements: Mapping[str, Placement],
) -> tuple[Finding, ...]:
    """Every finding, built once with what the graph and the source say, ranked once."""
    changes = plan.resource_changes
    destructive = [c.node_id for c in changes if c.action.destroys]
    changing = [c.node_id for c in changes if c.action.is_change]
    weights = classifier.rulesets.scoring.class_weights

    def importance(node_id: str) -> tuple[int, str]:
        node = graph.by_id.get(node_id)
        return (-weights[classifier.classify(node.type if node else "")[0]], node_id)

    radii = blast_radii(graph, destructive, changing, importance)
    drifted = {d.address for d in plan.resource_drift}
    found: list[Finding] = []
    for change in changes:
        node_id = change.node_id
        placement = placements.get(node_id)
        if not may_score(change, placement):
            continue
        facts = GraphFacts(radii.get(node_id), causes.get(node_id, ()), change.address in drifted)
        finding = score_change(change, facts, classifier, placement)
        if finding is not None:
            found.append(finding)
    scoring = classifier.rulesets.scoring
    teardown = teardown_finding(managed, plan.source, lambda t: classifier.classify(t)[0], scoring)
    checks = (incomplete_finding(plan, scoring), inconsistency_finding(plan, scoring))
    for plan_finding in (teardown, *checks):
        if plan_finding is not None:
            found.append(plan_finding)
    return _ranked(lift_root_causes(found))


def _ranked(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Most severe first: tier (an unexplained destroy is raised), then score; at equal
    severity a root cause before what cascades from it."""
    return tuple(
        sorted(
            findings,
            key=lambda f: (-f.tier.rank, -f.score, cascade_order(f), f.address, f.rule.value),
        )
    )


def _summary(plan: Plan, managed: Census) -> PlanSummary:
    by_action = Counter(c.action for c in plan.resource_changes)
    counts = {action.value: n for action, n in by_action.items()}
    return PlanSummary(
        source=plan.source,
        format_version=plan.format_version,
        terraform_version=plan.terraform_version,
        tool=_tool(plan),
        complete=plan.complete,
        errored=plan.errored,
        applyable=plan.applyable,
        actions=tuple(ActionCount(a, n) for a, n in sorted(counts.items())),
        existing_managed=len(managed.existing),
        destroyed_or_replaced=len(managed.destroyed),
        drifted=len(plan.resource_drift),
        deferred=len(plan.deferred),
        output_changes=sum(1 for o in plan.output_changes if o.action.is_change),
        sensitive_output_changes=sum(
            1 for o in plan.output_changes if o.action.is_change and o.sensitive
        ),
        action_invocations=plan.action_invocations,
        warnings=plan.warnings,
    )


def _coverage(plan: Plan, classifier: Classifier) -> Coverage:
    unknown: Counter[str] = Counter()
    classified = 0
    for change in plan.resource_changes:
        if change.mode != "managed" or not change.action.is_change:
            continue
        if classifier.classify(change.type)[0] is ResourceClass.UNKNOWN:
            unknown[change.type] += 1
        else:
            classified += 1
    return Coverage(
        classified=classified,
        unknown=sum(unknown.values()),
        unknown_types=tuple(TypeCount(t, n) for t, n in sorted(unknown.items())),
    )


def _tool(plan: Plan) -> Tool:
    for change in plan.resource_changes:
        for prefix, tool in REGISTRIES.items():
            if change.provider_name.startswith(prefix):
                return tool
    return Tool.UNKNOWN


def _mixed_tools(roots: Sequence[RootReport]) -> tuple[str, ...]:
    """Say so when the roots were planned by different tools or versions."""
    made_by = {(r.plan.tool, r.plan.terraform_version) for r in roots}
    if len(made_by) < 2:
        return ()
    parts = [
        f"{r.name}: {r.plan.tool.value} {r.plan.terraform_version or '(no version)'}" for r in roots
    ]
    return ("the roots were planned by different tools or versions: " + "; ".join(parts),)


def _blast_view(graph: DependencyGraph, findings: Sequence[Finding]) -> BlastView:
    """Each destructive finding's resource and its dependents, most severe first."""
    nodes = graph.by_id
    own = {f.address: f.tier for f in findings if f.address in nodes}
    starts = [f.address for f in findings if f.action is not None and f.action.destroys]
    reached, edges, complete = bounded_reach(graph, starts, BLAST_VIEW_LIMIT)
    return BlastView(
        nodes=tuple(
            ViewNode(
                id=r.node,
                type=nodes[r.node].type,
                action=nodes[r.node].action,
                tier=own.get(r.node),
                exposed_to=r.start,
                exposure=own[r.start],
                depth=r.depth,
            )
            for r in reached
        ),
        edges=tuple(ViewEdge(a, b) for a, b in edges),
        complete=complete,
    )
