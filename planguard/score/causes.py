"""Root causes rank first: a replacement that sets off a cascade is at least as severe as the
worst thing it sets off, and comes before it.

A replaced EKS cluster takes its OIDC provider with it; the provider's identity class may score
higher on its own, but the on-call engineer must see the cluster first: it is what to stop.
"""

from __future__ import annotations

from collections.abc import Sequence

from planguard.findings import Finding, ScoreComponent
from planguard.records import replace


def lift_root_causes(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Each root cause raised to the tier and score of the worst finding that cascades from
    it, with a component that says which; the others unchanged."""
    by_address = {f.address: f for f in findings if f.action is not None}
    worst: dict[str, Finding] = {}
    for finding in findings:
        for cause in finding.root_causes:
            if cause == finding.address or cause not in by_address:
                continue
            current = worst.get(cause)
            if current is None or _severity(finding) > _severity(current):
                worst[cause] = finding
    out = []
    for finding in findings:
        top = worst.get(finding.address)
        out.append(finding if top is None else _lifted(finding, top))
    return tuple(out)


def cascade_order(finding: Finding) -> int:
    """0 for a root cause or a finding on its own, 1 for a cascade: at equal severity the
    cause comes first."""
    return int(any(cause != finding.address for cause in finding.root_causes))


def _lifted(cause: Finding, top: Finding) -> Finding:
    if _severity(top) <= _severity(cause):
        return cause
    points = max(0, top.score - cause.score)
    component = ScoreComponent(
        "root cause",
        points,
        f"sets off {top.address} ({top.tier.value}, {top.score}): a cause ranks with the worst"
        " of what cascades from it",
    )
    return replace(
        cause,
        score=cause.score + points,
        tier=max(cause.tier, top.tier, key=lambda t: t.rank),
        components=(*cause.components, component),
    )


def _severity(finding: Finding) -> tuple[int, int]:
    return finding.tier.rank, finding.score
