"""What the command line offers about the policy (its file names, when `check` fails),
importable without loading the policy's model."""

from __future__ import annotations

import enum

DEFAULT_POLICY = ".planguard.yml"
POLICY_NAMES = (DEFAULT_POLICY, ".planguard.yaml")
"""Both spellings are found; a repository with both is refused (which one rules is unclear)."""


class FailOn(enum.Enum):
    """Which verdicts make `check` exit 1 (the verdict itself never changes); ordered from
    least to most strict."""

    NEVER = "never"
    BLOCK = "block"
    """Only blocked: a pending review leaves the job green (the commit status still gates)."""
    REVIEW = "review"
    """Review required or blocked: the default."""

    def fails(self, allowed: bool, blocked: bool) -> bool:
        if self is FailOn.NEVER:
            return False
        return blocked if self is FailOn.BLOCK else not allowed

    @property
    def rank(self) -> int:
        return list(FailOn).index(self)
