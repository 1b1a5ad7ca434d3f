"""The source map against real public plans and the `.tf` files that produced them.

tests/corpus_sources/<plan stem>/ holds, byte for byte, the Terraform sources of the corpus plan
tests/corpus/<plan stem>.json (repositories, commits and licenses in
tests/corpus_sources/README.md). For every resource the plan names, the source map must give the
block that declares it: checked here against the file itself (the line opens
`resource "TYPE" "NAME" {`, the end line closes it, the file sits in the directory the plan's
module calls lead to), not against planguard's own parser.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from helpers import cli

from planguard.addresses import parse_address
from planguard.findings import SourceLocation
from planguard.source.model import AddressBlockKind, ObjectKind, SourceMap
from planguard.source.read import WorkTree
from planguard.source.sourcemap import build_source_map

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
SOURCES = HERE / "corpus_sources"
CASES = sorted(p.name for p in SOURCES.iterdir() if p.is_dir())

ROOTS = {
    # terragrunt copied modules/database and planned it as the root module
    "borchero__terraform-plan-comment__tests__fixtures__basic__5-terragrunt__plan": "modules/database",
}
"""The root module's directory inside the case, where it is not the case directory itself."""

REMOTE = "remote"


@dataclass(frozen=True)
class Planned:
    """One resource the plan names, at instance and configuration level."""

    address: str
    config_address: str
    mode: str
    type: str
    name: str
    in_configuration: bool
    actions: tuple[str, ...] = ()


def _plan(case: str) -> dict:
    return json.loads((CORPUS / f"{case}.json").read_text(encoding="utf-8"))


@cache
def _source_map(case: str) -> SourceMap:
    return build_source_map(WorkTree(SOURCES / case), ROOTS.get(case, ""))


def _module_dirs(case: str) -> dict[str, str]:
    """Configuration module path (`module.a.module.b.`) → its directory in the case, read off
    the plan's own `configuration` (a module call's `source`), or REMOTE."""
    dirs = {"": ROOTS.get(case, "")}

    def walk(module: dict, prefix: str, directory: str) -> None:
        for name, call in (module.get("module_calls") or {}).items():
            source = call.get("source", "")
            key = f"{prefix}module.{name}."
            if directory != REMOTE and source.startswith(("./", "../")):
                child = posixpath.normpath(posixpath.join(directory, source))
                dirs[key] = "" if child == "." else child
            else:
                dirs[key] = REMOTE
            walk(call.get("module") or {}, key, dirs[key])

    walk((_plan(case).get("configuration") or {}).get("root_module") or {}, "", dirs[""])
    return dirs


def _configured(case: str) -> dict[str, tuple[str, str, str]]:
    """Every resource block of the plan's configuration: config address → (mode, type, name)."""
    found: dict[str, tuple[str, str, str]] = {}

    def walk(module: dict, prefix: str) -> None:
        for res in module.get("resources") or []:
            found[prefix + res["address"]] = (res["mode"], res["type"], res["name"])
        for name, call in (module.get("module_calls") or {}).items():
            walk(call.get("module") or {}, f"{prefix}module.{name}.")

    walk((_plan(case).get("configuration") or {}).get("root_module") or {}, "")
    return found


def _state_resources(module: dict) -> Iterator[dict]:
    yield from module.get("resources") or []
    for child in module.get("child_modules") or []:
        yield from _state_resources(child)


def _planned(case: str) -> list[Planned]:
    """The resources of resource_changes, prior_state and configuration, once each."""
    plan = _plan(case)
    configured = _configured(case)
    seen: dict[str, Planned] = {}

    def add(address: str, mode: str, rtype: str, name: str, actions: tuple[str, ...]) -> None:
        config = parse_address(address).config_address
        if address not in seen:
            seen[address] = Planned(
                address, config, mode, rtype, name, config in configured, actions
            )

    for rc in plan.get("resource_changes") or []:
        add(rc["address"], rc["mode"], rc["type"], rc["name"], tuple(rc["change"]["actions"]))
    prior = ((plan.get("prior_state") or {}).get("values") or {}).get("root_module") or {}
    for res in _state_resources(prior):
        add(res["address"], res["mode"], res["type"], res["name"], ())
    for address, (mode, rtype, name) in configured.items():
        add(address, mode, rtype, name, ())
    return list(seen.values())


def _lines(case_dir: Path, file: str) -> list[str]:
    return (case_dir / file).read_text(encoding="utf-8").splitlines()


def _header(mode: str, rtype: str, name: str) -> re.Pattern[str]:
    keyword = "data" if mode == "data" else "resource"
    return re.compile(rf'^\s*{keyword}\s+"{re.escape(rtype)}"\s+"{re.escape(name)}"\s*\{{')


def _assert_block(case_dir: Path, loc: SourceLocation, opening: re.Pattern[str]) -> None:
    """`loc` spans one whole block: its first line opens it, its last line closes it."""
    lines = _lines(case_dir, loc.file)
    assert 1 <= loc.line <= loc.end_line <= len(lines), loc
    assert opening.match(lines[loc.line - 1]), (loc, lines[loc.line - 1])
    assert lines[loc.end_line - 1].rstrip().endswith("}"), (loc, lines[loc.end_line - 1])
    # A naive brace count (these files have no braces in comments or strings other than
    # balanced `${…}`/`{{…}}`): the block's braces close for the first time on its last line.
    depth = 0
    for number in range(loc.line, loc.end_line + 1):
        depth += lines[number - 1].count("{") - lines[number - 1].count("}")
        assert depth > 0 or number == loc.end_line, (loc, number)
    assert depth == 0, loc


def test_the_cases_are_real_corpus_plans_with_their_sources() -> None:
    readme = (SOURCES / "README.md").read_text(encoding="utf-8")
    manifest = {e["file"]: e for e in json.loads((CORPUS / "manifest.json").read_text())}
    assert len(CASES) >= 8
    for case in CASES:
        assert f"{case}.json" in manifest, case
        assert manifest[f"{case}.json"]["license"] in ("MIT", "Apache-2.0", "MPL-2.0"), case
        assert f"`{case}`" in readme, case
        assert any((SOURCES / case).rglob("*.tf")), case
    # the spread the cases are meant to cover
    planned = [p for case in CASES for p in _planned(case)]
    assert any(p.address.count("module.") >= 3 for p in planned)  # nested local modules
    assert any(re.search(r"\]\.", p.address) for p in planned)  # module instances (count/for_each)
    assert any(p.address.endswith("]") for p in planned)  # resource instances
    assert any(_source_map(case).unmapped for case in CASES)  # a remote module
    assert any(not p.in_configuration for p in planned)  # a resource with no block


@pytest.mark.parametrize("case", CASES)
def test_every_planned_resource_maps_to_the_block_that_declares_it(case: str) -> None:
    case_dir = SOURCES / case
    smap = _source_map(case)
    dirs = _module_dirs(case)
    assert not smap.warnings, [str(w) for w in smap.warnings]
    for planned in _planned(case):
        module_prefix = planned.config_address[
            : len(planned.config_address) - len(_resource_part(planned))
        ]
        if dirs.get(module_prefix) == REMOTE:
            remote = smap.unmapped_module(planned.config_address)
            assert remote is not None, planned.address
            assert planned.config_address not in smap.objects, planned.address
            continue
        obj = smap.objects.get(planned.config_address)
        if not planned.in_configuration:
            # no block declares it (delete_because_no_resource_config): none must be invented
            assert obj is None, (planned.address, obj)
            if "forget" in planned.actions:
                assert any(
                    b.kind is AddressBlockKind.REMOVED and b.from_address == planned.config_address
                    for b in smap.address_blocks
                ), planned.address
            continue
        assert obj is not None, f"{planned.address} ({planned.config_address}) not in the map"
        want_kind = ObjectKind.DATA if planned.mode == "data" else ObjectKind.RESOURCE
        assert obj.kind is want_kind, planned.address
        _assert_block(case_dir, obj.location, _header(planned.mode, planned.type, planned.name))
        assert posixpath.dirname(obj.location.file) == dirs[module_prefix], (
            planned.address,
            obj.location,
        )


def _resource_part(planned: Planned) -> str:
    data = "data." if planned.mode == "data" else ""
    return f"{data}{planned.type}.{planned.name}"


# Read off the files by hand: address → "file:line-end_line" inside the case directory.
HAND_CHECKED = {
    "hashicorp__terraform-json__testdata__basic__plan": {
        "null_resource.foo": "resources.tf:1-9",
        "null_resource.baz[1]": "resources.tf:24-30",
        "data.null_data_source.baz": "resources.tf:17-22",
        "module.foo.null_resource.aliased": "foo/main.tf:22-24",
    },
    "hashicorp__terraform-json__testdata__deep_module__plan": {
        "module.foo.module.bar.null_resource.baz": "foo/bar/main.tf:4-4",
    },
    "hashicorp__terraform-json__testdata__013_module_depends_on__plan": {
        "null_resource.bar": "main.tf:12-12",  # last line, no newline after it
    },
    "borchero__terraform-plan-comment__tests__fixtures__basic__5-terragrunt__plan": {
        "local_file.database": "modules/database/main.tf:14-17",
    },
    "terraform-compliance__cli__tests__functional__test_resource_ref_in_module_fails__plan.out": {
        'module.test["b"].aws_s3_bucket_public_access_block.test["a"]': "test_module/test.tf:6-13",
        'module.test2.aws_s3_bucket.test["a"]': "test_module_2/test.tf:1-4",
    },
    "terraform-compliance__cli__tests__functional__test_multi-module-referencing__plan.out": {
        "module.root_layer.module.second_layer.module.third_layer.aws_s3_bucket.test": "module1/module2/module3/test.tf:1-3",
        "aws_s3_bucket_public_access_block.no_module_boundary": "test.tf:18-24",
    },
    "terraform-compliance__cli__tests__functional__test_issue-221__plan.out": {
        "module.elasticSearch.azurerm_virtual_machine.elasticSearchVM": "module/main.tf:2-19",
    },
    "opentofu__opentofu__internal__command__testdata__show-json-identity__update__output": {
        "test_instance.test": "main.tf:4-6",  # an indented block header
    },
    "infracost__infracost__examples__terraform_0.13__plan": {
        "module.storage[2].aws_ebs_volume.io1": "storage/main.tf:11-16",
        'module.web_app["us-east-1f"].aws_instance.web_app': "web_app/main.tf:21-34",
    },
    "infracost__infracost__examples__wip__plan": {
        'module.network["subnet-module-2"].module.subnetwork["subsubnet-module-2"].aws_nat_gateway.submodule_nat': "network/subnetwork/main.tf:15-18",
    },
    "cycloidio__terracost__testdata__google__plan": {
        "module.vm.google_compute_instance.vm": "module-gce/gce.tf:49-93",  # no final newline
    },
    "ovsds__tf-plan-format__tests__data__plans__sensitive__terraform.tfplan": {
        "random_bytes.test": "main.tf:10-12",
    },
    "dineshba__tf-summarize__example__tfplan": {
        "github_repository.terraform_plan_summary": "main.tf:45-60",
        'module.github["demo-repository"].github_branch.main': "github/main.tf:15-18",
    },
}


@pytest.mark.parametrize(
    ("case", "address", "where"),
    [(c, a, w) for c, table in HAND_CHECKED.items() for a, w in table.items()],
)
def test_hand_checked_locations(case: str, address: str, where: str) -> None:
    obj = _source_map(case).objects[parse_address(address).config_address]
    loc = obj.location
    assert f"{loc.file}:{loc.line}-{loc.end_line}" == where


@pytest.mark.parametrize(
    "case",
    [
        "hashicorp__terraform-json__testdata__013_module_depends_on__plan",
        "hashicorp__terraform-json__testdata__registry_module__plan",
    ],
)
def test_a_registry_module_is_recorded_as_not_mapped(case: str) -> None:
    smap = _source_map(case)
    (remote,) = smap.unmapped
    assert remote.source == "vancluever/module/null"
    assert f"{remote.location.file}:{remote.location.line}" == "main.tf:4"
    assert _lines(SOURCES / case, "main.tf")[3].startswith(f'module "{remote.module[7:]}"')
    assert not [k for k in smap.objects if k.startswith(remote.module + ".")]


def test_a_removed_block_stands_for_the_forgotten_resource() -> None:
    case = "borchero__terraform-plan-comment__tests__fixtures__basic__3-remove__plan"
    (block,) = _source_map(case).address_blocks
    assert block.kind is AddressBlockKind.REMOVED
    assert (block.from_address, block.destroy) == ("local_file.test2", False)
    assert (
        f"{block.location.file}:{block.location.line}-{block.location.end_line}" == "main.tf:9-15"
    )


def test_one_module_directory_called_twice_maps_both_calls() -> None:
    case = "terraform-compliance__cli__tests__functional__test_multi-module-referencing__plan.out"
    objects = _source_map(case).objects
    for call in ("module.first_layer", "module.root_layer"):
        loc = objects[f"{call}.module.second_layer.aws_s3_bucket.should_not_fail_second_layer"]
        assert loc.location.file == "module1/module2/test.tf"


@cache
def _top(directory: Path) -> Path:
    """Where the CLI's paths start: the git repository holding `directory`, else the cwd."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=directory,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return Path.cwd().resolve()
    return Path(out).resolve()


@pytest.mark.parametrize("case", CASES)
def test_cli_findings_point_at_the_block(case: str) -> None:
    source = (SOURCES / case / ROOTS.get(case, "")).resolve()
    result = cli(
        ["analyze", str(CORPUS / f"{case}.json"), "--source", str(source), "--format", "json"]
    )
    assert result.code == 0, result.err
    root = result.json()["roots"][0]  # type: ignore[index]
    summary = root["source"]
    assert summary["warnings"] == []
    configured = _configured(case)
    removed = {b.from_address: b for b in _source_map(case).address_blocks}
    for finding in root["findings"]:
        address = parse_address(finding["address"])
        config = address.config_address
        loc = finding["location"]
        if loc is None:
            # no block: the finding's resource is listed as not found, or sits in a remote module
            assert config not in configured or _source_map(case).unmapped_module(config), finding
            assert (
                any(u.startswith(f"{finding['address']}:") for u in summary["unmapped"])
                or (summary["remote_modules"])
            ), summary
            continue
        path = (_top(source) / loc["file"]).resolve()
        assert path.is_relative_to(SOURCES.resolve() / case), loc
        assert os.path.relpath(path, _top(source)) == loc["file"]
        relative = path.relative_to((SOURCES / case).resolve()).as_posix()
        where = SourceLocation(relative, loc["line"], loc["end_line"])
        if config in configured:
            mode, rtype, name = configured[config]
            _assert_block(SOURCES / case, where, _header(mode, rtype, name))
        else:  # a forget/destroy whose resource has no block: the removed block says why
            assert config in removed, finding
            assert (relative, loc["line"]) == (
                removed[config].location.file,
                removed[config].location.line,
            )
            _assert_block(SOURCES / case, where, re.compile(r"^\s*removed\s*\{"))


def test_cli_findings_with_a_location_exist() -> None:
    """The CLI check above is not vacuous: these cases have a replace and a forget."""
    expected = {
        "ovsds__tf-plan-format__tests__data__plans__sensitive__terraform.tfplan": (
            "random_bytes.test",
            "main.tf",
            10,
        ),
        "borchero__terraform-plan-comment__tests__fixtures__basic__3-remove__plan": (
            "local_file.test2",
            "main.tf",
            9,
        ),
    }
    for case, (address, file, line) in expected.items():
        source = SOURCES / case
        result = cli(
            ["analyze", str(CORPUS / f"{case}.json"), "--source", str(source), "--format", "json"]
        )
        (finding,) = [f for f in result.json()["roots"][0]["findings"] if f["address"] == address]  # type: ignore[index]
        want = os.path.relpath((source / file).resolve(), _top(source.resolve()))
        assert (finding["location"]["file"], finding["location"]["line"]) == (want, line)
