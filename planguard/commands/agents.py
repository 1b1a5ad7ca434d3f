"""`planguard hooks install|status|shim|exec`: put the gate in front of an agent's commands."""

from __future__ import annotations

import datetime as dt
import os
import shlex
import sys
from pathlib import Path

from planguard.commands.hook import GateCheck, gate_for, gated_apply
from planguard.commands.outcome import Outcome
from planguard.errors import ExitCode, UsageError
from planguard.hooks import install as installer
from planguard.hooks.choices import Harness, Scope
from planguard.hooks.commands import rule_line
from planguard.hooks.protocol import ToolCall
from planguard.hooks.shim import is_shim, on_path, real_binary, write_shims


def planguard_command() -> str:
    """How a harness should start planguard: this interpreter, so a venv install works."""
    return shlex.join([sys.executable, "-m", "planguard"])


def install(harness: Harness, scope: Scope, where: installer.Locations) -> Outcome:
    changes = installer.install(harness, scope, where, planguard_command())
    lines = []
    for change in changes:
        if change.diff:
            lines += [f"updated {change.path}", change.diff]
        else:
            lines.append(f"{change.path}: already has planguard's hook, nothing changed")
    info = installer.harness_info(harness)
    lines.append(f"Covers: {info.covers}.")
    lines += [f"Still possible: {b}" for b in info.bypasses]
    return Outcome("\n".join(lines) + "\n", ExitCode.OK)


def status(where: installer.Locations, search_path: str) -> Outcome:
    lines = []
    installed = installer.status(where)  # every harness and scope, read once
    for harness in Harness:
        info = installer.harness_info(harness)
        found = [i for i in installed if i.harness is harness]
        lines.append(f"{info.name}:")
        for item in found:
            state = (
                "installed" if item.present else ("no planguard hook" if item.exists else "absent")
            )
            lines.append(f"  {item.scope.value:8} {state:18} {item.path}")
        if not any(i.present and i.scope is Scope.MANAGED for i in found):
            lines.append("  an agent can edit every scope planguard is installed in here")
        lines += [f"  still possible: {b}" for b in info.bypasses]
    for tool in ("terraform", "tofu", "terragrunt"):
        first = next(iter(on_path(tool, search_path)), None)
        shimmed = first is not None and is_shim(first)
        lines.append(
            f"PATH: {tool} -> {first or 'not found'}" + (" (planguard shim)" if shimmed else "")
        )
    return Outcome("\n".join(lines) + "\n", ExitCode.OK)


def shim(directory: Path) -> Outcome:
    written = write_shims(directory, (sys.executable, "-m", "planguard"))
    text = "\n".join(f"wrote {p}" for p in written)
    advice = (
        f"Put {directory} first on the agent's PATH (e.g. in the harness's env settings):"
        " every terraform, tofu and terragrunt run then asks planguard first."
    )
    return Outcome(f"{text}\n{advice}\n", ExitCode.OK)


def exec_tool(
    tool: str,
    args: tuple[str, ...],
    cwd: Path,
    *,
    env: tuple[tuple[str, str], ...],
    now: dt.datetime,
    gate: GateCheck | None = None,
) -> Outcome:
    """What a shim runs: the same rules as the hook, then the real binary in this process."""
    line = shlex.join([tool, *args])
    ruling = rule_line(line)
    check = gate or gate_for(env, now, None)
    call = ToolCall(Harness.CLAUDE, "shim", "shim", (line,), str(cwd))
    if ruling.denied:
        why = ruling.denied[0].why
        return Outcome("", ExitCode.GATE_TRIPPED, warnings=(f"blocked `{line}`: {why}",))
    if ruling.gated:
        answer = gated_apply(ruling.gated[0], call, check)
        return Outcome("", ExitCode.GATE_TRIPPED, warnings=(answer.to_agent,))
    real = real_binary(tool, dict(env).get("PATH", ""))
    if real is None:
        raise UsageError(f"{tool}: not found on PATH (other than planguard's shim)")
    sys.stdout.flush()
    os.execv(real, [str(real), *args])
    raise AssertionError("unreachable")  # pragma: no cover
