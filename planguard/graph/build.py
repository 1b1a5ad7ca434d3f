"""Plan → `GraphData`: resolve configuration references and state dependencies to edges.

Pure functions, no networkx. Configuration references are module-relative and name blocks,
not instances; they are resolved here across module boundaries (`var.x` → the parent's
argument, `module.m.out` → the output's references inside `m`) and expanded to the instances
in the plan. Two instances are linked only when their module instance keys agree on the
module path they share: `module.a[0].x` referring to `y` in its own module means
`module.a[0].y`, not `module.a[1].y`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping

from planguard.addresses import (
    InstanceKey,
    ModuleRef,
    ResourceAddress,
    ResourceRef,
    VarRef,
    config_address,
    parse_config_address,
    parse_reference,
)
from planguard.graph.model import Edge, EdgeKind, GraphData, Node
from planguard.plan.model import Action, ModuleCall, ModuleConfig, Plan
from planguard.records import Record, replace

ModulePath = tuple[str, ...]
ModuleKeys = tuple[InstanceKey | None, ...]


class Target(Record, frozen=True):
    """A configuration block that something depends on, optionally one instance of it."""

    module: ModulePath
    config_address: str
    key: InstanceKey | None = None
    whole_module: bool = False
    """True for `depends_on = [module.x]`: every resource under `config_address` prefix."""
    pinned: tuple[tuple[int, InstanceKey], ...] = ()
    """(depth, key): the module call at that depth must be that instance (`module.m["k"].out`)."""


class _Instance(Record, frozen=True):
    rank: int
    """Position in node id order: edges are kept as pairs of ranks, which hash and sort as
    integers (a plan has hundreds of thousands of edges between long address strings)."""
    node_id: str
    location: ResourceAddress
    address: str
    deposed: bool = False


def build_graph_data(plan: Plan) -> GraphData:
    instances = _instances(plan)
    actions = {change.node_id: change.action for change in plan.resource_changes}
    index = _InstanceIndex(instances)
    edges: dict[int, int] = {}  # dependency rank * n + dependent rank → bitmask of its kinds
    notes: list[str] = []
    if plan.configuration is not None:
        resolver = _Resolver(plan.configuration)
        for module, resource_address, targets in resolver.resource_targets():
            block = config_address_of(module, resource_address)
            for kind, target in targets:
                _link_block(index, block, module, target, kind, edges=edges)
        notes.extend(resolver.notes())
    for dependency, dependents in _state_dependents(plan, index).items():
        state_target = _state_target(dependency)
        if state_target is not None:
            _link(index, dependents, state_target, EdgeKind.STATE, edges)
    return GraphData(
        nodes=tuple(_node(actions, inst) for inst in instances),
        edges=tuple(_edges(edges, [inst.node_id for inst in instances])),
        notes=tuple(notes),
    )


def _edges(edges: dict[int, int], ids: list[str]) -> Iterator[Edge]:
    """Edges in (dependency, dependent) id order, without self-loops."""
    n = len(ids)
    for key in sorted(edges):
        u, v = divmod(key, n)
        if u != v:
            yield Edge(ids[u], ids[v], _KINDS[edges[key]])


_KIND_BITS = {kind: 1 << n for n, kind in enumerate(EdgeKind)}
_KINDS = [
    frozenset(kind for kind, bit in _KIND_BITS.items() if mask & bit)
    for mask in range(1 << len(_KIND_BITS))
]


def _state_dependents(plan: Plan, index: _InstanceIndex) -> dict[str, list[_Instance]]:
    """Each `prior_state` dependency and the objects that recorded it (many share each one)."""
    found: dict[str, list[_Instance]] = defaultdict(list)
    for state in plan.prior_state:
        source = index.by_id(state.address)
        if source is not None:
            for dependency in state.depends_on:
                found[dependency].append(source)
    return found


def config_address_of(module: ModulePath, relative: str) -> str:
    return "".join(f"module.{m}." for m in module) + relative


def _instances(plan: Plan) -> list[_Instance]:
    """Every object the plan names, in node id order."""
    found: dict[str, tuple[ResourceAddress, str, bool]] = {}
    for change in plan.resource_changes:
        found[change.node_id] = (change.location, change.address, bool(change.deposed))
    for state in plan.prior_state:
        deposed = state.deposed_key
        node_id = f"{state.address} (deposed {deposed})" if deposed else state.address
        if node_id not in found:
            found[node_id] = (state.location, state.address, bool(deposed))
    for deferred in plan.deferred:
        change = deferred.change
        if change.node_id not in found:
            found[change.node_id] = (change.location, change.address, False)
    return [_Instance(rank, node_id, *found[node_id]) for rank, node_id in enumerate(sorted(found))]


def _node(actions: dict[str, Action], inst: _Instance) -> Node:
    loc = inst.location
    return Node(
        inst.node_id,
        inst.address,
        loc.mode,
        loc.type,
        loc.module_address,
        actions.get(inst.node_id),
    )


class _InstanceIndex:
    """Instances by configuration address, grouped by their module instance prefix."""

    def __init__(self, instances: list[_Instance]) -> None:
        self._count = len(instances)
        self._by_config: dict[str, list[_Instance]] = defaultdict(list)
        self._by_id: dict[str, _Instance] = {}
        for inst in instances:
            self._by_id[inst.node_id] = inst
            if not inst.deposed:  # nothing refers to a deposed object: it only gets deleted
                self._by_config[inst.location.config_address].append(inst)
        self._grouped: dict[tuple[str, int], dict[ModuleKeys, list[_Instance]]] = {}
        self._prefixes: dict[str, list[str]] = defaultdict(list)
        for address in self._by_config:
            for i in range(address.count("module.")):
                self._prefixes[".".join(address.split(".")[: 2 * (i + 1)])].append(address)

    def __len__(self) -> int:
        return self._count

    def by_config(self, address: str) -> list[_Instance]:
        return self._by_config.get(address, [])

    def by_id(self, node_id: str) -> _Instance | None:
        return self._by_id.get(node_id)

    def under_module(self, module_address: str) -> list[str]:
        """Config addresses of every resource inside a module call (recursively)."""
        return self._prefixes.get(module_address, [])

    def grouped(self, address: str, shared: int) -> Mapping[ModuleKeys, list[_Instance]]:
        """Instances of `address` by their first `shared` module keys."""
        groups = self._grouped.get((address, shared))
        if groups is None:
            groups = defaultdict(list)
            for inst in self.by_config(address):
                groups[inst.location.module_keys[:shared]].append(inst)
            self._grouped[(address, shared)] = groups
        return groups


def _shared_depth(a: ModulePath, b: ModulePath) -> int:
    depth = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        depth += 1
    return depth


def _link_block(
    index: _InstanceIndex,
    block: str,
    module: ModulePath,
    target: Target,
    kind: EdgeKind,
    *,
    edges: dict[int, int],
) -> None:
    """Link every instance of one resource block to what `target` names.

    All of them are in modules of the same path, so they share one depth with the target's
    module; instances with the same module keys down to that depth have the same
    dependencies, so both sides are grouped by those keys and joined group by group.
    """
    shared = _shared_depth(module, target.module)
    sources = index.grouped(block, shared)
    if sources:
        ranks = {keys: [source.rank for source in group] for keys, group in sources.items()}
        _join(index, ranks, shared, target, _KIND_BITS[kind], edges=edges)


def _link(
    index: _InstanceIndex,
    sources: Iterable[_Instance],
    target: Target,
    kind: EdgeKind,
    edges: dict[int, int],
) -> None:
    """Link objects of any modules (those that recorded a `prior_state` dependency) to what
    `target` names: grouped per module path, then by module keys, as `_link_block` does."""
    by_path: dict[ModulePath, tuple[int, dict[ModuleKeys, list[int]]]] = {}
    for source in sources:
        where = source.location.where
        found = by_path.get(where.path)
        if found is None:
            found = by_path[where.path] = (_shared_depth(where.path, target.module), {})
        shared, groups = found
        keys = where.keys[:shared]
        group = groups.get(keys)
        if group is None:
            groups[keys] = [source.rank]
        else:
            group.append(source.rank)
    for shared, groups in by_path.values():
        _join(index, groups, shared, target, _KIND_BITS[kind], edges=edges)


def _join(
    index: _InstanceIndex,
    sources: Mapping[ModuleKeys, list[int]],
    shared: int,
    target: Target,
    bit: int,
    *,
    edges: dict[int, int],
) -> None:
    """Add an edge from each instance `target` names to each source with its module keys."""
    any_instance = target.key is None and not target.pinned
    n = len(index)
    for address in _addresses(index, target):
        targets = index.grouped(address, shared)
        for keys, group in sources.items():
            deps = targets.get(keys)
            if not deps:
                continue
            for dep in deps:
                if not any_instance and not _matches(dep.location, target):
                    continue
                base = dep.rank * n
                for source in group:
                    edge = base + source
                    edges[edge] = edges.get(edge, 0) | bit


def _addresses(index: _InstanceIndex, target: Target) -> list[str]:
    """The configuration addresses a target names: one, or all of a module's."""
    if target.whole_module:
        return index.under_module(target.config_address)
    return [target.config_address]


def _matches(location: ResourceAddress, target: Target) -> bool:
    if target.key is not None and location.key != target.key:
        return False
    return all(
        depth < len(location.module) and location.module[depth].key == key
        for depth, key in target.pinned
    )


def _state_target(dependency: str) -> Target | None:
    """`prior_state` `depends_on` entries are absolute configuration addresses."""
    try:
        path, ref = parse_config_address(dependency)
    except ValueError:
        return None
    if ref is None:
        return Target(path, dependency, whole_module=True)
    if isinstance(ref, ResourceRef):
        return Target(path, config_address(path, ref.mode, ref.type, ref.name))
    return None


TargetList = list[tuple[EdgeKind, Target]]


class _Resolver:
    """Resolves module-relative references to configuration targets, memoized per module."""

    def __init__(self, root: ModuleConfig) -> None:
        self._modules: dict[ModulePath, ModuleConfig] = {}
        self._calls: dict[ModulePath, ModuleCall] = {}
        self._index_modules((), root)
        self._memo: dict[tuple[ModulePath, str], frozenset[Target]] = {}
        self._active: set[tuple[ModulePath, str]] = set()
        self._local_refs = 0

    def _index_modules(self, path: ModulePath, module: ModuleConfig) -> None:
        self._modules[path] = module
        for call in module.calls:
            child = (*path, call.name)
            self._calls[child] = call
            self._index_modules(child, call.module)

    def notes(self) -> list[str]:
        if not self._local_refs:
            return []
        return [
            f"{self._local_refs} resource(s) refer to locals, which the plan JSON does not"
            " describe: dependencies through locals come from prior_state only (existing"
            " resources), not from the configuration"
        ]

    def resource_targets(self) -> Iterator[tuple[ModulePath, str, TargetList]]:
        for path, module in self._modules.items():
            inherited = self._inherited(path)
            for resource in module.resources:
                targets: TargetList = list(inherited)
                if any(ref.startswith("local.") for ref in resource.references):
                    self._local_refs += 1
                for ref in resource.references:
                    targets += [(EdgeKind.REFERENCE, t) for t in self.resolve(path, ref)]
                for dep in resource.depends_on:
                    targets += [(EdgeKind.DEPENDS_ON, t) for t in self._depends_on(path, dep)]
                yield path, resource.address, targets

    def _inherited(self, path: ModulePath) -> TargetList:
        """Targets of `count`/`for_each`/`depends_on` of every enclosing module call."""
        targets: TargetList = []
        for depth in range(1, len(path) + 1):
            call, parent = self._calls[path[:depth]], path[: depth - 1]
            for ref in call.meta_references:
                targets += [(EdgeKind.REFERENCE, t) for t in self.resolve(parent, ref)]
            for dep in call.depends_on:
                targets += [(EdgeKind.DEPENDS_ON, t) for t in self._depends_on(parent, dep)]
        return targets

    def _depends_on(self, path: ModulePath, dependency: str) -> list[Target]:
        try:
            sub, ref = parse_config_address(dependency)
        except ValueError:
            return []
        if ref is None:
            return [
                Target((*path, *sub), config_address_of((*path, *sub), "")[:-1], whole_module=True)
            ]
        return list(self.resolve((*path, *sub), dependency.split(".", 2 * len(sub))[-1]))

    def resolve(self, path: ModulePath, reference: str) -> frozenset[Target]:
        key = (path, reference)
        found = self._memo.get(key)
        if found is not None:
            return found
        if key in self._active:  # a reference cycle through modules: stop, do not loop
            return frozenset()
        self._active.add(key)
        try:
            found = frozenset(self._resolve(path, reference))
        finally:
            self._active.discard(key)
        self._memo[key] = found
        return found

    def _resolve(self, path: ModulePath, reference: str) -> Iterator[Target]:
        ref = parse_reference(reference)
        if isinstance(ref, ResourceRef):
            yield Target(path, config_address(path, ref.mode, ref.type, ref.name), ref.key)
        elif isinstance(ref, VarRef) and path:
            call = self._calls[path]
            for parent_ref in call.inputs.get(ref.name, ()):
                yield from self.resolve(path[:-1], parent_ref)
        elif isinstance(ref, ModuleRef):
            yield from self._module_output(path, ref)

    def _module_output(self, path: ModulePath, ref: ModuleRef) -> Iterator[Target]:
        child = (*path, ref.call)
        module = self._modules.get(child)
        if module is None:
            return
        pin = () if ref.key is None else ((len(path), ref.key),)
        for output in module.outputs:
            if ref.output is None or output.name == ref.output:
                targets = [t for inner in output.references for t in self.resolve(child, inner)]
                targets += [t for dep in output.depends_on for t in self._depends_on(child, dep)]
                for target in targets:
                    yield replace(target, pinned=target.pinned + pin) if pin else target
