"""Typed, frozen records of a plan. Nothing after the loader sees raw plan JSON.

Attribute values (`before`/`after`) stay opaque inside `Values`: they can be compared by the
hazard rules but have no way to be printed, so no renderer can leak them by accident.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any

from planguard.addresses import InstanceKey, ResourceAddress
from planguard.records import Record, field

AttributePath = tuple[str | int, ...]


class Action(enum.Enum):
    """What Terraform will do to one object (`change.actions`, joined by commas)."""

    NO_OP = "no-op"
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE_DELETE_FIRST = "delete,create"
    REPLACE_CREATE_FIRST = "create,delete"
    FORGET = "forget"
    CREATE_FORGET = "create,forget"

    # Plain attributes, set once below: the analysis asks them for every resource of a plan,
    # and an enum property costs a Python call each time.
    is_replace: bool
    destroys: bool
    """The existing object stops existing (delete or either replace order)."""
    is_change: bool
    """Anything that touches infrastructure or state (not no-op, not a data read)."""

    @property
    def label(self) -> str:
        return _LABELS[self]


for _action in Action:
    _action.is_replace = _action in (Action.REPLACE_DELETE_FIRST, Action.REPLACE_CREATE_FIRST)
    _action.destroys = _action is Action.DELETE or _action.is_replace
    _action.is_change = _action not in (Action.NO_OP, Action.READ)

_LABELS = {
    Action.NO_OP: "no-op",
    Action.CREATE: "create",
    Action.READ: "read",
    Action.UPDATE: "update",
    Action.DELETE: "delete",
    Action.REPLACE_DELETE_FIRST: "replace (delete first)",
    Action.REPLACE_CREATE_FIRST: "replace (create first)",
    Action.FORGET: "forget",
    Action.CREATE_FORGET: "create then forget",
}


class Values:
    """Attribute values of one side of a change, with Terraform's sensitivity mask.

    Deliberately has no way to render a value: `repr` and `str` say it is redacted, and it is
    not a record, so no serializer that walks records (`jsonout`, `msgspec.json.encode`) can
    reach its contents. When `decode` is given, `raw` and `sensitive` are JSON text, decoded
    the first time they are asked for (rules ask many times of a changed resource): the values
    of the resources a plan leaves alone are never decoded at all.
    """

    __slots__ = ("_decode", "_decoded_pair", "_raw", "_sensitive")
    _raw: Any
    """The value, or its JSON text (bytes-like) when `_decode` is given."""
    _sensitive: Any
    _decode: Callable[[Any], object] | None
    _decoded_pair: tuple[object, object]

    def __init__(
        self,
        raw: object = None,
        sensitive: object = None,
        decode: Callable[[Any], object] | None = None,
    ) -> None:
        # Through the slots themselves, past the read-only guard below (every change of a
        # large plan makes two of these).
        _SET_RAW(self, raw)
        _SET_SENSITIVE(self, sensitive)
        _SET_DECODE(self, decode)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Values are read-only")

    def __repr__(self) -> str:
        return "Values(<redacted>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Values):
            return NotImplemented
        return (self._value(), self._mask()) == (other._value(), other._mask())

    __hash__ = None  # type: ignore[assignment]  # values are JSON trees: not hashable

    def get(self, path: AttributePath) -> object:
        """The value at `path`, or None when absent; for comparisons only, never output."""
        return _walk(self._value(), path)

    def is_null(self) -> bool:
        """No object on this side (JSON null), told from the JSON text without decoding it: a
        plan-wide check must not decode the values of every resource the plan leaves alone."""
        if self._decode is None:
            return self._raw is None
        return len(self._raw) == 4 and bytes(self._raw) == b"null"

    def names(self) -> tuple[str, ...]:
        """The top-level attribute names (the provider schema's names, never values)."""
        value = self._value()
        return tuple(value) if isinstance(value, dict) else ()

    def is_sensitive(self, path: AttributePath) -> bool:
        """True when Terraform marked the value, or anything above it, sensitive."""
        node = self._mask()
        for part in path:
            if node is True:
                return True
            node = _walk(node, (part,))
        return node is True

    def _value(self) -> object:
        return self._decoded()[0]

    def _mask(self) -> object:
        return self._decoded()[1]

    def _decoded(self) -> tuple[object, object]:
        """(value, mask), decoded once. Nothing planguard does writes into either."""
        try:
            return self._decoded_pair
        except AttributeError:
            decode = self._decode
            pair = (self._raw, self._sensitive)
            if decode is not None:
                pair = (decode(self._raw), decode(self._sensitive))
            _SET_DECODED(self, pair)
            return pair


_SLOTS = vars(Values)
_SET_RAW = _SLOTS["_raw"].__set__
_SET_SENSITIVE = _SLOTS["_sensitive"].__set__
_SET_DECODE = _SLOTS["_decode"].__set__
_SET_DECODED = _SLOTS["_decoded_pair"].__set__


def _walk(node: object, path: AttributePath) -> object:
    for part in path:
        if isinstance(node, Mapping) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


class ActionReason(enum.Enum):
    """Why Terraform replaces, deletes or reads an object (`change.action_reason`).

    Open: a reason a newer Terraform adds is kept as a member of its own (`_missing_`), so its
    plans are read and the reason is shown as written; it simply scores no points.
    """

    REPLACE_BECAUSE_TAINTED = "replace_because_tainted"
    REPLACE_BECAUSE_CANNOT_UPDATE = "replace_because_cannot_update"
    REPLACE_BY_REQUEST = "replace_by_request"
    REPLACE_BY_TRIGGERS = "replace_by_triggers"
    DELETE_BECAUSE_NO_RESOURCE_CONFIG = "delete_because_no_resource_config"
    DELETE_BECAUSE_WRONG_REPETITION = "delete_because_wrong_repetition"
    DELETE_BECAUSE_COUNT_INDEX = "delete_because_count_index"
    DELETE_BECAUSE_EACH_KEY = "delete_because_each_key"
    DELETE_BECAUSE_NO_MODULE = "delete_because_no_module"
    DELETE_BECAUSE_NO_MOVE_TARGET = "delete_because_no_move_target"
    READ_BECAUSE_CONFIG_UNKNOWN = "read_because_config_unknown"
    READ_BECAUSE_DEPENDENCY_PENDING = "read_because_dependency_pending"
    READ_BECAUSE_CHECK_NESTED = "read_because_check_nested"

    @classmethod
    def _missing_(cls, value: object) -> ActionReason | None:
        if not isinstance(value, str):
            return None
        member = object.__new__(cls)
        member._value_ = value
        member._name_ = value.upper()
        return cls._value2member_map_.setdefault(value, member)  # type: ignore[return-value]

    def __str__(self) -> str:
        return str(self.value)  # as Terraform writes it, wherever it is shown

    @property
    def self_caused(self) -> bool:
        """Its own root cause, whatever changes upstream: asked for, or tainted in the state."""
        return self in (ActionReason.REPLACE_BY_REQUEST, ActionReason.REPLACE_BECAUSE_TAINTED)

    @property
    def repetition(self) -> tuple[str, ...]:
        """The meta-arguments whose change removes this instance (`count`, `for_each`)."""
        return _REPETITION.get(self, ())


_REPETITION = {
    ActionReason.DELETE_BECAUSE_COUNT_INDEX: ("count",),
    ActionReason.DELETE_BECAUSE_EACH_KEY: ("for_each",),
    ActionReason.DELETE_BECAUSE_WRONG_REPETITION: ("count", "for_each"),
}


class ResourceChange(Record, frozen=True):
    """One entry of `resource_changes` (or `resource_drift`)."""

    address: str
    location: ResourceAddress
    action: Action
    provider_name: str
    action_reason: ActionReason | None = None
    replace_paths: tuple[AttributePath, ...] = ()
    previous_address: str | None = None
    deposed: str | None = None
    importing: bool = False
    before: Values = field(default_factory=Values)
    after: Values = field(default_factory=Values)

    @property
    def mode(self) -> str:
        return self.location.mode

    @property
    def type(self) -> str:
        return self.location.type

    @property
    def index(self) -> InstanceKey | None:
        return self.location.key

    @property
    def node_id(self) -> str:
        """Graph node id: the address, plus the deposed key for a deposed object."""
        return f"{self.address} (deposed {self.deposed})" if self.deposed else self.address


class DeferredChange(Record, frozen=True):
    """A change Terraform could not plan yet (`deferred_changes[]`)."""

    reason: str
    change: ResourceChange


class OutputChange(Record, frozen=True):
    name: str
    action: Action
    sensitive: bool


class StateResource(Record, frozen=True):
    """A resource instance in `prior_state`: what exists before the apply."""

    address: str
    location: ResourceAddress
    depends_on: tuple[str, ...] = ()
    tainted: bool = False
    deposed_key: str | None = None


class RelevantAttribute(Record, frozen=True):
    """`relevant_attributes[]`: drift that matters to this plan."""

    resource: str
    attribute: AttributePath


class ConfigResource(Record, frozen=True):
    """A resource block of the configuration (module-relative address, no instance key)."""

    address: str
    mode: str
    type: str
    name: str
    references: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()


class ModuleOutput(Record, frozen=True):
    name: str
    references: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()


class ModuleCall(Record, frozen=True):
    """A `module` block: its arguments' references per input variable, and the child."""

    name: str
    source: str
    inputs: Mapping[str, tuple[str, ...]]
    meta_references: tuple[str, ...]
    """References of `count`/`for_each`: every resource of the module depends on them."""
    depends_on: tuple[str, ...]
    module: ModuleConfig


class ModuleConfig(Record, frozen=True):
    resources: tuple[ConfigResource, ...] = ()
    calls: tuple[ModuleCall, ...] = ()
    outputs: tuple[ModuleOutput, ...] = ()


class Plan(Record, frozen=True):
    """Everything planguard uses from one `terraform show -json` document."""

    source: str
    format_version: str | None
    terraform_version: str | None
    complete: bool | None
    errored: bool | None
    applyable: bool | None
    resource_changes: tuple[ResourceChange, ...]
    resource_drift: tuple[ResourceChange, ...] = ()
    deferred: tuple[DeferredChange, ...] = ()
    output_changes: tuple[OutputChange, ...] = ()
    prior_state: tuple[StateResource, ...] = ()
    relevant_attributes: tuple[RelevantAttribute, ...] = ()
    configuration: ModuleConfig | None = None
    action_invocations: int = 0
    warnings: tuple[str, ...] = ()
