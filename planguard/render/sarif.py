"""SARIF 2.1.0 for code scanning: a JSON document built from the report.

A finding points at the `.tf` line of its resource when the source map knows it, else at its
plan file; the resource address is always the logical location. A block the change removed is
not in the files code scanning sees, so its finding points at the plan file too.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePath, PurePosixPath
from urllib.parse import quote

from planguard.analysis.report import Report
from planguard.findings import FindingKind, Tier
from planguard.gate.model import Decision
from planguard.render.jsonout import JSON
from planguard.render.terminal import visible
from planguard.render.view import Row, rows_by_root

_LEVELS = {Tier.CRITICAL: "error", Tier.HIGH: "error", Tier.MEDIUM: "warning", Tier.LOW: "note"}
_SEVERITY = {
    FindingKind.DESTROY: "8.0",
    FindingKind.REPLACE: "7.0",
    FindingKind.FORGET: "5.0",
    FindingKind.HAZARD: "6.0",
    FindingKind.DRIFT: "4.0",
    FindingKind.ENVIRONMENT_TEARDOWN: "9.5",
    FindingKind.INCOMPLETE_PLAN: "7.0",
    FindingKind.INCONSISTENT_PLAN: "8.0",
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
    FindingKind.INCONSISTENT_PLAN: (
        "Inconsistent plan",
        "The plan contradicts itself, as a hand-edited plan does: what it will do is not known.",
    ),
}
HELP = (
    "planguard scores destroys and replacements by what the resource is, why it is replaced,"
    " the order of the replacement and everything that depends on it."
    " Run `planguard explain PLAN ADDRESS` for the breakdown."
)


_RULE_INDEX = {kind: index for index, kind in enumerate(FindingKind)}
_ONE_LINE = frozenset(
    {
        "shortDescription",
        "fullDescription",
        "help",
        "defaultConfiguration",
        "properties",
        "automationDetails",
        "message",
        "artifactLocation",
        "region",
        "logicalLocations",
        "partialFingerprints",
        "suppressions",
    }
)
"""Members written on one line, as planguard always wrote them: small leaves, so a result
reads as a dozen lines and two logs diff line by line."""


def _text(message: str) -> str:
    """SARIF message text: visible characters, and `[`/`]` escaped so no embedded link forms."""
    return visible(message).replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def sarif_log(report: Report, decision: Decision | None = None) -> str:
    """One result per finding; with a gate decision, suppressed findings say so."""
    run: JSON = {
        "tool": {
            "driver": {
                "name": "planguard",
                "version": report.planguard_version,
                "semanticVersion": report.planguard_version,
                "informationUri": "https://pypi.org/project/planguard/",
                "rules": [_rule(kind) for kind in FindingKind],
            }
        },
        "automationDetails": {"id": "planguard/"},
        "columnKind": "unicodeCodePoints",
        "results": _results(report, decision),
    }
    log: JSON = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }
    return _layout(log) + "\n"


def _rule(kind: FindingKind) -> JSON:
    title, description = _TEXT[kind]
    return {
        "id": kind.value,
        "name": title.replace(" ", ""),
        "shortDescription": {"text": title},
        "fullDescription": {"text": description},
        "help": {"text": HELP},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["terraform", "blast-radius"], "security-severity": _SEVERITY[kind]},
    }


def _results(report: Report, decision: Decision | None) -> list[JSON]:
    results: list[JSON] = []
    for root, rows in zip(report.roots, rows_by_root(report, decision), strict=True):
        plan = _artifact(root.plan.source)
        results.extend(_result(row, plan) for row in rows)
    return results


def _result(row: Row, plan: tuple[str, bool]) -> JSON:
    """A finding located at its `.tf` line when known, else at line 1 of its plan file."""
    f = row.finding
    (uri, relative), line = plan, 1
    if f.location is not None and not f.removed_at_base:
        (uri, relative), line = (quote(f.location.file), True), f.location.line
    artifact: dict[str, JSON] = {"uri": uri}
    if relative:
        artifact["uriBaseId"] = "%SRCROOT%"
    digest = hashlib.sha256(f"{row.root}\n{f.id}".encode()).hexdigest()[:32]
    result: dict[str, JSON] = {
        "ruleId": f.rule.value,
        "ruleIndex": _RULE_INDEX[f.rule],
        "level": _LEVELS[row.tier],
        "message": {"text": _text(f"{row.tier.value} {f.score}: {f.title} ({f.address})")},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": artifact, "region": {"startLine": line}},
                "logicalLocations": [
                    {"fullyQualifiedName": visible(f.address), "kind": "resource"}
                ],
            }
        ],
        "partialFingerprints": {"planguardFinding/v1": digest},
    }
    suppression = row.suppression if not row.suppression_expired else None
    justification = visible(suppression.reason) if suppression else ""
    if justification:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": justification}
        ]
    result["properties"] = {"tier": row.tier.value, "score": f.score, "root": visible(row.root)}
    return result


def _layout(value: JSON, key: str = "", depth: int = 0) -> str:
    """JSON with one member per line, except the `_ONE_LINE` members (all escaping is json's)."""
    if key in _ONE_LINE or not isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, dict):
        members = [f"{json.dumps(k)}: {_layout(v, k, depth + 1)}" for k, v in value.items()]
        opening, closing = "{", "}"
    else:
        members = [_layout(v, "", depth + 1) for v in value]
        opening, closing = "[", "]"
    inner, outer = "  " * (depth + 1), "  " * depth
    return opening + ",".join(f"\n{inner}{m}" for m in members) + f"\n{outer}{closing}"


def _artifact(source: str) -> tuple[str, bool]:
    """A repository-relative URI when the plan path is relative, else a file URI."""
    if source == "<stdin>":
        return "stdin", True
    path = PurePosixPath(PurePath(source).as_posix())
    if path.is_absolute():
        return path.as_uri(), False
    return quote(path.as_posix()), True
