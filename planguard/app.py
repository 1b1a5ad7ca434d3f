"""Plain functions behind the CLI commands: typed options in, text and an exit code out."""

from __future__ import annotations

import difflib
import enum
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from planguard import audit
from planguard.analysis.pipeline import NamedPlan, RootAnalysis, build_report
from planguard.analysis.report import SCHEMA_VERSION, Report
from planguard.errors import ExitCode, UsageError
from planguard.findings import Finding, Tier
from planguard.gate.model import CheckDocument
from planguard.graph.dag import neighbourhood
from planguard.graph.model import GraphData
from planguard.plan.load import load_plan
from planguard.plan.roots import discover
from planguard.render.engine import render
from planguard.render.html import html_report
from planguard.render.jsonout import report_json, to_jsonable
from planguard.render.markdown import analysis_markdown
from planguard.render.sarif import sarif_log
from planguard.render.schema import json_schema
from planguard.rules.classify import Classifier
from planguard.rules.load import load_rulesets
from planguard.source.apply import SourceFacts
from planguard.source.read import read_source, source_directory

DETAILED = 10
"""Findings shown with their full score breakdown in text/markdown; the rest in one line."""
LISTED = 200


class ReportFormat(enum.Enum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    HTML = "html"


class GraphFormat(enum.Enum):
    DOT = "dot"
    JSON = "json"
    MERMAID = "mermaid"


@dataclass(frozen=True, slots=True)
class Outcome:
    text: str
    exit_code: ExitCode
    warnings: tuple[str, ...] = ()
    """Printed on stderr (e.g. what could not be delivered to GitHub)."""


@dataclass(frozen=True, slots=True)
class AnalyzeOptions:
    plans: tuple[str, ...]
    format: ReportFormat = ReportFormat.TEXT
    rulesets: tuple[str, ...] = ()
    fail_on: Tier | None = None
    terraform_bin: str = "terraform"
    color: bool = False
    source: str | None = None
    base: str | None = None


def classifier_for(rulesets: Sequence[str]) -> Classifier:
    """The built-in rulesets plus the user's."""
    return Classifier(load_rulesets(rulesets))


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """Where the `.tf` source is (`--source`, else beside the plan) and the change's base."""

    directory: str | None = None
    base: str | None = None
    cwd: Path = Path(".")


def run_analysis(
    plans: Sequence[str],
    classifier: Classifier,
    terraform_bin: str,
    source: SourceOptions | None = None,
) -> tuple[Report, tuple[RootAnalysis, ...]]:
    specs = discover(plans)
    where = source or SourceOptions()
    if where.directory is not None and len(specs) > 1:
        raise UsageError(
            "--source names one root module, and there are several plans: leave it out and"
            " each plan's own directory is read"
        )
    loaded = [
        NamedPlan(s.name, load_plan(s.path, terraform_bin), _source_facts(s.path, where))
        for s in specs
    ]
    return build_report(loaded, classifier)


def _source_facts(plan_path: str, where: SourceOptions) -> SourceFacts | None:
    directory = source_directory(plan_path, where.directory, where.cwd)
    if directory is None:
        return None
    return read_source(directory, where.base, where.cwd)


def analyze_command(opts: AnalyzeOptions) -> Outcome:
    where = SourceOptions(opts.source, opts.base, Path.cwd())
    report, _ = run_analysis(opts.plans, classifier_for(opts.rulesets), opts.terraform_bin, where)
    tripped = opts.fail_on is not None and any(f.tier >= opts.fail_on for f in report.findings)
    return Outcome(
        render_report(report, opts.format, opts.color),
        ExitCode.GATE_TRIPPED if tripped else ExitCode.OK,
    )


def render_report(report: Report, fmt: ReportFormat, color: bool = False) -> str:
    if fmt is ReportFormat.JSON:
        return report_json(report)
    if fmt is ReportFormat.MARKDOWN:
        return analysis_markdown(report)
    if fmt is ReportFormat.SARIF:
        return sarif_log(report)
    if fmt is ReportFormat.HTML:
        return html_report(report)
    return render("text.txt.j2", color=color, report=report, detailed=DETAILED, listed=LISTED)


@dataclass(frozen=True, slots=True)
class GraphOptions:
    plan: str
    format: GraphFormat = GraphFormat.DOT
    focus: str | None = None
    depth: int | None = None
    terraform_bin: str = "terraform"


def graph_command(opts: GraphOptions) -> Outcome:
    _, roots = run_analysis([opts.plan], classifier_for(()), opts.terraform_bin)
    graph = roots[0].graph
    data = graph.data
    if opts.focus is not None:
        _require_node(opts.focus, [n.id for n in data.nodes])
        data = neighbourhood(graph, opts.focus, opts.depth)
    return Outcome(render_graph(data, opts.format), ExitCode.OK)


def render_graph(data: GraphData, fmt: GraphFormat) -> str:
    if fmt is GraphFormat.JSON:
        return json.dumps(to_jsonable(data), indent=2) + "\n"
    if fmt is GraphFormat.DOT:
        return render("graph.dot.j2", graph=data)
    ids = {node.id: f"n{i}" for i, node in enumerate(data.nodes)}
    return render("graph.mmd.j2", graph=data, ids=ids)


def _require_node(address: str, known: Sequence[str]) -> None:
    if address in known:
        return
    close = difflib.get_close_matches(address, known, n=3)
    hint = (
        f" Did you mean: {', '.join(close)}?"
        if close
        else " List them with `planguard graph PLAN --format json`."
    )
    raise UsageError(f"{address!r} is not a resource in this plan.{hint}")


@dataclass(frozen=True, slots=True)
class ExplainView:
    address: str
    resource_type: str
    resource_class: str
    class_source: str | None
    action: str
    finding: Finding | None
    root_causes: tuple[str, ...]
    dependencies: tuple[str, ...]
    changing: tuple[str, ...]
    unchanged: tuple[str, ...]


def explain_command(
    plan: str, address: str, rulesets: Sequence[str], terraform_bin: str
) -> Outcome:
    classifier = classifier_for(rulesets)
    _, roots = run_analysis([plan], classifier, terraform_bin)
    root = roots[0]
    nodes = root.graph.by_id
    _require_node(address, list(nodes))
    node = nodes[address]
    finding = next((f for f in root.report.findings if f.address == address), None)
    dependents = root.graph.dependents(address)
    changing = {n.id for n in nodes.values() if n.action is not None and n.action.is_change}
    cls, rule = classifier.classify(node.type)
    view = ExplainView(
        address=address,
        resource_type=node.type,
        resource_class=cls.value,
        class_source=f"{rule.ruleset}: {rule.pattern}" if rule else "no ruleset knows this type",
        action=node.action.label if node.action else "not in the plan's changes",
        finding=finding,
        root_causes=finding.root_causes if finding else (),
        dependencies=tuple(sorted(root.graph.dependencies(address))),
        changing=tuple(sorted(dependents & changing)),
        unchanged=tuple(sorted(dependents - changing)),
    )
    return Outcome(render("explain.txt.j2", view=view), ExitCode.OK)


@dataclass(frozen=True, slots=True)
class ClassRow:
    ruleset: str
    resource_class: str
    count: int


def rules_command(rulesets: Sequence[str], as_json: bool) -> Outcome:
    loaded = load_rulesets(rulesets)
    counts = Counter((r.ruleset, r.resource_class.value) for r in loaded.classes)
    rows = [ClassRow(rs, cls, n) for (rs, cls), n in sorted(counts.items())]
    if as_json:
        body = {
            "sources": list(loaded.sources),
            "classes": to_jsonable(loaded.classes),
            "hazards": to_jsonable(loaded.hazards),
        }
        return Outcome(json.dumps(body, indent=2) + "\n", ExitCode.OK)
    text = render("rules.txt.j2", rows=rows, hazards=loaded.hazards, sources=loaded.sources)
    return Outcome(text, ExitCode.OK)


class SchemaKind(enum.Enum):
    REPORT = "report"
    CHECK = "check"


SCHEMA_FILES = {SchemaKind.REPORT: "planguard-report", SchemaKind.CHECK: "planguard-check"}


def schema_text(kind: SchemaKind) -> str:
    """The JSON Schema of `analyze --format json` or `check --format json` output."""
    record = Report if kind is SchemaKind.REPORT else CheckDocument
    title = f"planguard {kind.value} {SCHEMA_VERSION}"
    return json_schema(record, f"urn:planguard:schema:{kind.value}:{SCHEMA_VERSION}", title)


def schema_command(kind: SchemaKind) -> Outcome:
    return Outcome(schema_text(kind), ExitCode.OK)


def audit_verify_command(log: str, expect_head: str | None) -> Outcome:
    result = audit.verify(Path(log), expect_head)
    text = render("audit.txt.j2", check=result, log=log)
    return Outcome(text, ExitCode.OK if result.ok else ExitCode.GATE_TRIPPED)
