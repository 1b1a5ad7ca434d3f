"""The harnesses planguard hooks into and where it installs: the command line's choices,
importable without the hook protocol or the installer."""

from __future__ import annotations

import enum


class Harness(enum.Enum):
    CLAUDE = "claude"
    CURSOR = "cursor"
    GEMINI = "gemini"
    CODEX = "codex"
    COPILOT = "copilot"
    KIRO = "kiro"


class Scope(enum.Enum):
    PROJECT = "project"
    USER = "user"
    MANAGED = "managed"
