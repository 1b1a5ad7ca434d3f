"""Resource type → class, by the most specific matching rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from planguard.findings import ResourceClass
from planguard.rules.model import ClassRule, Hazard, Rulesets


def _is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


def _specificity(rule: ClassRule) -> tuple[int, int, int]:
    """User rules first; exact names before globs; longer literal text before shorter."""
    is_exact = not _is_glob(rule.pattern)
    literal = len(rule.pattern.replace("*", "").replace("?", ""))
    return (int(rule.user), int(is_exact), literal)


@dataclass(slots=True)
class Classifier:
    """Memoized classification; ties between classes go to the riskier one (fail closed)."""

    rulesets: Rulesets
    _cache: dict[str, tuple[ResourceClass, ClassRule | None]] = field(default_factory=dict)
    _hazards: dict[str, tuple[Hazard, ...]] = field(default_factory=dict)
    _exact: dict[str, list[ClassRule]] = field(default_factory=dict)
    _globs: list[ClassRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        for rule in self.rulesets.classes:
            if _is_glob(rule.pattern):
                self._globs.append(rule)
            else:
                self._exact.setdefault(rule.pattern, []).append(rule)

    def classify(self, rtype: str) -> tuple[ResourceClass, ClassRule | None]:
        found = self._cache.get(rtype)
        if found is None:
            found = self._classify(rtype)
            self._cache[rtype] = found
        return found

    def _classify(self, rtype: str) -> tuple[ResourceClass, ClassRule | None]:
        weights = self.rulesets.scoring.class_weights
        matches = self._exact.get(rtype, []) + [
            r for r in self._globs if fnmatchcase(rtype, r.pattern)
        ]
        if not matches:
            return ResourceClass.UNKNOWN, None
        best = max(matches, key=lambda r: (_specificity(r), weights[r.resource_class]))
        return best.resource_class, best

    def hazards_for(self, rtype: str) -> tuple[Hazard, ...]:
        """The hazards of a type, a provider's own before the by-name ones (which yield to
        them on the same attribute)."""
        found = self._hazards.get(rtype)
        if found is None:
            matching = (
                h for h in self.rulesets.hazards if any(fnmatchcase(rtype, t) for t in h.types)
            )
            found = tuple(sorted(matching, key=lambda h: h.by_name))
            self._hazards[rtype] = found
        return found
