"""Rulesets: built-ins load and cover the providers; the loader and the published JSON schema
agree on what is valid; bad rulesets fail with the exact path."""

from __future__ import annotations

import json
from collections import Counter
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from helpers import cli, depth, explore, yaml_schema_errors
from hypothesis import strategies as st

from planguard.errors import RulesetError
from planguard.findings import ResourceClass, Tier
from planguard.plan.model import Action
from planguard.rules.classify import Classifier, type_matches
from planguard.rules.load import builtin_ruleset_paths, load_rulesets
from planguard.rules.model import HazardWhen

BUILTIN = load_rulesets()
CLASSIFIER = Classifier(BUILTIN)
SCHEMA_PATH = (Path(__file__).parents[1] / "schema" / "planguard-ruleset.schema.json").resolve()
SCHEMA = json.loads(SCHEMA_PATH.read_text())
SCHEMA_COMMENT = "# yaml-language-server: $schema="


@pytest.mark.parametrize(
    ("ruleset", "minimum"), [("aws", 250), ("azurerm", 150), ("google", 150), ("kubernetes", 50)]
)
def test_each_provider_ruleset_covers_its_most_used_types(ruleset: str, minimum: int) -> None:
    counts = Counter(r.ruleset for r in BUILTIN.classes)
    assert counts[ruleset] >= minimum
    classes = {r.resource_class for r in BUILTIN.classes if r.ruleset == ruleset}
    assert {ResourceClass.STATEFUL, ResourceClass.IDENTITY, ResourceClass.NETWORK} <= classes


# (type, expected class): the types the incident classes are about.
KNOWN = [
    ("aws_db_instance", ResourceClass.STATEFUL),
    ("aws_s3_bucket", ResourceClass.STATEFUL),
    ("aws_vpc", ResourceClass.NETWORK),
    ("aws_iam_role", ResourceClass.IDENTITY),
    ("aws_route53_record", ResourceClass.DNS_EDGE),
    ("aws_kms_key", ResourceClass.ENCRYPTION),
    ("aws_instance", ResourceClass.COMPUTE),
    ("azurerm_mssql_database", ResourceClass.STATEFUL),
    ("azurerm_virtual_network", ResourceClass.NETWORK),
    ("google_sql_database_instance", ResourceClass.STATEFUL),
    ("google_compute_network", ResourceClass.NETWORK),
    ("google_project_iam_member", ResourceClass.IDENTITY),
    ("kubernetes_persistent_volume_claim", ResourceClass.STATEFUL),
    ("kubernetes_deployment", ResourceClass.COMPUTE),
    ("terraform_data", ResourceClass.STATELESS),
    ("random_password", ResourceClass.IDENTITY),
    ("acme_widget", ResourceClass.UNKNOWN),
]


@pytest.mark.parametrize(("rtype", "expected"), KNOWN)
def test_known_types_are_classified(rtype: str, expected: ResourceClass) -> None:
    assert CLASSIFIER.classify(rtype)[0] is expected


def test_hazards_have_unique_ids_and_every_kind_is_used() -> None:
    ids = [h.id for h in BUILTIN.hazards]
    assert len(ids) == len(set(ids))
    assert {h.when.value for h in BUILTIN.hazards} == {
        "changed_to",
        "destroyed_with",
        "forces_replacement",
        "lowered",
        "destroyed",
    }


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    return path


def test_a_user_ruleset_overrides_a_builtin_class(tmp_path: Path) -> None:
    mine = _write(tmp_path, "ruleset: mine\nclasses:\n  stateful: [terraform_data]\n")
    classifier = Classifier(load_rulesets([mine]))
    cls, rule = classifier.classify("terraform_data")
    assert cls is ResourceClass.STATEFUL and rule is not None and rule.ruleset == "mine"


def test_a_user_ruleset_extends_scoring(tmp_path: Path) -> None:
    mine = _write(tmp_path, "ruleset: mine\nscoring:\n  teardown:\n    share: 0.25\n")
    loaded = load_rulesets([mine])
    assert loaded.scoring.teardown_share == 0.25
    assert loaded.scoring.teardown_min_existing == BUILTIN.scoring.teardown_min_existing


def test_a_specific_glob_beats_a_broad_one(tmp_path: Path) -> None:
    mine = _write(
        tmp_path, "ruleset: mine\nclasses:\n  compute: ['acme_*']\n  stateful: ['acme_db_*']\n"
    )
    classifier = Classifier(load_rulesets([mine]))
    assert classifier.classify("acme_db_main")[0] is ResourceClass.STATEFUL
    assert classifier.classify("acme_vm")[0] is ResourceClass.COMPUTE


def schema_errors(text: str) -> list[str]:
    return yaml_schema_errors(SCHEMA, text)


def loader_error(tmp_path: Path, text: str) -> str:
    path = _write(tmp_path, text)
    with pytest.raises(RulesetError) as info:
        load_rulesets([path])
    message = str(info.value)
    assert message.startswith(str(path)), message
    return message


@pytest.mark.parametrize("path", builtin_ruleset_paths(), ids=lambda p: p.stem)
def test_builtin_rulesets_validate_against_the_schema(path: Path) -> None:
    assert schema_errors(path.read_text()) == []
    first = path.read_text().splitlines()[0]
    assert first.startswith(SCHEMA_COMMENT), first
    assert (path.parent / first.removeprefix(SCHEMA_COMMENT)).resolve() == SCHEMA_PATH


def test_the_schema_names_what_the_code_knows() -> None:
    top, scoring = SCHEMA["properties"], SCHEMA["$defs"]["scoring"]["properties"]
    assert top["classes"]["propertyNames"]["enum"] == [
        c.value for c in ResourceClass if c is not ResourceClass.UNKNOWN
    ]
    assert scoring["class_weights"]["propertyNames"]["enum"] == [c.value for c in ResourceClass]
    assert scoring["action_points"]["propertyNames"]["enum"] == [a.name.lower() for a in Action]
    assert scoring["unexplained_escalates_from"]["enum"] == [t.value for t in Tier]
    when = SCHEMA["$defs"]["hazard"]["properties"]["when"]["enum"]
    assert when == [w.value for w in HazardWhen]


HAZARD = "ruleset: x\nhazards:\n  - {id: h, types: [a], attribute: b, summary: s, "

VALID = {
    "name only": "ruleset: mine\n",
    "class override": "ruleset: mine\ndescription: our types\nclasses:\n  stateful: [terraform_data]\n",
    "globs": "ruleset: mine\nclasses:\n  compute: ['acme_*']\n  stateful: ['acme_db_*']\n",
    "empty lists": "ruleset: mine\nclasses: {network: []}\nhazards: []\n",
    "every kind of hazard": HAZARD
    + "when: changed_to, value: false, points: 0}\n"
    + "  - {id: i, types: [], attribute: rule.0.cidr, when: destroyed_with, value: x, points: 100,"
    + " summary: s}\n"
    + "  - {id: j, types: [a], attribute: b, when: forces_replacement, points: 7, summary: s}\n"
    + "  - {id: k, types: [a], attribute: b, when: forces_replacement, value: null, points: 7,"
    + " summary: s}\n",
    "a number value": HAZARD + "when: changed_to, value: 2.5, points: 1}\n",
    "empty scoring": "ruleset: mine\nscoring:\n",
    "scoring refined": (
        "ruleset: mine\nscoring:\n"
        "  class_weights: {unknown: 30}\n"
        "  action_points: {forget: 7}\n"
        "  reasons:\n"
        "    replace_by_request: {points: 0}\n"
        "    replace_because_future: {points: 3, means: a reason a newer Terraform adds}\n"
        "  data_loss_points: 25\n"
        "  blast: {max: 40}\n"
        "  tiers: {medium: 10}\n"
        "  unexplained_escalates_from: medium\n"
        "  teardown: {share: 1, min_existing: 10}\n"
    ),
}

INVALID = {
    "not a mapping": ("- a\n- b\n", "expected a mapping with a `ruleset:` key"),
    "empty file": ("", "expected a mapping with a `ruleset:` key"),
    "typo at top": ("ruleset: x\nclases: {}\n", "clases: unknown key"),
    "no name": ("classes: {}\n", "ruleset: expected the ruleset's name"),
    "description not text": ("ruleset: x\ndescription: [a]\n", "description: expected"),
    "classes null": ("ruleset: x\nclasses:\n", "classes: expected a mapping"),
    "glob not a string": (
        "ruleset: x\nclasses:\n  stateful: [aws_a, 12]\n",
        "classes.stateful[1]: expected a resource type glob, got 12",
    ),
    "unknown class": (
        "ruleset: x\nclasses:\n  precious: [a]\n",
        "classes.precious: expected one of",
    ),
    "class unknown": ("ruleset: x\nclasses:\n  unknown: [a]\n", "classes.unknown: `unknown` is"),
    "a glob twice in a class": (
        "ruleset: x\nclasses:\n  stateful: [a, a]\n",
        "classes.stateful[1]: 'a' is already in classes.stateful",
    ),
    "hazards a mapping": ("ruleset: x\nhazards: {h: 1}\n", "hazards: expected a list"),
    "hazard typo": (
        HAZARD + "when: forces_replacement, points: 1, typo: 1}\n",
        "hazards[0].typo: unknown key",
    ),
    "when sometimes": (
        HAZARD + "when: sometimes, points: 1}\n",
        "hazards[0].when: expected one of changed_to",
    ),
    "changed_to without value": (
        HAZARD + "when: changed_to, points: 1}\n",
        "hazards[0].value: changed_to needs a scalar",
    ),
    "destroyed_with a list": (
        HAZARD + "when: destroyed_with, value: [1], points: 1}\n",
        "hazards[0].value: destroyed_with needs a scalar",
    ),
    "forces_replacement with value": (
        HAZARD + "when: forces_replacement, value: 1, points: 1}\n",
        "hazards[0].value: forces_replacement takes no value",
    ),
    "points many": (
        HAZARD + "when: forces_replacement, points: many}\n",
        "hazards[0].points: expected a whole number",
    ),
    "points 101": (HAZARD + "when: forces_replacement, points: 101}\n", "hazards[0].points"),
    "points true": (HAZARD + "when: forces_replacement, points: true}\n", "hazards[0].points"),
    "types not a list": (
        "ruleset: x\nhazards:\n  - {id: h, types: a, attribute: b, when: forces_replacement,"
        " points: 1, summary: s}\n",
        "hazards[0].types: expected a list",
    ),
    "empty type glob": (
        "ruleset: x\nhazards:\n  - {id: h, types: [''], attribute: b, when: forces_replacement,"
        " points: 1, summary: s}\n",
        "hazards[0].types[0]: expected a resource type glob",
    ),
    "hazard without summary": (
        "ruleset: x\nhazards:\n  - {id: h, types: [a], attribute: b, when: forces_replacement,"
        " points: 1}\n",
        "hazards[0].summary: expected a non-empty string",
    ),
    "scoring typo": (
        "ruleset: x\nscoring:\n  teardwon: {share: 0.1}\n",
        "scoring.teardwon: unknown key",
    ),
    "class weight of no class": (
        "ruleset: x\nscoring:\n  class_weights: {precious: 5}\n",
        "scoring.class_weights.precious: expected one of",
    ),
    "class weight in words": (
        "ruleset: x\nscoring:\n  class_weights: {stateful: high}\n",
        "scoring.class_weights.stateful: expected a whole number",
    ),
    "unknown action": (
        "ruleset: x\nscoring:\n  action_points: {destroy: 5}\n",
        "scoring.action_points.destroy: unknown action",
    ),
    "reasons null": ("ruleset: x\nscoring:\n  reasons:\n", "scoring.reasons: expected a mapping"),
    "reason typo": (
        "ruleset: x\nscoring:\n  reasons: {replace_by_request: {point: 1}}\n",
        "scoring.reasons.replace_by_request.point: unknown key",
    ),
    "reason points in words": (
        "ruleset: x\nscoring:\n  reasons: {replace_by_request: {points: few}}\n",
        "scoring.reasons.replace_by_request.points: expected a whole number",
    ),
    "data loss in words": (
        "ruleset: x\nscoring:\n  data_loss_points: lots\n",
        "scoring.data_loss_points: expected a whole number",
    ),
    "blast typo": (
        "ruleset: x\nscoring:\n  blast: {per_doubeling: 5}\n",
        "scoring.blast.per_doubeling: unknown key",
    ),
    "tiers typo": (
        "ruleset: x\nscoring:\n  tiers: {hihg: 70}\n",
        "scoring.tiers.hihg: unknown key",
    ),
    "escalates from nowhere": (
        "ruleset: x\nscoring:\n  unexplained_escalates_from: never\n",
        "scoring.unexplained_escalates_from: expected one of",
    ),
    "escalates from null": (
        "ruleset: x\nscoring:\n  unexplained_escalates_from:\n",
        "scoring.unexplained_escalates_from: expected one of",
    ),
    "share 2": (
        "ruleset: x\nscoring:\n  teardown: {share: 2}\n",
        "scoring.teardown.share: expected a fraction",
    ),
    "share 0": ("ruleset: x\nscoring:\n  teardown: {share: 0}\n", "scoring.teardown.share"),
    "teardown typo": (
        "ruleset: x\nscoring:\n  teardown: {min_exisitng: 2}\n",
        "scoring.teardown.min_exisitng: unknown key",
    ),
}

# What the loader rejects and JSON Schema cannot say: comparisons between values, what the
# built-in rulesets already hold, and 5.0 (a float in YAML, the integer 5 in JSON).
BEYOND_SCHEMA = {
    "tiers out of order": (
        "ruleset: x\nscoring:\n  tiers: {medium: 50, high: 40, critical: 90}\n",
        "scoring.tiers: expected medium < high < critical",
    ),
    "tiers out of order after the merge": (
        "ruleset: x\nscoring:\n  tiers: {medium: 70}\n",
        "scoring.tiers: expected medium < high < critical",
    ),
    "a glob in two classes": (
        "ruleset: x\nclasses:\n  stateful: [a]\n  compute: [a]\n",
        "classes.compute[0]: 'a' is already in classes.stateful",
    ),
    "a new reason without means": (
        "ruleset: x\nscoring:\n  reasons: {replace_because_future: {points: 3}}\n",
        "scoring.reasons.replace_because_future.means: expected a non-empty string",
    ),
    "points with a fraction": (
        HAZARD + "when: forces_replacement, points: 5.0}\n",
        "hazards[0].points: expected a whole number",
    ),
    "a date value": (
        HAZARD + "when: changed_to, value: 2030-01-01, points: 1}\n",
        "hazards[0].value: changed_to needs a scalar",
    ),
}


@pytest.mark.parametrize("name", list(VALID))
def test_valid_rulesets_pass_loader_and_schema(tmp_path: Path, name: str) -> None:
    load_rulesets([_write(tmp_path, VALID[name])])
    assert schema_errors(VALID[name]) == []


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_rulesets_fail_loader_and_schema_naming_the_path(tmp_path: Path, name: str) -> None:
    text, where = INVALID[name]
    assert where in loader_error(tmp_path, text)
    assert schema_errors(text), f"the schema accepts what the loader rejects: {name}"


@pytest.mark.parametrize("name", list(BEYOND_SCHEMA))
def test_the_loader_rejects_what_json_schema_cannot_say(tmp_path: Path, name: str) -> None:
    text, where = BEYOND_SCHEMA[name]
    assert where in loader_error(tmp_path, text)
    assert schema_errors(text) == [], f"the schema rejects it now: move {name!r} to INVALID"


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    assert "mine.yaml:3:1: not valid YAML" in loader_error(tmp_path, "ruleset: x\nclasses: [\n")


def test_invalid_ruleset_exits_2_through_the_cli(tmp_path: Path) -> None:
    path = _write(tmp_path, "ruleset: x\nclasses:\n  stateful: [12]\n")
    result = cli(["rules", "list", "--ruleset", str(path)])
    assert result.code == 2
    assert "classes.stateful[0]" in result.err and "Traceback" not in result.err


def test_rules_list_shows_classes_and_hazards() -> None:
    result = cli(["rules", "list"])
    assert result.code == 0
    assert "aws" in result.out and "stateful" in result.out and "Hazards (" in result.out
    as_json = cli(["rules", "list", "--format", "json"]).json()
    assert len(as_json["hazards"]) == len(BUILTIN.hazards)  # type: ignore[index]


TYPE_GLOBS = [
    ("aws_db_instance", "aws_db_instance"),
    ("aws_db_instance", "aws_db_*"),
    ("aws_db_instance", "aws_*"),
    ("aws_db", "aws_db_*"),
    ("anything", "*"),
    ("", "*"),
    ("", "a*"),
    ("google_project_iam_member", "google_*_iam_member"),
    ("google_iam_member", "google_*_iam_member"),
    ("aws_s3_bucket", "aws_s3_bucke?"),
    ("aws_s3_bucket", "aws_s3_bucke[st]"),
    ("aws_s3_bucket", "aws_s3_bucket[x"),
    ("aws_s3_bucket[x", "aws_s3_bucket[x"),
    ("a*b", "a*b"),
    ("a**", "a**"),
]


@pytest.mark.parametrize(("rtype", "pattern"), TYPE_GLOBS)
def test_type_matches_is_fnmatchcase(rtype: str, pattern: str) -> None:
    assert type_matches(rtype, pattern) is fnmatchcase(rtype, pattern)


@depth(500, 5000)
def test_type_matches_is_fnmatchcase_on_generated_globs(examples: int) -> None:
    def check(rtype: str, pattern: str) -> None:
        assert type_matches(rtype, pattern) is fnmatchcase(rtype, pattern)

    explore(examples, check, st.text("ab_*?[]!", max_size=6), st.text("ab_*?[]!", max_size=6))


def test_every_shipped_type_glob_matches_as_fnmatch_does() -> None:
    rulesets = load_rulesets(())
    patterns = {r.pattern for r in rulesets.classes} | {
        t for h in rulesets.hazards for t in h.types
    }
    types = {p.replace("*", "x").replace("?", "y") for p in patterns} | {"terraform_data", ""}
    globs = [p for p in patterns if any(c in p for c in "*?[")]  # a literal is compared as text
    assert len(globs) > 10
    for pattern in globs:
        for rtype in types:
            assert type_matches(rtype, pattern) is fnmatchcase(rtype, pattern), (rtype, pattern)


def test_hazards_for_a_type_are_the_rulesets_own_in_order() -> None:
    rulesets = load_rulesets(())
    classifier = Classifier(rulesets)
    types = {t.replace("*", "x") for h in rulesets.hazards for t in h.types}
    types |= {"google_project_iam_member", "terraform_data", "aws_db_instance", "unknown_thing"}
    for rtype in sorted(types):
        naive = [h for h in rulesets.hazards if any(fnmatchcase(rtype, t) for t in h.types)]
        expected = tuple(sorted(naive, key=lambda h: h.by_name))
        assert classifier.hazards_for(rtype) == expected, rtype


# What each kind of hazard needs of an action, as the rulesets' documentation states it.
CAN_FIRE = {
    HazardWhen.FORCES_REPLACEMENT: {Action.REPLACE_DELETE_FIRST, Action.REPLACE_CREATE_FIRST},
    HazardWhen.DESTROYED: {Action.DELETE, Action.REPLACE_DELETE_FIRST, Action.REPLACE_CREATE_FIRST},
    HazardWhen.DESTROYED_WITH: {
        Action.DELETE,
        Action.REPLACE_DELETE_FIRST,
        Action.REPLACE_CREATE_FIRST,
    },
    HazardWhen.CHANGED_TO: {
        Action.UPDATE,
        Action.REPLACE_DELETE_FIRST,
        Action.REPLACE_CREATE_FIRST,
    },
    HazardWhen.LOWERED: {Action.UPDATE, Action.REPLACE_DELETE_FIRST, Action.REPLACE_CREATE_FIRST},
}


@pytest.mark.parametrize("when", list(HazardWhen))
def test_a_hazard_kind_can_fire_on_exactly_its_actions(when: HazardWhen) -> None:
    assert {a for a in Action if when.can_fire(a)} == CAN_FIRE[when]


def test_hazards_on_an_action_are_those_for_the_type_that_can_fire() -> None:
    rulesets = load_rulesets(())
    classifier = Classifier(rulesets)
    types = {t.replace("*", "x") for h in rulesets.hazards for t in h.types}
    for rtype in sorted(types):
        for action in Action:
            expected = tuple(
                (h, h.by_name) for h in classifier.hazards_for(rtype) if h.when in _WHEN_ON[action]
            )
            assert classifier.hazards_on(rtype, action) == expected, (rtype, action)
            assert classifier.hazards_on(rtype, action) is classifier.hazards_on(rtype, action)


_WHEN_ON = {a: {w for w, actions in CAN_FIRE.items() if a in actions} for a in Action}
