"""What every command returns to the CLI."""

from __future__ import annotations

from planguard.errors import ExitCode
from planguard.records import Record


class Outcome(Record, frozen=True):
    text: str
    exit_code: ExitCode
    warnings: tuple[str, ...] = ()
    """Printed on stderr (e.g. what could not be delivered to GitHub)."""
    notices: tuple[str, ...] = ()
    """Printed on stderr, not as warnings (e.g. the audit log's new head digest)."""
