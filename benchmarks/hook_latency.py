"""How long an agent waits for `planguard hook` before each shell command: whole process,
start to exit, median of N (round-robin over the cases, so a slow moment hits them alike).

    python benchmarks/hook_latency.py --runs 21 [--program /path/to/planguard]

Targets (issue 18): a command with no Terraform in it ≤ 50 ms; a read-only Terraform command
≤ 100 ms. `python -c pass` is printed as the floor: no Python program starts faster.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

CASES = {
    "no terraform (ls -la)": "ls -la",
    "no terraform, long chain": "npm ci && npm run build && npm test -- --coverage | tee log",
    "read-only (terraform plan -out tfplan)": "terraform plan -out tfplan",
    "read-only chain (cd infra && init && plan)": "cd infra && terraform init && terraform plan",
    "denied (terraform destroy -auto-approve)": "terraform destroy -auto-approve",
}


def payload(command: str) -> bytes:
    return json.dumps(
        {
            "session_id": "bench",
            "transcript_path": "/tmp/t.jsonl",
            "cwd": "/tmp",
            "permission_mode": "default",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command},
            "tool_use_id": "toolu_bench",
        }
    ).encode()


def timed(argv: list[str], stdin: bytes) -> float:
    start = time.perf_counter()
    subprocess.run(argv, input=stdin, capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--program", default=shutil.which("planguard") or "planguard")
    args = parser.parse_args()
    # As installed by pip: bytecode compiled (a run under PYTHONDONTWRITEBYTECODE would compile
    # planguard's modules on every start), and the knowledge cache warmed by one first run.
    package = Path(__import__("planguard").__file__).parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    subprocess.run(
        [args.program, "hook", "claude"], input=payload("terraform version"), check=False
    )
    subjects = {"python -c pass (floor)": ([sys.executable, "-c", "pass"], b"")}
    for name, command in CASES.items():
        subjects[name] = ([args.program, "hook", "claude"], payload(command))
    times: dict[str, list[float]] = {name: [] for name in subjects}
    for _ in range(args.runs):
        for name, (argv, stdin) in subjects.items():
            times[name].append(timed(argv, stdin))
    print(f"| case | median ms | min–max ms |  ({args.runs} runs, {args.program})")
    print("|---|---:|---:|")
    for name, values in times.items():
        ms = [v * 1000 for v in values]
        print(f"| {name} | {statistics.median(ms):.1f} | {min(ms):.1f}–{max(ms):.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
