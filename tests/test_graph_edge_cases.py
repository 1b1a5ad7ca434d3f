"""Reference shapes that are easy to get wrong, on real plans (tests/terraform/tricky)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import analyze_file, cli

from planguard.render.engine import mermaid_label


@pytest.fixture(scope="module")
def config_edges(
    real_plans: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> set[tuple[str, str]]:
    """Edges from the configuration alone: prior_state removed, so state cannot mask a miss."""
    doc = json.loads(real_plans["tricky"].read_text())
    doc.pop("prior_state")
    path = tmp_path_factory.mktemp("tricky") / "config-only.json"
    path.write_text(json.dumps(doc))
    _, root = analyze_file(path)
    return {(e.dependency, e.dependent) for e in root.graph.data.edges}


def test_a_splat_next_to_an_index_keeps_every_instance(config_edges: set[tuple[str, str]]) -> None:
    assert {(f"terraform_data.web[{i}]", "terraform_data.mixed") for i in range(3)} <= config_edges


def test_an_index_alone_names_one_instance(config_edges: set[tuple[str, str]]) -> None:
    assert {d for d, t in config_edges if t == "terraform_data.one"} == {"terraform_data.web[1]"}


def test_a_literal_is_not_a_reference(config_edges: set[tuple[str, str]]) -> None:
    assert not {d for d, t in config_edges if t == "terraform_data.literal"}


def test_an_indexed_module_output_pins_the_module_instance(
    config_edges: set[tuple[str, str]],
) -> None:
    assert {d for d, t in config_edges if t == "terraform_data.uses_p"} == {
        'module.solo["p"].terraform_data.r'
    }


def test_output_depends_on_a_module_reaches_its_resources(
    config_edges: set[tuple[str, str]],
) -> None:
    assert (
        "module.outer.module.inner.terraform_data.deep",
        "terraform_data.uses_outer",
    ) in config_edges


def test_odd_for_each_keys_are_read(config_edges: set[tuple[str, str]]) -> None:
    keys = {d for d, t in config_edges if t == "terraform_data.all_keys"}
    assert keys == {
        'terraform_data.keys["a.b"]',
        'terraform_data.keys["x[\\"y\\"]"]',
        'terraform_data.keys["\\U000e0001tag"]',
    }


def test_requested_replacement_is_its_own_root_cause(real_plans: dict[str, Path]) -> None:
    report, _ = analyze_file(real_plans["replace_root_and_child"])
    by_address = {f.address: f for f in report.findings}
    assert by_address["terraform_data.subnet[0]"].root_causes == ()
    assert by_address["terraform_data.subnet[1]"].root_causes == ("terraform_data.network",)
    assert by_address["module.app.terraform_data.lb"].root_causes == (
        "terraform_data.network",
        "terraform_data.subnet[0]",
    )


def test_a_deposed_object_has_no_dependents(real_plans: dict[str, Path]) -> None:
    report, root = analyze_file(real_plans["deposed"])
    deposed = "terraform_data.queue (deposed 00000001)"
    assert root.graph.dependents(deposed) == frozenset()
    (finding,) = report.findings
    assert finding.blast is None or finding.blast.total == 0


def test_a_destroyed_unknown_type_is_never_low(real_plans: dict[str, Path], tmp_path: Path) -> None:
    doc = json.loads(real_plans["orders"].read_text())
    for rc in doc["resource_changes"]:
        rc["type"] = "newcloud_database"
        rc["address"] = rc["address"].replace("terraform_data.", "newcloud_database.")
    path = tmp_path / "unknown.json"
    path.write_text(json.dumps(doc))
    report, _ = analyze_file(path)
    cache = next(f for f in report.findings if f.address == "newcloud_database.cache")
    assert cache.tier.value == "medium"
    assert "unknown type" in {c.name for c in cache.components}
    assert cache.score == sum(c.points for c in cache.components)


def test_a_plan_with_a_byte_order_mark_is_read(real_plans: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + real_plans["noop"].read_bytes())
    assert cli(["analyze", str(path)]).code == 0


def test_an_unwritable_output_is_a_usage_error(real_plans: dict[str, Path], tmp_path: Path) -> None:
    result = cli(["analyze", str(real_plans["noop"]), "-o", str(tmp_path / "no" / "dir" / "x")])
    assert result.code == 2 and "cannot write" in result.err and "Traceback" not in result.err


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("it's", "it's"),
        ('k["#1"]', "k[#quot;#35;1#quot;]"),
        ("<b>&", "&lt;b&gt;&amp;"),
        ("```@x", "#96;#96;#96;#64;x"),
        ("a\nb", "a\\nb"),
    ],
)
def test_mermaid_labels_are_escaped_once(text: str, label: str) -> None:
    assert mermaid_label(text) == label
