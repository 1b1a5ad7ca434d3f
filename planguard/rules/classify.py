"""Resource type → class, by the most specific matching rule."""

from __future__ import annotations

from fnmatch import fnmatchcase

from planguard.findings import ResourceClass
from planguard.plan.model import Action
from planguard.rules.model import ClassRule, Hazard, Rulesets


def _is_glob(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern or "[" in pattern  # for each of 1,500 patterns


def type_matches(rtype: str, pattern: str) -> bool:
    """`fnmatchcase(rtype, pattern)`, without a regular expression for the shapes the rulesets
    use most: a literal type (about 1,500 of them), `*`, and `prefix*`. fnmatch compiles a
    regular expression per pattern, and a run would compile a hundred of them to classify a
    handful of types."""
    if not _is_glob(pattern):
        return rtype == pattern
    head = pattern[:-1]
    if pattern[-1] == "*" and not _is_glob(head):
        return rtype.startswith(head)
    return fnmatchcase(rtype, pattern)


def _specificity(rule: ClassRule) -> tuple[int, int, int]:
    """User rules first; exact names before globs; longer literal text before shorter."""
    is_exact = not _is_glob(rule.pattern)
    literal = len(rule.pattern.replace("*", "").replace("?", ""))
    return (int(rule.user), int(is_exact), literal)


class Classifier:
    """Memoized classification; ties between classes go to the riskier one (fail closed).

    A plain class: a dataclass compiles its generated methods when its module is imported,
    on every run (docs/benchmarks.md, issue 21)."""

    __slots__ = (
        "_cache",
        "_exact",
        "_exact_hazards",
        "_glob_hazards",
        "_globs",
        "_hazards",
        "_hazards_on",
        "rulesets",
    )

    def __init__(self, rulesets: Rulesets) -> None:
        self.rulesets = rulesets
        self._cache: dict[str, tuple[ResourceClass, ClassRule | None]] = {}
        self._hazards: dict[str, tuple[Hazard, ...]] = {}
        self._hazards_on: dict[tuple[str, Action], tuple[tuple[Hazard, bool], ...]] = {}
        self._exact: dict[str, list[ClassRule]] = {}
        self._globs: list[ClassRule] = []
        # Hazards by position in the rulesets, by literal type and by type glob.
        self._exact_hazards: dict[str, list[int]] = {}
        self._glob_hazards: list[tuple[int, str]] = []
        for rule in rulesets.classes:
            if _is_glob(rule.pattern):
                self._globs.append(rule)
            else:
                self._exact.setdefault(rule.pattern, []).append(rule)
        for n, hazard in enumerate(rulesets.hazards):
            for pattern in hazard.types:
                if _is_glob(pattern):
                    self._glob_hazards.append((n, pattern))
                else:
                    self._exact_hazards.setdefault(pattern, []).append(n)

    def classify(self, rtype: str) -> tuple[ResourceClass, ClassRule | None]:
        found = self._cache.get(rtype)
        if found is None:
            found = self._classify(rtype)
            self._cache[rtype] = found
        return found

    def _classify(self, rtype: str) -> tuple[ResourceClass, ClassRule | None]:
        weights = self.rulesets.scoring.class_weights
        matches = self._exact.get(rtype, []) + [
            r for r in self._globs if type_matches(rtype, r.pattern)
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
            matching = set(self._exact_hazards.get(rtype, ()))
            matching.update(n for n, glob in self._glob_hazards if type_matches(rtype, glob))
            hazards = self.rulesets.hazards
            found = tuple(sorted((hazards[n] for n in sorted(matching)), key=lambda h: h.by_name))
            self._hazards[rtype] = found
        return found

    def hazards_on(self, rtype: str, action: Action) -> tuple[tuple[Hazard, bool], ...]:
        """The type's hazards (in `hazards_for` order) that can fire on `action` at all,
        whatever the values (most changes are creates and updates), each with whether its
        attribute is a name pattern: worked out once per type and action."""
        key = (rtype, action)
        found = self._hazards_on.get(key)
        if found is None:
            found = tuple(
                (h, h.by_name) for h in self.hazards_for(rtype) if h.when.can_fire(action)
            )
            self._hazards_on[key] = found
        return found
