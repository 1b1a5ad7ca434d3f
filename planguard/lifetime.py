"""What a command-line run keeps until its process ends, instead of freeing it on the way.

`cli.main` ends the process with `os._exit`, so nothing is freed at exit. The large objects of a
run (the decoded plan document, the plan's records, the graph, the report) would still be freed
one object at a time as each function that holds them returns: about 0.1 s at 100k resources,
spent on memory the process is about to give back whole. Only `main` turns keeping on; a
library caller (the tests, the Action's runner) frees as usual.
"""

from __future__ import annotations

_kept: list[object] | None = None


def keep_until_exit() -> None:
    """From now on, `keep` holds on to what it is given (for the CLI's entry point only)."""
    global _kept  # noqa: PLW0603 (one flag for the process: the run ends with it)
    if _kept is None:
        _kept = []


def keep(*objects: object) -> None:
    """Hold on to `objects` until the process ends, when `keep_until_exit` was called."""
    if _kept is not None:
        _kept.extend(objects)
