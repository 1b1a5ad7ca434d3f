"""`planguard schema`: the JSON Schemas of the JSON outputs and of the files users write
(the policy, rulesets), as shipped in the package: point an editor at them."""

from __future__ import annotations

from planguard.analysis.report import SCHEMA_VERSION, Report
from planguard.commands.outcome import Outcome
from planguard.errors import ExitCode
from planguard.gate.model import CheckDocument
from planguard.render.choices import SchemaKind
from planguard.render.schema import json_schema
from planguard.resources import data_dir


def schema_text(kind: SchemaKind) -> str:
    """The JSON Schema of `analyze --format json` or `check --format json` output, derived
    from the records; of a policy or ruleset file, the one shipped in the package."""
    if kind.written_by_users:
        return (data_dir("schema") / f"planguard-{kind.value}.schema.json").read_text("utf-8")
    record = Report if kind is SchemaKind.REPORT else CheckDocument
    title = f"planguard {kind.value} {SCHEMA_VERSION}"
    return json_schema(record, f"urn:planguard:schema:{kind.value}:{SCHEMA_VERSION}", title)


def schema(kind: SchemaKind) -> Outcome:
    return Outcome(schema_text(kind), ExitCode.OK)
