"""Score one resource change: pure function of the change, its class, what the graph and the
source say of it, and the weights."""

from __future__ import annotations

import math
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from planguard.findings import (
    Finding,
    FindingKind,
    HazardHit,
    ResourceClass,
    ScoreComponent,
    Tier,
    finding_id,
)
from planguard.graph.model import BlastRadius
from planguard.plan.model import Action, AttributePath, ResourceChange
from planguard.records import Record, replace
from planguard.rules.classify import Classifier
from planguard.rules.model import Hazard, HazardWhen, Scoring

if TYPE_CHECKING:
    from planguard.source.apply import Placement

_DATA_BEARING = (ResourceClass.STATEFUL, ResourceClass.ENCRYPTION)
PREVENT_DESTROY_REMOVED = HazardHit(
    "prevent-destroy-removed",
    "lifecycle.prevent_destroy",
    "the code change removes `prevent_destroy = true`: the next plan may destroy it",
    30,
    Tier.HIGH,
)
"""From the code change, not the plan (lifecycle is not in the plan JSON): any provider."""


class GraphFacts(Record, frozen=True):
    """What the graph says about one node."""

    blast: BlastRadius | None
    root_causes: tuple[str, ...]
    drifted: bool


def tier_for(score: int, scoring: Scoring) -> Tier:
    thresholds = scoring.tier_thresholds
    for tier in (Tier.CRITICAL, Tier.HIGH, Tier.MEDIUM):
        if score >= thresholds[tier]:
            return tier
    return Tier.LOW


def is_candidate(change: ResourceChange) -> bool:
    """Changes that always get a finding, whatever their score."""
    return change.mode == "managed" and (
        change.action.destroys or change.action in (Action.FORGET, Action.CREATE_FORGET)
    )


def may_score(change: ResourceChange, placement: Placement | None) -> bool:
    """Whether `score_change` can find anything: not for a no-op or a read (nothing to destroy,
    no hazard to trip, no drift to redo) unless its code removed a `prevent_destroy`. Most of
    a plan is no-ops: this spares building their graph facts."""
    return change.action.is_change or (placement is not None and placement.protection_removed)


def score_change(
    change: ResourceChange,
    facts: GraphFacts,
    classifier: Classifier,
    placement: Placement | None = None,
) -> Finding | None:
    """A finding for a destroy/replace/forget, or for any change that trips a hazard. A destroy
    the code change does not explain is raised one tier (from the scoring's
    `unexplained_escalates_from` up), and its intent says from which."""
    if not may_score(change, placement):
        return None
    disarmed = placement is not None and placement.protection_removed
    scoring = classifier.rulesets.scoring
    cls, rule = classifier.classify(change.type)
    hazards = _hazard_hits(change, classifier.hazards_on(change.type, change.action))
    if disarmed:
        hazards.append(PREVENT_DESTROY_REMOVED)
    drift = facts.drifted and change.action.is_change
    if not (is_candidate(change) or hazards or drift):
        return None
    components = [
        *_action_components(change, cls, scoring),
        *_reason_components(change, scoring),
        *_blast_components(change, facts.blast, scoring),
        *(ScoreComponent(f"hazard {h.id}", h.points, h.summary) for h in hazards),
    ]
    components += _unknown_floor(change, cls, components, scoring)
    components += _hazard_floor(hazards, components, scoring)
    if drift:
        components.append(
            ScoreComponent(
                "drift",
                scoring.drift_points,
                "changed outside Terraform and changed again by this plan",
            )
        )
    score = max(0, sum(c.points for c in components))
    tier = tier_for(score, scoring)
    intent = placement.intent if placement else None
    unexplained = intent is not None and not intent.explained
    if unexplained and tier >= scoring.unexplained_escalates_from and tier is not Tier.CRITICAL:
        intent = replace(intent, escalated_from=tier.value)  # type: ignore[type-var]
        tier = tier.next
    kind = _rule(change, hazards, drift)
    return Finding(
        id=finding_id(kind, change.node_id),
        rule=kind,
        address=change.node_id,
        title=_title(change, cls),
        score=score,
        tier=tier,
        components=tuple(components),
        action=change.action,
        resource_type=change.type,
        resource_class=cls,
        class_source=f"{rule.ruleset}: {rule.resource_class.value}: {rule.pattern}"
        if rule
        else None,
        action_reason=change.action_reason,
        replace_paths=tuple(_dotted(p) for p in change.replace_paths),
        blast=facts.blast,
        root_causes=facts.root_causes,
        hazards=tuple(hazards),
        previous_address=change.previous_address,
        deposed=change.deposed,
        importing=change.importing,
        drifted=facts.drifted,
        location=placement.location if placement else None,
        removed_at_base=placement.removed_at_base if placement else False,
        lifecycle=placement.lifecycle if placement else (),
        intent=intent,
    )


def _rule(change: ResourceChange, hazards: list[HazardHit], drift: bool) -> FindingKind:
    if change.action.is_replace:
        return FindingKind.REPLACE
    if change.action is Action.DELETE:
        return FindingKind.DESTROY
    if change.action in (Action.FORGET, Action.CREATE_FORGET):
        return FindingKind.FORGET
    return FindingKind.HAZARD if hazards else FindingKind.DRIFT


def _title(change: ResourceChange, cls: ResourceClass) -> str:
    what = "deposed object" if change.deposed else cls.value.replace("_", "/")
    return f"{change.action.label}: {what} {change.type}"


def _action_components(
    change: ResourceChange, cls: ResourceClass, scoring: Scoring
) -> list[ScoreComponent]:
    action = change.action
    out = [ScoreComponent("action", scoring.action_points[action.name.lower()], action.label)]
    if action.destroys:
        weight = scoring.class_weights[cls]
        text = f"{cls.value} resource destroyed"
        # A create-first replacement leaves nothing without what it needs, but a data-bearing
        # object's data is gone all the same: its class keeps its full weight.
        keeps_data = cls not in _DATA_BEARING
        if (
            action is Action.REPLACE_CREATE_FIRST
            and keeps_data
            and scoring.create_first_class_share < 1
        ):
            weight = round(weight * scoring.create_first_class_share)
            text += " (create-first: its replacement exists before it goes)"
        out.append(ScoreComponent("class", weight, text))
        if cls in _DATA_BEARING:
            out.append(
                ScoreComponent(
                    "data loss",
                    scoring.data_loss_points,
                    "its data is lost: the replacement starts empty"
                    if action.is_replace
                    else "its data is lost unless restored from a backup",
                )
            )
    if action is Action.REPLACE_DELETE_FIRST:
        out.append(
            ScoreComponent(
                "downtime",
                scoring.downtime_points,
                "delete-first: nothing exists until the replacement is created",
            )
        )
    return out


def _unknown_floor(
    change: ResourceChange,
    cls: ResourceClass,
    components: list[ScoreComponent],
    scoring: Scoring,
) -> list[ScoreComponent]:
    """A destroyed object of a type no ruleset knows is at least medium: never silently low."""
    medium = scoring.tier_thresholds[Tier.MEDIUM]
    total = sum(c.points for c in components)
    if cls is not ResourceClass.UNKNOWN or not change.action.destroys or total >= medium:
        return []
    return [
        ScoreComponent(
            "unknown type", medium - total, "no ruleset knows this type: at least medium"
        )
    ]


def _hazard_floor(
    hits: list[HazardHit], components: list[ScoreComponent], scoring: Scoring
) -> list[ScoreComponent]:
    """A tripped hazard with a `floor` (disarming a protection: a precursor of data loss)
    makes the finding at least that tier on its own."""
    floors = [(h, h.floor) for h in hits if h.floor is not None]
    if not floors:
        return []
    hit, floor = max(floors, key=lambda pair: pair[1].rank)
    least = scoring.tier_thresholds[floor]
    total = sum(c.points for c in components)
    if floor is Tier.LOW or total >= least:
        return []
    why = f"{hit.summary}: disarming a protection is {floor.value} on its own"
    return [ScoreComponent("precursor", least - total, why)]


def _reason_components(change: ResourceChange, scoring: Scoring) -> list[ScoreComponent]:
    reason = change.action_reason
    if reason is None or not change.action.is_change:
        return []
    known = scoring.reasons.get(reason)
    text = known.means if known else reason.value
    if change.replace_paths:
        text += f" (forced by {', '.join(_dotted(p) for p in change.replace_paths)})"
    return [ScoreComponent("reason", known.points if known else 0, text)]


def _blast_components(
    change: ResourceChange, blast: BlastRadius | None, scoring: Scoring
) -> list[ScoreComponent]:
    if not change.action.destroys or blast is None or blast.total == 0:
        return []
    if change.action is Action.REPLACE_CREATE_FIRST:
        # Create-first: the new object exists before the old one goes, so no dependent is ever
        # without what it depends on; only those the plan changes with it are at stake.
        exposed = blast.changing
        text = (
            f"{blast.total} dependent(s), none left without it (create-first):"
            f" {blast.changing} change with it"
        )
    else:
        exposed = blast.total
        text = (
            f"{blast.total} dependent(s): {blast.changing} also changing,"
            f" {blast.unchanged} unchanged but losing what they depend on"
        )
    if exposed == 0:
        return [ScoreComponent("blast radius", 0, text)]
    doublings = math.ceil(math.log2(exposed + 1))
    points = min(scoring.blast_points_max, scoring.blast_points_per_doubling * doublings)
    return [ScoreComponent("blast radius", points, text)]


def _hazard_hits(change: ResourceChange, armed: tuple[tuple[Hazard, bool], ...]) -> list[HazardHit]:
    """Each hazard that fires, once per attribute: a provider's own hazard wins over a
    by-name one (`*deletion_protection*`) on the same attribute (`armed` comes in that
    order from `Classifier.hazards_on`)."""
    hits: dict[str, HazardHit] = {}
    names: tuple[str, ...] | None = None  # the change's attribute names, read once
    for hazard, by_name in armed:
        if by_name:
            if names is None:
                names = tuple(dict.fromkeys((*change.before.names(), *change.after.names())))
            attributes = _named(hazard.attribute, names)
        else:
            attributes = ((hazard.attribute, _dotted(hazard.attribute)),)
        for attribute, dotted in attributes:
            if dotted not in hits and _fires(hazard, attribute, change):
                hits[dotted] = HazardHit(
                    hazard.id, dotted, hazard.summary, hazard.points, hazard.floor
                )
    return list(hits.values())


def _named(
    attribute: AttributePath, names: tuple[str, ...]
) -> tuple[tuple[AttributePath, str], ...]:
    """`attribute` with its first part, a name pattern, replaced by each name it matches (and
    the dotted form of each): once per pattern and set of names (a schema's, shared by every
    resource of a type)."""
    key = (attribute, names)
    found = _NAMED.get(key)
    if found is None:
        if len(_NAMED) >= _NAMED_LIMIT:  # a plan of odd schemas must not grow it without end
            _NAMED.clear()
        pattern, rest = str(attribute[0]), attribute[1:]
        matched = [(name, *rest) for name in names if fnmatchcase(name, pattern)]
        found = _NAMED[key] = tuple((path, _dotted(path)) for path in matched)
    return found


_NAMED: dict[tuple[AttributePath, tuple[str, ...]], tuple[tuple[AttributePath, str], ...]] = {}
_NAMED_LIMIT = 1 << 14


def _fires(hazard: Hazard, attribute: AttributePath, change: ResourceChange) -> bool:
    """Whether the hazard fires on the attribute; it can fire on the change's action."""
    when = hazard.when
    if when is HazardWhen.FORCES_REPLACEMENT:
        return any(_overlaps(attribute, p) for p in change.replace_paths)
    if when is HazardWhen.DESTROYED:
        return True
    if when is HazardWhen.DESTROYED_WITH:
        return _same(change.before.get(attribute), hazard.value)
    before, after = change.before.get(attribute), change.after.get(attribute)
    if when is HazardWhen.LOWERED:
        numbers = all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in (before, after)
        )
        return numbers and after < before  # type: ignore[operator]
    return _same(after, hazard.value) and not _same(before, hazard.value)


def _overlaps(a: AttributePath, b: AttributePath) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _same(value: object, expected: object) -> bool:
    # bool is an int in Python: `True == 1`, but a plan's true is not a rule's 1.
    return isinstance(value, bool) == isinstance(expected, bool) and value == expected


def _dotted(path: AttributePath) -> str:
    return ".".join(str(p) for p in path)
