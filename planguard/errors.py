"""The errors planguard reports to users, and the exit codes they map to.

Every error a user can cause (bad plan, bad ruleset, missing binary) is a `PlanguardError`
whose message says *where*, *what* and *what to do*. `cli.main` is the one place that turns
them into exit codes; anything else escaping is an internal error (exit 3).
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Documented process exit codes (README "Exit codes")."""

    OK = 0
    """Analysis done and no gate tripped."""
    GATE_TRIPPED = 1
    """A finding reached the `--fail-on` tier (or the gate said review/block)."""
    USAGE = 2
    """Bad usage, unreadable or invalid input, plan or configuration."""
    INTERNAL = 3
    """A bug in planguard: please report it with the traceback."""
    GITHUB = 4
    """GitHub refused or could not serve a request planguard needed (token, permission, outage).
    With `--github`, also: the verdict allowed the change but posting it to GitHub failed."""
    APPLY_FAILED = 5
    """`planguard apply`: the gate allowed the plan, and `terraform apply` ran and failed."""


class PlanguardError(Exception):
    """A problem the user can fix; the message is shown as is."""

    exit_code = ExitCode.USAGE


class PlanInputError(PlanguardError):
    """The plan could not be read or is not a `terraform show -json` plan."""


class RulesetError(PlanguardError):
    """A ruleset file is unreadable or does not follow the ruleset schema."""


class PolicyError(PlanguardError):
    """The policy (.planguard.yml) is unreadable or does not follow its schema."""


class UsageError(PlanguardError):
    """The command line asks for something that cannot be done."""
