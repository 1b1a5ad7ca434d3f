"""What reaches a terminal: control characters shown as escapes, colour only where wanted.

Kept apart from the template engine so the command line can use it without loading jinja2.
"""

from __future__ import annotations

import os
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: object) -> str:
    """`text` with every control or bidi character shown as an escape, never acted on."""
    return _CONTROL.sub(_escape_control, str(text))


def _escape_control(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def use_color(is_tty: bool) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return is_tty and not os.environ.get("NO_COLOR")
