"""The dependency graph on networkx (this is networkx's only home in planguard).

Edges point from a dependency to its dependent, so the blast radius of a node is the set of
its descendants. Whole-plan computations are single passes over the condensation (strongly
connected components collapsed, so cycles cost nothing extra and never loop).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from planguard.graph.model import BlastRadius, GraphData, Node

NOTABLE_DEPENDENTS = 10
CHAIN_LIMIT = 2_000


@dataclass(frozen=True, slots=True)
class DependencyGraph:
    data: GraphData
    _graph: nx.DiGraph
    by_id: Mapping[str, Node]
    """Every node by its id (built once, with the networkx graph)."""

    def dependents(self, node_id: str) -> frozenset[str]:
        """Everything that transitively depends on `node_id`."""
        return frozenset(nx.descendants(self._graph, node_id))

    def dependencies(self, node_id: str) -> frozenset[str]:
        return frozenset(nx.ancestors(self._graph, node_id))

    def chain(self, source: str, target: str) -> tuple[str, ...] | None:
        """How `target` depends on `source`, step by step, if it does.

        State records every transitive dependency as a direct one, so the shortest path skips
        the steps in between; the longest path through what lies between shows each of them.
        Past `CHAIN_LIMIT` resources in between (or in a cycle) the shortest path has to do.
        """
        g = self._graph
        if source not in g or target not in g or not nx.has_path(g, source, target):
            return None
        between = (nx.descendants(g, source) & nx.ancestors(g, target)) | {source, target}
        sub = _induced(g, between)
        if len(between) > CHAIN_LIMIT or not nx.is_directed_acyclic_graph(sub):
            return tuple(nx.shortest_path(g, source, target))
        return tuple(nx.dag_longest_path(sub))

    def cycles(self) -> tuple[tuple[str, ...], ...]:
        """Strongly connected components with more than one node (dependency cycles)."""
        comps = (c for c in nx.strongly_connected_components(self._graph) if len(c) > 1)
        return tuple(sorted(tuple(sorted(c)) for c in comps))


def to_networkx(data: GraphData) -> DependencyGraph:
    by_id = {node.id: node for node in data.nodes}
    graph = nx.DiGraph()
    graph.add_nodes_from(by_id)
    graph.add_edges_from((e.dependency, e.dependent) for e in data.edges)
    return DependencyGraph(data, graph, by_id)


def blast_radii(
    graph: DependencyGraph,
    seeds: Collection[str],
    changing: Collection[str],
    importance: Callable[[str], tuple[object, ...]],
) -> dict[str, BlastRadius]:
    """Blast radius of every seed in one reverse-topological pass.

    Each strongly connected component carries the set of its dependents as a bitset (a Python
    int; bit positions ordered by `importance`, so the lowest set bits are the notable
    dependents). A component's bitset is dropped as soon as all its dependencies have consumed
    it, so memory follows the width of the graph, not its size squared.
    """
    g = graph._graph
    relevant = _reachable(g, seeds)
    sub = _induced(g, relevant)
    order = sorted(relevant, key=importance)
    bit = {node: 1 << i for i, node in enumerate(order)}
    # A mask is a set only together with the order of its bits: both go into its digest.
    order_digest = hashlib.blake2b("\n".join(order).encode(), digest_size=16).digest()
    changing_mask = sum(bit[n] for n in changing if n in bit)
    cond = nx.condensation(sub)
    members = {c: sum(bit[n] for n in cond.nodes[c]["members"]) for c in cond}
    pending = {c: cond.in_degree(c) for c in cond}
    below: dict[int, int] = {}
    seed_set = set(seeds)
    result: dict[str, BlastRadius] = {}
    for comp in reversed(list(nx.topological_sort(cond))):
        reach = 0
        for succ in cond.successors(comp):
            reach |= below[succ] | members[succ]
            pending[succ] -= 1
            if pending[succ] == 0:
                del below[succ]
        below[comp] = reach
        for node in cond.nodes[comp]["members"]:
            if node in seed_set:
                mask = reach | (members[comp] & ~bit[node])
                result[node] = _radius(mask, changing_mask, order, order_digest)
        if pending[comp] == 0:
            del below[comp]
    return result


def _induced(g: nx.DiGraph, keep: set[str]) -> nx.DiGraph:
    """The subgraph on `keep` as a graph of its own.

    networkx's subgraph *view* filters every neighbour on every access; the algorithms that
    follow walk it several times, so one copy is far cheaper on a large plan.
    """
    sub = nx.DiGraph()
    sub.add_nodes_from(keep)
    succ = g._succ
    sub.add_edges_from((u, v) for u in keep for v in succ[u] if v in keep)
    return sub


def _reachable(g: nx.DiGraph, seeds: Iterable[str]) -> set[str]:
    seen = {s for s in seeds if s in g}
    stack = list(seen)
    while stack:
        for succ in g.successors(stack.pop()):
            if succ not in seen:
                seen.add(succ)
                stack.append(succ)
    return seen


def _radius(
    mask: int, changing_mask: int, order: Sequence[str], order_digest: bytes
) -> BlastRadius:
    total = mask.bit_count()
    changing = (mask & changing_mask).bit_count()
    notable: list[str] = []
    rest = mask
    while rest and len(notable) < NOTABLE_DEPENDENTS:
        low = rest & -rest
        notable.append(order[low.bit_length() - 1])
        rest ^= low
    members = hashlib.blake2b(
        order_digest + mask.to_bytes((mask.bit_length() + 7) // 8, "little"), digest_size=16
    )
    return BlastRadius(total, changing, total - changing, tuple(notable), members.hexdigest())


def root_causes(
    graph: DependencyGraph,
    destructive: Collection[str],
    changing: Collection[str],
    self_caused: Collection[str] = (),
) -> dict[str, tuple[str, ...]]:
    """For each destructive node caused by another one, the root replacements/deletions.

    A root is a destructive change with no destructive change upstream of it along a chain of
    changing resources; a cascade inherits the roots of every changing dependency. A change
    that is its own reason (`self_caused`: requested with -replace, or tainted) is a root
    whatever is upstream. Nodes that are roots themselves are absent from the result.
    """
    g = _induced(graph._graph, {n for n in changing if n in graph._graph})
    destroyed = set(destructive)
    own_reason = set(self_caused)
    cond = nx.condensation(g)
    roots: dict[int, frozenset[str]] = {}
    for comp in nx.topological_sort(cond):
        found: set[str] = set()
        for pred in cond.predecessors(comp):
            found |= roots[pred]
        members = cond.nodes[comp]["members"]
        if not found or own_reason & members:
            found = {m for m in members if m in destroyed}
        roots[comp] = frozenset(found)
    mapping = cond.graph["mapping"]
    result = {}
    for node in destroyed:
        if node not in mapping:
            continue
        causes = roots[mapping[node]] - {node}
        if causes:
            result[node] = tuple(sorted(causes))
    return result


def neighbourhood(graph: DependencyGraph, focus: str, depth: int | None) -> GraphData:
    """The part of the graph within `depth` edges of `focus`, in either direction."""
    g = graph._graph
    keep = {focus}
    for view in (g, g.reverse(copy=False)):
        lengths = nx.single_source_shortest_path_length(view, focus, cutoff=depth)
        keep.update(lengths)
    nodes = tuple(n for n in graph.data.nodes if n.id in keep)
    edges = tuple(e for e in graph.data.edges if e.dependency in keep and e.dependent in keep)
    return GraphData(nodes, edges, graph.data.notes)


@dataclass(frozen=True, slots=True)
class Reach:
    """A node of a bounded blast view and the first start (most severe) that reaches it."""

    node: str
    start: str
    depth: int


def bounded_reach(
    graph: DependencyGraph, starts: Sequence[str], limit: int
) -> tuple[tuple[Reach, ...], tuple[tuple[str, str], ...], bool]:
    """Breadth-first over dependents from each start in turn, at most `limit` nodes in all.

    Returns the nodes reached (each with the start that reached it first), the edges among
    them, and whether everything reachable fit. Work is bounded by `limit`, not by the plan.
    """
    g = graph._graph
    seen: dict[str, Reach] = {}
    complete = all(_spread(g, s, seen, limit) for s in starts if s in g)
    edges = tuple((a, b) for a in seen for b in g.successors(a) if b in seen and a != b)
    return tuple(seen.values()), edges, complete


def _spread(g: nx.DiGraph, start: str, seen: dict[str, Reach], limit: int) -> bool:
    """Add what `start` reaches to `seen`; False when the limit stopped it."""
    if start in seen:
        return True
    if len(seen) >= limit:
        return False
    seen[start] = Reach(start, start, 0)
    frontier = [start]
    while frontier:
        nxt: list[str] = []
        for node in frontier:
            for succ in g.successors(node):  # the plan's order: deterministic, no sort
                if succ in seen:
                    continue
                if len(seen) >= limit:
                    return False
                seen[succ] = Reach(succ, start, seen[node].depth + 1)
                nxt.append(succ)
        frontier = nxt
    return True


def layered_layout(
    nodes: Sequence[str], edges: Sequence[tuple[str, str]]
) -> dict[str, tuple[int, int]]:
    """(layer, row) per node for drawing left to right: a node's layer is one more than its
    deepest dependency's; a dependency cycle shares one layer."""
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    cond = nx.condensation(g)
    layer: dict[int, int] = {}
    for comp in nx.topological_sort(cond):
        layer[comp] = max((layer[p] + 1 for p in cond.predecessors(comp)), default=0)
    mapping = cond.graph["mapping"]
    rows: dict[int, int] = {}
    out: dict[str, tuple[int, int]] = {}
    for node in nodes:
        col = layer[mapping[node]]
        out[node] = (col, rows.get(col, 0))
        rows[col] = rows.get(col, 0) + 1
    return out
