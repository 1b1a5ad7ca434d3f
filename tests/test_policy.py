"""The policy loader and the published JSON schema agree on what is valid; errors name the path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import yaml_schema_errors

from planguard.authorship.model import AuthorKind
from planguard.errors import PolicyError
from planguard.findings import Tier
from planguard.policy.load import defaults_text, load_policy
from planguard.policy.model import GateAction, address_matches
from planguard.records import replace

ROOT = Path(__file__).parents[1]
SCHEMA = json.loads((ROOT / "schema" / "planguard-policy.schema.json").read_text())
DOC_EXAMPLE = (ROOT / "docs" / "gate.md").read_text().split("```yaml\n")[1].split("```")[0]


def schema_errors(text: str) -> list[str]:
    return yaml_schema_errors(SCHEMA, text)


VALID = {
    "defaults": defaults_text(),
    "docs example": DOC_EXAMPLE,
    "empty": "",
    "one cell": "thresholds: {ai: {high: block}}\n",
    "module rule": "reviewers:\n  rules:\n    - match: module.prod\n      reviewers: ['@acme/sre']\n",
}

INVALID = {
    "typo at top": ("thresolds: {}\n", "thresolds: unknown key"),
    "typo in tier": ("thresholds: {ai: {hihg: warn}}\n", "thresholds.ai.hihg: unknown key"),
    "bad action": (
        "thresholds: {human: {high: maybe}}\n",
        "thresholds.human.high: expected one of",
    ),
    "ai critical passes": ("thresholds: {ai: {critical: pass}}\n", "thresholds.ai.critical"),
    "unknown critical warns": (
        "thresholds: {unknown: {critical: warn}}\n",
        "thresholds.unknown.critical",
    ),
    "zero approvals": ("approvals: {high: 0}\n", "approvals.high: expected at least 1"),
    "reviewer with space": ("reviewers: {default: ['@a b']}\n", "reviewers.default[0]"),
    "team path too deep": ("reviewers: {default: ['@a/b/c']}\n", "reviewers.default[0]"),
    "rule without reviewers": (
        "reviewers: {rules: [{match: x}]}\n",
        "reviewers.rules[0].reviewers",
    ),
    "suppression missing expiry": (
        "suppressions: [{address: a, rule: destroy, reason: r, accepted_by: '@x'}]\n",
        "suppressions[0].expires: required",
    ),
    "suppression bad date": (
        "suppressions: [{address: a, rule: destroy, reason: r, accepted_by: '@x', expires: soon}]\n",
        "suppressions[0].expires: expected a date",
    ),
    "suppressing an incomplete plan": (
        "suppressions: [{address: a, rule: incomplete-plan, reason: r, accepted_by: '@x', expires: 2030-01-01}]\n",
        "suppressions[0].rule: an incomplete or errored plan cannot be suppressed",
    ),
    "human evidence": ("authorship: {human_evidence: vibes}\n", "authorship.human_evidence"),
    "version 2": ("version: 2\n", "version: this planguard reads policy version 1"),
    "identity typo": ("ai_identities: {login: [x]}\n", "ai_identities.login: unknown key"),
    "not a mapping": ("- a\n- b\n", "expected a mapping at the top"),
}


@pytest.mark.parametrize("name", list(VALID))
def test_valid_policies_pass_loader_and_schema(name: str) -> None:
    load_policy(VALID[name], ".planguard.yml")
    assert schema_errors(VALID[name]) == []


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_policies_fail_loader_and_schema_naming_the_path(name: str) -> None:
    text, where = INVALID[name]
    with pytest.raises(PolicyError) as err:
        load_policy(text, ".planguard.yml")
    assert str(err.value).startswith(".planguard.yml"), err.value
    assert where in str(err.value)
    assert schema_errors(text), f"the schema accepts what the loader rejects: {name}"


def test_yaml_syntax_error_names_line() -> None:
    with pytest.raises(PolicyError, match=r"\.planguard\.yml:\d+:\d+: not valid YAML"):
        load_policy("reviewers:\n  default: [a\n", ".planguard.yml")


def test_overrides_merge_cell_by_cell() -> None:
    policy = load_policy("thresholds: {human: {high: review}}\n", "p")
    assert policy.actions_for(AuthorKind.HUMAN).at(Tier.HIGH) is GateAction.REVIEW
    assert policy.actions_for(AuthorKind.HUMAN).at(Tier.MEDIUM) is GateAction.PASS
    assert policy.actions_for(AuthorKind.AI).at(Tier.HIGH) is GateAction.REVIEW


def test_defaults_match_the_incident() -> None:
    policy = load_policy(None, "none")
    for kind in (AuthorKind.AI, AuthorKind.UNKNOWN):
        assert policy.actions_for(kind).at(Tier.HIGH) is GateAction.REVIEW
        assert policy.actions_for(kind).at(Tier.CRITICAL) is GateAction.REVIEW
    assert policy.actions_for(AuthorKind.HUMAN).at(Tier.HIGH) is GateAction.WARN
    assert policy.approvals.at(Tier.HIGH) == 1


@pytest.mark.parametrize(
    ("pattern", "address", "matches"),
    [
        ("module.prod_*", "module.prod_eu.aws_db_instance.main", True),
        ("module.prod", 'module.prod["a"].aws_vpc.x', True),
        ("module.prod", "module.production.aws_vpc.x", False),
        ("aws_db_instance.*", "aws_db_instance.main", True),
        ('aws_instance.web["a"]', 'aws_instance.web["a"]', True),
        ('aws_instance.web["a"]', "aws_instance.web", False),
        ("aws_instance.web[?]", "aws_instance.web[0]", True),
    ],
)
def test_address_globs(pattern: str, address: str, matches: bool) -> None:
    assert address_matches(pattern, address) is matches


@pytest.mark.parametrize(
    ("glob", "path", "guarded"),
    [
        ("./CODEOWNERS", "CODEOWNERS", True),
        ("/CODEOWNERS", "CODEOWNERS", True),
        ("*action.yml", "ci/gate/action.yml", True),
        (".github/workflows/*", ".github/workflows/deep/x.yml", True),
        (".github/workflows/*", "docs/.github/workflows/x.yml", False),
        ("CODEOWNERS", "docs/CODEOWNERS", False),
    ],
)
def test_gate_file_globs_are_read_from_the_repository_root(
    glob: str, path: str, guarded: bool
) -> None:
    policy = replace(load_policy(None, "defaults"), gate_files=(glob,))
    assert policy.guards(path) is guarded
