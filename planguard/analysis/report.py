"""The one versioned report every renderer and every delivery reads."""

from __future__ import annotations

import enum

from planguard.findings import Finding, Tier
from planguard.plan.model import Action
from planguard.records import Record
from planguard.source.model import SourceSummary

SCHEMA_VERSION = "1.3"


class Tool(enum.Enum):
    """What made the plan, told by its providers' registry (the version field is shared)."""

    TERRAFORM = "terraform"
    OPENTOFU = "opentofu"
    UNKNOWN = "unknown"
    """No provider from a known registry: Terraform or OpenTofu."""

    @property
    def label(self) -> str:
        return {"terraform": "Terraform", "opentofu": "OpenTofu"}.get(
            self.value, "Terraform or OpenTofu"
        )


class ActionCount(Record, frozen=True):
    action: str
    count: int


class TypeCount(Record, frozen=True):
    type: str
    count: int


class PlanSummary(Record, frozen=True):
    source: str
    format_version: str | None
    terraform_version: str | None
    tool: Tool
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


class Coverage(Record, frozen=True):
    """Which changed resource types the rulesets know; unknown ones are never called safe."""

    classified: int
    unknown: int
    unknown_types: tuple[TypeCount, ...]


class GraphSummary(Record, frozen=True):
    nodes: int
    edges: int
    cycles: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...]


class ViewNode(Record, frozen=True):
    """A resource in the blast view: its own finding's tier, and whose radius it is in."""

    id: str
    type: str
    action: Action | None
    tier: Tier | None
    """Its own finding's tier; None when it has no finding."""
    exposed_to: str
    """The most severe finding's resource whose blast radius reaches it (itself for a start)."""
    exposure: Tier
    """That finding's tier: how a picture shades this node."""
    depth: int
    """Dependency edges from `exposed_to`."""


class ViewEdge(Record, frozen=True):
    dependency: str
    dependent: str


class BlastView(Record, frozen=True):
    """The part of the graph the findings touch: each destructive finding's resource and
    everything depending on it, most severe first, bounded so pictures stay readable."""

    nodes: tuple[ViewNode, ...]
    edges: tuple[ViewEdge, ...]
    complete: bool
    """False when the bound left out resources in some blast radius (the JSON has them all)."""


class RootReport(Record, frozen=True):
    """One plan (one Terraform root / workspace)."""

    name: str
    """Unique among the report's roots: given (`NAME=PATH`) or derived from the path."""
    plan: PlanSummary
    findings: tuple[Finding, ...]
    """Most severe first."""
    coverage: Coverage
    graph: GraphSummary
    blast_view: BlastView
    tier: Tier
    score: int
    source: SourceSummary | None = None
    """The `.tf` source read for file:line and the intent check; None when none was found."""


class Report(Record, frozen=True):
    schema_version: str
    planguard_version: str
    roots: tuple[RootReport, ...]
    tier: Tier
    score: int
    rulesets: tuple[str, ...]
    fingerprint: str
    """Digest of the risky change set (`score.fingerprint`); approvals bind to it."""
    notes: tuple[str, ...] = ()
    """Report-wide observations, e.g. roots planned by different tools or versions."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for root in self.roots for f in root.findings)
