"""The fail-closed matrix: whatever goes wrong, a change that needs a review or a block never
exits 0.

Every row starts from a plan that needs a named human (an AI-authored destroy, or a destroy with
no reviewers yet), breaks one thing, and checks the exit code and that the message says what
broke. Local rows run the command line; GitHub rows run the action against the emulator.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from planguard.cli import run
from tests.github_emulator import Emulator, Fault
from tests.test_github import PR, scene

ROOT = Path(__file__).parent.parent
DESTROY = json.loads((ROOT / "examples" / "destroy.json").read_bytes())
NOT_ZERO = frozenset({1, 2, 3, 4})


@dataclass(frozen=True)
class LocalCase:
    name: str
    prepare: Callable[[Path], list[str]]
    """Writes what the case needs into the directory; returns the `check` arguments."""
    codes: frozenset[int]
    message: str


def _plan(directory: Path, **changes: Any) -> str:
    path = directory / "plan.json"
    path.write_text(json.dumps(DESTROY | changes))
    return str(path)


def _policy(directory: Path, text: str) -> str:
    path = directory / "policy.yml"
    path.write_text(text)
    return str(path)


def _unreadable_policy(directory: Path) -> list[str]:
    path = directory / "policy.yml"
    path.mkdir()  # a directory where the policy file should be: unreadable as a file
    return ["--policy", str(path), _plan(directory)]


LOCAL = [
    LocalCase("missing plan", lambda d: [str(d / "nowhere.json")], frozenset({2}), "no such file"),
    LocalCase(
        "partial plan", lambda d: [_plan(d, complete=False)], frozenset({1}), "REVIEW REQUIRED"
    ),
    LocalCase("errored plan", lambda d: [_plan(d, errored=True)], frozenset({1}), "BLOCK"),
    LocalCase(
        "unknown format major",
        lambda d: [_plan(d, format_version="2.0")],
        frozenset({2}),
        "upgrade planguard",
    ),
    LocalCase("policy unreadable", _unreadable_policy, frozenset({2}), "policy.yml"),
    LocalCase(
        "policy invalid",
        lambda d: ["--policy", _policy(d, "thresholds: [unclosed"), _plan(d)],
        frozenset({2}),
        "not valid YAML",
    ),
    LocalCase(
        "policy with a wrong type",
        lambda d: ["--policy", _policy(d, "approvals: {high: many}"), _plan(d)],
        frozenset({2}),
        "approvals",
    ),
    LocalCase(
        "ruleset unreadable",
        lambda d: ["--ruleset", str(d / "missing.yml"), _plan(d)],
        frozenset({2}),
        "missing.yml",
    ),
]


@pytest.mark.parametrize("case", LOCAL, ids=lambda c: c.name)
def test_local_failures_never_pass(
    case: LocalCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = case.prepare(tmp_path)
    capsys.readouterr()
    code = run(["check", *args])
    out, err = capsys.readouterr()
    assert code in case.codes, f"exit {code}: {err[-500:]}"
    assert case.message in out + err
    assert "Traceback" not in err


def test_an_interrupted_run_never_passes(tmp_path: Path) -> None:
    """Interrupted at a point the process itself reveals: planguard reads its plan from a FIFO,
    so opening the FIFO's other end returns only once planguard is reading the plan. It gets
    half of it and SIGINT: it stops as interrupted, and no clock decides where."""
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    # A child inherits its parent's SIGINT disposition and signal mask: a shell without job
    # control ignores SIGINT in background jobs, and a test worker may block it. Give
    # planguard Python's own handler, unblocked, as a terminal would.
    start = (
        "import runpy, signal, sys; signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT});"
        " signal.signal(signal.SIGINT, signal.default_int_handler);"
        " sys.argv = ['planguard', 'check', sys.argv[1]];"
        " runpy.run_module('planguard', run_name='__main__')"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", start, str(fifo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    with fifo.open("wb") as plan:  # blocks until planguard opens the plan
        data = (ROOT / "examples" / "destroy.json").read_bytes()
        plan.write(data[: len(data) // 2])
        plan.flush()
        proc.send_signal(signal.SIGINT)
    # The signal may land between two reads inside one C call, where Python only notes it: the
    # end of the plan returns control to Python, which then acts on the interrupt before
    # looking at what it read.
    _, err = proc.communicate(timeout=120)
    text = err.decode()
    assert proc.returncode in (-signal.SIGINT, 128 + signal.SIGINT) or (
        proc.returncode == 2 and "planguard: interrupted" in text
    ), f"exit {proc.returncode}: {text[-500:]}"


# -- GitHub rows: the action against the emulator ----------------------------------------------


@dataclass(frozen=True)
class GitHubCase:
    name: str
    break_it: Callable[[Any], dict[str, str]]
    """Breaks the scene; returns extra action inputs."""
    codes: frozenset[int]
    message: str


def _unreachable(s: Any) -> dict[str, str]:
    s.runner.env["GITHUB_API_URL"] = "http://127.0.0.1:9"  # nothing listens there
    s.runner.env["PLANGUARD_GITHUB_MAX_WAIT"] = "1"
    return {}


def _timing_out(s: Any) -> dict[str, str]:
    s.gh.faults.append(Fault("GET", r"/pulls/\d+$", 200, hang=True, times=20))
    s.runner.env["PLANGUARD_GITHUB_MAX_WAIT"] = "1"
    return {}


def _no_permission(s: Any) -> dict[str, str]:
    body = {"message": "Resource not accessible by integration"}
    s.gh.faults.append(Fault("POST", r"/statuses/", 403, body=body, times=20))
    s.gh.faults.append(Fault("POST", r"/comments$", 403, body=body, times=20))
    return {}


def _approvals_unreadable(s: Any) -> dict[str, str]:
    s.gh.review(PR, "alice", "APPROVED", s.head)
    s.gh.faults.append(
        Fault("GET", r"/pulls/\d+/reviews$", 503, body={"message": "down"}, times=50)
    )
    s.runner.env["PLANGUARD_GITHUB_MAX_WAIT"] = "1"
    return {}


def _token_rejected(s: Any) -> dict[str, str]:
    return {"github-token": "ghp_revoked"}


GITHUB = [
    GitHubCase("GitHub unreachable", _unreachable, frozenset({4}), "could not connect"),
    GitHubCase("GitHub timing out", _timing_out, frozenset({4}), "timed out"),
    GitHubCase("token without permission", _no_permission, frozenset({1, 4}), "403"),
    GitHubCase("approvals unreadable", _approvals_unreadable, frozenset({1}), "reviews"),
    GitHubCase("token rejected", _token_rejected, frozenset({4}), "rejected the token"),
]


@pytest.mark.parametrize("case", GITHUB, ids=lambda c: c.name)
def test_github_failures_never_pass(
    case: GitHubCase,
    tmp_path: Path,
    emulator: Emulator,
    all_keys: Any,
    destroy: Path,
) -> None:
    s = scene(tmp_path, emulator, all_keys, destroy)
    inputs = case.break_it(s)
    result = s.run(**inputs)
    assert result.code in case.codes, f"exit {result.code}: {result.err[-800:]}"
    assert case.message in result.err + json.dumps(s.gh.bot_comments(PR))
    assert all(st["state"] != "success" for st in s.gh.statuses.get(s.head, []))
