"""Does the code change explain each destroy and replace? Pure: source maps and a diff in.

A destroy is *explained* when the diff says it: its block (or its module call) was removed, a
`removed` block names it, `-replace` asked for it, or an attribute that forces the replacement
changed — in the resource block itself or in a variable, variable value, local, module argument
or data source it reads. A change that only arrives through another resource (`id` of something
being replaced) is a cascade: *unexplained*, with the chain from what the diff did change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from planguard.findings import Evidence, SourceLocation
from planguard.plan.model import ActionReason
from planguard.records import Record
from planguard.source.diff import Diff, FileDiff, touches
from planguard.source.model import ObjectKind, SourceMap, SourceObject, enclosing_modules

_FOLLOWED = frozenset({ObjectKind.VARIABLE, ObjectKind.LOCAL, ObjectKind.OUTPUT})
"""Values that flow from configuration alone; a resource's value is a cascade, not intent."""


class Judgement(Record, frozen=True):
    explained: bool
    reason: str
    evidence: tuple[Evidence, ...] = ()


class DestroyedResource(Record, frozen=True):
    node_id: str
    config_key: str
    action_reason: ActionReason | None
    replace_attributes: tuple[str, ...]
    """The first step of each `replace_paths` entry."""


class CodeChange(Record, frozen=True):
    head: SourceMap
    base: SourceMap | None
    diff: Diff


class IntentCheck:
    """Judges the destroys of one code change; what each variable or local's value traces
    back to is worked out once and shared by every resource that reads it."""

    def __init__(self, change: CodeChange) -> None:
        self._reader = _Reader(change)

    def judge(self, resource: DestroyedResource) -> Judgement:
        if resource.action_reason is ActionReason.REPLACE_BY_REQUEST:
            return Judgement(True, "replacement requested with `-replace`")
        for one in _JUDGES:
            verdict = one(resource, self._reader)
            if verdict is not None:
                return verdict
        if resource.action_reason is ActionReason.REPLACE_BECAUSE_TAINTED:
            return Judgement(False, "tainted in the state (a failed apply or `terraform taint`)")
        return _not_what_forces_it(resource, self._reader)


class _Reader:
    """The diff as questions about source objects, answered once each."""

    def __init__(self, change: CodeChange) -> None:
        self.change = change
        self.added = change.diff.by_new_path()
        self.removed = change.diff.by_old_path()
        self._memo: dict[str, tuple[Evidence, ...] | None] = {}

    @property
    def head(self) -> SourceMap:
        return self.change.head

    def base_object(self, key: str) -> SourceObject | None:
        base = self.change.base
        return base.objects.get(key) if base is not None else None

    def added_at(self, file: str, first: int, last: int) -> SourceLocation | None:
        """Where the diff adds or rewrites a line of `file` within `first..last`."""
        diff: FileDiff | None = self.added.get(file)
        line = touches(diff.added, first, last) if diff else None
        return SourceLocation(file, line, last) if line is not None else None

    def removed_at(self, file: str, first: int, last: int) -> SourceLocation | None:
        """Where the diff removes a line of the base's `file` within `first..last`."""
        diff: FileDiff | None = self.removed.get(file)
        line = touches(diff.removed, first, last) if diff else None
        return SourceLocation(file, line, last) if line is not None else None

    def attribute(self, obj: SourceObject, name: str) -> tuple[Evidence, ...] | None:
        """Why `name` of `obj` has a new value in the diff: a chain ending in a changed line."""
        span = obj.attribute(name)
        if span is None:
            return self._attribute_removed(obj, name)
        where = self.added_at(obj.location.file, span.line, span.end_line)
        if where is not None:
            return (Evidence(f"`{name}` of {obj.key} changed", where),)
        for ref in span.references:
            found = self.value(ref)
            if found is not None:
                return (Evidence(f"`{name}` of {obj.key} reads {ref}", None), *found)
        return None

    def _attribute_removed(self, obj: SourceObject, name: str) -> tuple[Evidence, ...] | None:
        before = self.base_object(obj.key)
        span = before.attribute(name) if before else None
        if before is None or span is None:
            return None
        where = self.removed_at(before.location.file, span.line, span.end_line)
        if where is None:
            return None
        return (Evidence(f"`{name}` of {obj.key} was removed", where),)

    def value(self, key: str) -> tuple[Evidence, ...] | None:
        if key not in self._memo:
            self._memo[key] = None  # a reference loop ends here
            self._memo[key] = self._value(key)
        return self._memo[key]

    def _value(self, key: str) -> tuple[Evidence, ...] | None:
        obj = self.head.objects.get(key)
        if obj is None:
            before = self.base_object(key)
            if before is not None and before.kind in _FOLLOWED | {ObjectKind.DATA}:
                return (Evidence(f"{key} was removed", before.location),)
            return None
        if obj.kind is ObjectKind.DATA or obj.kind in _FOLLOWED:
            first, last = _value_lines(obj)
            where = self.added_at(obj.location.file, first, last)
            if where is not None:  # the evidence spans to the end of the object's block
                block = SourceLocation(where.file, where.line, obj.location.end_line)
                return (Evidence(f"{key} changed", block),)
        if obj.kind not in _FOLLOWED:
            return None
        for setter in self._setters(key):
            if isinstance(setter, SourceObject):
                found = self.value(setter.key)
            else:
                found = self.attribute(*setter)
            if found is not None:
                return found
        for span in obj.attributes:
            for ref in span.references:
                found = self.value(ref)
                if found is not None:
                    return (Evidence(f"{key} reads {ref}", None), *found)
        return None

    def _setters(self, key: str) -> Iterable[SourceObject | tuple[SourceObject, str]]:
        """What sets a variable besides its default: `.tfvars` values, module arguments."""
        for obj in self.head.objects_where(lambda k: k.startswith(key + "=")):
            if _auto_loaded(obj.location.file):
                yield obj
        feed = self.head.variable_feeds.get(key)
        if feed is not None:
            call = self.head.objects.get(feed[0])
            if call is not None:
                yield call, feed[1]


def _not_what_forces_it(resource: DestroyedResource, reader: _Reader) -> Judgement:
    """Unexplained, saying it truly: when the diff changes some attribute of the block (a
    subnet's `input` reads the changed `var.cidr`), it names that one, and what it does not
    change (what forces the replacement)."""
    obj = reader.head.objects.get(resource.config_key)
    forcing = resource.replace_attributes
    for span in obj.attributes if obj is not None else ():
        if span.name in forcing or span.name == "lifecycle":
            continue
        found = reader.attribute(obj, span.name) if obj is not None else None
        if found is not None:
            named = ", ".join(f"`{name}`" for name in forcing)
            what = f"{named}, which forces" if named else "what forces"
            return Judgement(
                False, f"the diff changes `{span.name}`, but not {what} the replacement", found
            )
    return Judgement(False, "nothing in the diff changes it or what it reads")


def _removed_block(resource: DestroyedResource, reader: _Reader) -> Judgement | None:
    block = reader.head.removed_block(resource.config_key)
    if block is None:
        return None
    loc = block.location
    added = reader.added_at(loc.file, loc.line, loc.end_line) is not None
    when = "added in this change" if added else "already in the code"
    forget = " (destroy = false: forgotten, not destroyed)" * (block.destroy is False)
    return Judgement(
        True, f"a `removed` block names it, {when}{forget}", (Evidence("removed", loc),)
    )


def _gone_from_code(resource: DestroyedResource, reader: _Reader) -> Judgement | None:
    key = resource.config_key
    if key in reader.head.objects:
        return None
    for call in enclosing_modules(key):
        before = reader.base_object(call)
        if call not in reader.head.objects and before is not None:
            return Judgement(
                True,
                f"its module call {call} was removed",
                (Evidence(f"{call} removed", before.location),),
            )
    before = reader.base_object(key)
    if before is None or reader.head.unreadable(before.location.file):
        return None  # a file planguard could not read at the head says nothing
    kind_of_block = _without_name(key)
    added = [
        o.key
        for o in reader.head.objects_where(lambda k: _without_name(k) == kind_of_block)
        if o.kind is ObjectKind.RESOURCE and reader.base_object(o.key) is None
    ]
    how = f"renamed to {added[0]} (without a `moved` block)" if len(added) == 1 else "removed"
    return Judgement(True, f"its block was {how}", (Evidence(f"{key} {how}", before.location),))


def _without_name(key: str) -> str:
    """`module.a.aws_db.main` → `module.a.aws_db`: the same type in the same module."""
    return key.rpartition(".")[0]


def _value_lines(obj: SourceObject) -> tuple[int, int]:
    """The lines whose change changes the object's value: a variable block's `default` (a new
    description explains nothing), else the whole block or entry."""
    if obj.kind is not ObjectKind.VARIABLE or "=" in obj.key:
        return obj.location.line, obj.location.end_line
    default = obj.attribute("default")
    return (default.line, default.end_line) if default else (0, -1)


def _auto_loaded(path: str) -> bool:
    """Terraform reads these `.tfvars` itself; others only with `-var-file`, which planguard
    cannot see, so they explain nothing (fail closed)."""
    name = path.rsplit("/", 1)[-1]
    return name == "terraform.tfvars" or name.endswith(".auto.tfvars")


def _remote_module(resource: DestroyedResource, reader: _Reader) -> Judgement | None:
    unmapped = reader.head.unmapped_module(resource.config_key)
    if unmapped is None:
        return None
    call = reader.head.objects.get(unmapped.module)
    for name in ("source", "version"):
        found = reader.attribute(call, name) if call is not None else None
        if found is not None:
            return Judgement(True, f"the {name} of module {unmapped.module} changed", found)
    return Judgement(False, f"inside {unmapped.description}")


def _repetition(resource: DestroyedResource, reader: _Reader) -> Judgement | None:
    names = resource.action_reason.repetition if resource.action_reason is not None else ()
    if not names:
        return None
    holders = [resource.config_key, *enclosing_modules(resource.config_key)]
    for holder in holders:
        obj = reader.head.objects.get(holder)
        for name in names:
            found = reader.attribute(obj, name) if obj is not None else None
            if found is not None:
                return Judgement(True, f"`{name}` of {holder} changed which instances exist", found)
    return None


def _forced_attribute(resource: DestroyedResource, reader: _Reader) -> Judgement | None:
    obj = reader.head.objects.get(resource.config_key)
    if obj is None:
        return None
    for name in resource.replace_attributes:
        found = reader.attribute(obj, name)
        if found is not None:
            return Judgement(
                True, f"`{name}` forces the replacement and the diff changes it", found
            )
    if resource.replace_attributes or resource.action_reason is ActionReason.REPLACE_BY_TRIGGERS:
        return None
    if resource.action_reason not in (None, ActionReason.REPLACE_BECAUSE_CANNOT_UPDATE):
        return None
    loc = obj.location
    where = reader.added_at(loc.file, loc.line, loc.end_line)
    if where is None:
        return None
    return Judgement(
        True,
        "its block changed (the plan does not say which attribute forces the replacement)",
        (Evidence(f"{obj.key} changed", where),),
    )


def _triggers(resource: DestroyedResource, reader: _Reader) -> Judgement | None:
    if resource.action_reason is not ActionReason.REPLACE_BY_TRIGGERS:
        return None
    obj = reader.head.objects.get(resource.config_key)
    span = obj.attribute("lifecycle") if obj is not None else None
    if obj is None or span is None:
        return None
    where = reader.added_at(obj.location.file, span.line, span.end_line)
    if where is None:
        return None
    return Judgement(
        True, "its `replace_triggered_by` changed", (Evidence("lifecycle changed", where),)
    )


_JUDGES: tuple[Callable[[DestroyedResource, _Reader], Judgement | None], ...] = (
    _removed_block,
    _gone_from_code,
    _remote_module,
    _repetition,
    _forced_attribute,
    _triggers,
)
