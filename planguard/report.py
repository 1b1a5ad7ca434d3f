"""The one versioned report every renderer and every delivery reads."""

from __future__ import annotations

from dataclasses import dataclass

from planguard.score.model import Finding, Tier

SCHEMA_VERSION = "1.1"


@dataclass(frozen=True, slots=True)
class ActionCount:
    action: str
    count: int


@dataclass(frozen=True, slots=True)
class TypeCount:
    type: str
    count: int


@dataclass(frozen=True, slots=True)
class PlanSummary:
    source: str
    format_version: str | None
    terraform_version: str | None
    complete: bool | None
    errored: bool | None
    applyable: bool | None
    actions: tuple[ActionCount, ...]
    existing_managed: int
    destroyed_or_replaced: int
    drifted: int
    deferred: int
    output_changes: int
    sensitive_output_changes: int
    action_invocations: int
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Coverage:
    """Which changed resource types the rulesets know; unknown ones are never called safe."""

    classified: int
    unknown: int
    unknown_types: tuple[TypeCount, ...]


@dataclass(frozen=True, slots=True)
class GraphSummary:
    nodes: int
    edges: int
    cycles: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RootReport:
    """One plan (one Terraform root / workspace)."""

    name: str
    plan: PlanSummary
    findings: tuple[Finding, ...]
    """Most severe first."""
    coverage: Coverage
    graph: GraphSummary
    tier: Tier
    score: int


@dataclass(frozen=True, slots=True)
class Report:
    schema_version: str
    planguard_version: str
    roots: tuple[RootReport, ...]
    tier: Tier
    score: int
    rulesets: tuple[str, ...]
    fingerprint: str
    """Digest of the risky change set (`gate.fingerprint`); approvals bind to it."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for root in self.roots for f in root.findings)
