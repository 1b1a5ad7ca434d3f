"""YAML parsing (PyYAML's only home): the safe loader, errors with file:line:column."""

from __future__ import annotations

from pathlib import Path

import yaml

# libyaml's loader is ~10x faster than the pure-Python one; both are the *safe* loader.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(Exception):
    """Unreadable or invalid YAML; the message starts with where (`file:line:column`)."""


def read_yaml_file(path: Path, what: str) -> object:
    """Parse the YAML file at `path`; `what` names it in errors ("ruleset", "policy")."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YamlError(f"{path}: {what} file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlError(f"{path}: cannot read {what}: {exc}") from None
    return parse_yaml(text, str(path))


MAX_YAML_CHARACTERS = 4 << 20
"""Policies and rulesets are a few kilobytes; a file this large is a mistake or an attack."""


def parse_yaml(text: str, source: str) -> object:
    if len(text) > MAX_YAML_CHARACTERS:
        raise YamlError(
            f"{source}: {len(text):,} characters is more than the {MAX_YAML_CHARACTERS:,} a"
            " policy or ruleset may have"
        )
    try:
        return yaml.load(text, Loader=_LOADER)
    except RecursionError:
        raise YamlError(f"{source}: nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer beyond Python's digit limit
        raise YamlError(f"{source}: not a value planguard can read: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise YamlError(
            f"{source}{where}: not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
