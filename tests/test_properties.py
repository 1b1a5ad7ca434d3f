"""Invariants under hypothesis: blast radius = all dependents; a destroy never lowers a score."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
from helpers import depth, explore
from hypothesis import strategies as st

from planguard.analysis.pipeline import NamedPlan, build_report
from planguard.graph.build import build_graph_data
from planguard.graph.dag import (
    Condensed,
    blast_radii,
    condensation,
    dependency_graph,
    root_causes,
)
from planguard.graph.model import Edge, EdgeKind, GraphData, Node
from planguard.plan.load import plan_from_bytes
from planguard.rules.classify import Classifier
from planguard.rules.load import load_rulesets

CLASSIFIER = Classifier(load_rulesets())


@st.composite
def graphs(draw: st.DrawFn) -> tuple[GraphData, set[str], set[str]]:
    size = draw(st.integers(1, 25))
    ids = [f"n{i}" for i in range(size)]
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=60))
    edges = tuple(
        Edge(a, b, frozenset({EdgeKind.REFERENCE})) for a, b in sorted(set(pairs)) if a != b
    )
    nodes = tuple(Node(i, i, "managed", "t", "", None) for i in ids)
    seeds = set(draw(st.lists(st.sampled_from(ids), max_size=size)))
    changing = set(draw(st.lists(st.sampled_from(ids), max_size=size))) | seeds
    return GraphData(nodes, edges), seeds, changing


@depth(60, 300)
def test_blast_radius_is_exactly_the_seeds_dependents(examples: int) -> None:
    def check(case: tuple[GraphData, set[str], set[str]]) -> None:
        data, seeds, changing = case
        graph = dependency_graph(data)
        reference = nx.DiGraph([(e.dependency, e.dependent) for e in data.edges])
        reference.add_nodes_from(n.id for n in data.nodes)
        radii = blast_radii(graph, seeds, changing, lambda n: (n,))
        assert set(radii) == seeds
        for seed, radius in radii.items():
            dependents = nx.descendants(reference, seed)
            assert radius.total == len(dependents)
            assert radius.changing == len(dependents & changing)
            assert radius.unchanged == len(dependents - changing)
            assert set(radius.notable) <= dependents
            assert list(radius.notable) == sorted(dependents)[: len(radius.notable)]
            assert graph.dependents(seed) == dependents

    explore(examples, check, graphs())


@depth(40, 200)
def test_root_causes_are_destructive_and_upstream(examples: int) -> None:
    def check(case: tuple[GraphData, set[str], set[str]]) -> None:
        data, seeds, changing = case
        graph = dependency_graph(data)
        for node, causes in root_causes(graph, seeds, changing).items():
            assert node in seeds
            for cause in causes:
                assert cause in seeds and cause != node
                assert node in graph.dependents(cause)

    explore(examples, check, graphs())


def _same_condensation(data: GraphData) -> None:
    """planguard's own ordering and networkx collapse the graph alike: the same components
    with the same edges between them, each order a topological order of them."""
    graph = dependency_graph(data)
    ours, theirs = (condensation(graph.succ, networkx=n) for n in (False, True))

    def shape(cond: Condensed) -> tuple[set[frozenset[str]], set[tuple[frozenset[str], ...]]]:
        edges = {(cond.members[a], cond.members[b]) for a in cond.order for b in cond.succ[a]}
        return set(cond.members), edges

    assert shape(ours) == shape(theirs)
    for cond in (ours, theirs):
        assert sorted(cond.order) == list(range(len(cond.members)))
        position = {comp: i for i, comp in enumerate(cond.order)}
        assert all(position[a] < position[b] for a in cond.order for b in cond.succ[a])
        assert all(node in cond.members[c] for node, c in cond.component.items())
    assert graph.cycles() == tuple(sorted(tuple(sorted(m)) for m in theirs.members if len(m) > 1))


@st.composite
def loose_graphs(draw: st.DrawFn) -> GraphData:
    """Edges in any order, some naming nodes the graph does not list (hand-made graph data)."""
    ids = [f"n{i}" for i in range(draw(st.integers(1, 12)))]
    listed = draw(st.lists(st.sampled_from(ids), unique=True))
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=30))
    edges = tuple(Edge(a, b, frozenset({EdgeKind.REFERENCE})) for a, b in pairs)
    return GraphData(tuple(Node(i, i, "managed", "t", "", None) for i in listed), edges)


def _naive_adjacency(data: GraphData) -> list[tuple[str, list[str]]]:
    succ: dict[str, dict[str, None]] = {node.id: {} for node in data.nodes}
    for edge in data.edges:
        succ.setdefault(edge.dependency, {})
        succ.setdefault(edge.dependent, {})
        succ[edge.dependency][edge.dependent] = None
    return [(node, list(row)) for node, row in succ.items()]


@depth(100, 500)
def test_adjacency_is_the_edges_in_order(examples: int) -> None:
    """The adjacency is the edges: the same nodes and neighbours in the same order, unlisted
    nodes added where the edges first name them, and the reverse adjacency (made on first
    read) its exact reverse."""

    def check(data: GraphData) -> None:
        graph = dependency_graph(data)
        assert [(n, list(row)) for n, row in graph.succ.items()] == _naive_adjacency(data)
        pred = {n: set(graph.pred[n]) for n in graph.pred}
        assert pred == {n: {u for u in graph.succ if n in graph.succ[u]} for n in graph.succ}

    explore(examples, check, loose_graphs() | graphs().map(lambda case: case[0]))


@depth(60, 300)
def test_condensation_matches_networkx(examples: int) -> None:
    explore(examples, lambda case: _same_condensation(case[0]), graphs())


def test_condensation_matches_networkx_on_the_corpus() -> None:
    plans = sorted((Path(__file__).parent / "corpus").glob("*__*.json"))
    assert len(plans) > 20
    for path in plans:
        _same_condensation(build_graph_data(plan_from_bytes(path.read_bytes(), path.name)))


TYPES = [
    "aws_db_instance",
    "aws_vpc",
    "aws_iam_role",
    "terraform_data",
    "acme_widget",
    "aws_instance",
]
ACTIONS = [
    ["no-op"],
    ["update"],
    ["delete"],
    ["delete", "create"],
    ["create", "delete"],
    ["create"],
    ["forget"],
]


@st.composite
def plan_docs(draw: st.DrawFn) -> dict[str, object]:
    count = draw(st.integers(0, 12))
    changes, config = [], []
    for i in range(count):
        rtype = draw(st.sampled_from(TYPES))
        address = f"{rtype}.r{i}"
        refs = draw(st.lists(st.integers(0, max(0, i - 1)), max_size=3)) if i else []
        changes.append(_change(address, rtype, f"r{i}", draw(st.sampled_from(ACTIONS))))
        config.append(
            {
                "address": address,
                "mode": "managed",
                "type": rtype,
                "name": f"r{i}",
                "expressions": {"x": {"references": [changes[j]["address"] for j in refs]}},
            }
        )
    return {
        "format_version": "1.2",
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": config}},
    }


def _change(address: str, rtype: str, name: str, actions: list[str]) -> dict[str, object]:
    """A change whose before and after agree with its actions, as Terraform writes them."""
    before = None if actions == ["create"] else {"id": "x"}
    after = None if actions in (["delete"], ["forget"]) else {"id": "x"}
    return {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": name,
        "change": {"actions": actions, "before": before, "after": after},
    }


def _score(doc: dict[str, object]) -> int:
    plan = plan_from_bytes(json.dumps(doc).encode(), "generated")
    report, _ = build_report([NamedPlan("generated", plan)], CLASSIFIER)
    return report.score


@depth(30, 200)
def test_adding_a_destroy_never_lowers_the_plan_score(examples: int) -> None:
    def check(doc: dict[str, object], rtype: str, data: st.DataObject) -> None:
        before = _score(doc)
        changes = list(doc["resource_changes"])  # type: ignore[call-overload]
        added = {
            **doc,
            "resource_changes": [*changes, _change(f"{rtype}.extra", rtype, "extra", ["delete"])],
        }
        assert _score(added) >= before
        if changes:
            i = data.draw(st.integers(0, len(changes) - 1))
            turned = [dict(c) for c in changes]
            turned[i] = {
                **turned[i],
                "change": {"actions": ["delete"], "before": {"id": "x"}, "after": None},
            }
            if changes[i]["change"]["actions"] in (["no-op"], ["update"]):
                assert _score({**doc, "resource_changes": turned}) >= before

    explore(examples, check, plan_docs(), st.sampled_from(TYPES), st.data())
