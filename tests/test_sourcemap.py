"""The source map on small hand-written configurations: what is mapped, what is reported as
not mapped, and that a broken file is a warning with its line, never a failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import cli

from planguard.plan.model import ActionReason
from planguard.source.diff import Diff, FileDiff, parse_git_diff, parse_patch
from planguard.source.intent import CodeChange, DestroyedResource, IntentCheck
from planguard.source.model import AddressBlockKind, ObjectKind
from planguard.source.read import WorkTree
from planguard.source.sourcemap import build_source_map

TWICE = {
    "main.tf": 'module "a" {\n  source = "./m"\n}\nmodule "b" {\n  source = "./m/"\n}\n',
    "m/main.tf": 'resource "terraform_data" "x" {\n}\n',
}


def _write(root: Path, files: dict[str, str]) -> WorkTree:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return WorkTree(root)


def test_a_module_directory_two_calls_use_maps_both_and_counts_its_files_once(
    tmp_path: Path,
) -> None:
    found = build_source_map(_write(tmp_path, TWICE), "")
    assert found.files == ("main.tf", "m/main.tf")
    for call in ("a", "b"):
        obj = found.objects[f"module.{call}.terraform_data.x"]
        assert (obj.location.file, obj.location.line, obj.location.end_line) == ("m/main.tf", 1, 2)


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("./missing", "(no .tf files there)"),
        ("terraform-aws-modules/vpc/aws", "terraform-aws-modules/vpc/aws"),
        ("git::https://example.com/m.git", "git::https://example.com/m.git"),
        ("../../outside", "(outside the repository)"),
    ],
)
def test_module_sources_planguard_cannot_read_are_reported_not_mapped(
    tmp_path: Path, source: str, why: str
) -> None:
    files = {"main.tf": f'module "net" {{\n  source = "{source}"\n}}\n'}
    found = build_source_map(_write(tmp_path, files), "")
    [unmapped] = found.unmapped
    assert unmapped.module == "module.net" and why in unmapped.source
    assert str(unmapped.location) == "main.tf:1"
    assert found.unmapped_module("module.net.aws_vpc.this") == unmapped


def test_a_file_that_does_not_parse_is_a_warning_with_its_line(tmp_path: Path) -> None:
    files = {
        "good.tf": 'resource "terraform_data" "ok" {\n}\n',
        "bad.tf": 'resource "terraform_data" "x" {\n  input = \n}\n',
    }
    found = build_source_map(_write(tmp_path, files), "")
    [warning] = found.warnings
    assert (warning.file, warning.line) == ("bad.tf", 2)
    assert str(warning).startswith("bad.tf:2: does not parse")
    assert "terraform_data.ok" in found.objects and found.files == ("good.tf",)


def test_a_broken_file_does_not_fail_the_analysis(tmp_path: Path) -> None:
    plan = Path(__file__).parent.parent / "examples" / "destroy.json"
    (tmp_path / "bad.tf").write_text("resource {{{\n")
    result = cli(["analyze", str(plan), "--source", str(tmp_path), "--format", "json"])
    assert result.code in (0, 1), result.err
    body = result.json()
    assert isinstance(body, dict)
    assert body["roots"][0]["source"]["warnings"][0].startswith("bad.tf:1: does not parse")


def test_lifecycle_and_address_blocks_are_read(tmp_path: Path) -> None:
    files = {
        "main.tf": """\
resource "terraform_data" "db" {
  lifecycle {
    prevent_destroy       = true
    create_before_destroy = true
    ignore_changes        = [input]
    replace_triggered_by  = [terraform_data.network.id]
  }
}
moved {
  from = terraform_data.old
  to   = terraform_data.db
}
removed {
  from = module.legacy
  lifecycle {
    destroy = false
  }
}
import {
  to = terraform_data.db
  id = "db-1"
}
"""
    }
    found = build_source_map(_write(tmp_path, files), "")
    db = found.objects["terraform_data.db"]
    assert db.kind is ObjectKind.RESOURCE and db.lifecycle is not None
    assert db.lifecycle.facts == (
        "prevent_destroy = true",
        "create_before_destroy = true",
        "ignore_changes = [input]",
        "replace_triggered_by = [terraform_data.network.id]",
    )
    kinds = [(b.kind, b.from_address, b.to_address, b.destroy) for b in found.address_blocks]
    assert kinds == [
        (AddressBlockKind.MOVED, "terraform_data.old", "terraform_data.db", None),
        (AddressBlockKind.REMOVED, "module.legacy", None, False),
        (AddressBlockKind.IMPORT, None, "terraform_data.db", None),
    ]


def test_attribute_values_are_not_kept(tmp_path: Path) -> None:
    secret = "hunter2-canary-value"
    files = {"main.tf": f'resource "x_db" "d" {{\n  password = "{secret}"\n}}\n'}
    found = build_source_map(_write(tmp_path, files), "")
    assert secret not in repr(found)


@pytest.mark.parametrize(
    ("text", "removed", "added"),
    [
        ("@@ -2 +2 @@\n-a\n+b\n", (2,), (2,)),
        ("@@ -0,0 +1,2 @@\n+a\n+b\n", (), (1, 2)),
        ("@@ -3,2 +2,0 @@\n-a\n-b\n", (3, 4), ()),
        ("@@ -1,3 +1,4 @@\n x\n-y\n+y2\n+y3\n z\n", (2,), (2, 3)),
    ],
)
def test_patch_lines(text: str, removed: tuple[int, ...], added: tuple[int, ...]) -> None:
    diff = parse_patch("f.tf", text)
    assert (diff.removed, diff.added) == (removed, added)


def test_git_diff_renames_and_deletions() -> None:
    text = (
        "diff --git a/old.tf b/new.tf\nsimilarity index 90%\nrename from old.tf\n"
        "rename to new.tf\n--- a/old.tf\n+++ b/new.tf\n@@ -1 +1 @@\n-a\n+b\n"
        "diff --git a/gone.tf b/gone.tf\ndeleted file mode 100644\n--- a/gone.tf\n"
        "+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n"
    )
    renamed, gone = parse_git_diff(text).files
    assert (renamed.old_path, renamed.new_path, renamed.added) == ("old.tf", "new.tf", (1,))
    assert (gone.old_path, gone.new_path, gone.removed) == ("gone.tf", None, (1, 2))


def test_a_remote_module_source_is_shown_without_its_credentials(tmp_path: Path) -> None:
    token = "ghp_canary0123456789"
    files = {
        "main.tf": f'module "m" {{\n  source = "git::https://bot:{token}@example.com/m.git?ref=v1"\n}}\n'
    }
    found = build_source_map(_write(tmp_path, files), "")
    assert token not in repr(found)
    assert found.unmapped[0].source == "git::https://example.com/m.git"


RESOURCE = 'resource "x_db" "d" {\n  engine = var.e\n}\n'
VARIABLE = 'variable "e" {\n  description = "engine"\n  default     = "pg"\n}\n'


@pytest.mark.parametrize(
    ("name", "head_files", "changed", "explained"),
    [
        ("the default changed", {"v.tf": VARIABLE.replace('"pg"', '"my"')}, ("v.tf", 3), True),
        ("only the description", {"v.tf": VARIABLE.replace("engine", "db")}, ("v.tf", 2), False),
        ("terraform.tfvars", {"terraform.tfvars": 'e = "my"\n'}, ("terraform.tfvars", 1), True),
        ("x.auto.tfvars", {"x.auto.tfvars": 'e = "my"\n'}, ("x.auto.tfvars", 1), True),
        ("a -var-file", {"staging.tfvars": 'e = "my"\n'}, ("staging.tfvars", 1), False),
    ],
)
def test_what_changes_a_variables_value(
    tmp_path: Path, name: str, head_files: dict[str, str], changed: tuple[str, int], explained: bool
) -> None:
    base_files = {"main.tf": RESOURCE, "v.tf": VARIABLE}
    base = build_source_map(_write(tmp_path / "base", base_files), "")
    head = build_source_map(_write(tmp_path / "head", {**base_files, **head_files}), "")
    path, line = changed
    diff = Diff((FileDiff(path, path, (), (line,), ((line, line),)),))
    resource = DestroyedResource(
        "x_db.d", "x_db.d", ActionReason.REPLACE_BECAUSE_CANNOT_UPDATE, ("engine",)
    )
    assert IntentCheck(CodeChange(head, base, diff)).judge(resource).explained is explained


def test_a_head_file_that_does_not_parse_explains_no_removal(tmp_path: Path) -> None:
    base = build_source_map(_write(tmp_path / "base", {"main.tf": RESOURCE}), "")
    head = build_source_map(_write(tmp_path / "head", {"main.tf": "\ufeff" + RESOURCE + "{{"}), "")
    assert head.warnings and "x_db.d" not in head.objects
    diff = Diff((FileDiff("main.tf", "main.tf", (1,), (1,), ((1, 1),)),))
    resource = DestroyedResource(
        "x_db.d", "x_db.d", ActionReason.DELETE_BECAUSE_NO_RESOURCE_CONFIG, ()
    )
    verdict = IntentCheck(CodeChange(head, base, diff)).judge(resource)
    assert verdict.explained is False
