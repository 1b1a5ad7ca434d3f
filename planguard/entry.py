"""The `planguard` program: the agent hook's fast path, then the click CLI.

An agent harness runs `planguard hook HARNESS` before every shell command it executes, so
that path answers without importing the CLI (click, the commands, the gate), and a payload
that names no tool at all is answered after reading it once with one regular expression.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    argv = sys.argv[1:]
    if len(argv) == 2 and argv[0] == "hook":
        os._exit(_hook(argv[1]))
    if argv == ["--version"]:  # what click's version option prints, without importing click
        from planguard import __version__  # noqa: PLC0415

        sys.stdout.write(f"planguard, version {__version__}\n")
        sys.stdout.flush()
        os._exit(0)
    from planguard.cli import main as cli_main  # noqa: PLC0415

    cli_main()


def _hook(harness: str) -> int:
    from planguard.hooks.quick import ALLOW_OUTPUT, HARNESSES, surely_unconcerned  # noqa: PLC0415

    raw = sys.stdin.buffer.read()
    if harness in HARNESSES and surely_unconcerned(raw):
        sys.stdout.write(ALLOW_OUTPUT.get(harness, ""))
        sys.stdout.flush()
        return 0
    from planguard.commands.hook import run_hook  # noqa: PLC0415

    code = run_hook(harness, raw)
    sys.stdout.flush()
    sys.stderr.flush()
    return code
