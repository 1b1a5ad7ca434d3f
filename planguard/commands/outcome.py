"""What every command returns to the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from planguard.errors import ExitCode


@dataclass(frozen=True, slots=True)
class Outcome:
    text: str
    exit_code: ExitCode
    warnings: tuple[str, ...] = ()
    """Printed on stderr (e.g. what could not be delivered to GitHub)."""
    notices: tuple[str, ...] = ()
    """Printed on stderr, not as warnings (e.g. the audit log's new head digest)."""
