"""The dependency graph (networkx's only home in planguard).

Edges point from a dependency to its dependent, so the blast radius of a node is the set of
its descendants. Whole-plan computations are single passes over the condensation (strongly
connected components collapsed, so cycles cost nothing extra and never loop).

The graph is kept as plain adjacency (dicts in the plan's order, exactly what networkx keeps
inside a DiGraph) and ordered once, dependencies first (Kahn's algorithm); a Terraform plan's
graph is acyclic, so that order is its condensation, and every subgraph's is the same order
filtered. networkx (a fifth of a small plan's run just to import) is loaded only for what needs
more: a graph with a cycle, the step-by-step chain behind a source-map placement and the
`graph --focus` neighbourhood. (The standard library's `graphlib` was measured at three times
the loop below on a 100k-resource plan: it wraps every node in an object and searches for a
cycle even when there is none.)
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from planguard.graph.model import BlastRadius, GraphData, Node
from planguard.records import Record

if TYPE_CHECKING:
    import networkx as nx

NOTABLE_DEPENDENTS = 10
CHAIN_LIMIT = 2_000

Adjacency = Mapping[str, Mapping[str, None]]
"""Node → its neighbours in one direction, as an insertion-ordered set (the plan's order)."""


class DependencyGraph(Record, frozen=True):
    data: GraphData
    succ: Adjacency
    """Each node's direct dependents."""
    pred: Adjacency
    """Each node's direct dependencies."""
    by_id: Mapping[str, Node]
    """Every node by its id (built once, with the adjacency)."""
    order: Sequence[str] | None
    """Every node after all its dependencies; None when the graph has a cycle."""

    def dependents(self, node_id: str) -> frozenset[str]:
        """Everything that transitively depends on `node_id`."""
        return frozenset(_reachable(self.succ, (node_id,)) - {node_id})

    def dependencies(self, node_id: str) -> frozenset[str]:
        return frozenset(_reachable(self.pred, (node_id,)) - {node_id})

    def chain(self, source: str, target: str) -> tuple[str, ...] | None:
        """How `target` depends on `source`, step by step, if it does.

        State records every transitive dependency as a direct one, so the shortest path skips
        the steps in between; the longest path through what lies between shows each of them.
        Past `CHAIN_LIMIT` resources in between (or in a cycle) the shortest path has to do.
        """
        if source not in self.succ or target not in self.succ:
            return None
        downstream = _reachable(self.succ, (source,))
        if target not in downstream:
            return None
        between = (downstream & _reachable(self.pred, (target,))) | {source, target}
        import networkx as nx  # noqa: PLC0415 (see the module docstring)

        sub = _as_networkx(_induced(self.succ, between))
        if len(between) > CHAIN_LIMIT or not nx.is_directed_acyclic_graph(sub):
            return tuple(nx.shortest_path(_as_networkx(self.succ), source, target))
        return tuple(nx.dag_longest_path(sub))

    def cycles(self) -> tuple[tuple[str, ...], ...]:
        """Strongly connected components with more than one node (dependency cycles)."""
        if self.order is not None:
            return ()
        cyclic = (c for c in _condense(self.succ, None).members if len(c) > 1)
        return tuple(sorted(tuple(sorted(c)) for c in cyclic))


def dependency_graph(data: GraphData) -> DependencyGraph:
    by_id = {node.id: node for node in data.nodes}
    succ: dict[str, dict[str, None]] = {node_id: {} for node_id in by_id}
    for edge in data.edges:
        dependency, dependent = edge.dependency, edge.dependent
        if dependency not in succ or dependent not in succ:  # an edge to a node not listed
            succ.setdefault(dependency, {})
            succ.setdefault(dependent, {})
        succ[dependency][dependent] = None
    return DependencyGraph(data, succ, _Reversed(succ), by_id, _topological(succ))


class _Reversed(Mapping[str, Mapping[str, None]]):
    """The reverse of an adjacency, made the first time it is read: only `explain` and the
    source map's chain read it, and most runs of a large plan do neither."""

    __slots__ = ("_made", "_succ")

    def __init__(self, succ: Adjacency) -> None:
        self._succ = succ
        self._made: dict[str, dict[str, None]] | None = None

    def _pred(self) -> dict[str, dict[str, None]]:
        if self._made is None:
            pred: dict[str, dict[str, None]] = {node: {} for node in self._succ}
            for node, dependents in self._succ.items():
                for dependent in dependents:
                    pred[dependent][node] = None
            self._made = pred
        return self._made

    def __getitem__(self, node: str) -> Mapping[str, None]:
        return self._pred()[node]

    def __iter__(self) -> Iterator[str]:
        return iter(self._succ)

    def __len__(self) -> int:
        return len(self._succ)


class Condensed(Record, frozen=True):
    """A graph with each strongly connected component collapsed into one node (an index)."""

    members: Sequence[frozenset[str]]
    succ: Sequence[frozenset[int]]
    """Each component's direct dependents (other components)."""
    order: Sequence[int]
    """Every component, dependencies before dependents."""
    component: Mapping[str, int]
    """Each node's component."""


def condensation(succ: Adjacency, *, networkx: bool = False) -> Condensed:
    """The condensation of `succ` (`networkx=True`: always networkx's, for comparisons)."""
    return _condense(succ, None if networkx else _topological(succ))


def _condense(succ: Adjacency, order: Sequence[str] | None) -> Condensed:
    """`order`: a topological order of `succ`'s nodes (or of a graph it is part of)."""
    if order is not None:
        return _acyclic(succ, order)
    import networkx as nx  # noqa: PLC0415 (see the module docstring)

    cond = nx.condensation(_as_networkx(succ))
    members = [frozenset(cond.nodes[c]["members"]) for c in range(len(cond))]
    return Condensed(
        members=members,
        succ=[frozenset(cond.successors(c)) for c in range(len(cond))],
        order=list(nx.topological_sort(cond)),
        component=cond.graph["mapping"],
    )


def _acyclic(succ: Adjacency, order: Sequence[str]) -> Condensed:
    """Each node its own component, in `order` (filtered to the nodes of `succ`)."""
    nodes = [node for node in order if node in succ]
    component = {node: i for i, node in enumerate(nodes)}
    return Condensed(
        members=[frozenset((node,)) for node in nodes],
        succ=[frozenset(component[d] for d in succ[node]) for node in nodes],
        order=range(len(nodes)),
        component=component,
    )


def _topological(succ: Adjacency) -> list[str] | None:
    """Kahn's algorithm: every node after all its dependencies; None when there is a cycle."""
    waiting = dict(Counter(itertools.chain.from_iterable(succ.values())))  # counted in C
    ready = [node for node in succ if node not in waiting]
    order: list[str] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for dependent in succ[node]:
            left = waiting[dependent] - 1
            waiting[dependent] = left
            if left == 0:
                ready.append(dependent)
    return order if len(order) == len(succ) else None


def _as_networkx(succ: Adjacency) -> nx.DiGraph:
    import networkx as nx  # noqa: PLC0415 (see the module docstring)

    graph = nx.DiGraph()
    graph.add_nodes_from(succ)
    graph.add_edges_from((u, v) for u, vs in succ.items() for v in vs)
    return graph


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
    relevant = _reachable(graph.succ, seeds)
    order = sorted(relevant, key=importance)
    bit = {node: 1 << i for i, node in enumerate(order)}
    # A mask is a set only together with the order of its bits: both go into its digest.
    # surrogatepass: an address may hold a lone surrogate (a plan's "\\ud800" key escape).
    order_text = "\n".join(order).encode("utf-8", "surrogatepass")
    order_digest = hashlib.blake2b(order_text, digest_size=16).digest()
    changing_mask = sum(bit[n] for n in changing if n in bit)
    cond = _condense(_induced(graph.succ, relevant), graph.order)
    members = [sum(bit[n] for n in nodes) for nodes in cond.members]
    pending = [0] * len(cond.members)
    for dependents in cond.succ:
        for dependent in dependents:
            pending[dependent] += 1
    below: dict[int, int] = {}
    seed_set = set(seeds)
    result: dict[str, BlastRadius] = {}
    for comp in reversed(cond.order):
        reach = 0
        for succ in cond.succ[comp]:
            reach |= below[succ] | members[succ]
            pending[succ] -= 1
            if pending[succ] == 0:
                del below[succ]
        below[comp] = reach
        for node in cond.members[comp]:
            if node in seed_set:
                mask = reach | (members[comp] & ~bit[node])
                result[node] = _radius(mask, changing_mask, order, order_digest)
        if pending[comp] == 0:
            del below[comp]
    return result


def _induced(succ: Adjacency, keep: Collection[str]) -> Adjacency:
    """The subgraph on `keep` (a set) as a graph of its own, neighbours in the plan's order."""
    return {u: {v: None for v in succ[u] if v in keep} for u in succ if u in keep}


def _reachable(adjacency: Adjacency, seeds: Iterable[str]) -> set[str]:
    """`seeds` (those in the graph) and everything reachable from them."""
    seen = {s for s in seeds if s in adjacency}
    stack = list(seen)
    while stack:
        for succ in adjacency[stack.pop()]:
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
    cond = _condense(_induced(graph.succ, set(changing)), graph.order)
    destroyed = set(destructive)
    own_reason = set(self_caused)
    upstream: list[set[str]] = [set() for _ in cond.members]
    roots: dict[int, frozenset[str]] = {}
    for comp in cond.order:
        found = upstream[comp]
        members = cond.members[comp]
        if not found or own_reason & members:
            found = {m for m in members if m in destroyed}
        roots[comp] = frozenset(found)
        for dependent in cond.succ[comp]:
            upstream[dependent] |= found
    result = {}
    for node in destroyed:
        if node not in cond.component:
            continue
        causes = roots[cond.component[node]] - {node}
        if causes:
            result[node] = tuple(sorted(causes))
    return result


def neighbourhood(graph: DependencyGraph, focus: str, depth: int | None) -> GraphData:
    """The part of the graph within `depth` edges of `focus`, in either direction."""
    import networkx as nx  # noqa: PLC0415 (see the module docstring)

    g = _as_networkx(graph.succ)
    keep = {focus}
    for view in (g, g.reverse(copy=False)):
        lengths = nx.single_source_shortest_path_length(view, focus, cutoff=depth)
        keep.update(lengths)
    nodes = tuple(n for n in graph.data.nodes if n.id in keep)
    edges = tuple(e for e in graph.data.edges if e.dependency in keep and e.dependent in keep)
    return GraphData(nodes, edges, graph.data.notes)


class Reach(Record, frozen=True):
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
    succ = graph.succ
    seen: dict[str, Reach] = {}
    complete = all(_spread(succ, s, seen, limit) for s in starts if s in succ)
    edges = tuple((a, b) for a in seen for b in succ[a] if b in seen and a != b)
    return tuple(seen.values()), edges, complete


def _spread(succ: Adjacency, start: str, seen: dict[str, Reach], limit: int) -> bool:
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
            for dependent in succ[node]:  # the plan's order: deterministic, no sort
                if dependent in seen:
                    continue
                if len(seen) >= limit:
                    return False
                seen[dependent] = Reach(dependent, start, seen[node].depth + 1)
                nxt.append(dependent)
        frontier = nxt
    return True


def layered_layout(
    nodes: Sequence[str], edges: Sequence[tuple[str, str]]
) -> dict[str, tuple[int, int]]:
    """(layer, row) per node for drawing left to right: a node's layer is one more than its
    deepest dependency's; a dependency cycle shares one layer."""
    succ: dict[str, dict[str, None]] = {node: {} for node in nodes}
    for dependency, dependent in edges:
        succ.setdefault(dependency, {})[dependent] = None
        succ.setdefault(dependent, {})
    cond = _condense(succ, _topological(succ))
    layer = [0] * len(cond.members)
    for comp in cond.order:
        for later in cond.succ[comp]:
            layer[later] = max(layer[later], layer[comp] + 1)
    rows: dict[int, int] = {}
    out: dict[str, tuple[int, int]] = {}
    for node in nodes:
        col = layer[cond.component[node]]
        out[node] = (col, rows.get(col, 0))
        rows[col] = rows.get(col, 0) + 1
    return out
