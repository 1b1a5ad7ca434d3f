"""Findings about the plan as a whole: environment teardown, incomplete or errored plans."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping

from planguard.findings import (
    Finding,
    FindingKind,
    ResourceClass,
    ScoreComponent,
    Tier,
    finding_id,
)
from planguard.plan.model import Action, ModuleConfig, Plan
from planguard.records import Record
from planguard.rules.model import Scoring


class Census(Record, frozen=True):
    """The plan's managed objects (not deposed ones), each address with its type."""

    existing: Mapping[str, str]
    """What exists now: in the prior state, or changed by the plan other than created."""
    destroyed: Mapping[str, str]
    """What the plan destroys: deletes and replacements in either order."""
    missing: Mapping[str, str]
    """What goes missing for a while: deletes and delete-first replacements."""


def census(plan: Plan) -> Census:
    """One pass over a plan's changes and state (a large plan has 100k of each)."""
    existing: dict[str, str] = {}
    destroyed: dict[str, str] = {}
    missing: dict[str, str] = {}
    for change in plan.resource_changes:
        location = change.location
        if location.mode != "managed" or change.deposed:
            continue
        action = change.action
        if action not in _CREATES:
            existing[change.address] = location.type
        if action.destroys:
            destroyed[change.address] = location.type
            if action in _GO_MISSING:
                missing[change.address] = location.type
    for state in plan.prior_state:
        location = state.location
        if location.mode == "managed" and not state.deposed_key:
            existing.setdefault(state.address, location.type)
    return Census(existing, destroyed, missing)


_CREATES = (Action.CREATE, Action.CREATE_FORGET)
_GO_MISSING = (Action.DELETE, Action.REPLACE_DELETE_FIRST)


def teardown_finding(
    found: Census, source: str, classify: Callable[[str], ResourceClass], scoring: Scoring
) -> Finding | None:
    """The shape of the incident planguard exists for: most of an environment goes away.

    What counts is what goes missing: deletes and delete-first replacements (a create-first
    replacement exists before the old object goes), each weighted by its class (a local file
    counts less than a database), against the environment weighted the same way. Below a
    minimum size it is no environment, and a few destroys are no teardown.
    """
    weights = scoring.teardown_class_weights or {}
    existing, missing = found.existing, found.missing
    types = {*existing.values(), *missing.values()}  # a plan has many resources of few types
    weight = {rtype: weights.get(classify(rtype), 1.0) for rtype in types}
    # Summed address by address in the plan's order, as always: a float sum depends on order.
    total = sum(map(weight.__getitem__, existing.values()))
    gone = sum(map(weight.__getitem__, missing.values()))
    if len(existing) < scoring.teardown_min_existing or gone < scoring.teardown_min_destroyed:
        return None
    share = gone / total
    if share < scoring.teardown_share:
        return None
    critical = scoring.tier_thresholds[Tier.CRITICAL]
    destroyed = len(missing)
    components = (
        ScoreComponent(
            "teardown",
            critical,
            f"{destroyed} of {len(existing)} existing managed resources deleted or replaced"
            f" delete-first ({share:.0%} by weight >= {scoring.teardown_share:.0%},"
            f" at least {scoring.teardown_min_destroyed:g}): always critical",
        ),
        ScoreComponent("share", round(share * 10), f"{share:.0%} of the environment"),
    )
    return Finding(
        id=finding_id(FindingKind.ENVIRONMENT_TEARDOWN, source),
        rule=FindingKind.ENVIRONMENT_TEARDOWN,
        address=source,
        title=f"environment teardown: {destroyed} of {len(existing)} resources go missing",
        score=sum(c.points for c in components),
        tier=Tier.CRITICAL,
        components=components,
    )


def incomplete_finding(plan: Plan, scoring: Scoring) -> Finding | None:
    """Fail closed: a plan that does not show everything cannot be called safe."""
    reasons = []
    if plan.errored:
        reasons.append(ScoreComponent("errored", 0, "Terraform reported errors while planning"))
    if plan.complete is False:
        reasons.append(
            ScoreComponent(
                "incomplete", 0, "the plan is partial: more changes follow in a later plan"
            )
        )
    deferred = Counter(d.reason for d in plan.deferred)
    for reason, count in sorted(deferred.items()):
        reasons.append(ScoreComponent("deferred", 0, f"{count} change(s) deferred: {reason}"))
    if not reasons:
        return None
    tier = Tier.CRITICAL if plan.errored else Tier.HIGH
    score = scoring.tier_thresholds[tier]
    floor = ScoreComponent(
        "fail closed", score, f"what this plan leaves out cannot be scored: {tier.value}"
    )
    return Finding(
        id=finding_id(FindingKind.INCOMPLETE_PLAN, plan.source),
        rule=FindingKind.INCOMPLETE_PLAN,
        address=plan.source,
        title="errored plan" if plan.errored else "incomplete plan",
        score=score,
        tier=tier,
        components=(floor, *reasons),
    )


FORGET_SINCE = (1, 7)
"""Terraform and OpenTofu write `forget` from 1.7 on."""
CHANGES_ALL_STATE_SINCE = (1, 1)
"""From 1.1 on, a plan lists every managed object of its state in `resource_changes` (no-op
included); older versions and refresh-only plans (no changes at all) do not."""


def inconsistency_finding(plan: Plan, scoring: Scoring) -> Finding | None:
    """Fail closed on a plan that contradicts itself: what a hand-edited plan (a destroy turned
    into something milder, a destroy left out) shows. Each check is one no real plan of the
    public corpus trips, whatever Terraform version wrote it."""
    found = [*_missing_objects(plan), *_impossible_actions(plan)]
    if not found:
        return None
    score = scoring.tier_thresholds[Tier.HIGH]
    shown = [ScoreComponent("inconsistent", 0, text) for text in found[:5]]
    if len(found) > 5:
        shown.append(ScoreComponent("inconsistent", 0, f"and {len(found) - 5} more"))
    floor = ScoreComponent("fail closed", score, "a plan that contradicts itself is never safe")
    return Finding(
        id=finding_id(FindingKind.INCONSISTENT_PLAN, plan.source),
        rule=FindingKind.INCONSISTENT_PLAN,
        address=plan.source,
        title="inconsistent plan",
        score=score,
        tier=Tier.HIGH,
        components=(floor, *shown),
    )


def _version(plan: Plan) -> tuple[int, int] | None:
    parts = (plan.terraform_version or "").split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (ValueError, IndexError):
        return None


def _missing_objects(plan: Plan) -> list[str]:
    version = _version(plan)
    if version is None or version < CHANGES_ALL_STATE_SINCE or not plan.resource_changes:
        return []
    listed = {c.node_id for c in plan.resource_changes}
    missing = [
        s.address if s.deposed_key is None else f"{s.address} (deposed {s.deposed_key})"
        for s in plan.prior_state
        if s.location.mode == "managed"
    ]
    return [
        f"{a}: in the prior state but not in resource_changes" for a in missing if a not in listed
    ]


def _declared(module: ModuleConfig, prefix: str) -> set[str]:
    """Configuration addresses of every resource block, through the module calls."""
    found = {f"{prefix}{r.address}" for r in module.resources}
    for call in module.calls:
        found |= _declared(call.module, f"{prefix}module.{call.name}.")
    return found


def _impossible_actions(plan: Plan) -> list[str]:
    version = _version(plan)
    out = []
    changes = plan.resource_changes
    forgets = [c for c in changes if c.action in (Action.FORGET, Action.CREATE_FORGET)]
    if forgets and version is not None and version < FORGET_SINCE:
        made_by = plan.terraform_version
        out.append(f"{len(forgets)} forget(s) in a plan from {made_by}, before forget existed")
    declared = _declared(plan.configuration, "") if plan.configuration else set()
    for change in forgets:
        if change.location.config_address in declared:
            # Terraform forgets only what a `removed` block names, once its block is gone.
            out.append(f"{change.node_id}: forgotten while its resource block is still declared")
    for change in changes:
        action = change.action
        if action is Action.DELETE:
            if not change.after.is_null():
                out.append(f"{change.node_id}: a delete that leaves an object behind")
        elif action is Action.NO_OP or action is Action.UPDATE:
            no_before, no_after = change.before.is_null(), change.after.is_null()
            if no_before != no_after:
                side = "after" if no_after else "before"
                out.append(f"{change.node_id}: {action.value} with nothing {side} it")
    return out
