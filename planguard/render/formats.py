"""The one entry to every output format: a report (and the gate's decision, after a check)
rendered as text, JSON, markdown, SARIF or HTML; a dependency graph as DOT, JSON or mermaid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from planguard.analysis.report import SCHEMA_VERSION, Report
from planguard.graph.model import GraphData
from planguard.render.choices import Format, GraphFormat

if TYPE_CHECKING:
    from planguard.gate.model import Decision
from planguard.render.jsonout import json_text, report_json

DETAILED = 3
"""At most this many causes (and findings on their own) are shown with their score breakdown
in text, fewer when that is what keeps the report on one screen; the rest, and every cascade
member, in one line (`planguard explain`, JSON and HTML have every breakdown)."""
LISTED = 20
"""Findings listed per root in text (the JSON report has all of them)."""
SCREEN = 40
"""Lines of text the report aims to fit in: what an on-call engineer reads at a glance."""


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
    trusted configuration came from; `plans`: as given, for the commands the output suggests).

    Each renderer is imported when its format is asked for: a JSON report never loads jinja2
    or compiles a template, and start-up is most of a small plan's run (docs/benchmarks.md).
    """
    if fmt is Format.SARIF:
        from planguard.render.sarif import sarif_log  # noqa: PLC0415

        return sarif_log(report, decision)
    if fmt is Format.HTML:
        from planguard.render.html import html_report  # noqa: PLC0415

        return html_report(report, decision)
    if fmt is Format.JSON:
        if decision is None:
            return report_json(report)
        from planguard.gate.model import CheckDocument  # noqa: PLC0415

        document = CheckDocument(SCHEMA_VERSION, decision, tuple(notes), report)
        return json_text(document)
    if fmt is Format.MARKDOWN:
        from planguard.render.markdown import analysis_markdown, check_markdown  # noqa: PLC0415

        if decision is None:
            return analysis_markdown(report)
        return check_markdown(report, decision, notes=notes, plans=plans)
    if decision is None:
        return text_report(report, color)
    from planguard.render.engine import render_template  # noqa: PLC0415
    from planguard.render.view import plan_counts, top_cause  # noqa: PLC0415

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
    from planguard.render.engine import render_template  # noqa: PLC0415
    from planguard.render.view import plan_counts, text_sections, top_cause  # noqa: PLC0415

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
        return json_text(data)
    from planguard.render.engine import render_template  # noqa: PLC0415

    if fmt is GraphFormat.DOT:
        return render_template("graph.dot.j2", graph=data)
    ids = {node.id: f"n{i}" for i, node in enumerate(data.nodes)}
    return render_template("graph.mmd.j2", graph=data, ids=ids)
