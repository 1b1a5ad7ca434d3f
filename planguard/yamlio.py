"""YAML parsing (PyYAML's only home): the safe loader, errors with file:line:column."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

CACHE_DIRECTORY = "__pycache__"


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


def read_knowledge_file(path: Path, what: str) -> object:
    """A shipped knowledge file, through a JSON copy of its parse kept beside it the way Python
    keeps bytecode: in `__pycache__/`, named by the SHA-256 of the YAML's bytes, written when
    the directory is writable. It is exactly as trustworthy as the YAML it sits next to
    (whoever can write one can write the other), and the agent hook, which reads this on every
    command, starts without importing PyYAML."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise YamlError(f"{path}: cannot read {what}: {exc.strerror}") from None
    cache = path.parent / CACHE_DIRECTORY / f"{path.stem}.{hashlib.sha256(data).hexdigest()}.json"
    try:
        return json.loads(cache.read_bytes())
    except (OSError, ValueError):
        pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"{path}: cannot read {what}: {exc}") from None
    value = parse_yaml(text, str(path))
    _write_cache(cache, value)
    return value


def _write_cache(cache: Path, value: object) -> None:
    try:
        encoded = json.dumps(value).encode()
        cache.parent.mkdir(exist_ok=True)
        partial = cache.with_name(f"{cache.name}.{os.getpid()}")
        partial.write_bytes(encoded)
        os.replace(partial, cache)  # whole or not at all, also with runs side by side
    except (OSError, TypeError, ValueError):
        pass  # a read-only installation or a value JSON cannot hold: parse the YAML each time


def parse_yaml(text: str, source: str) -> object:
    if len(text) > MAX_YAML_CHARACTERS:
        raise YamlError(
            f"{source}: {len(text):,} characters is more than the {MAX_YAML_CHARACTERS:,} a"
            " policy or ruleset may have"
        )
    # Imported on first use: the agent hook reads only cached knowledge. libyaml's loader is
    # ~10x faster than the pure-Python one; both are the *safe* loader.
    import yaml  # noqa: PLC0415

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
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
