"""The source map's objects, parsed when first asked for: `SourceIndex`.

Reading a root puts each file here with what `examine` found. A lookup goes to the files whose
scan lists the key, in the order the full map would have met them, and parses only the block
(a proven file) or the file (any other) that may hold it; the first that does holds it, as
the first block wins in the full map. A key no scan lists is in no file that parses (`scan`'s
promise), so it is absent without a parse. Iterating, `len` and `==` parse everything.

Whatever a lookup returns was parsed from the file's text in this run: the parse cache
(`cache`) is never read here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from planguard.source.convert import block_objects, item_keys, tfvars_objects
from planguard.source.examine import BlockJob, Exam, Parse, parse_all, parse_item
from planguard.source.hcl import ParsedFile, parse_file
from planguard.source.model import SourceObject


@dataclass
class FileEntry:
    """One file as read for one module instance (a directory two calls use is read twice)."""

    path: str
    prefix: str
    text: str
    exam: Exam
    _whole: dict[str, SourceObject] | None = None
    _blocks: dict[int, list[SourceObject]] = field(default_factory=dict)
    _fresh: Parse | None = None
    _ahead: dict[int, Parse] = field(default_factory=dict)
    """Blocks parsed ahead of their lookups (`SourceIndex.prefetch`)."""

    def candidates(self) -> Iterator[tuple[str, tuple[int, ...]]]:
        """Each key the file may define, with the scanned blocks that may define it."""
        found = self.exam.scan
        if found is None:  # parsed whole already: its keys are known
            for key in self.whole():
                yield key, ()
            return
        keys: dict[str, list[int]] = {}
        for index, item in enumerate(found.items):
            for key in item_keys(item, self.prefix):
                keys.setdefault(key, []).append(index)
        for key, indexes in keys.items():
            yield key, tuple(indexes)

    def lookup(self, key: str, indexes: tuple[int, ...]) -> SourceObject | None:
        found = self.exam.scan
        if found is None or not found.proven:
            return self.whole().get(key)
        for index in indexes:
            for obj in self.block(index):
                if obj.key == key:
                    return obj
        return None

    def block(self, index: int) -> list[SourceObject]:
        if index not in self._blocks:
            found = self.exam.scan
            assert found is not None
            parsed = (
                self._ahead.get(index)
                or dict(self.exam.blocks).get(index)
                or parse_item(self.text, found, index)
            )
            # A proven file parses, so its blocks do: a failure here would be a scan bug,
            # and then the block maps nothing rather than something wrong.
            self._blocks[index] = list(self._of(parsed)) if isinstance(parsed, ParsedFile) else []
        return self._blocks[index]

    def whole(self) -> dict[str, SourceObject]:
        """Every object of the file (parsed whole, now if not yet), first block winning."""
        if self._whole is None:
            self._whole = {}
            parsed = self.fresh()
            if isinstance(parsed, ParsedFile):
                for obj in self._of(parsed):
                    self._whole.setdefault(obj.key, obj)
        return self._whole

    def everything(self) -> Iterator[SourceObject]:
        found = self.exam.scan
        if found is None or not found.proven:
            yield from self.whole().values()
            return
        for index in range(len(found.items)):
            yield from self.block(index)

    def unparsed(self, indexes: tuple[int, ...]) -> BlockJob | None:
        """What a lookup of a key in `indexes` would parse that is not parsed yet."""
        found = self.exam.scan
        if found is None or not found.proven:
            done = self._fresh is not None or self.exam.whole is not None
            return None if done else BlockJob(self.text, found)
        ready = dict(self.exam.blocks)
        wanted = tuple(i for i in indexes if i not in self._blocks and i not in ready)
        return BlockJob(self.text, found, wanted) if wanted else None

    def take(self, parsed: tuple[tuple[int, Parse], ...]) -> None:
        for index, result in parsed:
            if index < 0:
                self._fresh = result
            else:
                self._ahead[index] = result

    def fresh(self) -> Parse:
        """The file parsed whole from its text: never the cache's word for it."""
        if self._fresh is None:
            self._fresh = self.exam.whole or parse_file(self.text)
        return self._fresh

    def _of(self, parsed: ParsedFile) -> Iterator[SourceObject]:
        if self.path.endswith(".tfvars"):
            yield from tfvars_objects(parsed, self.path)
            return
        for block in parsed.blocks:
            yield from block_objects(block, self.path, self.prefix)


class SourceIndex(Mapping[str, SourceObject]):
    """The objects of a source map, parsed on first use (module docstring)."""

    def __init__(self, entries: list[FileEntry]) -> None:
        self._entries = entries
        self._where: dict[str, list[tuple[FileEntry, tuple[int, ...]]]] = {}
        for entry in entries:
            for key, indexes in entry.candidates():
                self._where.setdefault(key, []).append((entry, indexes))
        self._found: dict[str, SourceObject | None] = {}
        self._all: dict[str, SourceObject] | None = None

    def lookup(self, key: str) -> SourceObject | None:
        if key not in self._found:
            places = self._where.get(key, ())
            self._found[key] = next(
                (o for e, i in places if (o := e.lookup(key, i)) is not None), None
            )
        return self._found[key]

    def __getitem__(self, key: str) -> SourceObject:
        found = self.lookup(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.lookup(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._everything())

    def __len__(self) -> int:
        return len(self._everything())

    def prefetch(self, keys: Iterable[str]) -> None:
        """Parse now, on both cores when there is much of it, what looking up `keys` one by
        one would parse: a plan that changes most of a large root asks for most blocks."""
        wanted: dict[int, tuple[FileEntry, set[int]]] = {}
        for key in keys:
            for entry, indexes in self._where.get(key, ()):
                wanted.setdefault(id(entry), (entry, set()))[1].update(indexes)
        entries: list[FileEntry] = []
        jobs: list[BlockJob] = []
        for entry, chosen in wanted.values():
            job = entry.unparsed(tuple(sorted(chosen)))
            if job is not None:
                entries.append(entry)
                jobs.append(job)
        for entry, parsed in zip(entries, parse_all(jobs), strict=True):
            entry.take(parsed)

    def candidate_keys(self) -> list[str]:
        """Every key some file may define (a superset of the keys), cheaply."""
        return list(self._where)

    def may_protect(self, key: str) -> bool:
        """False only when no block that may define `key` mentions `prevent_destroy`."""
        for entry, indexes in self._where.get(key, ()):
            found = entry.exam.scan
            if found is None or not found.proven:
                return True
            if any(found.items[i].protects for i in indexes):
                return True
        return False

    def parses_now(self, path: str) -> bool | None:
        """Whether `path` parses, from its text, when the map's warnings took the parse
        cache's word for it; None when they did not (the warnings are the file's own)."""
        entry = next((e for e in self._entries if e.path == path), None)
        if entry is None or entry.exam.cached is None:
            return None
        return isinstance(entry.fresh(), ParsedFile)

    def parsed(self) -> int:
        """How many blocks or files lookups have parsed so far (what selectivity saves)."""
        return sum(
            len(e._blocks.keys() | e._ahead.keys())
            + (e._fresh is not None and e._fresh is not e.exam.whole)
            for e in self._entries
        )

    def _everything(self) -> dict[str, SourceObject]:
        if self._all is None:
            self._all = {}
            for entry in self._entries:
                for obj in entry.everything():
                    self._all.setdefault(obj.key, obj)
        return self._all
