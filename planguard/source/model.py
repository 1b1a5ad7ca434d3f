"""The Terraform source as planguard reads it: where each block is and what it refers to."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol, runtime_checkable

from planguard.findings import SourceLocation
from planguard.records import Record, field


class ObjectKind(enum.Enum):
    RESOURCE = "resource"
    DATA = "data"
    VARIABLE = "variable"
    LOCAL = "local"
    MODULE = "module"
    OUTPUT = "output"


class AttributeSpan(Record, frozen=True):
    name: str
    line: int
    end_line: int
    references: tuple[str, ...]
    """Keys of the objects the attribute's expression refers to (see `SourceObject.key`)."""


class Lifecycle(Record, frozen=True):
    prevent_destroy: bool | None = None
    create_before_destroy: bool | None = None
    ignore_changes: str | None = None
    replace_triggered_by: str | None = None

    @property
    def facts(self) -> tuple[str, ...]:
        """What the block says, in Terraform's words."""
        out = []
        if self.prevent_destroy:
            out.append("prevent_destroy = true")
        if self.create_before_destroy is not None:
            out.append(f"create_before_destroy = {str(self.create_before_destroy).lower()}")
        if self.ignore_changes:
            out.append(f"ignore_changes = {self.ignore_changes}")
        if self.replace_triggered_by:
            out.append(f"replace_triggered_by = {self.replace_triggered_by}")
        return tuple(out)


class SourceObject(Record, frozen=True):
    """A block (resource, data, variable, module call, output) or one `locals` entry.

    `key` is module-scoped without instance keys: `module.app.aws_db_instance.main`,
    `module.app.var.cidr`, `local.name`, `module.app` (the call), `module.app.output.id`.
    """

    key: str
    kind: ObjectKind
    location: SourceLocation
    attributes: tuple[AttributeSpan, ...] = ()
    lifecycle: Lifecycle | None = None

    def attribute(self, name: str) -> AttributeSpan | None:
        return next((a for a in self.attributes if a.name == name), None)


class AddressBlockKind(enum.Enum):
    MOVED = "moved"
    REMOVED = "removed"
    IMPORT = "import"


class AddressBlock(Record, frozen=True):
    """A `moved`, `removed` or `import` block, its addresses prefixed with its module."""

    kind: AddressBlockKind
    location: SourceLocation
    from_address: str | None
    to_address: str | None
    destroy: bool | None = None
    """A `removed` block's `lifecycle { destroy }` (Terraform's default is true)."""


class ParseWarning(Record, frozen=True):
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class UnmappedModule(Record, frozen=True):
    """A module call whose source planguard cannot read (registry, git, …)."""

    module: str
    source: str
    location: SourceLocation

    @property
    def description(self) -> str:
        return f"module {self.module} ({self.source}), whose source is not mapped"


@runtime_checkable
class ObjectIndex(Protocol):
    """Objects parsed on first lookup (`source.index.SourceIndex`): what it can say cheaply."""

    def candidate_keys(self) -> list[str]:
        """A superset of the keys, in map order, without parsing."""

    def prefetch(self, keys: Iterable[str]) -> None:
        """Parse ahead, all at once, what looking up `keys` would parse."""

    def may_protect(self, key: str) -> bool:
        """False only when the object surely has no `prevent_destroy`."""

    def parses_now(self, path: str) -> bool | None:
        """Whether the file parses, asked of the file, where the warnings took the parse
        cache's word for it; None where they did not."""


class SourceMap(Record, frozen=True):
    directory: str
    """The root module's directory, relative like every file here."""
    files: tuple[str, ...]
    objects: Mapping[str, SourceObject]
    """By key; from `build_source_map`, a `source.index.SourceIndex` that parses a block when
    its key is first looked up (ask through `objects_where`, not by iterating, to stay cheap)."""
    address_blocks: tuple[AddressBlock, ...] = ()
    warnings: tuple[ParseWarning, ...] = ()
    unmapped: tuple[UnmappedModule, ...] = ()
    variable_feeds: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """A module's `var.x` key → the (call key, argument) that sets it."""

    def removed_block(self, key: str) -> AddressBlock | None:
        """The `removed` block that names `key` or a module call it sits in, if any."""
        owners = {key, *enclosing_modules(key)}
        return next(
            (
                b
                for b in self.address_blocks
                if b.kind is AddressBlockKind.REMOVED and b.from_address in owners
            ),
            None,
        )

    def objects_where(self, key_test: Callable[[str], bool]) -> list[SourceObject]:
        """The objects whose keys pass `key_test`, in map order: a map parsed on lookup
        parses only the blocks that may hold such keys."""
        index = self.objects if isinstance(self.objects, ObjectIndex) else None
        keys = index.candidate_keys() if index is not None else list(self.objects)
        return [o for k in keys if key_test(k) and (o := self.objects.get(k)) is not None]

    def prefetch(self, keys: Iterable[str]) -> None:
        """Parse ahead what looking up `keys` will parse (a map parsed on lookup only)."""
        if isinstance(self.objects, ObjectIndex):
            self.objects.prefetch(keys)

    def may_protect(self, key: str) -> bool:
        """Whether the object may say `prevent_destroy` (False: it surely does not)."""
        if isinstance(self.objects, ObjectIndex):
            return self.objects.may_protect(key)
        found = self.objects.get(key)
        return found is not None and found.lifecycle is not None

    def unreadable(self, path: str) -> bool:
        """The file was read and does not parse, or could not be read: a block missing from
        it says nothing. Asked of the file itself, never of the parse cache."""
        fresh = self.objects.parses_now(path) if isinstance(self.objects, ObjectIndex) else None
        if fresh is not None:
            return not fresh
        return any(w.file == path for w in self.warnings)

    def unmapped_module(self, key: str) -> UnmappedModule | None:
        """The remote module call `key` sits in, if any."""
        return next((u for u in self.unmapped if key.startswith(u.module + ".")), None)


class SourceSummary(Record, frozen=True):
    """What the report says about the source: where it was read and what could not be."""

    directory: str
    intent: str
    """Whether the intent check ran, against what, or why not."""
    files: int
    mapped: int
    """Changed resources located in the source."""
    unmapped: tuple[str, ...]
    """Changed resources not found, each with why."""
    warnings: tuple[str, ...]
    remote_modules: tuple[str, ...]
    address_blocks: tuple[str, ...]
    """`moved`/`removed`/`import` blocks, each with its location."""


def enclosing_modules(key: str) -> list[str]:
    """The module calls an object key sits in: `module.a.module.b.x.y` → `module.a`,
    `module.a.module.b`."""
    parts = key.split(".")
    out = []
    i = 0
    while i + 1 < len(parts) and parts[i] == "module":
        out.append(".".join(parts[: i + 2]))
        i += 2
    return out
