"""`planguard hook HARNESS`: an agent harness asks, before a tool call runs, whether it may.

Read-only Terraform is allowed, the apply of a saved plan is allowed only if the gate allows
that plan, everything else that touches infrastructure is denied with what to do next. The
hook never waits for a person (every harness lets a timed-out hook's command run) and is its
own error boundary: whatever goes wrong is a denial in the harness's protocol, never exit 1 or
3, which most harnesses read as "go ahead".

Importing this module stays light: a command without Terraform in it is answered without
loading the gate (the harness runs the hook before every shell command).
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import sys
from collections.abc import Callable
from pathlib import Path

from planguard.errors import PlanguardError
from planguard.hooks.choices import Harness
from planguard.hooks.commands import LineRuling, Ruling, rule_line
from planguard.hooks.protocol import (
    Answer,
    PayloadError,
    Reply,
    ToolCall,
    failure,
    read_call,
    reply,
)
from planguard.hooks.quick import concerns_the_gate

AGENT_MARKERS = {
    # What tells the gate the author is this harness's agent (rulesets/agents/ai-agents.yaml):
    # the hook runs for the agent, whatever its environment says.
    Harness.CLAUDE: ("CLAUDECODE", "1"),
    Harness.CURSOR: ("CURSOR_AGENT", "1"),
    Harness.GEMINI: ("GEMINI_CLI", "1"),
    Harness.CODEX: ("CODEX_THREAD_ID", "planguard-hook"),
    Harness.COPILOT: ("COPILOT_AGENT", "1"),
    Harness.KIRO: ("AI_AGENT", "kiro"),
}
_SAVE_AND_ASK = (
    "Do not run it another way. Save the plan (`terraform plan -out tfplan`), then stop: show"
    " the person you work for its risk summary (`planguard check tfplan`) and ask a reviewer"
    " the policy names to approve it (`planguard approve tfplan --as LOGIN --key KEY -o"
    " .planguard/approvals/`); then run `planguard apply tfplan`."
)

GateCheck = Callable[[Ruling, ToolCall], "tuple[bool, str, str]"]
"""(allowed, text for the agent, text for the person) for one gated apply."""


def run_hook(harness: str, raw: bytes | None = None) -> int:
    """The whole hook process: the payload (default: stdin) to stdout/stderr and the exit
    code, in the protocol of `harness` (an unknown name is blocked: every supported harness
    blocks on exit 2)."""
    if raw is None:
        raw = sys.stdin.buffer.read()
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    try:
        known = Harness(harness)
    except ValueError:
        names = ", ".join(h.value for h in Harness)
        answer = failure(f"unknown harness {harness!r}: use one of {names}")
    else:
        answer = hook(known, raw, tuple(os.environ.items()), now)
    sys.stdout.write(answer.stdout)
    sys.stderr.write(answer.stderr)
    return answer.exit_code


def hook(
    harness: Harness,
    raw: bytes,
    env: tuple[tuple[str, str], ...],
    now: dt.datetime,
    gate: GateCheck | None = None,
) -> Reply:
    try:
        call = read_call(harness, raw)
        answer = _answer(call, env, now, gate)
        return reply(harness, call.event, answer)
    except PayloadError as exc:
        return failure(str(exc))
    except Exception as exc:  # the hook's error boundary: fail closed, in the protocol
        import traceback  # noqa: PLC0415 (only on a crash: the hook's start-up stays small)

        detail = traceback.format_exception_only(exc)[-1].strip()
        return failure(f"{detail} (a planguard bug: please report it)")


def _answer(
    call: ToolCall,
    env: tuple[tuple[str, str], ...],
    now: dt.datetime,
    gate: GateCheck | None,
) -> Answer:
    lines = [rule_line(text) for text in call.commands if concerns_the_gate(text)]
    denied = [r for line in lines for r in line.denied]
    if denied:
        return _denial(denied[0], lines)
    gated = [r for line in lines for r in line.gated]
    if gated:
        return gated_apply(gated[0], call, gate or gate_for(env, now, call.harness))
    return Answer(True)


def gated_apply(ruling: Ruling, call: ToolCall, check: GateCheck) -> Answer:
    """A raw `terraform apply PLANFILE` is never let through: between this check and
    Terraform reading the file, anything running beside the agent could put another plan
    there. `planguard apply` checks a private copy and applies that copy; the gate's verdict
    on the plan says whether that will pass now or who must approve first."""
    allowed, to_agent, to_human = check(ruling, call)
    if not allowed:
        return Answer(False, to_agent, to_human)
    plan = ruling.plan or "tfplan"
    redirect = (
        f"planguard: run `planguard apply {plan}` instead of `{ruling.command}`: the gate"
        f" allows this plan, and planguard apply applies exactly the bytes it checked (a"
        " plain apply reads the file again later, when it may hold another plan)."
    )
    return Answer(False, redirect, redirect)


def _denial(first: Ruling, lines: list[LineRuling]) -> Answer:
    more = sum(len(line.denied) for line in lines) - 1
    also = f" (and {more} more part(s) of the command)" if more > 0 else ""
    to_agent = f"planguard blocked `{first.command}`: {first.why}{also}. {_SAVE_AND_ASK}"
    to_human = (
        f"planguard blocked the agent's `{first.command}`: {first.why}. Changes to"
        " infrastructure go through a saved plan that a named reviewer approves"
        " (`planguard approve`), then `planguard apply`."
    )
    return Answer(False, to_agent, to_human)


def gate_for(
    env: tuple[tuple[str, str], ...], now: dt.datetime, harness: Harness | None
) -> GateCheck:
    """The gate on one saved plan an agent's command applies. `harness`: the agent's, which
    makes it the author whatever the environment says (None: the environment decides)."""
    environment = env if harness is None else (*env, AGENT_MARKERS[harness])

    def check(ruling: Ruling, call: ToolCall) -> tuple[bool, str, str]:
        # The gate is loaded only for an apply: the rest of the hook answers in milliseconds.
        from planguard.commands.apply import (  # noqa: PLC0415
            check_saved_plan,
            next_steps,
            private_copy,
            reviewers_named,
            risk_summary,
            terraform_for,
        )
        from planguard.gather.managed import find_managed  # noqa: PLC0415

        assert ruling.plan is not None
        workdir = Path(posixpath.join(call.cwd, ruling.directory))
        plan = Path(posixpath.join(call.cwd, ruling.plan))
        program = posixpath.basename(ruling.command.split()[0])
        managed = find_managed(dict(env))
        binary, _ = terraform_for(managed, "tofu" if program.startswith("tofu") else "terraform")
        try:
            with private_copy(plan) as saved:
                checked = check_saved_plan(
                    saved,
                    workdir,
                    env=environment,
                    now=now,
                    terraform_bin=binary,
                    managed=managed,
                )
        except PlanguardError as exc:
            text = f"planguard blocked `{ruling.command}`: the plan cannot be checked: {exc}"
            return False, text, text
        if checked.result.decision.verdict.allowed:
            return True, "", ""
        summary = risk_summary(checked.result)
        to_agent = (
            f"planguard blocked `{ruling.command}`: {summary}. Do not apply it another way. "
            + next_steps(ruling.plan, checked.result)
        )
        to_human = (
            f"planguard blocked the agent's `{ruling.command}`: {summary}. Approval needed"
            f" from {reviewers_named(checked.result)} (`planguard approve {ruling.plan}`)."
        )
        return False, to_agent, to_human

    return check
