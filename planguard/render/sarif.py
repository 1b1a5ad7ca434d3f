"""SARIF 2.1.0 records for code scanning, chosen from the report; `sarif.json.j2` writes them.

A finding points at the `.tf` line of its resource when the source map knows it, else at its
plan file; the resource address is always the logical location. A block the change removed is
not in the files code scanning sees, so its finding points at the plan file too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath
from urllib.parse import quote

from planguard.analysis.report import Report
from planguard.findings import FindingKind, Tier
from planguard.gate.model import Decision
from planguard.render.engine import render_template, visible
from planguard.render.view import rows_by_root

_LEVELS = {Tier.CRITICAL: "error", Tier.HIGH: "error", Tier.MEDIUM: "warning", Tier.LOW: "note"}
_SEVERITY = {
    FindingKind.DESTROY: "8.0",
    FindingKind.REPLACE: "7.0",
    FindingKind.FORGET: "5.0",
    FindingKind.HAZARD: "6.0",
    FindingKind.DRIFT: "4.0",
    FindingKind.ENVIRONMENT_TEARDOWN: "9.5",
    FindingKind.INCOMPLETE_PLAN: "7.0",
}
_TEXT = {
    FindingKind.DESTROY: ("Resource destroyed", "The plan deletes a resource."),
    FindingKind.REPLACE: ("Resource replaced", "The plan destroys a resource and creates it anew."),
    FindingKind.FORGET: (
        "Resource forgotten",
        "The plan removes a resource from state, unmanaged.",
    ),
    FindingKind.HAZARD: (
        "Hazardous change",
        "An in-place change that a ruleset marks as dangerous.",
    ),
    FindingKind.DRIFT: ("Drift", "The resource changed outside Terraform since the last apply."),
    FindingKind.ENVIRONMENT_TEARDOWN: (
        "Environment teardown",
        "The plan destroys or replaces most of what the root manages.",
    ),
    FindingKind.INCOMPLETE_PLAN: (
        "Incomplete plan",
        "The plan is partial or errored: what it will do is not fully known.",
    ),
}
HELP = (
    "planguard scores destroys and replacements by what the resource is, why it is replaced,"
    " the order of the replacement and everything that depends on it."
    " Run `planguard explain PLAN ADDRESS` for the breakdown."
)


@dataclass(frozen=True, slots=True)
class SarifRule:
    id: str
    name: str
    short: str
    full: str
    help: str
    severity: str


@dataclass(frozen=True, slots=True)
class SarifResult:
    rule_id: str
    rule_index: int
    level: str
    message: str
    uri: str
    relative: bool
    line: int
    address: str
    fingerprint: str
    tier: str
    score: int
    root: str
    suppression: str | None = None
    """The policy suppression's reason, when one applies."""


def _text(message: str) -> str:
    """SARIF message text: visible characters, and `[`/`]` escaped so no embedded link forms."""
    return visible(message).replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def sarif_log(report: Report, decision: Decision | None = None) -> str:
    """One result per finding; with a gate decision, suppressed findings say so."""
    rules = tuple(
        SarifRule(
            rule.value,
            _TEXT[rule][0].replace(" ", ""),
            _TEXT[rule][0],
            _TEXT[rule][1],
            HELP,
            _SEVERITY[rule],
        )
        for rule in FindingKind
    )
    index = {rule.value: i for i, rule in enumerate(FindingKind)}
    results = []
    for root, rows in zip(report.roots, rows_by_root(report, decision), strict=True):
        plan_uri = _artifact(root.plan.source)
        for row in rows:
            f = row.finding
            (uri, relative), line = plan_uri, 1
            if f.location is not None and not f.removed_at_base:
                (uri, relative), line = (quote(f.location.file), True), f.location.line
            digest = hashlib.sha256(f"{root.name}\n{f.id}".encode()).hexdigest()[:32]
            suppressed = row.suppression if not row.suppression_expired else None
            results.append(
                SarifResult(
                    rule_id=f.rule.value,
                    rule_index=index[f.rule.value],
                    level=_LEVELS[row.tier],
                    message=_text(f"{row.tier.value} {f.score}: {f.title} ({f.address})"),
                    uri=uri,
                    relative=relative,
                    line=line,
                    address=visible(f.address),
                    fingerprint=digest,
                    tier=row.tier.value,
                    score=f.score,
                    root=visible(root.name),
                    suppression=visible(suppressed.reason) if suppressed else None,
                )
            )
    return render_template("sarif.json.j2", report=report, rules=rules, results=tuple(results))


def _artifact(source: str) -> tuple[str, bool]:
    """A repository-relative URI when the plan path is relative, else a file URI."""
    if source == "<stdin>":
        return "stdin", True
    path = PurePosixPath(PurePath(source).as_posix())
    if path.is_absolute():
        return path.as_uri(), False
    return quote(path.as_posix()), True
