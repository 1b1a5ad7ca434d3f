"""Rulesets: built-ins load and cover the providers; bad rulesets fail with the exact path."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from helpers import cli

from planguard.errors import RulesetError
from planguard.findings import ResourceClass
from planguard.rules.classify import Classifier
from planguard.rules.load import load_rulesets

BUILTIN = load_rulesets()
CLASSIFIER = Classifier(BUILTIN)


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


BAD = [
    (
        "ruleset: x\nclasses:\n  stateful: [aws_a, 12]\n",
        "classes.stateful[1]: expected a resource type glob, got 12",
    ),
    ("ruleset: x\nclasses:\n  precious: [a]\n", "classes.precious: expected one of stateful"),
    ("ruleset: x\nclasses:\n  unknown: [a]\n", "classes.unknown"),
    ("ruleset: x\nclases: {}\n", "clases: unknown key"),
    ("classes: {}\n", "ruleset: expected the ruleset's name"),
    (
        "ruleset: x\nclasses:\n  stateful: [a]\n  compute: [a]\n",
        "classes.compute[0]: 'a' is already in classes.stateful",
    ),
    (
        "ruleset: x\nhazards:\n  - {id: h, types: [a], attribute: b, when: sometimes, points: 1, summary: s}\n",
        "hazards[0].when: expected one of changed_to",
    ),
    (
        "ruleset: x\nhazards:\n  - {id: h, types: [a], attribute: b, when: changed_to, points: 1, summary: s}\n",
        "hazards[0].value: changed_to needs a scalar",
    ),
    (
        "ruleset: x\nhazards:\n  - {id: h, types: [a], attribute: b, when: forces_replacement, value: 1, points: 1, summary: s}\n",
        "hazards[0].value: forces_replacement takes no value",
    ),
    (
        "ruleset: x\nhazards:\n  - {id: h, types: [a], attribute: b, when: forces_replacement, points: many, summary: s}\n",
        "hazards[0].points: expected a whole number",
    ),
    (
        "ruleset: x\nhazards:\n  - {id: h, types: a, attribute: b, when: forces_replacement, points: 1, summary: s}\n",
        "hazards[0].types: expected a list",
    ),
    ("ruleset: x\nhazards:\n  - {id: h, typo: 1}\n", "hazards[0].typo: unknown key"),
    (
        "ruleset: x\nscoring:\n  tiers: {medium: 50, high: 40, critical: 90}\n",
        "scoring.tiers: expected medium < high < critical",
    ),
    (
        "ruleset: x\nscoring:\n  teardown: {share: 2}\n",
        "scoring.teardown.share: expected a fraction",
    ),
    ("ruleset: x\nclasses: [\n", "mine.yaml:3:1: not valid YAML"),
    ("- a\n- b\n", "expected a mapping with a `ruleset:` key"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_invalid_ruleset_names_the_exact_place(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(RulesetError) as info:
        load_rulesets([path])
    assert message in str(info.value)
    assert str(path) in str(info.value)


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
