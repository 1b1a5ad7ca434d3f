"""Typed records of the rulesets after validation."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from planguard.findings import ResourceClass, Tier
from planguard.plan.model import ActionReason, AttributePath

Scalar = bool | int | float | str


class HazardWhen(enum.Enum):
    CHANGED_TO = "changed_to"
    """After the change the attribute equals the value, and before it did not."""
    DESTROYED_WITH = "destroyed_with"
    """The object is destroyed or replaced while its current value equals the value."""
    FORCES_REPLACEMENT = "forces_replacement"
    """The attribute is (under) one of the change's `replace_paths`."""


@dataclass(frozen=True, slots=True)
class ClassRule:
    pattern: str
    resource_class: ResourceClass
    ruleset: str
    user: bool
    """From a `--ruleset` file: user rules win over the built-in ones."""


@dataclass(frozen=True, slots=True)
class Hazard:
    id: str
    types: tuple[str, ...]
    attribute: AttributePath
    when: HazardWhen
    value: Scalar | None
    points: int
    summary: str
    ruleset: str


@dataclass(frozen=True, slots=True)
class Reason:
    """What one `action_reason` scores, and what it means in words."""

    points: int
    means: str


@dataclass(frozen=True, slots=True)
class Scoring:
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
    unexplained_escalates_from: Tier = Tier.HIGH
    """Lowest tier that an unexplained destroy raises one tier."""


@dataclass(frozen=True, slots=True)
class Rulesets:
    classes: tuple[ClassRule, ...]
    hazards: tuple[Hazard, ...]
    scoring: Scoring
    sources: tuple[str, ...]
