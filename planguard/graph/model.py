"""Records of the dependency graph, independent of networkx."""

from __future__ import annotations

import enum

from planguard.plan.model import Action
from planguard.records import Record


class EdgeKind(enum.Enum):
    """Where an edge comes from (its provenance)."""

    REFERENCE = "reference"
    """An expression of the dependent refers to the dependency (configuration)."""
    DEPENDS_ON = "depends_on"
    """A `depends_on` of the resource or of an enclosing module call."""
    STATE = "state"
    """`prior_state` recorded the dependency when the object was last applied."""


class Node(Record, frozen=True):
    """A resource instance (or a deposed object, or a data source instance)."""

    id: str
    address: str
    mode: str
    type: str
    module: str
    """The module instance path, e.g. `module.app["a"]`; empty for the root module."""
    action: Action | None
    """What this plan does to it; None when the plan lists no change entry for it."""


class Edge(Record, frozen=True):
    """`dependent` needs `dependency`: replacing the dependency hits the dependent."""

    dependency: str
    dependent: str
    kinds: frozenset[EdgeKind]


class GraphData(Record, frozen=True):
    """The whole graph as plain records, plus what could not be followed."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    notes: tuple[str, ...] = ()


class BlastRadius(Record, frozen=True):
    """Everything that transitively depends on one node."""

    total: int
    changing: int
    """Dependents that this plan also changes (their own findings say how)."""
    unchanged: int
    """Dependents the plan leaves alone but that lose what they depend on during the change."""
    notable: tuple[str, ...]
    """The most important dependents (bounded list), most important first."""
    members_digest: str
    """Digest of exactly which resources are in the radius (for the plan fingerprint)."""
