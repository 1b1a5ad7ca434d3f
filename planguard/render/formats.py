"""The one entry to every output format: a report (and the gate's decision, after a check)
rendered as text, JSON, markdown, SARIF or HTML; a dependency graph as DOT, JSON or mermaid."""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence

from planguard.analysis.report import SCHEMA_VERSION, Report
from planguard.gate.model import CheckDocument, Decision
from planguard.graph.model import GraphData
from planguard.render.engine import render_template
from planguard.render.html import html_report
from planguard.render.jsonout import report_json, to_jsonable
from planguard.render.markdown import analysis_markdown, check_markdown
from planguard.render.sarif import sarif_log
from planguard.render.view import plan_counts, text_sections, top_cause

DETAILED = 3
"""At most this many causes (and findings on their own) are shown with their score breakdown
in text, fewer when that is what keeps the report on one screen; the rest, and every cascade
member, in one line (`planguard explain`, JSON and HTML have every breakdown)."""
LISTED = 20
"""Findings listed per root in text (the JSON report has all of them)."""
SCREEN = 40
"""Lines of text the report aims to fit in: what an on-call engineer reads at a glance."""


class Format(enum.Enum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    HTML = "html"


class GraphFormat(enum.Enum):
    DOT = "dot"
    JSON = "json"
    MERMAID = "mermaid"


def render(
    fmt: Format,
    report: Report,
    decision: Decision | None = None,
    *,
    notes: Sequence[str] = (),
    plans: Sequence[str] = (),
    color: bool = False,
) -> str:
    """`analyze` output without a decision, `check` output with one (`notes`: where the
    trusted configuration came from; `plans`: as given, for the commands the output suggests)."""
    if fmt is Format.SARIF:
        return sarif_log(report, decision)
    if fmt is Format.HTML:
        return html_report(report, decision)
    if decision is None:
        if fmt is Format.JSON:
            return report_json(report)
        if fmt is Format.MARKDOWN:
            return analysis_markdown(report)
        return text_report(report, color)
    if fmt is Format.JSON:
        document = CheckDocument(SCHEMA_VERSION, decision, tuple(notes), report)
        return json.dumps(to_jsonable(document), indent=2) + "\n"
    if fmt is Format.MARKDOWN:
        return check_markdown(report, decision, notes=notes, plans=plans)
    return render_template(
        "check.txt.j2",
        color=color,
        decision=decision,
        report=report,
        notes=notes,
        plans=plans,
        plan=plan_counts(report),
        cause=top_cause(report),
    )


def text_report(report: Report, color: bool = False) -> str:
    """The terminal report with as many breakdowns as fit on one screen (at least one)."""
    plan, cause = plan_counts(report), top_cause(report)
    for detailed in range(DETAILED, 0, -1):
        text = render_template(
            "text.txt.j2",
            color=color,
            report=report,
            sections=text_sections(report, detailed, LISTED),
            plan=plan,
            cause=cause,
        )
        if text.count("\n") <= SCREEN:
            break
    return text


def render_graph(data: GraphData, fmt: GraphFormat) -> str:
    if fmt is GraphFormat.JSON:
        return json.dumps(to_jsonable(data), indent=2) + "\n"
    if fmt is GraphFormat.DOT:
        return render_template("graph.dot.j2", graph=data)
    ids = {node.id: f"n{i}" for i, node in enumerate(data.nodes)}
    return render_template("graph.mmd.j2", graph=data, ids=ids)
