"""Load and validate ruleset YAML (PyYAML's only home). Errors name file and exact path."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TypeVar

import yaml

from planguard.errors import RulesetError
from planguard.plan.model import Action, AttributePath
from planguard.resources import data_dir
from planguard.rules.model import (
    ClassRule,
    Hazard,
    HazardWhen,
    ResourceClass,
    Rulesets,
    Scalar,
    Scoring,
)

E = TypeVar("E", bound=enum.Enum)
# libyaml's loader is ~10x faster than the pure-Python one; both are the *safe* loader.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TOP_KEYS = {"ruleset", "description", "classes", "hazards", "scoring"}
_HAZARD_KEYS = {"id", "types", "attribute", "when", "value", "points", "summary"}
_ACTION_KEYS = {a.name.lower() for a in Action}


class _Invalid(Exception):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")


def builtin_ruleset_paths() -> list[Path]:
    """generic.yaml first: it holds the default scoring the others may refine."""
    return sorted(data_dir("rulesets").glob("*.yaml"), key=lambda p: (p.stem != "generic", p.stem))


def load_rulesets(user_files: Iterable[str | Path] = ()) -> Rulesets:
    """Built-in rulesets, then the user's (which extend them and win where they overlap)."""
    classes: list[ClassRule] = []
    hazards: dict[str, Hazard] = {}
    scoring: dict[str, object] = {}
    sources: list[str] = []
    files = [(p, False) for p in builtin_ruleset_paths()] + [(Path(p), True) for p in user_files]
    for path, user in files:
        doc = _read_yaml(path)
        try:
            name = _validate_top(doc)
            classes += _classes(doc, name, user)
            for hazard in _hazards(doc, name):
                if hazard.id in hazards and not user:
                    raise _Invalid(
                        "hazards",
                        f"id {hazard.id!r} is already defined in {hazards[hazard.id].ruleset}",
                    )
                hazards[hazard.id] = hazard
            if doc.get("scoring") is not None:
                _merge_scoring(scoring, doc.get("scoring"), "scoring")
                built = _scoring(scoring)  # validate now, so the error names this file
        except _Invalid as exc:
            raise RulesetError(f"{path}: {exc}") from None
        sources.append(str(path))
    if not scoring:
        raise RulesetError("no ruleset defines `scoring:`: the built-in generic.yaml is missing")
    return Rulesets(tuple(classes), tuple(hazards.values()), built, tuple(sources))


def _read_yaml(path: Path) -> dict[str, object]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesetError(f"{path}: ruleset file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError(f"{path}: cannot read ruleset: {exc}") from None
    try:
        doc = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise RulesetError(
            f"{path}{where}: not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
    if not isinstance(doc, dict):
        raise RulesetError(f"{path}: expected a mapping with a `ruleset:` key at the top")
    return doc


def _validate_top(doc: dict[str, object]) -> str:
    unknown = sorted(set(map(str, doc)) - _TOP_KEYS)
    if unknown:
        raise _Invalid(unknown[0], f"unknown key; expected one of {', '.join(sorted(_TOP_KEYS))}")
    name = doc.get("ruleset")
    if not isinstance(name, str) or not name:
        raise _Invalid("ruleset", "expected the ruleset's name (a string)")
    return name


def _classes(doc: dict[str, object], name: str, user: bool) -> list[ClassRule]:
    raw = _mapping(doc.get("classes", {}), "classes")
    rules: list[ClassRule] = []
    seen: dict[str, str] = {}
    for class_name, patterns in raw.items():
        where = f"classes.{class_name}"
        cls = _enum(ResourceClass, class_name, where)
        if cls is ResourceClass.UNKNOWN:
            raise _Invalid(where, "`unknown` is what planguard calls types no rule matches")
        for i, pattern in enumerate(_list(patterns, where)):
            if not isinstance(pattern, str) or not pattern:
                raise _Invalid(f"{where}[{i}]", f"expected a resource type glob, got {pattern!r}")
            if pattern in seen:
                raise _Invalid(
                    f"{where}[{i}]", f"{pattern!r} is already in classes.{seen[pattern]}"
                )
            seen[pattern] = str(class_name)
            rules.append(ClassRule(pattern, cls, name, user))
    return rules


def _hazards(doc: dict[str, object], name: str) -> list[Hazard]:
    out = []
    for i, raw in enumerate(_list(doc.get("hazards", []), "hazards")):
        out.append(_hazard(_mapping(raw, f"hazards[{i}]"), name, f"hazards[{i}]"))
    return out


def _hazard(raw: Mapping[str, object], name: str, where: str) -> Hazard:
    unknown = sorted(set(raw) - _HAZARD_KEYS)
    if unknown:
        raise _Invalid(
            f"{where}.{unknown[0]}", f"unknown key; expected {', '.join(sorted(_HAZARD_KEYS))}"
        )
    when = _enum(HazardWhen, raw.get("when"), f"{where}.when")
    value = raw.get("value")
    if when is HazardWhen.FORCES_REPLACEMENT and value is not None:
        raise _Invalid(f"{where}.value", "forces_replacement takes no value")
    if when is not HazardWhen.FORCES_REPLACEMENT and not isinstance(value, (bool, int, float, str)):
        raise _Invalid(f"{where}.value", f'{when.value} needs a scalar value (true, 3, "x")')
    points = raw.get("points")
    if not isinstance(points, int) or isinstance(points, bool) or not 0 <= points <= 100:
        raise _Invalid(f"{where}.points", f"expected a whole number 0..100, got {points!r}")
    types = list(_list(raw.get("types"), f"{where}.types"))
    for j, t in enumerate(types):
        if not isinstance(t, str) or not t:
            raise _Invalid(f"{where}.types[{j}]", f"expected a resource type glob, got {t!r}")
    return Hazard(
        id=_string(raw.get("id"), f"{where}.id"),
        types=tuple(str(t) for t in types),
        attribute=_attribute(_string(raw.get("attribute"), f"{where}.attribute")),
        when=when,
        value=_scalar(value),
        points=points,
        summary=_string(raw.get("summary"), f"{where}.summary"),
        ruleset=name,
    )


def _attribute(text: str) -> AttributePath:
    return tuple(int(p) if p.isdigit() else p for p in text.split("."))


def _scalar(value: object) -> Scalar | None:
    return value if isinstance(value, (bool, int, float, str)) else None


def _merge_scoring(into: dict[str, object], raw: object, where: str) -> None:
    if raw is None:
        return
    for key, value in _mapping(raw, where).items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merged = dict(into[key])  # type: ignore[call-overload]
            merged.update(value)
            into[key] = merged
        else:
            into[key] = value


def _scoring(raw: dict[str, object]) -> Scoring:
    weights = _int_map(raw.get("class_weights"), "scoring.class_weights")
    classes = {_enum(ResourceClass, k, f"scoring.class_weights.{k}"): v for k, v in weights.items()}
    missing = [c.value for c in ResourceClass if c not in classes]
    if missing:
        raise _Invalid("scoring.class_weights", f"missing weights for {', '.join(missing)}")
    actions = _int_map(raw.get("action_points"), "scoring.action_points")
    bad = sorted(set(actions) - _ACTION_KEYS)
    if bad:
        raise _Invalid(
            f"scoring.action_points.{bad[0]}",
            f"unknown action; expected {', '.join(sorted(_ACTION_KEYS))}",
        )
    tiers = _int_map(raw.get("tiers"), "scoring.tiers")
    if (
        set(tiers) != {"medium", "high", "critical"}
        or not tiers["medium"] < tiers["high"] < tiers["critical"]
    ):
        raise _Invalid("scoring.tiers", "expected medium < high < critical (lowest score of each)")
    blast = _int_map(raw.get("blast"), "scoring.blast")
    teardown = _mapping(raw.get("teardown"), "scoring.teardown")
    share = teardown.get("share")
    if not isinstance(share, (int, float)) or isinstance(share, bool) or not 0 < share <= 1:
        raise _Invalid("scoring.teardown.share", f"expected a fraction in (0, 1], got {share!r}")
    return Scoring(
        class_weights=classes,
        action_points={k: actions.get(k, 0) for k in _ACTION_KEYS},
        reason_points=_int_map(raw.get("reason_points"), "scoring.reason_points"),
        data_loss_points=_int(raw.get("data_loss_points"), "scoring.data_loss_points"),
        downtime_points=_int(raw.get("downtime_points"), "scoring.downtime_points"),
        drift_points=_int(raw.get("drift_points"), "scoring.drift_points"),
        blast_points_per_doubling=_int(blast.get("per_doubling"), "scoring.blast.per_doubling"),
        blast_points_max=_int(blast.get("max"), "scoring.blast.max"),
        tier_thresholds=tiers,
        teardown_share=float(share),
        teardown_min_existing=_int(teardown.get("min_existing"), "scoring.teardown.min_existing"),
    )


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise _Invalid(where, f"expected a mapping, got {type(value).__name__}")
    return {str(k): v for k, v in value.items()}


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise _Invalid(where, f"expected a list, got {type(value).__name__}")
    return value


def _string(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _Invalid(where, f"expected a non-empty string, got {value!r}")
    return value


def _int(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Invalid(where, f"expected a whole number, got {value!r}")
    return value


def _int_map(value: object, where: str) -> dict[str, int]:
    return {k: _int(v, f"{where}.{k}") for k, v in _mapping(value, where).items()}


def _enum(kind: type[E], value: object, where: str) -> E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise _Invalid(where, f"expected one of {choices}, got {value!r}") from None
