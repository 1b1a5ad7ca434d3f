"""Markdown documents built part by part, most important first, within a character budget.

The verdict, who must approve and the single highest risk are required parts: they are never
cut. Everything after them is kept while it fits; the rest is named in a note.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from planguard.analysis.report import Report
from planguard.findings import Tier
from planguard.gate.model import Decision
from planguard.records import Record
from planguard.render.budget import COMMENT_BUDGET, Part, assemble, characters
from planguard.render.engine import macro, md_code
from planguard.render.view import ReportView, cascade_causes, report_view

_TEMPLATE = "report.md.j2"


def _part(title: str, name: str, required: bool = False, **arguments: object) -> Part:
    return Part(title, macro(_TEMPLATE, name, **arguments), required)


class InlineOutside(Record, frozen=True):
    """A high or critical finding not commented inline on the PR, and where it is instead."""

    address: str
    tier: Tier
    where: str


class GitHubContext(Record, frozen=True):
    """What the PR comment and the job summary add to the check's markdown."""

    root: str
    head_sha: str
    started_at: str
    refused: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    """Shown in the job summary only (the comment is one of the deliveries)."""
    summary: bool = False
    inline: int | None = None
    """High/critical findings commented inline on their `.tf` lines; None: no inline review."""
    outside: tuple[InlineOutside, ...] = ()
    """High/critical findings not commented inline, with where they are."""


def analysis_markdown(report: Report, budget: int = COMMENT_BUDGET) -> str:
    view = report_view(report)
    parts = [
        _part("the header", "analysis_head", True, report=report, plan=view.plan, cause=view.cause)
    ]
    parts += _findings_parts(view, policy=False)
    parts.append(_breakdowns(view))
    return assemble(parts, budget, "`planguard analyze --format json`")


def check_markdown(
    report: Report,
    decision: Decision,
    *,
    notes: Sequence[str],
    plans: Sequence[str],
    github: GitHubContext | None = None,
    budget: int = COMMENT_BUDGET,
    measure: Callable[[str], int] = characters,
) -> str:
    view = report_view(report, decision)
    head_sha = github.head_sha if github else ""
    parts = [
        _part(
            "the verdict",
            "verdict",
            True,
            decision=decision,
            report=report,
            plan=view.plan,
            cause=view.cause,
        ),
        _part("the approvals", "approvals", True, decision=decision),
        _part("what to do", "what_to_do", True, decision=decision, plans=plans, head_sha=head_sha),
    ]
    if github is not None:
        problems = github.problems if github.summary else ()
        parts.append(_part("delivery", "delivery", True, refused=github.refused, problems=problems))
        if github.inline is not None:
            parts.append(
                _part("inline review", "inline", True, count=github.inline, outside=github.outside)
            )
    parts += _findings_parts(view, policy=True)
    parts += [
        _part("why this verdict", "why", decision=decision, notes=notes),
        _part("the Terraform source", "source_notes", report=report),
        _breakdowns(view),
    ]
    where = "the JSON report (`--format json`; on GitHub, the job summary and `report` output)"
    if github is None:
        return assemble(parts, budget, where, measure)
    footer = macro(
        _TEMPLATE,
        "footer",
        root=github.root,
        head_sha=github.head_sha,
        started_at=github.started_at,
        summary=github.summary,
    )
    return assemble(parts, budget - measure(footer), where, measure) + footer


def _breakdowns(view: ReportView) -> Part:
    cascades = any(cascade_causes(f) for f in view.report.findings)
    return _part(
        "score breakdowns", "breakdowns", rows=view.detailed, multi=_multi(view), cascades=cascades
    )


def _multi(view: ReportView) -> bool:
    return len(view.report.roots) > 1


def _findings_parts(view: ReportView, *, policy: bool) -> list[Part]:
    multi = _multi(view)
    parts = [_part("top risks", "risks_heading", True, count=len(view.top))]
    for index, item in enumerate(view.top, start=1):
        parts.append(
            _part(f"top risk {index}", "risk", index == 1, item=item, index=index, multi=multi)
        )
    if view.picture is not None:
        parts.append(_part("the blast-radius diagram", "picture", pic=view.picture))
    for section in view.sections:
        name = md_code(section.root.name)  # a note is markdown too: names stay inert
        title = f"the findings of root {name}" if multi else "the findings table"
        parts.append(_part(title, "root_section", section=section, policy=policy, multi=multi))
    return parts
