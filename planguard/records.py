"""`Record`, the base of planguard's typed, frozen records, and the few helpers records need.

Records are msgspec Structs, not `@dataclass(frozen=True, slots=True)`, for start-up time: on
CPython 3.11 every frozen slotted dataclass compiles six generated methods with `exec` when its
class statement runs (about 1.1 ms a class on the benchmark machine), and a `check` run defines
about 130 records, which was 110 ms of a 270 ms run (docs/benchmarks.md, issue 21). A Struct
class is built in C in about 25 µs, and its instances are made without the frozen dataclass's
per-field `object.__setattr__`. They keep what the records relied on: slots, frozen instances,
equality and hashing by value, keyword or positional construction, `__match_args__`, pickling.

Every record repeats `frozen=True` in its class statement: mypy reads Struct as a dataclass
transform and does not carry `frozen` down to subclasses by itself.
"""

from __future__ import annotations

from typing import Any, TypeVar

from msgspec import Struct, field
from msgspec.structs import replace

__all__ = ["Record", "field", "field_names", "is_record", "replace"]

R = TypeVar("R", bound="Record")


class Record(Struct, frozen=True):
    """A typed, frozen, slotted record compared and hashed by value."""


def is_record(value: object) -> bool:
    """Whether `value` is a record class or a record instance."""
    kind = value if isinstance(value, type) else type(value)
    return issubclass(kind, Struct)


def field_names(record: type[Any]) -> tuple[str, ...]:
    """The fields of a record class, in declaration order."""
    names: tuple[str, ...] = record.__struct_fields__
    return names
