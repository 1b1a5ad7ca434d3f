"""`planguard audit verify`: find edited, deleted, reordered or inserted lines."""

from __future__ import annotations

from pathlib import Path

from planguard import audit
from planguard.commands.outcome import Outcome
from planguard.errors import ExitCode
from planguard.render.engine import render_template


def audit_verify(log: str, expect_head: str | None) -> Outcome:
    result = audit.verify(Path(log), expect_head)
    text = render_template("audit.txt.j2", check=result, log=log)
    return Outcome(text, ExitCode.OK if result.ok else ExitCode.GATE_TRIPPED)
