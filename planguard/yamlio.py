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


def parse_yaml(text: str, source: str) -> object:
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise YamlError(
            f"{source}{where}: not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
