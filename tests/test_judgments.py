"""Judgments an SRE would sign, each on a plan real Terraform made (or a real plan with one
change rewritten to a provider type no test can download): a root cause ranks first,
create-first replacements take nothing away, a few destroys are no teardown, disarming a
protection is high on its own, and an unknown type is never silently low."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import cli
from terraform_runner import Terraform

CASCADE = """
variable "generation" { default = "a" }
resource "terraform_data" "cluster" {
  input            = "cluster"
  triggers_replace = var.generation
}
resource "terraform_data" "oidc" {
  input            = "identity"
  triggers_replace = terraform_data.cluster.id
}
resource "terraform_data" "node" {
  count            = 3
  input            = "node"
  triggers_replace = terraform_data.cluster.id
}
"""
# The identity provider scores above the cluster on its own (a hazard only it trips), as an
# EKS cluster's OIDC provider does through its class.
IDENTITY_WEIGHS_MORE = """
ruleset: test-identity
hazards:
  - id: test-identity-destroyed
    types: [terraform_data]
    attribute: input
    when: destroyed_with
    value: identity
    points: 40
    summary: an identity everything else trusts
"""
NETWORK = "ruleset: test-network\nclasses:\n  network: [terraform_data]\n"


def group(create_first: bool, dependents: int) -> str:
    lifecycle = "lifecycle {\n    create_before_destroy = true\n  }" if create_first else ""
    return f"""
variable "generation" {{ default = "a" }}
resource "terraform_data" "group" {{
  input            = var.generation
  triggers_replace = var.generation
  {lifecycle}
}}
resource "terraform_data" "member" {{
  count      = {dependents}
  input      = "member"
  depends_on = [terraform_data.group]
}}
"""


def small_stack(count: int, replaced: int, create_first: bool) -> str:
    lifecycle = "lifecycle {\n    create_before_destroy = true\n  }" if create_first else ""
    return f"""
variable "generation" {{ default = "a" }}
resource "terraform_data" "item" {{
  count            = {count}
  input            = "item"
  triggers_replace = count.index < {replaced} ? var.generation : "kept"
  {lifecycle}
}}
"""


def planned(terraform: Terraform, tmp_path: Path, config: str) -> Path:
    """Apply `config`, then plan generation b; the plan's JSON."""
    workdir = tmp_path / "root"
    workdir.mkdir()
    (workdir / "main.tf").write_text(config)
    terraform.run(workdir, "init", "-input=false", "-no-color")
    terraform.run(workdir, "apply", "-auto-approve", "-input=false", "-no-color")
    terraform.run(
        workdir, "plan", "-input=false", "-no-color", "-out=tfplan", "-var", "generation=b"
    )
    out = workdir / "plan.json"
    out.write_text(terraform.run(workdir, "show", "-json", "tfplan"))
    return out


def findings(plan: Path, *rulesets: Path) -> list[dict[str, Any]]:
    args = ["analyze", str(plan), "--format", "json"]
    for ruleset in rulesets:
        args += ["--ruleset", str(ruleset)]
    result = cli(args)
    assert result.code == 0, result.err
    return result.json()["roots"][0]["findings"]  # type: ignore[index,no-any-return]


def by_address(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["address"]: f for f in found}


def component(finding: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in finding["components"] if c["name"] == name)


TIERS = ["low", "medium", "high", "critical"]


def test_a_root_cause_ranks_at_or_above_everything_it_sets_off(
    terraform: Terraform, tmp_path: Path
) -> None:
    ruleset = tmp_path / "identity.yaml"
    ruleset.write_text(IDENTITY_WEIGHS_MORE)
    found = findings(planned(terraform, tmp_path, CASCADE), ruleset)
    cluster, oidc = (
        by_address(found)["terraform_data.cluster"],
        by_address(found)["terraform_data.oidc"],
    )
    assert oidc["root_causes"] == ["terraform_data.cluster"]
    assert found[0]["address"] == "terraform_data.cluster"  # the headline names the cause
    assert TIERS.index(cluster["tier"]) >= TIERS.index(oidc["tier"])
    assert cluster["score"] >= oidc["score"]
    assert "terraform_data.oidc" in component(cluster, "root cause")["reason"]
    causes_first = [f["address"] for f in found if f["score"] == cluster["score"]]
    assert causes_first[0] == "terraform_data.cluster"


@pytest.mark.parametrize("create_first", [False, True], ids=["delete-first", "create-first"])
def test_a_create_first_replacement_takes_nothing_from_its_dependents(
    create_first: bool, terraform: Terraform, tmp_path: Path
) -> None:
    ruleset = tmp_path / "network.yaml"
    ruleset.write_text(NETWORK)
    found = by_address(findings(planned(terraform, tmp_path, group(create_first, 4)), ruleset))
    replaced = found["terraform_data.group"]
    blast, cls = component(replaced, "blast radius"), component(replaced, "class")
    if create_first:
        assert replaced["action"] == "create,delete"
        assert "none left without it" in blast["reason"] and blast["points"] == 0
        assert cls["points"] == 15 and "create-first" in cls["reason"]
    else:
        assert replaced["action"] == "delete,create"
        assert "4 unchanged but losing what they depend on" in blast["reason"]
        assert blast["points"] > 0 and cls["points"] == 30


@pytest.mark.parametrize(
    ("count", "replaced", "create_first", "teardown"),
    [
        (3, 2, False, False),  # 2 of 3 small objects: no environment teardown
        (8, 7, True, False),  # a create-first cascade: nothing goes missing
        (8, 7, False, False),  # 7 small stateless objects (weight 0.5 each): below the minimum
        (12, 12, False, True),  # the whole stack gone before its replacements: a teardown
    ],
    ids=["two-of-three", "create-first-cascade", "small-delete-first", "whole-stack"],
)
def test_teardown_weighs_what_goes_missing(
    count: int, replaced: int, create_first: bool, teardown: bool, terraform: Terraform,
    tmp_path: Path,
) -> None:  # fmt: skip
    plan = planned(terraform, tmp_path, small_stack(count, replaced, create_first))
    rules = {f["rule"] for f in findings(plan)}
    assert ("environment-teardown" in rules) is teardown


def rewritten(real_plans: dict[str, Path], tmp_path: Path, **change: Any) -> Path:
    """A real plan with its first update turned into `change` (type, action, before, after)."""
    doc = json.loads(real_plans["update"].read_text())
    target = next(c for c in doc["resource_changes"] if c["change"]["actions"] == ["update"])
    target["type"] = change["type"]
    target["change"]["actions"] = change["actions"]
    target["change"]["before"] = change["before"]
    target["change"]["after"] = change["after"]
    for side in ("before_sensitive", "after_sensitive", "after_unknown"):
        target["change"][side] = {}
    target["address"] = f"{change['type']}.{target['name']}"
    path = tmp_path / "rewritten.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(
    ("rtype", "attribute", "before", "after"),
    [
        ("aws_db_instance", "deletion_protection", True, False),
        ("google_sql_database_instance", "deletion_protection", True, False),
        ("acme_database", "termination_protection_enabled", True, False),  # no ruleset knows it
        ("mongodbatlas_advanced_cluster", "termination_protection_enabled", True, False),
        ("aws_s3_bucket", "force_destroy", False, True),
        ("aws_db_instance", "skip_final_snapshot", False, True),
        ("aws_kms_key", "deletion_window_in_days", 30, 7),
        ("acme_vault", "soft_deletion_window_days", 90, 7),
    ],
)
def test_disarming_a_protection_is_high_on_its_own(
    rtype: str, attribute: str, before: object, after: object,
    real_plans: dict[str, Path], tmp_path: Path,
) -> None:  # fmt: skip
    plan = rewritten(
        real_plans, tmp_path, type=rtype, actions=["update"],
        before={attribute: before, "name": "x"}, after={attribute: after, "name": "x"},
    )  # fmt: skip
    (finding,) = [f for f in findings(plan) if f["resource_type"] == rtype]
    assert finding["tier"] in ("high", "critical"), finding["components"]
    assert len(finding["hazards"]) == 1  # a provider's own hazard wins over the by-name one
    assert finding["hazards"][0]["attribute"] == attribute


def test_the_same_attribute_not_disarmed_is_no_hazard(
    real_plans: dict[str, Path], tmp_path: Path
) -> None:
    plan = rewritten(
        real_plans, tmp_path, type="acme_database", actions=["update"],
        before={"termination_protection_enabled": False}, after={"termination_protection_enabled": True},
    )  # fmt: skip
    assert not [f for f in findings(plan) if f["resource_type"] == "acme_database"]


@pytest.mark.parametrize(
    ("rtype", "cls"),
    [
        ("mongodbatlas_cluster", "stateful"),
        ("snowflake_database", "stateful"),
        ("github_repository", "stateful"),
        ("confluent_kafka_cluster", "stateful"),
        ("ec_deployment", "stateful"),
        ("cloudflare_zone", "dns_edge"),
        ("cloudflare_record", "dns_edge"),
        ("datadog_monitor", "compute"),
    ],
)
def test_well_known_types_of_other_providers_are_classified(
    rtype: str, cls: str, real_plans: dict[str, Path], tmp_path: Path
) -> None:
    plan = rewritten(
        real_plans, tmp_path, type=rtype, actions=["delete"], before={"name": "x"}, after=None
    )
    (finding,) = [f for f in findings(plan) if f["resource_type"] == rtype]
    assert finding["resource_class"] == cls
    if cls == "stateful":
        assert finding["tier"] in ("high", "critical")


def test_a_data_bearing_object_replaced_create_first_keeps_its_weight(
    terraform: Terraform, tmp_path: Path
) -> None:
    """Create-first spares the dependents, not the data: a stateful object's class and data
    loss score in full (corpus: checkov's aws_secretsmanager_secret replaced create-first)."""
    ruleset = tmp_path / "stateful.yaml"
    ruleset.write_text("ruleset: test-stateful\nclasses:\n  stateful: [terraform_data]\n")
    found = by_address(findings(planned(terraform, tmp_path, group(True, 1)), ruleset))
    replaced = found["terraform_data.group"]
    assert component(replaced, "class")["points"] == 40
    assert component(replaced, "data loss")["points"] == 30
    assert replaced["tier"] in ("high", "critical")


KEY_AND_ALIAS = """
variable "generation" { default = "a" }
resource "terraform_data" "key" {
  triggers_replace = var.generation
}
"""
ALIAS = """
resource "terraform_data" "alias" {
  input = terraform_data.key.id
}
"""


def test_a_removed_block_is_its_own_cause_not_a_cascade(
    terraform: Terraform, tmp_path: Path
) -> None:
    """The key is replaced and the alias's block removed in the same change: the alias goes
    because its block is gone, not because of the key."""
    workdir = tmp_path / "root"
    workdir.mkdir()
    (workdir / "main.tf").write_text(KEY_AND_ALIAS + ALIAS)
    terraform.run(workdir, "init", "-input=false", "-no-color")
    terraform.run(workdir, "apply", "-auto-approve", "-input=false", "-no-color")
    (workdir / "main.tf").write_text(KEY_AND_ALIAS)
    terraform.run(
        workdir, "plan", "-input=false", "-no-color", "-out=tfplan", "-var", "generation=b"
    )
    plan = workdir / "plan.json"
    plan.write_text(terraform.run(workdir, "show", "-json", "tfplan"))
    alias = by_address(findings(plan))["terraform_data.alias"]
    assert alias["action_reason"] == "delete_because_no_resource_config"
    assert alias["root_causes"] == []


def test_a_deleted_kms_key_says_it_waits_out_its_deletion_window(
    real_plans: dict[str, Path], tmp_path: Path
) -> None:
    plan = rewritten(
        real_plans, tmp_path, type="aws_kms_key", actions=["delete"],
        before={"deletion_window_in_days": 23, "is_enabled": True}, after=None,
    )  # fmt: skip
    (key,) = [f for f in findings(plan) if f["resource_type"] == "aws_kms_key"]
    (hazard,) = key["hazards"]
    assert hazard["id"] == "aws-kms-key-scheduled-deletion"
    assert "deletion window" in hazard["summary"] and "23" not in json.dumps(key)  # no value
