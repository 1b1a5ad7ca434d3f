"""What the agent hook needs before it knows a call matters: whether the text names a tool.

The harness runs the hook before every shell command, so a call that cannot touch
infrastructure must be answered at Python's start-up cost: this module imports only `re`.
"""

from __future__ import annotations

import re

_MENTION = re.compile(
    r"(?<!\w)(terraform|tofu|opentofu|terragrunt)(?![\w-])|(TF_CLI_ARGS)", re.IGNORECASE
)
_QUOTING = str.maketrans("", "", "\"'\\")

HARNESSES = ("claude", "cursor", "gemini", "codex", "copilot", "kiro")
"""`planguard.hooks.protocol.Harness`'s values, known here without importing it."""

ALLOW_OUTPUT = {"cursor": '{"permission": "allow"}'}
"""The allow answer where saying nothing is not one (Cursor's `failClosed` reads empty output
as a failure); every other harness gets exit 0 and nothing."""


def mentions_a_tool(text: str) -> bool:
    """Whether the text names Terraform, OpenTofu or Terragrunt at all, also when quotes
    split the name (`terra""form`)."""
    return (
        _MENTION.search(text) is not None or _MENTION.search(text.translate(_QUOTING)) is not None
    )


def first_tool(text: str) -> str:
    found = _MENTION.search(text)
    return (found.group(1) or found.group(2)) if found else "terraform"


def concerns_the_gate(text: str) -> bool:
    """Whether the hook must read the line at all: it names a tool, or planguard itself."""
    return mentions_a_tool(text) or "planguard" in text


def surely_unconcerned(raw: bytes) -> bool:
    """A whole hook payload that cannot carry a command the gate cares about: no tool is named
    anywhere in it, not even behind JSON escapes. (False sends it to the full reading.)"""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "\\u" not in text and not concerns_the_gate(text)
