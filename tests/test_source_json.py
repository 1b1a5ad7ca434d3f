"""`*.tf.json` configurations are mapped like `.tf` ones: blocks, lines, lifecycle, module calls
and references, and every output of a real Terraform plan of a JSON root carries `file:line`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitrepo import commit, git
from helpers import cli
from terraform_runner import Terraform

from planguard.findings import SourceLocation
from planguard.source.hcl import ParsedFile, ParseFailure
from planguard.source.model import AddressBlockKind, ObjectKind
from planguard.source.read import WorkTree
from planguard.source.sourcemap import build_source_map
from planguard.source.tfjson import parse_json_config
from planguard.source.where import source_directory

MAIN = """\
{
  "variable": {
    "network_cidr": {
      "default": "10.0.0.0/16"
    }
  },
  "resource": {
    "terraform_data": {
      "network": {
        "triggers_replace": ["${var.network_cidr}"],
        "lifecycle": {
          "create_before_destroy": false
        }
      },
      "subnet": {
        "triggers_replace": "${terraform_data.network.id}"
      }
    }
  },
  "module": {
    "app": {
      "source": "./modules/app",
      "subnet_id": "${terraform_data.subnet.id}"
    }
  }
}
"""
APP = """\
{
  "variable": {"subnet_id": {}},
  "resource": [
    {"terraform_data": {"server": {"triggers_replace": "${var.subnet_id}"}}}
  ]
}
"""
NETWORK_LINE = 9  # `"network": {` in MAIN
SERVER_LINE = 4  # `{"terraform_data": {"server": …` in APP


def test_a_json_root_and_its_json_module_are_mapped(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text(MAIN)
    (tmp_path / "modules" / "app").mkdir(parents=True)
    (tmp_path / "modules" / "app" / "main.tf.json").write_text(APP)
    found = build_source_map(WorkTree(tmp_path), "")
    assert found.warnings == ()
    assert found.files == ("main.tf.json", "modules/app/main.tf.json")
    network = found.objects["terraform_data.network"]
    assert network.location == SourceLocation("main.tf.json", NETWORK_LINE, 14)
    assert network.attribute("triggers_replace").references == ("var.network_cidr",)  # type: ignore[union-attr]
    assert network.lifecycle is not None and network.lifecycle.create_before_destroy is False
    server = found.objects["module.app.terraform_data.server"]
    assert server.location.file == "modules/app/main.tf.json"
    assert server.location.line == SERVER_LINE
    assert server.attributes[0].references == ("module.app.var.subnet_id",)
    assert found.variable_feeds["module.app.var.subnet_id"] == ("module.app", "subnet_id")
    assert found.objects["var.network_cidr"].kind is ObjectKind.VARIABLE
    assert found == build_source_map(WorkTree(tmp_path), "", selective=False)


def test_json_blocks_lists_and_expressions() -> None:
    text = json.dumps(
        {
            "locals": {"name": "${upper(var.env)}-${local.suffix}"},
            "moved": [{"from": "terraform_data.old", "to": "terraform_data.new"}],
            "removed": {"from": "terraform_data.gone", "lifecycle": {"destroy": False}},
            "resource": {
                "x_db": {
                    "main": {
                        "depends_on": ["x_net.main"],
                        "engine": '${var.engine == "pg" ? "${local.a}" : "b"}',
                        "ebs": [{"size": "${var.size}"}, {"size": 2}],
                        "lifecycle": {
                            "prevent_destroy": True,
                            "ignore_changes": ["tags", "engine"],
                        },
                    }
                }
            },
        },
        indent=2,
    )
    parsed = parse_json_config(text)
    assert isinstance(parsed, ParsedFile)
    kinds = [b.kind for b in parsed.blocks]
    assert kinds == ["locals", "moved", "removed", "resource"]
    name = parsed.blocks[0].attributes[0]
    assert name.references == (("var", "env"), ("local", "suffix"))
    moved = parsed.blocks[1]
    assert moved.attribute("to").verbatim == "terraform_data.new"  # type: ignore[union-attr]
    db = parsed.blocks[3]
    assert db.attribute("depends_on").references == (("x_net", "main"),)  # type: ignore[union-attr]
    assert db.attribute("engine").references == (("var", "engine"), ("local", "a"))  # type: ignore[union-attr]
    assert [b.kind for b in db.blocks] == ["ebs", "ebs", "lifecycle"]
    lifecycle = db.block("lifecycle")
    assert lifecycle is not None
    assert lifecycle.attribute("prevent_destroy").literal is True  # type: ignore[union-attr]
    assert lifecycle.attribute("ignore_changes").verbatim == "[tags, engine]"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('{\n  "resource": {\n    "a": [1,]\n  }\n}\n', 3),
        ('{\n  "a": 1\n}\n}', 4),
        ("[1]", 1),
        ("", 1),
    ],
)
def test_json_that_does_not_parse_says_where(text: str, line: int) -> None:
    parsed = parse_json_config(text)
    assert isinstance(parsed, ParseFailure) and parsed.line == line


def test_a_broken_json_file_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text('{\n  "resource": {\n}\n')
    (tmp_path / "ok.tf.json").write_text('{"moved": {"from": "a.b", "to": "a.c"}}')
    found = build_source_map(WorkTree(tmp_path), "")
    (warning,) = found.warnings
    assert warning.file == "main.tf.json" and "does not parse" in warning.message
    assert found.files == ("ok.tf.json",)
    (block,) = found.address_blocks
    assert block.kind is AddressBlockKind.MOVED and block.to_address == "a.c"


def test_a_json_only_directory_is_a_source_directory(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text("{}")
    assert source_directory(str(tmp_path / "plan.json"), None, tmp_path / "elsewhere") == tmp_path


# A real plan -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def json_root(terraform: Terraform, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository whose JSON root is applied at `main`, then changed on `change` so that
    the network is replaced (a new CIDR) and the subnet and server cascade."""
    repo = tmp_path_factory.mktemp("json") / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    ignored = ".terraform/\n*.tfstate*\ntfplan\nplan.json\n.terraform.lock.hcl\n"
    files = {".gitignore": ignored, "main.tf.json": MAIN, "modules/app/main.tf.json": APP}
    commit(repo, "base", files)
    terraform.run(repo, "init", "-input=false", "-no-color")
    terraform.run(repo, "apply", "-auto-approve", "-input=false", "-no-color")
    git(repo, "checkout", "-q", "-b", "change")
    commit(repo, "new network", {"main.tf.json": MAIN.replace("10.0.0.0/16", "10.1.0.0/16")})
    terraform.run(repo, "plan", "-input=false", "-no-color", "-out=tfplan")
    (repo / "plan.json").write_text(terraform.run(repo, "show", "-json", "tfplan"))
    return repo


@pytest.mark.parametrize("form", ["text", "markdown", "sarif", "json", "html"])
def test_every_output_of_a_json_root_carries_file_and_line(json_root: Path, form: str) -> None:
    result = cli(["analyze", str(json_root / "plan.json"), "--format", form, "--base", "main"])
    assert result.code in (0, 1), result.err
    if form == "json":
        (root,) = result.json()["roots"]
        located = {f["address"]: f["location"] for f in root["findings"] if f.get("location")}
        assert located["terraform_data.network"] == {
            "file": "main.tf.json",
            "line": NETWORK_LINE,
            "end_line": 14,
        }
        assert located["module.app.terraform_data.server"]["file"] == "modules/app/main.tf.json"
        assert root["source"]["warnings"] == []
        network = next(f for f in root["findings"] if f["address"] == "terraform_data.network")
        assert network["intent"]["explained"] is True, network["intent"]
        return
    if form == "sarif":
        sarif = json.loads(result.out)
        places = [
            loc["physicalLocation"]
            for run in sarif["runs"]
            for r in run["results"]
            for loc in r["locations"]
        ]
        spots = {(p["artifactLocation"]["uri"], p["region"]["startLine"]) for p in places}
        assert ("main.tf.json", NETWORK_LINE) in spots, spots
        return
    assert f"main.tf.json:{NETWORK_LINE}" in result.out


def test_explain_names_the_json_block(json_root: Path) -> None:
    result = cli(["explain", str(json_root / "plan.json"), "terraform_data.network"])
    assert result.code == 0, result.err
    assert f"main.tf.json:{NETWORK_LINE}" in result.out
