"""Findings: a score, a tier and the named components that add up to the score."""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass

from planguard.graph.model import BlastRadius
from planguard.plan.model import Action
from planguard.rules.model import ResourceClass
from planguard.source.model import Intent, SourceLocation


@functools.total_ordering
class Tier(enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Tier):
            return NotImplemented
        return self.rank < other.rank


_RANKS = {Tier.LOW: 0, Tier.MEDIUM: 1, Tier.HIGH: 2, Tier.CRITICAL: 3}


class Rule(enum.Enum):
    """What kind of finding; the stable id used by suppressions, SARIF and the JSON report."""

    DESTROY = "destroy"
    REPLACE = "replace"
    FORGET = "forget"
    HAZARD = "hazard"
    DRIFT = "drift"
    ENVIRONMENT_TEARDOWN = "environment-teardown"
    INCOMPLETE_PLAN = "incomplete-plan"


@dataclass(frozen=True, slots=True)
class ScoreComponent:
    """One named part of a score: `points` for `reason`."""

    name: str
    points: int
    reason: str


@dataclass(frozen=True, slots=True)
class HazardHit:
    id: str
    attribute: str
    summary: str
    points: int


@dataclass(frozen=True, slots=True)
class Finding:
    rule: Rule
    address: str
    """The resource (graph node id) or, for plan-level findings, the plan's name."""
    title: str
    score: int
    tier: Tier
    components: tuple[ScoreComponent, ...]
    action: Action | None = None
    resource_type: str | None = None
    resource_class: ResourceClass | None = None
    class_source: str | None = None
    """Which ruleset rule classified the type, e.g. `aws: stateful: aws_db_*`."""
    action_reason: str | None = None
    replace_paths: tuple[str, ...] = ()
    blast: BlastRadius | None = None
    root_causes: tuple[str, ...] = ()
    """The root replacements/deletions that cascade into this one."""
    hazards: tuple[HazardHit, ...] = ()
    previous_address: str | None = None
    deposed: str | None = None
    importing: bool = False
    drifted: bool = False
    location: SourceLocation | None = None
    """The resource's block in the `.tf` source; None when the source is not mapped. For a
    block the change removed, its place in the base version (`removed_at_base`)."""
    removed_at_base: bool = False
    lifecycle: tuple[str, ...] = ()
    """What the block's `lifecycle` says (`prevent_destroy = true`, …)."""
    intent: Intent | None = None
    """Whether the code change explains this destroy or replace (with `--base`)."""

    @property
    def id(self) -> str:
        return f"{self.rule.value}:{self.address}"
