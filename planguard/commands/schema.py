"""`planguard schema`: the JSON Schema of the JSON outputs."""

from __future__ import annotations

import enum

from planguard.analysis.report import SCHEMA_VERSION, Report
from planguard.commands.outcome import Outcome
from planguard.errors import ExitCode
from planguard.gate.model import CheckDocument
from planguard.render.schema import json_schema


class SchemaKind(enum.Enum):
    REPORT = "report"
    CHECK = "check"


def schema_text(kind: SchemaKind) -> str:
    """The JSON Schema of `analyze --format json` or `check --format json` output."""
    record = Report if kind is SchemaKind.REPORT else CheckDocument
    title = f"planguard {kind.value} {SCHEMA_VERSION}"
    return json_schema(record, f"urn:planguard:schema:{kind.value}:{SCHEMA_VERSION}", title)


def schema(kind: SchemaKind) -> Outcome:
    return Outcome(schema_text(kind), ExitCode.OK)
