"""The Actions runner's file and stdout commands: outputs, job summary, annotations.

Formats and limits: GitHub's workflow-commands reference and actions/toolkit (escaping).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

from planguard.errors import UsageError
from planguard.records import Record

ANNOTATIONS_PER_KIND = 10
"""GitHub shows at most 10 errors, 10 warnings and 10 notices per step."""


class Annotation(Record, frozen=True):
    kind: str
    """error | warning | notice"""
    title: str
    message: str
    file: str | None = None
    line: int | None = None


def annotation_lines(annotations: Iterable[Annotation]) -> list[str]:
    """At most `ANNOTATIONS_PER_KIND` per kind; the last slot says how many more there are."""
    by_kind: dict[str, list[Annotation]] = {}
    for item in annotations:
        by_kind.setdefault(item.kind, []).append(item)
    lines = []
    for kind, items in by_kind.items():
        shown = items
        if len(items) > ANNOTATIONS_PER_KIND:
            more = len(items) - ANNOTATIONS_PER_KIND + 1
            shown = [
                *items[: ANNOTATIONS_PER_KIND - 1],
                Annotation(kind, "planguard", f"{more} more: see the job summary"),
            ]
        lines += [
            f"::{kind} {_where(a)}title={_property(a.title)}::{_data(a.message)}" for a in shown
        ]
    return lines


def _where(annotation: Annotation) -> str:
    """`file=…,line=…,` when the annotation has a place in the repository."""
    if annotation.file is None:
        return ""
    line = f"line={annotation.line}," if annotation.line else ""
    return f"file={_property(annotation.file)},{line}"


def guarded(text: str) -> str:
    """`text` printed so that nothing in it (an address, a key) runs as a workflow command."""
    token = secrets.token_hex(16)
    return f"::stop-commands::{token}\n{text.rstrip()}\n::{token}::\n"


def write_outputs(path: Path, values: Mapping[str, str]) -> None:
    lines = []
    for name, value in values.items():
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    _append(path, "".join(lines), "GITHUB_OUTPUT")


def append_summary(path: Path, markdown: str) -> None:
    _append(path, markdown if markdown.endswith("\n") else markdown + "\n", "GITHUB_STEP_SUMMARY")


def _append(path: Path, text: str, variable: str) -> None:
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"{path} ({variable}): cannot write: {exc.strerror}") from None


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")
