"""Hostile graphs stay bounded: a million edges, a cycle through two thousand resources and a
self-reference are analyzed once, reported, and never looped on.

Time and memory are measured, not asserted (docs/benchmarks.md): about 9 s and 350 MiB for the
million-edge plan on the benchmark machine.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planguard.analysis.pipeline import NamedPlan, build_report
from planguard.plan.load import plan_from_bytes
from planguard.rules.classify import Classifier
from planguard.rules.load import load_rulesets

N = 1000


def _change(address: str, rtype: str, actions: list[str], index: int | None) -> dict[str, object]:
    body: dict[str, object] = {
        "address": address if index is None else f"{address}[{index}]",
        "mode": "managed",
        "type": rtype,
        "name": address.split(".")[1],
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": actions, "before": {}, "after": {}},
    }
    if index is not None:
        body["index"] = index
    return body


def _block(
    address: str, rtype: str, refs: list[str], count: int | None = None
) -> dict[str, object]:
    body: dict[str, object] = {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": address.split(".")[1],
        "expressions": {"x": {"references": refs}},
    }
    if count is not None:
        body["count_expression"] = {"constant_value": count}
    return body


def million_edges() -> bytes:
    """`b[*]` refers to all of `a[*]` (N*N edges), `c` to `b`, `a` to `c` (a cycle through all of
    them), and `self` to itself."""
    changes = [
        _change("aws_security_group.a", "aws_security_group", ["delete", "create"], i)
        for i in range(N)
    ]
    changes += [_change("aws_instance.b", "aws_instance", ["no-op"], i) for i in range(N)]
    changes += [
        _change("aws_instance.c", "aws_instance", ["no-op"], None),
        _change("aws_instance.self", "aws_instance", ["delete"], None),
    ]
    blocks = [
        _block("aws_security_group.a", "aws_security_group", ["aws_instance.c"], N),
        _block("aws_instance.b", "aws_instance", ["aws_security_group.a"], N),
        _block("aws_instance.c", "aws_instance", ["aws_instance.b"]),
        _block("aws_instance.self", "aws_instance", ["aws_instance.self.id", "aws_instance.self"]),
    ]
    doc = {
        "format_version": "1.2",
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": blocks}},
    }
    return json.dumps(doc).encode()


@pytest.mark.slow
def test_a_million_edges_a_big_cycle_and_a_self_reference_are_reported(tmp_path: Path) -> None:
    plan = plan_from_bytes(million_edges(), "hostile.json")
    report, _ = build_report([NamedPlan("hostile", plan)], Classifier(load_rulesets()))
    graph = report.roots[0].graph
    assert graph.nodes == 2 * N + 2
    assert graph.edges == N * N + 2 * N  # a→b, b→c, c→a; no self-edge
    assert len(graph.cycles) == 1 and len(graph.cycles[0]) == 2 * N + 1
    assert "aws_instance.self" not in graph.cycles[0]
    radii = {f.address: f.blast for f in report.findings if f.blast is not None}
    assert radii["aws_security_group.a[0]"].total == 2 * N  # everyone else in the cycle
    assert radii["aws_instance.self"].total == 0
    view = report.roots[0].blast_view
    assert len(view.nodes) <= 400 and not view.complete  # bounded whatever the graph
