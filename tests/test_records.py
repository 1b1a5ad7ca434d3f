"""Records are msgspec Structs (planguard/records.py says why). Two mistakes the type checker
does not catch are checked here over every record class the package defines."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Iterator

import pytest

import planguard
from planguard.records import Record, field_names, is_record, replace


def _records() -> list[type[Record]]:
    for info in pkgutil.walk_packages(planguard.__path__, "planguard."):
        if not info.name.endswith("__main__"):  # running it would run the CLI
            importlib.import_module(info.name)

    def below(kind: type[Record]) -> Iterator[type[Record]]:
        for sub in kind.__subclasses__():
            yield sub
            yield from below(sub)

    return sorted(set(below(Record)), key=lambda k: f"{k.__module__}.{k.__qualname__}")


RECORDS = _records()


def test_the_package_defines_its_records_on_the_base() -> None:
    assert len(RECORDS) > 150  # every frozen record of the package, not a few


@pytest.mark.parametrize("record", RECORDS, ids=lambda k: f"{k.__module__}.{k.__qualname__}")
def test_a_record_is_frozen_and_its_defaults_are_values(record: type[Record]) -> None:
    assert record.__struct_config__.frozen
    defaults = record.__struct_defaults__
    with_default = field_names(record)[len(field_names(record)) - len(defaults) :]
    for name, default in zip(with_default, defaults, strict=True):
        # `dataclasses.field(...)` in a record is not a default factory: the Field object itself
        # would become every instance's value.
        assert not isinstance(default, dataclasses.Field), f"{name}: use planguard.records.field"


def test_records_compare_hash_replace_and_refuse_assignment() -> None:
    from planguard.findings import SourceLocation

    where = SourceLocation(file="main.tf", line=3, end_line=5)
    same = SourceLocation("main.tf", 3, 5)
    assert where == same and hash(where) == hash(same) and where != replace(same, end_line=6)
    moved = replace(where, line=4)
    assert (moved.line, where.line) == (4, 3)
    with pytest.raises(AttributeError):
        where.line = 5  # type: ignore[misc]
    assert is_record(where) and is_record(SourceLocation) and not is_record(object())
