"""The vocabulary every layer above the graph shares: what a finding is and how severe.

It sits below the rulesets, the source map and the scoring so that each of them can speak of a
`Tier`, a `ResourceClass` or a `SourceLocation` without importing the others.
"""

from __future__ import annotations

import enum
import functools

from planguard.graph.model import BlastRadius
from planguard.plan.model import Action, ActionReason
from planguard.records import Record


@functools.total_ordering
class Tier(enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def next(self) -> Tier:
        """One tier up (critical stays critical)."""
        return _ORDER[min(self.rank + 1, len(_ORDER) - 1)]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Tier):
            return NotImplemented
        return self.rank < other.rank


_ORDER = (Tier.LOW, Tier.MEDIUM, Tier.HIGH, Tier.CRITICAL)
_RANKS = {tier: rank for rank, tier in enumerate(_ORDER)}


class ResourceClass(enum.Enum):
    """What a resource is, as far as losing it is concerned."""

    STATEFUL = "stateful"
    ENCRYPTION = "encryption"
    IDENTITY = "identity"
    NETWORK = "network"
    DNS_EDGE = "dns_edge"
    COMPUTE = "compute"
    STATELESS = "stateless"
    UNKNOWN = "unknown"
    """No ruleset knows the type: scored as a middling risk and listed under coverage."""


class FindingKind(enum.Enum):
    """What kind of finding; the stable id (`rule` in the JSON report) that suppressions,
    SARIF and the report use."""

    DESTROY = "destroy"
    REPLACE = "replace"
    FORGET = "forget"
    HAZARD = "hazard"
    DRIFT = "drift"
    ENVIRONMENT_TEARDOWN = "environment-teardown"
    INCOMPLETE_PLAN = "incomplete-plan"
    INCONSISTENT_PLAN = "inconsistent-plan"

    @property
    def plan_level(self) -> bool:
        """About the whole plan, not one resource (its address is the plan's name)."""
        return self in _PLAN_LEVEL

    @property
    def needs_review(self) -> bool:
        """What the plan leaves out or contradicts cannot be scored: never allowed on its tier."""
        return self in (FindingKind.INCOMPLETE_PLAN, FindingKind.INCONSISTENT_PLAN)


_PLAN_LEVEL = frozenset(
    {FindingKind.ENVIRONMENT_TEARDOWN, FindingKind.INCOMPLETE_PLAN, FindingKind.INCONSISTENT_PLAN}
)


class ScoreComponent(Record, frozen=True):
    """One named part of a score: `points` for `reason`."""

    name: str
    points: int
    reason: str


class HazardHit(Record, frozen=True):
    id: str
    attribute: str
    summary: str
    points: int
    floor: Tier | None = None
    """The least tier it gives the finding on its own (a disarmed protection)."""


class SourceLocation(Record, frozen=True):
    file: str
    """Relative to the repository root (or the working directory outside a repository)."""
    line: int
    end_line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class Evidence(Record, frozen=True):
    """What the diff changed that explains a destroy, and where (None: a step in between)."""

    text: str
    location: SourceLocation | None = None


class Intent(Record, frozen=True):
    """Whether the code change explains a destroy or replace (`planguard.source.intent`)."""

    explained: bool
    reason: str
    """What explains it, or (not explained) why nothing in the diff does."""
    evidence: tuple[Evidence, ...] = ()
    chain: tuple[str, ...] = ()
    """Unexplained: the resources from what the diff did change to this one, in order."""
    escalated_from: str | None = None
    """The tier before an unexplained destroy was raised one tier."""


class Finding(Record, frozen=True):
    id: str
    """`finding_id(rule, address)`: a field, not a property, so that msgspec encodes a report's
    records as they are (`render.jsonout.report_json`); checked on construction."""
    rule: FindingKind
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
    action_reason: ActionReason | None = None
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

    def __post_init__(self) -> None:
        expected = finding_id(self.rule, self.address)
        if self.id != expected:
            raise ValueError(f"finding id {self.id!r} is not {expected!r}")


def finding_id(rule: FindingKind, address: str) -> str:
    """What names a finding in a report, a decision and a suppression: rule and address."""
    return f"{rule.value}:{address}"
