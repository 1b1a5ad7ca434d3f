"""Findings about the plan as a whole: environment teardown, incomplete or errored plans."""

from __future__ import annotations

from collections import Counter

from planguard.findings import Finding, FindingKind, ScoreComponent, Tier
from planguard.plan.model import Action, Plan
from planguard.rules.model import Scoring


def existing_and_destroyed(plan: Plan) -> tuple[int, int]:
    """Managed objects that exist now, and how many of them this plan destroys or replaces."""
    existing = {
        s.address for s in plan.prior_state if s.location.mode == "managed" and not s.deposed_key
    }
    destroyed = set()
    for change in plan.resource_changes:
        if change.mode != "managed" or change.deposed:
            continue
        if change.action not in (Action.CREATE, Action.CREATE_FORGET):
            existing.add(change.address)
        if change.action.destroys:
            destroyed.add(change.address)
    return len(existing), len(destroyed)


def teardown_finding(
    source: str, existing: int, destroyed: int, scoring: Scoring
) -> Finding | None:
    """The shape of the incident planguard exists for: most of an environment goes away.

    `existing` and `destroyed` are `existing_and_destroyed` of the plan named `source`.
    """
    if existing < scoring.teardown_min_existing or destroyed == 0:
        return None
    share = destroyed / existing
    if share < scoring.teardown_share:
        return None
    critical = scoring.tier_thresholds[Tier.CRITICAL]
    components = (
        ScoreComponent(
            "teardown",
            critical,
            f"{destroyed} of {existing} existing managed resources destroyed or replaced"
            f" ({share:.0%} >= {scoring.teardown_share:.0%}): always critical",
        ),
        ScoreComponent("share", round(share * 10), f"{share:.0%} of the environment"),
    )
    return Finding(
        rule=FindingKind.ENVIRONMENT_TEARDOWN,
        address=source,
        title=f"environment teardown: {destroyed} of {existing} resources destroyed or replaced",
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
        rule=FindingKind.INCOMPLETE_PLAN,
        address=plan.source,
        title="errored plan" if plan.errored else "incomplete plan",
        score=score,
        tier=tier,
        components=(floor, *reasons),
    )
