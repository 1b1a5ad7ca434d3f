"""The first look at each file of a module directory, all at once (in worker processes for a
large directory, `pool`): scan it, and parse now what every run needs whatever the plan says.

Parsed now, and always from the file: a `.tf.json` or `.tfvars` file (whole), a file the scan
cannot cut (whole), the blocks the map lists for every finding (module calls, which lead to
more files, and `moved`/`removed`/`import` blocks). A proven file's other blocks wait until a
finding or the intent check asks for them (`index`). A file the scan cut but could not prove
is parsed whole when it holds such blocks or when the parse cache does not know whether it
parses; otherwise only its cached status is shown until something asks for its blocks.
"""

from __future__ import annotations

from collections.abc import Sequence

from planguard.records import Record
from planguard.source import pool
from planguard.source.cache import Status, StatusCache
from planguard.source.convert import ADDRESS_KINDS
from planguard.source.hcl import ParsedFile, ParseFailure, load_parser, parse_blocks, parse_file
from planguard.source.scan import Scan, scan
from planguard.source.tfjson import parse_json_config

Parse = ParsedFile | ParseFailure

_READ_AT_ONCE = ADDRESS_KINDS | {"module"}


class Job(Record, frozen=True):
    path: str
    text: str
    whole: bool = False
    """Parse it whole, scanning nothing (the full map, `sourcemap.build_source_map`)."""


class Exam(Record, frozen=True):
    """What the first look at one file found."""

    scan: Scan | None
    """None for a file parsed whole (JSON, `.tfvars`, or one the scan could not cut)."""
    whole: Parse | None = None
    """The whole file parsed, from its text, when it was."""
    blocks: tuple[tuple[int, Parse], ...] = ()
    """Of a proven file: the blocks read at once, by their index in `scan.items`."""
    cached: Status | None = None
    """Of an unproven file not parsed: its status as the parse cache has it (display only)."""

    @property
    def status(self) -> Status:
        """Whether the file parses, as shown in the report (`cached` only when not parsed)."""
        if isinstance(self.whole, ParseFailure):
            return Status(False, self.whole.line, self.whole.message)
        if self.whole is not None or (self.scan is not None and self.scan.proven):
            return Status(True)
        return self.cached or Status(True)


def examine_all(jobs: Sequence[Job]) -> list[Exam]:
    return pool.run_all(examine_chunk, jobs, lambda job: len(job.text), load_parser)


def examine_chunk(jobs: Sequence[Job]) -> list[Exam]:
    return [examine(job) for job in jobs]


def examine(job: Job) -> Exam:
    if job.path.endswith(".json"):
        return Exam(None, parse_json_config(job.text))
    if job.whole or job.path.endswith(".tfvars"):
        return Exam(None, parse_file(job.text))
    found = scan(job.text)
    if found is None:
        return Exam(None, parse_file(job.text))
    now = [i for i, item in enumerate(found.items) if item.kind in _READ_AT_ONCE]
    if found.proven:
        blocks = tuple((i, parse_item(job.text, found, i)) for i in now)
        return Exam(found, blocks=blocks)
    if now:
        return Exam(found, parse_file(job.text))
    return Exam(found)  # whether it parses: `settle` asks the cache, else parses it


def parse_item(text: str, found: Scan, index: int) -> Parse:
    item = found.items[index]
    return parse_blocks(found.excerpt(text, item), item.line)


def settle(cache: StatusCache | None, jobs: Sequence[Job], exams: list[Exam]) -> list[Exam]:
    """Each unproven file not parsed yet: its status from the parse cache, or parsed whole
    (all at once, on both cores when many) and remembered for the next run."""
    pending = [i for i, e in enumerate(exams) if e.scan and not e.scan.proven and not e.whole]
    missed: list[int] = []
    for i in pending:
        cached = cache.get(jobs[i].text) if cache is not None else None
        if cached is None:
            missed.append(i)
        else:
            exams[i] = Exam(exams[i].scan, cached=cached)
    parsed = parse_all([BlockJob(jobs[i].text, None) for i in missed])
    for i, ((_, whole),) in zip(missed, parsed, strict=True):
        exams[i] = Exam(exams[i].scan, whole)
        if cache is not None:
            cache.put(jobs[i].text, exams[i].status)
    return exams


class BlockJob(Record, frozen=True):
    """Blocks of one file to parse ahead of their lookups (`index.SourceIndex.prefetch`);
    no `indexes` means the whole file."""

    text: str
    scan: Scan | None
    indexes: tuple[int, ...] = ()

    @property
    def size(self) -> int:
        if self.scan is None or not self.indexes:
            return len(self.text)
        return sum(self.scan.items[i].end - self.scan.items[i].start for i in self.indexes)


def parse_all(jobs: Sequence[BlockJob]) -> list[tuple[tuple[int, Parse], ...]]:
    """What `BlockJob`s ask for, in worker processes when there is a lot of it; a whole file
    comes back under index -1."""
    return pool.run_all(parse_chunk, jobs, lambda job: job.size, load_parser)


def parse_chunk(jobs: Sequence[BlockJob]) -> list[tuple[tuple[int, Parse], ...]]:
    out: list[tuple[tuple[int, Parse], ...]] = []
    for job in jobs:
        if job.scan is None or not job.indexes:
            out.append(((-1, parse_file(job.text)),))
        else:
            out.append(tuple((i, parse_item(job.text, job.scan, i)) for i in job.indexes))
    return out
