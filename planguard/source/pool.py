"""Both cores for a large batch of files, one for a small one.

Reading a root's files is CPU work in Python (lexing, proving, parsing), so threads would not
help; a process pool does. Starting workers costs tens of milliseconds, more than a small
module takes, so only a batch of at least `MIN_CHARACTERS` of text in `MIN_FILES` files goes
to the pool. Memory stays bounded: at most `WORKERS` processes, each working on one chunk of
at most `CHUNK_CHARACTERS` of text, and at most two chunks per worker handed out at a time, so
the texts in flight never exceed `WORKERS * 2 * CHUNK_CHARACTERS` beyond the one file that is
larger than a chunk. Workers are forked (Linux): they start with planguard already imported,
and the arguments and results they pass are planguard's own records, between processes of
this one run.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

Job = TypeVar("Job")
Result = TypeVar("Result")

WORKERS = 2
MIN_FILES = 8
MIN_CHARACTERS = 256 * 1024
CHUNK_CHARACTERS = 128 * 1024


def run_all(
    work: Callable[[Sequence[Job]], list[Result]],
    jobs: Sequence[Job],
    size: Callable[[Job], int],
    before_fork: Callable[[], object] = lambda: None,
) -> list[Result]:
    """`work` over `jobs` in order: in worker processes when the batch is large, else here.
    `work` must be a module-level function (workers find it by name); `before_fork` runs
    first, once, so that what it loads (the parser) every worker has without loading it."""
    workers = min(WORKERS, os.cpu_count() or 1)
    total = sum(size(j) for j in jobs)
    if workers < 2 or len(jobs) < MIN_FILES or total < MIN_CHARACTERS or not _can_fork():
        return work(jobs)
    before_fork()
    # Imported here: most runs never start a pool, and these imports cost what a small root
    # takes to read.
    futures = importlib.import_module("concurrent.futures")
    context = importlib.import_module("multiprocessing").get_context("fork")
    chunks = _chunks(jobs, size)
    results: list[list[Result] | None] = [None] * len(chunks)
    with futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: dict[Future[list[Result]], int] = {}
        for index, chunk in enumerate(chunks):
            if len(pending) >= 2 * workers:
                _collect(pending, results, futures.FIRST_COMPLETED)
            pending[pool.submit(work, chunk)] = index
        _collect(pending, results, futures.ALL_COMPLETED)
    return [r for chunk_results in results for r in chunk_results or ()]


def _collect(
    pending: dict[Future[list[Result]], int],
    results: list[list[Result] | None],
    when: str,
) -> None:
    done, _ = importlib.import_module("concurrent.futures").wait(pending, return_when=when)
    for future in done:
        results[pending.pop(future)] = future.result()


def _chunks(jobs: Sequence[Job], size: Callable[[Job], int]) -> list[list[Job]]:
    chunks: list[list[Job]] = [[]]
    filled = 0
    for job in jobs:
        if chunks[-1] and filled + size(job) > CHUNK_CHARACTERS:
            chunks.append([])
            filled = 0
        chunks[-1].append(job)
        filled += size(job)
    return chunks


def _can_fork() -> bool:
    # Forking is cheap and safe on Linux for a single-threaded CLI; elsewhere (macOS, where
    # fork is unsafe, and Windows) starting interpreters would cost more than it saves.
    return sys.platform.startswith("linux") and hasattr(os, "fork")
