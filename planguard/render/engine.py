"""jinja2's only home: environments over `templates/`, with the few filters templates need.

Escaping is by construction: every `{{ … }}` passes `finalize`, which shows control characters
as escapes (`\\n`, `\\x1b`), so no address, key or reason can start a new line, forge a table row
or send a terminal escape. Markdown filters add their own escaping on top (`code`, `mermaid`),
and HTML templates are rendered with jinja2's autoescape.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from functools import lru_cache
from pathlib import Path

import jinja2
import markupsafe

from planguard.findings import Tier
from planguard.gate.model import Verdict
from planguard.plan.model import Action
from planguard.render.terminal import visible
from planguard.render.view import reason_words, shown_address, summary_words, why_words
from planguard.resources import data_dir
from planguard.score.fingerprint import short as short_fingerprint

_ANSI = {"critical": "1;31", "high": "31", "medium": "33", "low": "32", "dim": "2", "bold": "1"}
CLIP = 300
"""Longest name a line of text shows (the JSON report keeps it whole)."""
CODE_LIMIT = 400
"""Longest inline code in markdown, counted after escaping."""


class Painted(str):
    """Terminal text whose escape sequences planguard wrote itself (finalize keeps them)."""


def _finalize(value: object) -> object:
    if isinstance(value, (Painted, markupsafe.Markup, jinja2.runtime.Undefined)):
        return value
    if isinstance(value, str):
        return visible(value)
    return value


class _BesideTemplates(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept in `templates/__pycache__/`, the way Python keeps bytecode
    beside its sources: exactly as trustworthy as the templates (whoever can write one can
    write the other), checked against each template's source on load, and written only where
    the installation is writable (a read-only one compiles on every run, as before)."""

    def __init__(self, templates: Path) -> None:
        folder = templates / "__pycache__"
        with contextlib.suppress(OSError):
            folder.mkdir(exist_ok=True)
        super().__init__(str(folder))

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


@lru_cache(maxsize=3)
def environment(color: bool = False, html_output: bool = False) -> jinja2.Environment:
    templates = data_dir("templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        bytecode_cache=_BesideTemplates(templates),
        # text/markdown/dot escape explicitly per format; the HTML report escapes everything
        autoescape=html_output,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["code"] = md_code
    env.filters["md_text"] = md_text
    env.filters["dot"] = dot_string
    env.filters["mermaid"] = mermaid_label
    env.filters["paint"] = _paint if color else _no_paint
    env.filters["shortfp"] = short_fingerprint
    env.filters["mention"] = mention
    env.filters["clip"] = clip
    env.filters["script_json"] = script_json
    env.filters["json"] = json.dumps
    env.filters["shown"] = shown_address
    env.filters["reason_words"] = reason_words
    env.filters["summary_words"] = summary_words
    env.filters["why_words"] = why_words
    # templates compare with members (`v == Verdict.BLOCK`), never with spelled-out values
    env.globals.update(Action=Action, Tier=Tier, Verdict=Verdict)
    return env


def render_template(template: str, color: bool = False, **context: object) -> str:
    return environment(color).get_template(template).render(**context)


def render_html(template: str, **context: object) -> str:
    return environment(html_output=True).get_template(template).render(**context)


def macro(template: str, name: str, **arguments: object) -> str:
    """Call one macro of a template: how markdown is built part by part within a budget."""
    module = environment().get_template(template).module
    return str(getattr(module, name)(**arguments))


def _no_paint(text: object, style: str) -> str:
    return str(text)


def _paint(text: object, style: str) -> str:
    code = _ANSI.get(style)
    shown = visible(text)
    return Painted(f"\x1b[{code}m{shown}\x1b[0m") if code else shown


def mention(reviewer: object) -> str:
    """A policy-named reviewer as an @mention (the only mentions planguard writes)."""
    return "@" + str(reviewer).lstrip("@")


def clip(text: object, limit: int = CLIP) -> str:
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"


_MARKDOWN_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'`\\*[](){}|@~!#+=$^"})
_LOOSE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|:(?=/)")
"""`_` that could open or close emphasis (intraword ones cannot), `:` that starts a URL."""


def md_text(text: object, limit: int = CODE_LIMIT) -> str:
    """Prose from a plan or a ruleset as inert markdown: the same entities as `md_code`, for
    reading rather than as code, at most `limit` characters after escaping."""
    inert = _LOOSE.sub(lambda m: f"&#{ord(m.group())};", visible(text).translate(_MARKDOWN_INERT))
    if len(inert) > limit:
        cut = inert.rfind("&", 0, limit)  # never split an entity
        end = cut if cut > inert.rfind(";", 0, limit) else limit
        inert = inert[:end] + "…"
    return inert


def md_code(text: object) -> str:
    """Inline code that shows the text and nothing else. Inside `<code>` markdown still
    applies, so HTML, emphasis, links, autolinks, table pipes and @mentions are all entities.
    At most `CODE_LIMIT` characters *after* escaping, so a value's share of a budget is known."""
    return f"<code>{md_text(text)}</code>"


def dot_string(text: object) -> str:
    escaped = visible(text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def mermaid_label(text: object) -> str:
    """Text for inside a double-quoted mermaid label: quotes, backticks, @ and markup become
    entities (a backtick run could otherwise close the markdown fence the diagram lives in)."""
    escaped = html.escape(visible(clip(text, 120)), quote=False)
    for char, entity in (("#", "#35;"), ('"', "#quot;"), ("`", "#96;"), ("@", "#64;")):
        escaped = escaped.replace(char, entity)
    return escaped


def script_json(value: object) -> markupsafe.Markup:
    """JSON for a `<script type="application/json">` block: `<`, `>`, `&` as \\u escapes so
    no string can close the script element (hence safe from autoescape)."""
    text = json.dumps(value, separators=(",", ":"))
    for char in "<>&":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return markupsafe.Markup(text)
