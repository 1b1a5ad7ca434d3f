"""Typed records of the rulesets after validation."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping

from planguard.findings import ResourceClass, Tier
from planguard.plan.model import Action, ActionReason, AttributePath
from planguard.records import Record

_GLOB = re.compile(r"[*?[]")

Scalar = bool | int | float | str


class HazardWhen(enum.Enum):
    CHANGED_TO = "changed_to"
    """After the change the attribute equals the value, and before it did not."""
    DESTROYED_WITH = "destroyed_with"
    """The object is destroyed or replaced while its current value equals the value."""
    FORCES_REPLACEMENT = "forces_replacement"
    """The attribute is (under) one of the change's `replace_paths`."""
    DESTROYED = "destroyed"
    """The object is destroyed or replaced, whatever its values: what that means for this type
    (a KMS key is deleted only after its deletion window)."""
    LOWERED = "lowered"
    """A number goes down (a retention, a deletion window); the value is not used."""

    def can_fire(self, action: Action) -> bool:
        """Whether a hazard of this kind can fire on `action` at all, whatever the values."""
        if self is HazardWhen.FORCES_REPLACEMENT:
            return action.is_replace
        if self is HazardWhen.DESTROYED or self is HazardWhen.DESTROYED_WITH:
            return action.destroys
        return action is Action.UPDATE or action.is_replace  # LOWERED, CHANGED_TO


class ClassRule(Record, frozen=True):
    pattern: str
    resource_class: ResourceClass
    ruleset: str
    user: bool
    """From a `--ruleset` file: user rules win over the built-in ones."""


class Hazard(Record, frozen=True):
    id: str
    types: tuple[str, ...]
    attribute: AttributePath
    when: HazardWhen
    value: Scalar | None
    points: int
    summary: str
    ruleset: str
    floor: Tier | None = None
    """The least tier a finding it trips gets, whatever its points: disarming a protection is
    a precursor of data loss, high on its own (`floor: high`)."""

    @property
    def by_name(self) -> bool:
        """The attribute is a name pattern (`*deletion_protection*`), for any provider."""
        return _GLOB.search(str(self.attribute[0])) is not None


class Reason(Record, frozen=True):
    """What one `action_reason` scores, and what it means in words."""

    points: int
    means: str


class Scoring(Record, frozen=True):
    """Every weight of the scoring formula (see docs/scoring.md)."""

    class_weights: Mapping[ResourceClass, int]
    action_points: Mapping[str, int]
    """Keyed by `Action.name.lower()`: delete, replace_delete_first, …"""
    reasons: Mapping[ActionReason, Reason]
    """Terraform's `action_reason`s the rulesets know (others score 0, shown as written)."""
    data_loss_points: int
    downtime_points: int
    drift_points: int
    blast_points_per_doubling: int
    blast_points_max: int
    tier_thresholds: Mapping[Tier, int]
    """Lowest score of the tiers medium, high and critical."""
    teardown_share: float
    teardown_min_existing: int
    teardown_min_destroyed: float = 4.0
    """Fewer (weighted) destroys than this is no teardown, whatever the share."""
    teardown_class_weights: Mapping[ResourceClass, float] | None = None
    """How much one destroyed object of a class counts toward a teardown (default 1)."""
    create_first_class_share: float = 1.0
    """The share of a class's points a create-first replacement scores: nothing is ever
    missing, so less than delete-first (data loss is scored in full, separately)."""
    unexplained_escalates_from: Tier = Tier.HIGH
    """Lowest tier that an unexplained destroy raises one tier."""


class Rulesets(Record, frozen=True):
    classes: tuple[ClassRule, ...]
    hazards: tuple[Hazard, ...]
    scoring: Scoring
    sources: tuple[str, ...]
