"""`keep`: a CLI run holds its large objects until the process ends; a library caller does not."""

from __future__ import annotations

import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from planguard import lifetime


class _Big:
    """Stands for a plan's records: weakly referenceable, unlike a record."""


@pytest.fixture
def restored() -> Iterator[None]:
    before = lifetime._kept
    yield
    lifetime._kept = before


@pytest.mark.usefixtures("restored")
@pytest.mark.parametrize(("until_exit", "alive"), [(False, False), (True, True)])
def test_keep_holds_on_only_once_the_entry_point_asked(until_exit: bool, alive: bool) -> None:
    lifetime._kept = None
    if until_exit:
        lifetime.keep_until_exit()
    big = _Big()
    ref = weakref.ref(big)
    lifetime.keep(big)
    del big
    assert (ref() is not None) is alive


def test_a_library_caller_keeps_nothing() -> None:
    """Importing planguard and running a command in-process (as the tests and the Action's
    runner do) never turns keeping on: only `cli.main` does."""
    code = (
        "import io, contextlib\n"
        "from planguard import lifetime\n"
        "from planguard.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    run(['analyze', 'examples/replace-cascade.json'])\n"
        "print(lifetime._kept is None)\n"
    )
    root = Path(__file__).parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "True"
