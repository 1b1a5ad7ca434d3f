"""The selective source map (scan every file, parse a block only when a finding or the intent
check asks for it) is the full one (parse every file whole): for every configuration the tests
hold and for hostile ones, every lookup, every non-object field and every intent verdict agree.

Configurations: every directory of `.tf` files under tests/terraform and tests/corpus_sources,
and every HCL snippet written as a string in a test module (found by reading the modules).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from planguard.plan.model import ActionReason
from planguard.records import field_names
from planguard.source.diff import Diff, whole_file
from planguard.source.intent import CodeChange, DestroyedResource, IntentCheck, Judgement
from planguard.source.model import ObjectKind, SourceMap
from planguard.source.read import WorkTree
from planguard.source.sourcemap import build_source_map

TESTS = Path(__file__).parent
CONFIG_SUFFIXES = (".tf", ".tf.json", ".tfvars")
HCL_WORDS = ('resource "', 'variable "', 'module "', "locals {", 'data "', "moved {", 'output "')


def _directories() -> list[Path]:
    found = {
        p.parent
        for top in ("terraform", "corpus_sources")
        for p in (TESTS / top).rglob("*")
        if p.name.endswith(CONFIG_SUFFIXES)
    }
    return sorted(found)


def _snippets() -> list[tuple[str, str]]:
    """Every string constant of a test module that reads like HCL."""
    found: dict[str, str] = {}
    for module in sorted(TESTS.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if any(w in text for w in HCL_WORDS) and "{" in text:
                    found.setdefault(text, f"{module.stem}:{node.lineno}")
    return sorted((where, text) for text, where in found.items())


HOSTILE = {
    "header in a heredoc": (
        'resource "terraform_data" "a" {\n'
        "  input = <<EOT\n"
        'resource "terraform_data" "ghost" {\n'
        "  input = 1\n"
        "}\n"
        "EOT\n"
        "}\n"
        'resource "terraform_data" "b" {\n  input = <<-X\n    }\n    X\n}\n'
    ),
    "resource word in comments": (
        '# resource "terraform_data" "ghost" {\n'
        '// resource "terraform_data" "ghost2" {\n'
        'resource "terraform_data" "a" { # resource "x" "y" {\n'
        "  input = 1 // }\n"
        "}\n"
    ),
    "headers in block comments": (
        "/*\n"
        'resource "terraform_data" "ghost" {\n'
        "}\n"
        "*/\n"
        'resource "terraform_data" "a" {\n  input = /* } */ 1\n}\n'
        '/* resource "terraform_data" "ghost2" { */ resource "terraform_data" "b" {}\n'
    ),
    "braces in strings": (
        'resource "terraform_data" "a" {\n'
        '  input = "}{ resource \\"x\\" \\"y\\" {"\n'
        '  more  = "${jsonencode({ a = "}" })}"\n'
        "}\n"
        'locals {\n  brace = "{"\n  other = "${"}"}"\n}\n'
    ),
    "a template directive": (
        'resource "terraform_data" "a" {\n  input = "%{ if true }}%{ endif }"\n}\n'
        'resource "terraform_data" "b" {\n  input = 1\n}\n'
    ),
    "unbalanced braces in a broken file": (
        'resource "terraform_data" "a" {\n  input = {\n}\nresource "terraform_data" "b" {\n}\n'
    ),
    "a heredoc that never ends": (
        'resource "terraform_data" "a" {\n  input = <<EOT\nresource "terraform_data" "b" {\n}\n'
    ),
    "keywords and odd names": (
        'resource "terraform_data" "a" {\n  for_each = toset(["x"])\n'
        '  input = [for k, v in var.m : v.id if k != ""]\n'
        "  other = { for k, v in var.m : k => v... }\n"
        "  third = var.a ? var.b : var.c\n"
        "  fourth = var.a ?\n    var.b : var.c\n"
        "}\n"
        "locals {\n  a-b = 1\n  c = local.a-b\n}\n"
        "resource terraform_data unquoted {\n}\n"
    ),
    "duplicates keep the first": (
        'resource "terraform_data" "a" {\n  input = 1\n}\n'
        'resource "terraform_data" "a" {\n  input = 2\n}\n'
        "locals {\n  x = 1\n}\nlocals {\n  x = 2\n}\n"
    ),
    # Brackets that match around text that does not parse: only the recognizer can tell.
    "a syntax error inside a block": (
        'resource "terraform_data" "a" {\n  input = = 1\n}\n'
        'resource "terraform_data" "b" {\n  input = 1\n}\n'
    ),
    "an operator with nothing after it": 'resource "terraform_data" "a" {\n  input = 1 +\n}\n',
    "a call never closed inside a block": (
        'resource "terraform_data" "a" {\n  input = f(1, [2)\n  x = ]\n}\n'
    ),
    "a label after the brace": 'resource "terraform_data" {\n} "a"\n',
    "a top-level attribute": 'x = 1\nresource "terraform_data" "a" {\n}\n',
    "a byte-order mark": '\ufeffresource "terraform_data" "a" {\n}\n',
    "CRLF line ends": 'resource "terraform_data" "a" {\r\n  input = var.x\r\n}\r\n',
    "no final newline": 'resource "terraform_data" "a" {\n  input = 1\n} # end',
}


def _compare_maps(tree: WorkTree, directory: str) -> None:
    full = build_source_map(tree, directory, selective=False)
    selective = build_source_map(tree, directory)
    fields = [name for name in field_names(SourceMap) if name != "objects"]
    for name in fields:
        assert getattr(selective, name) == getattr(full, name), name
    keys = set(full.objects)
    absent = {k + "_absent" for k in keys} | {"local.nothing", "var.nothing", "x.y"}
    for key in sorted(keys | absent):
        assert selective.objects.get(key) == full.objects.get(key), key
        assert (key in selective.objects) == (key in full.objects), key
        obj = full.objects.get(key)
        if obj is not None and obj.lifecycle and obj.lifecycle.prevent_destroy is not None:
            assert selective.may_protect(key), key
    for path in {*full.files, *(w.file for w in full.warnings)}:
        assert selective.unreadable(path) == full.unreadable(path), path
    assert selective.objects == full.objects  # parses everything left, compares as mappings


def _configurations() -> Iterator[object]:
    for directory in _directories():
        yield pytest.param(directory, id=str(directory.relative_to(TESTS)))


@pytest.mark.parametrize("directory", list(_configurations()))
def test_every_test_directory_maps_the_same_selectively(directory: Path) -> None:
    _compare_maps(WorkTree(directory), "")


@pytest.mark.parametrize(("where", "text"), _snippets(), ids=lambda v: v[:40])
def test_every_test_snippet_maps_the_same_selectively(
    where: str, text: str, tmp_path: Path
) -> None:
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    _compare_maps(WorkTree(tmp_path), "")


@pytest.mark.parametrize(("name", "text"), HOSTILE.items(), ids=list(HOSTILE))
def test_hostile_files_map_the_same_selectively(name: str, text: str, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_bytes(text.encode("utf-8"))
    (tmp_path / "other.tf").write_text('resource "terraform_data" "other" {}\n')
    _compare_maps(WorkTree(tmp_path), "")


def test_the_ghosts_of_hostile_files_are_never_objects(tmp_path: Path) -> None:
    for name, text in HOSTILE.items():
        root = tmp_path / name.replace(" ", "_")
        root.mkdir()
        (root / "main.tf").write_text(text, encoding="utf-8")
        found = build_source_map(WorkTree(root), "")
        ghosts = ("terraform_data.ghost", "terraform_data.ghost2", "x.y")
        assert not [k for k in ghosts if k in found.objects], name


def test_a_lookup_parses_only_the_block_it_needs(tmp_path: Path) -> None:
    blocks = "".join(
        f'resource "terraform_data" "r{i}" {{\n  input = var.v{i}\n}}\n' for i in range(50)
    )
    (tmp_path / "main.tf").write_text(blocks)
    found = build_source_map(WorkTree(tmp_path), "")
    index = found.objects
    assert index.parsed() == 0  # type: ignore[attr-defined]
    obj = found.objects["terraform_data.r7"]
    assert obj.location.line == 22 and obj.attributes[0].references == ("var.v7",)
    assert index.parsed() == 1  # type: ignore[attr-defined]
    assert "terraform_data.r99" not in found.objects
    assert index.parsed() == 1  # type: ignore[attr-defined]


# Intent verdicts --------------------------------------------------------------------------


class _Without:
    """A tree with one file left out: the change removed it."""

    def __init__(self, tree: WorkTree, gone: str) -> None:
        self.tree, self.gone = tree, gone

    def files(self, directory: str) -> tuple[str, ...]:
        names = self.tree.files(directory)
        return tuple(n for n in names if f"{directory}/{n}".lstrip("./") != self.gone)

    def read(self, path: str) -> str | None:
        return None if path == self.gone else self.tree.read(path)


def _judgements(head: SourceMap, base: SourceMap, diff: Diff, keys: list[str]) -> list[Judgement]:
    check = IntentCheck(CodeChange(head, base, diff))
    out = []
    for key in keys:
        obj = base.objects.get(key)
        first = obj.attributes[0].name if obj is not None and obj.attributes else "x"
        for reason, forcing in (
            (None, ()),
            (ActionReason.REPLACE_BECAUSE_CANNOT_UPDATE, (first,)),
            (ActionReason.REPLACE_BECAUSE_CANNOT_UPDATE, ()),
            (ActionReason.REPLACE_BY_TRIGGERS, ()),
            (ActionReason.DELETE_BECAUSE_COUNT_INDEX, ()),
            (ActionReason.REPLACE_BECAUSE_TAINTED, ()),
        ):
            out.append(check.judge(DestroyedResource(key, key, reason, forcing)))
    return out


@pytest.mark.parametrize("directory", list(_configurations()))
def test_intent_verdicts_are_the_same_selectively(directory: Path) -> None:
    tree = WorkTree(directory)
    full_base = build_source_map(tree, "", selective=False)
    resources = [k for k, o in full_base.objects.items() if o.kind is ObjectKind.RESOURCE]
    files = [*full_base.files, *(w.file for w in full_base.warnings)]
    everything = Diff(tuple(whole_file(f, 10_000) for f in files))
    heads = [("", Diff(())), ("", everything)]
    if files:
        heads.append((files[0], Diff(())))  # the change deleted the first file
    for gone, diff in heads:
        head_tree = _Without(tree, gone) if gone else tree
        verdicts = []
        for selective in (False, True):
            head = build_source_map(head_tree, "", selective=selective)
            base = build_source_map(tree, "", selective=selective)
            verdicts.append(_judgements(head, base, diff, resources))
        assert verdicts[0] == verdicts[1], (directory, gone)
