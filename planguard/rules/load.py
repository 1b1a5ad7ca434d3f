"""Load and validate ruleset YAML. Errors name file and exact path."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TypeVar

from planguard.docread import (
    Invalid,
    choice,
    int_map,
    integer,
    known_keys,
    listing,
    mapping,
    string,
)
from planguard.errors import RulesetError
from planguard.findings import ResourceClass, Tier
from planguard.plan.model import Action, ActionReason, AttributePath
from planguard.resources import data_dir
from planguard.rules.model import (
    ClassRule,
    Hazard,
    HazardWhen,
    Reason,
    Rulesets,
    Scalar,
    Scoring,
)
from planguard.yamlio import YamlError, read_knowledge_file, read_yaml_file

E = TypeVar("E", bound=enum.Enum)

_TOP_KEYS = {"ruleset", "description", "classes", "hazards", "scoring"}
_HAZARD_KEYS = {"id", "types", "attribute", "when", "value", "points", "summary", "floor"}
_ACTION_KEYS = {a.name.lower() for a in Action}
_SCORING_KEYS = {
    "class_weights",
    "action_points",
    "reasons",
    "data_loss_points",
    "downtime_points",
    "drift_points",
    "blast",
    "tiers",
    "unexplained_escalates_from",
    "teardown",
    "create_first_class_share",
}


def builtin_ruleset_paths() -> list[Path]:
    """generic.yaml first: it holds the default scoring the others may refine."""
    folder = data_dir("rulesets") / "resources"
    return sorted(folder.glob("*.yaml"), key=lambda p: (p.stem != "generic", p.stem))


def load_rulesets(user_files: Iterable[str | Path] = ()) -> Rulesets:
    """Built-in rulesets, then the user's (which extend them and win where they overlap)."""
    classes: list[ClassRule] = []
    hazards: dict[str, Hazard] = {}
    scoring: dict[str, object] = {}
    sources: list[str] = []
    files = [(p, False) for p in builtin_ruleset_paths()] + [(Path(p), True) for p in user_files]
    for path, user in files:
        doc = _read_yaml(path, shipped=not user)
        try:
            name = _validate_top(doc)
            classes += _classes(doc, name, user)
            for hazard in _hazards(doc, name):
                if hazard.id in hazards and not user:
                    raise Invalid(
                        "hazards",
                        f"id {hazard.id!r} is already defined in {hazards[hazard.id].ruleset}",
                    )
                hazards[hazard.id] = hazard
            if doc.get("scoring") is not None:
                _merge_scoring(scoring, doc.get("scoring"), "scoring")
                built = _scoring(scoring)  # validate now, so the error names this file
        except Invalid as exc:
            raise RulesetError(f"{path}: {exc}") from None
        sources.append(str(path))
    if not scoring:
        raise RulesetError("no ruleset defines `scoring:`: the built-in generic.yaml is missing")
    return Rulesets(tuple(classes), tuple(hazards.values()), built, tuple(sources))


def _read_yaml(path: Path, *, shipped: bool) -> dict[str, object]:
    """A ruleset's document; a shipped one through its cached parse (`read_knowledge_file`)."""
    try:
        doc = (read_knowledge_file if shipped else read_yaml_file)(path, "ruleset")
    except YamlError as exc:
        raise RulesetError(str(exc)) from None
    if not isinstance(doc, dict):
        raise RulesetError(f"{path}: expected a mapping with a `ruleset:` key at the top")
    return doc


def _validate_top(doc: dict[str, object]) -> str:
    unknown = sorted(set(map(str, doc)) - _TOP_KEYS)
    if unknown:
        raise Invalid(unknown[0], f"unknown key; expected one of {', '.join(sorted(_TOP_KEYS))}")
    name = doc.get("ruleset")
    if not isinstance(name, str) or not name:
        raise Invalid("ruleset", "expected the ruleset's name (a string)")
    if "description" in doc:
        string(doc["description"], "description")
    return name


def _classes(doc: dict[str, object], name: str, user: bool) -> list[ClassRule]:
    raw = mapping(doc.get("classes", {}), "classes")
    rules: list[ClassRule] = []
    seen: dict[str, str] = {}
    for class_name, patterns in raw.items():
        where = f"classes.{class_name}"
        cls = choice(ResourceClass, class_name, where)
        if cls is ResourceClass.UNKNOWN:
            raise Invalid(where, "`unknown` is what planguard calls types no rule matches")
        for i, pattern in enumerate(listing(patterns, where)):
            if not isinstance(pattern, str) or not pattern:
                raise Invalid(f"{where}[{i}]", f"expected a resource type glob, got {pattern!r}")
            if pattern in seen:
                raise Invalid(f"{where}[{i}]", f"{pattern!r} is already in classes.{seen[pattern]}")
            seen[pattern] = str(class_name)
            rules.append(ClassRule(pattern, cls, name, user))
    return rules


def _hazards(doc: dict[str, object], name: str) -> list[Hazard]:
    out = []
    for i, raw in enumerate(listing(doc.get("hazards", []), "hazards")):
        out.append(_hazard(mapping(raw, f"hazards[{i}]"), name, f"hazards[{i}]"))
    return out


def _hazard(raw: Mapping[str, object], name: str, where: str) -> Hazard:
    unknown = sorted(set(raw) - _HAZARD_KEYS)
    if unknown:
        raise Invalid(
            f"{where}.{unknown[0]}", f"unknown key; expected {', '.join(sorted(_HAZARD_KEYS))}"
        )
    when = choice(HazardWhen, raw.get("when"), f"{where}.when")
    value = raw.get("value")
    valueless = (HazardWhen.FORCES_REPLACEMENT, HazardWhen.LOWERED, HazardWhen.DESTROYED)
    if when in valueless and value is not None:
        raise Invalid(f"{where}.value", f"{when.value} takes no value")
    if when not in valueless and not isinstance(value, (bool, int, float, str)):
        raise Invalid(f"{where}.value", f'{when.value} needs a scalar value (true, 3, "x")')
    points = raw.get("points")
    if not isinstance(points, int) or isinstance(points, bool) or not 0 <= points <= 100:
        raise Invalid(f"{where}.points", f"expected a whole number 0..100, got {points!r}")
    types = list(listing(raw.get("types"), f"{where}.types"))
    for j, t in enumerate(types):
        if not isinstance(t, str) or not t:
            raise Invalid(f"{where}.types[{j}]", f"expected a resource type glob, got {t!r}")
    return Hazard(
        id=string(raw.get("id"), f"{where}.id"),
        types=tuple(str(t) for t in types),
        attribute=_attribute(string(raw.get("attribute"), f"{where}.attribute")),
        when=when,
        value=_scalar(value),
        points=points,
        summary=string(raw.get("summary"), f"{where}.summary"),
        ruleset=name,
        floor=None if raw.get("floor") is None else choice(Tier, raw["floor"], f"{where}.floor"),
    )


def _attribute(text: str) -> AttributePath:
    return tuple(int(p) if p.isdigit() else p for p in text.split("."))


def _scalar(value: object) -> Scalar | None:
    return value if isinstance(value, (bool, int, float, str)) else None


def _merge_scoring(into: dict[str, object], raw: object, where: str) -> None:
    """A later ruleset's keys win, at every depth (`reasons.X.points` alone keeps X's text)."""
    if raw is None:
        return
    for key, value in mapping(raw, where).items():
        current = into.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            merged = dict(current)
            _merge_scoring(merged, value, f"{where}.{key}")
            into[key] = merged
        else:
            into[key] = value


def _scoring(raw: dict[str, object]) -> Scoring:
    # Checked after each file's merge, so an unknown key names the file that brought it.
    known_keys(raw, _SCORING_KEYS, "scoring")
    weights = int_map(raw.get("class_weights"), "scoring.class_weights")
    classes = {
        choice(ResourceClass, k, f"scoring.class_weights.{k}"): v for k, v in weights.items()
    }
    missing = [c.value for c in ResourceClass if c not in classes]
    if missing:
        raise Invalid("scoring.class_weights", f"missing weights for {', '.join(missing)}")
    actions = int_map(raw.get("action_points"), "scoring.action_points")
    bad = sorted(set(actions) - _ACTION_KEYS)
    if bad:
        raise Invalid(
            f"scoring.action_points.{bad[0]}",
            f"unknown action; expected {', '.join(sorted(_ACTION_KEYS))}",
        )
    tiers = _tiers(raw.get("tiers"))
    blast = int_map(raw.get("blast"), "scoring.blast")
    known_keys(blast, {"per_doubling", "max"}, "scoring.blast")
    teardown = mapping(raw.get("teardown"), "scoring.teardown")
    known_keys(
        teardown, {"share", "min_existing", "min_destroyed", "class_weights"}, "scoring.teardown"
    )
    share = _fraction(teardown.get("share"), "scoring.teardown.share")
    counted = mapping(teardown.get("class_weights", {}), "scoring.teardown.class_weights")
    teardown_weights = {
        choice(ResourceClass, k, f"scoring.teardown.class_weights.{k}"): _fraction(
            v, f"scoring.teardown.class_weights.{k}"
        )
        for k, v in counted.items()
    }
    return Scoring(
        class_weights=classes,
        action_points={k: actions.get(k, 0) for k in _ACTION_KEYS},
        reasons=_reasons(raw.get("reasons")),
        data_loss_points=integer(raw.get("data_loss_points"), "scoring.data_loss_points"),
        downtime_points=integer(raw.get("downtime_points"), "scoring.downtime_points"),
        drift_points=integer(raw.get("drift_points"), "scoring.drift_points"),
        blast_points_per_doubling=integer(blast.get("per_doubling"), "scoring.blast.per_doubling"),
        blast_points_max=integer(blast.get("max"), "scoring.blast.max"),
        tier_thresholds=tiers,
        teardown_share=float(share),
        teardown_min_existing=integer(
            teardown.get("min_existing"), "scoring.teardown.min_existing"
        ),
        teardown_min_destroyed=float(
            integer(teardown.get("min_destroyed", 4), "scoring.teardown.min_destroyed")
        ),
        teardown_class_weights=teardown_weights,
        create_first_class_share=_fraction(
            raw.get("create_first_class_share", 1), "scoring.create_first_class_share"
        ),
        unexplained_escalates_from=choice(
            Tier,
            raw.get("unexplained_escalates_from", "high"),
            "scoring.unexplained_escalates_from",
        ),
    )


def _fraction(value: object, where: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 1:
        raise Invalid(where, f"expected a fraction in (0, 1], got {value!r}")
    return float(value)


def _tiers(raw: object) -> dict[Tier, int]:
    named = int_map(raw, "scoring.tiers")
    known_keys(named, {"medium", "high", "critical"}, "scoring.tiers")
    if (
        set(named) != {"medium", "high", "critical"}
        or not named["medium"] < named["high"] < named["critical"]
    ):
        raise Invalid("scoring.tiers", "expected medium < high < critical (lowest score of each)")
    return {Tier(name): score for name, score in named.items()}


def _reasons(raw: object) -> dict[ActionReason, Reason]:
    out = {}
    for name, entry in mapping(raw, "scoring.reasons").items():
        where = f"scoring.reasons.{name}"
        fields = mapping(entry, where)
        known_keys(fields, {"points", "means"}, where)
        reason = Reason(
            integer(fields.get("points"), f"{where}.points"),
            string(fields.get("means"), f"{where}.means"),
        )
        out[ActionReason(name)] = reason
    return out
