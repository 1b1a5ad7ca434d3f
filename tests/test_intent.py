"""The intent check on real Terraform plans of real git repositories: is each destroy or
replace explained by the code change, and is a cascade called out with its chain?

Each row starts from one applied base commit (a network, a subnet that replaces with it, a
local module whose server replaces with the subnet, an unrelated audit log), commits one edit
on a branch, plans it with a real Terraform and runs `planguard analyze --base main`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from gitrepo import commit, git
from helpers import cli
from terraform_runner import Terraform

VARIABLES = """\
variable "network_cidr" {
  default = "10.0.0.0/16"
}
"""
MAIN = """\
resource "terraform_data" "network" {
  triggers_replace = [var.network_cidr]
}

resource "terraform_data" "subnet" {
  triggers_replace = terraform_data.network.id
}

module "app" {
  source    = "./modules/app"
  subnet_id = terraform_data.subnet.id
}
"""
AUDIT = """\
resource "terraform_data" "audit" {
  input = "audit log"
}
"""
APP = """\
variable "subnet_id" {}

resource "terraform_data" "server" {
  triggers_replace = var.subnet_id
}
"""
RULESET = """\
ruleset: intent-test
classes:
  network: ["terraform_data"]
"""
NETWORK = "terraform_data.network"
SUBNET = "terraform_data.subnet"
SERVER = "module.app.terraform_data.server"
AUDIT_LOG = "terraform_data.audit"


@dataclass(frozen=True)
class Row:
    name: str
    edits: dict[str, str | None]
    """File → new text (None deletes it), committed on the `change` branch."""
    explained: dict[str, str]
    """Address → a phrase of the reason; every one is explained."""
    unexplained: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Address → its chain from what the diff changed."""
    plan_args: tuple[str, ...] = ()


ROWS = (
    Row(
        "variable default forces the network's replacement",
        {"variables.tf": VARIABLES.replace("10.0.0.0/16", "10.1.0.0/16")},
        explained={NETWORK: "`triggers_replace` forces the replacement"},
        unexplained={SUBNET: (NETWORK, SUBNET), SERVER: (NETWORK, SUBNET, SERVER)},
    ),
    Row("resource block deleted", {"audit.tf": None}, explained={AUDIT_LOG: "block was removed"}),
    Row("-replace", {}, explained={AUDIT_LOG: "-replace"}, plan_args=(f"-replace={AUDIT_LOG}",)),
    Row(
        "removed block added",
        {"audit.tf": "removed {\n  from = terraform_data.audit\n}\n"},
        explained={AUDIT_LOG: "`removed` block names it, added in this change"},
    ),
    Row(
        "module call removed",
        {"main.tf": MAIN.split('module "app"', maxsplit=1)[0]},
        explained={SERVER: "module call module.app was removed"},
    ),
    Row(
        "resource renamed without a moved block",
        {"audit.tf": AUDIT.replace('"audit"', '"audit_log"')},
        explained={AUDIT_LOG: "renamed to terraform_data.audit_log"},
    ),
)


@pytest.fixture(scope="module")
def applied_base(terraform: Terraform, tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("intent") / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    files = {
        ".gitignore": ".terraform/\n*.tfstate*\ntfplan\nplan.json\n.terraform.lock.hcl\n",
        "variables.tf": VARIABLES,
        "main.tf": MAIN,
        "audit.tf": AUDIT,
        "modules/app/main.tf": APP,
        "intent-ruleset.yaml": RULESET,
    }
    commit(repo, "base infrastructure", files)
    terraform.run(repo, "init", "-input=false", "-no-color")
    terraform.run(repo, "apply", "-auto-approve", "-input=false", "-no-color")
    return repo


def _planned(terraform: Terraform, base: Path, row: Row, into: Path) -> Path:
    repo = into / "repo"
    shutil.copytree(base, repo, symlinks=True)
    git(repo, "checkout", "-q", "-b", "change")
    edits = {name: text for name, text in row.edits.items() if text is not None}
    for name, text in row.edits.items():
        if text is None:
            git(repo, "rm", "-q", name)
    if row.edits:
        commit(repo, row.name, edits) if edits else git(repo, "commit", "-q", "-m", row.name)
    terraform.run(repo, "plan", "-input=false", "-no-color", "-out=tfplan", *row.plan_args)
    (repo / "plan.json").write_text(terraform.run(repo, "show", "-json", "tfplan"))
    return repo


def _findings(repo: Path) -> dict[str, Any]:
    args = ["analyze", str(repo / "plan.json"), "--base", "main", "--format", "json"]
    result = cli([*args, "--ruleset", str(repo / "intent-ruleset.yaml")])
    assert result.code == 0, result.err
    body = result.json()
    assert isinstance(body, dict)
    (root,) = body["roots"]
    return {f["address"]: f for f in root["findings"] if f["rule"] in ("replace", "destroy")}


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_each_destroy_is_explained_by_the_diff_or_called_out(
    row: Row, terraform: Terraform, applied_base: Path, tmp_path: Path
) -> None:
    findings = _findings(_planned(terraform, applied_base, row, tmp_path))
    assert set(findings) == set(row.explained) | set(row.unexplained)
    for address, phrase in row.explained.items():
        intent = findings[address]["intent"]
        assert intent["explained"] is True, (address, intent)
        assert phrase in intent["reason"], (address, intent["reason"])
        assert intent["escalated_from"] is None
    for address, chain in row.unexplained.items():
        finding = findings[address]
        intent = finding["intent"]
        assert intent["explained"] is False, (address, intent)
        assert intent["reason"] and not intent["reason"].startswith("not visible")
        assert tuple(intent["chain"]) == chain
        assert intent["escalated_from"] == "high" and finding["tier"] == "critical"


def test_the_explaining_line_is_the_changed_default(
    terraform: Terraform, applied_base: Path, tmp_path: Path
) -> None:
    findings = _findings(_planned(terraform, applied_base, ROWS[0], tmp_path))
    network = findings[NETWORK]["intent"]["evidence"]
    assert network[-1]["location"] == {"file": "variables.tf", "line": 2, "end_line": 3}
    assert "var.network_cidr changed" in network[-1]["text"]
    # The cascade shows what the diff changed at the start of its chain.
    subnet = findings[SUBNET]["intent"]["evidence"]
    assert subnet[-1]["location"]["file"] == "variables.tf"


def test_without_base_findings_still_carry_file_and_line(
    terraform: Terraform, applied_base: Path, tmp_path: Path
) -> None:
    repo = _planned(terraform, applied_base, ROWS[0], tmp_path)
    args = ["analyze", str(repo / "plan.json"), "--format", "json"]
    body = cli([*args, "--ruleset", str(repo / "intent-ruleset.yaml")]).json()
    assert isinstance(body, dict)
    found = {f["address"]: f for f in body["roots"][0]["findings"]}
    assert found[NETWORK]["location"] == {"file": "main.tf", "line": 1, "end_line": 3}
    assert found[SERVER]["location"] == {"file": "modules/app/main.tf", "line": 3, "end_line": 5}
    assert found[NETWORK]["intent"] is None


def test_an_unexplained_replacement_says_what_the_diff_does_change(
    terraform: Terraform, applied_base: Path, tmp_path: Path
) -> None:
    """The subnet reads the changed `var.network_cidr`, yet is replaced only because the
    network is: "nothing in the diff changes it or what it reads" would be false."""
    subnet_reads_cidr = MAIN.replace(
        "  triggers_replace = terraform_data.network.id\n",
        "  triggers_replace = terraform_data.network.id\n  input            = var.network_cidr\n",
    )
    row = Row(
        "the subnet reads the changed variable",
        {
            "variables.tf": VARIABLES.replace("10.0.0.0/16", "10.1.0.0/16"),
            "main.tf": subnet_reads_cidr,
        },
        explained={},
    )
    intent = _findings(_planned(terraform, applied_base, row, tmp_path))[SUBNET]["intent"]
    assert intent["explained"] is False
    assert "nothing in the diff" not in intent["reason"]
    assert intent["reason"] == (
        "the diff changes `input`, but not `triggers_replace`, which forces the replacement"
    )


def test_removing_prevent_destroy_is_high_even_when_the_plan_changes_nothing(
    terraform: Terraform, tmp_path: Path
) -> None:
    """Lifecycle is not in the plan JSON: the code change shows the protection going."""
    guarded = 'resource "terraform_data" "db" {\n  input = "orders"\n%s}\n'
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    ignore = ".terraform/\n*.tfstate*\ntfplan\nplan.json\n.terraform.lock.hcl\n"
    lifecycle = "  lifecycle {\n    prevent_destroy = true\n  }\n"
    commit(repo, "guarded database", {".gitignore": ignore, "main.tf": guarded % lifecycle})
    terraform.run(repo, "init", "-input=false", "-no-color")
    terraform.run(repo, "apply", "-auto-approve", "-input=false", "-no-color")
    git(repo, "checkout", "-q", "-b", "change")
    commit(repo, "drop the guard", {"main.tf": guarded % ""})
    terraform.run(repo, "plan", "-input=false", "-no-color", "-out=tfplan")
    (repo / "plan.json").write_text(terraform.run(repo, "show", "-json", "tfplan"))
    result = cli(["analyze", str(repo / "plan.json"), "--base", "main", "--format", "json"])
    assert result.code == 0, result.err
    (finding,) = result.json()["roots"][0]["findings"]  # type: ignore[index]
    assert (finding["address"], finding["action"]) == ("terraform_data.db", "no-op")
    assert [h["id"] for h in finding["hazards"]] == ["prevent-destroy-removed"]
    assert finding["tier"] == "high"
    assert finding["location"]["file"] == "main.tf"
