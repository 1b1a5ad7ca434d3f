from __future__ import annotations

from planguard.cli import main

main()
