"""Run one command and report its own wall time and peak memory as JSON on the last argument.

The runner starts this small launcher, and the launcher starts the subject. Linux hands a
process the peak resident size of the process that exec'd it, so a subject started straight
from the runner would report the runner's peak whenever that was larger; started from here,
it inherits only this launcher's few megabytes, which any Python subject exceeds anyway.

    python launch.py RESULT.json COMMAND [ARG...]
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    result, argv = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    with open(result, "w", encoding="utf-8") as out:
        json.dump({"wall": wall, "rss_kib": usage.ru_maxrss, "exit_code": code}, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
