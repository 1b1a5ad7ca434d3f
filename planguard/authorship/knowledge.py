"""Load the AI-agent knowledge (rulesets/agents/*.yaml) into `Agent` records."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path

from planguard import docread as d
from planguard.authorship.model import Agent, AgentKind
from planguard.errors import RulesetError
from planguard.resources import data_dir
from planguard.yamlio import YamlError, read_knowledge_file

IDENTITY_KEYS = frozenset(
    {
        "github_ids",
        "logins",
        "emails",
        "email_domains",
        "name_suffixes",
        "trailers",
        "footers",
        "branch_prefixes",
        "title_prefixes",
        "labels",
        "env",
    }
)
"""The ways an agent shows up; the policy's `ai_identities` takes the same keys."""
_AGENT_KEYS = IDENTITY_KEYS | {"id", "name", "kind"}


@functools.cache  # knowledge shipped with planguard: read once per run
def builtin_agents() -> tuple[Agent, ...]:
    agents: list[Agent] = []
    for path in sorted((data_dir("rulesets") / "agents").glob("*.yaml")):
        agents += load_agents_file(path)
    return tuple(agents)


def load_agents_file(path: Path) -> list[Agent]:
    try:
        doc = d.mapping(read_knowledge_file(path, "agent knowledge"), "(top)")
        d.known_keys(doc, {"version", "agents", "reviewers"}, "")
        found = []
        for section in ("agents", "reviewers"):
            for i, raw in enumerate(d.listing(doc.get(section, []), section)):
                found.append(agent_from(d.mapping(raw, f"{section}[{i}]"), f"{section}[{i}]"))
        return found
    except YamlError as exc:
        raise RulesetError(str(exc)) from None
    except d.Invalid as exc:
        raise RulesetError(f"{path}: {exc}") from None


def agent_from(raw: Mapping[str, object], where: str) -> Agent:
    """One agent entry; the policy's `ai_identities` uses the same shape."""
    d.known_keys(raw, _AGENT_KEYS, where)

    def words(key: str) -> tuple[str, ...]:
        return d.strings(raw.get(key, []), f"{where}.{key}")

    def lower(key: str) -> frozenset[str]:
        return frozenset(w.lower() for w in words(key))

    ids = d.listing(raw.get("github_ids", []), f"{where}.github_ids")
    for i, footer in enumerate(words("footers")):
        try:
            re.compile(footer)
        except re.error as exc:
            raise d.Invalid(f"{where}.footers[{i}]", f"not a regular expression: {exc}") from None
    return Agent(
        id=d.string(raw.get("id"), f"{where}.id"),
        name=d.string(raw.get("name"), f"{where}.name"),
        kind=d.choice(AgentKind, raw.get("kind"), f"{where}.kind"),
        github_ids=frozenset(d.integer(v, f"{where}.github_ids[{i}]") for i, v in enumerate(ids)),
        logins=lower("logins"),
        emails=lower("emails"),
        email_domains=lower("email_domains"),
        name_suffixes=words("name_suffixes"),
        trailers=lower("trailers"),
        footers=words("footers"),
        branch_prefixes=words("branch_prefixes"),
        title_prefixes=words("title_prefixes"),
        labels=lower("labels"),
        env=_env(raw.get("env", {}), f"{where}.env"),
    )


def _env(raw: object, where: str) -> tuple[tuple[str, str | None], ...]:
    out = []
    for name, value in d.mapping(raw, where).items():
        if value is not None and not isinstance(value, str):
            raise d.Invalid(f"{where}.{name}", "expected a string value, or null for any value")
        out.append((name, value))
    return tuple(out)
