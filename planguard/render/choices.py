"""The outputs by name: what the command line offers, without importing a renderer."""

from __future__ import annotations

import enum


class Format(enum.Enum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    HTML = "html"


class GraphFormat(enum.Enum):
    DOT = "dot"
    JSON = "json"
    MERMAID = "mermaid"


class SchemaKind(enum.Enum):
    """Which JSON Schema `planguard schema` prints."""

    REPORT = "report"
    CHECK = "check"
    POLICY = "policy"
    RULESET = "ruleset"

    @property
    def written_by_users(self) -> bool:
        return self in (SchemaKind.POLICY, SchemaKind.RULESET)
