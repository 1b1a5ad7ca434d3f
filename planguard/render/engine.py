"""jinja2's only home: one environment over `templates/`, with the few filters templates need."""

from __future__ import annotations

import html
import os
from functools import lru_cache

import jinja2

from planguard.gate.fingerprint import short as short_fingerprint
from planguard.resources import data_dir

_ANSI = {"critical": "1;31", "high": "31", "medium": "33", "low": "32", "dim": "2", "bold": "1"}


@lru_cache(maxsize=2)
def environment(color: bool = False) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        autoescape=False,  # outputs are text/markdown/dot; escaping is explicit per format
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["code"] = md_code
    env.filters["dot"] = dot_string
    env.filters["mermaid"] = mermaid_label
    env.filters["paint"] = _paint if color else _no_paint
    env.filters["shortfp"] = short_fingerprint
    env.filters["mention"] = mention
    return env


def render(template: str, color: bool = False, **context: object) -> str:
    return environment(color).get_template(template).render(**context)


def use_color(is_tty: bool) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return is_tty and not os.environ.get("NO_COLOR")


def _no_paint(text: object, style: str) -> str:
    return str(text)


def _paint(text: object, style: str) -> str:
    code = _ANSI.get(style)
    return f"\x1b[{code}m{text}\x1b[0m" if code else str(text)


def mention(reviewer: object) -> str:
    """A policy-named reviewer as an @mention (the only mentions planguard writes)."""
    return "@" + str(reviewer).lstrip("@")


def md_code(text: object) -> str:
    """Inline code safe inside markdown tables: no HTML, no pipes, no mentions, no backticks."""
    escaped = html.escape(str(text)).replace("|", "&#124;").replace("@", "&#64;")
    return f"<code>{escaped}</code>"


def dot_string(text: object) -> str:
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def mermaid_label(text: object) -> str:
    """Mermaid labels go inside double quotes; quotes and markup become entities."""
    escaped = html.escape(str(text), quote=False).replace("#", "&#35;").replace('"', "&quot;")
    return f'"{escaped}"'
