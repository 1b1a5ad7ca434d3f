"""The `planguard` program: the agent hook's fast path, then the click CLI.

An agent harness runs `planguard hook HARNESS` before every shell command it executes, so
that path answers without importing the CLI (click, the commands, the gate): a command with
no Terraform in it costs one Python start-up and a JSON parse.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    argv = sys.argv[1:]
    if len(argv) == 2 and argv[0] == "hook":
        from planguard.commands.hook import run_hook  # noqa: PLC0415

        code = run_hook(argv[1])
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    from planguard.cli import main as cli_main  # noqa: PLC0415

    cli_main()
