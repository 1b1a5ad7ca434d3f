"""`planguard apply PLANFILE`: apply a saved plan only if the gate allows exactly that plan.

The plan file is copied to a private directory first; the copy is what the gate checks and
what Terraform applies, so the bytes approved are the bytes applied, whatever happens to the
original meanwhile. Trust comes from the machine's managed policy (else the strictest shipped
defaults), never from flags: an agent starts this command with flags of its choosing. The
decision and Terraform's outcome go to the audit log, linked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from planguard import audit, gitio
from planguard.commands.check import CheckOptions, evaluate, render_check
from planguard.commands.outcome import Outcome
from planguard.errors import ExitCode, UsageError
from planguard.gate.check import CheckResult
from planguard.gather.managed import Managed, find_managed
from planguard.gather.trusted import GateSetup, pinned_terraform
from planguard.hooks.commands import Action, rule_line
from planguard.plan.load import is_saved_plan
from planguard.policy.model import GateAction
from planguard.records import Record
from planguard.render.choices import Format

APPROVALS_DIR = ".planguard/approvals"
AUDIT_LOG = ".planguard/audit.jsonl"


class PrivatePlan(Record, frozen=True):
    original: Path
    copy: Path
    """Where only this user can write: what is checked and applied."""
    sha256: str


class SavedPlanCheck(Record, frozen=True):
    """What the gate said of one saved plan."""

    result: CheckResult
    text: str
    """The check's text report."""


class ApplyOptions(Record, frozen=True):
    plan: str
    extra: tuple[str, ...]
    """Options for `terraform apply` (only those that cannot change what is applied)."""
    cwd: Path
    env: tuple[tuple[str, str], ...]
    now: dt.datetime
    terraform_bin: str = "terraform"
    approvals: tuple[str, ...] = ()
    audit_log: str | None = None
    color: bool = False


def apply(opts: ApplyOptions) -> Outcome:
    if opts.plan.startswith("-"):
        raise UsageError(
            f"planguard apply {opts.plan}: refused: an apply without a saved plan applies a plan"
            " nobody reviewed; save one (`terraform plan -out tfplan`), then `planguard apply"
            " tfplan`"
        )
    _refuse_options(opts.extra, opts.plan)
    managed = find_managed(dict(opts.env))
    binary, pinning = terraform_for(managed, opts.terraform_bin)
    plan = opts.cwd / opts.plan
    with private_copy(plan) as saved:
        checked = check_saved_plan(
            saved,
            opts.cwd,
            env=opts.env,
            now=opts.now,
            terraform_bin=binary,
            managed=managed,
            approvals=opts.approvals,
        )
        digest, copy = saved.sha256, saved.copy
        log = audit_log_path(opts.audit_log, opts.cwd)
        record = audit.entry(
            checked.result.decision,
            opts.now.isoformat(),
            (str(plan),),
            event="apply-check",
            plan_sha256=digest,
        )
        decision_line = audit.append(log, record)
        if not checked.result.decision.verdict.allowed:
            steps = next_steps(str(opts.plan), checked.result)
            return Outcome(
                f"{checked.text}\n{steps}\n",
                ExitCode.GATE_TRIPPED,
                warnings=pinning,
                notices=(f"audit log {log}: decision recorded, apply refused",),
            )
        if _sha256(plan) != digest:
            raise UsageError(
                f"{opts.plan}: changed while planguard checked it; nothing was applied. Run"
                " `planguard apply` again on the plan you mean"
            )
        command = [_executable(binary), "apply", *opts.extra, str(copy)]
        code = _run(command, opts.cwd, opts.env)
    shown = [binary, "apply", *opts.extra, opts.plan]
    head = audit.append(
        log,
        audit.applied(
            dt.datetime.now(dt.timezone.utc).isoformat(), decision_line, digest, shown, code
        ),
    )
    notices = (f"audit log {log}: keep its new head {head}",)
    if code != 0:
        return Outcome(
            checked.text,
            ExitCode.APPLY_FAILED,
            warnings=(*pinning, f"`{shlex.join(shown)}` failed (exit {code})"),
            notices=notices,
        )
    return Outcome(checked.text, ExitCode.OK, warnings=pinning, notices=notices)


def terraform_for(managed: Managed, asked: str) -> tuple[str, tuple[str, ...]]:
    """The binary to read and apply plans with: the managed policy's `terraform_bin`, else the
    one asked for (a flag or PLANGUARD_TERRAFORM_BIN, found on PATH), with a warning: each of
    those is the agent's to set, and a binary that lies in `show -json` decides the check."""
    pinned = pinned_terraform(managed)
    if pinned is not None:
        return pinned, ()
    where = "the managed policy pins no terraform_bin" if managed.path else "no managed policy"
    return asked, (
        f"{where}: `{asked}` is taken from the flags, the environment and PATH, which whoever"
        " runs planguard sets; pin the binary with `terraform_bin:` in /etc/planguard/policy.yml",
    )


def check_saved_plan(
    saved: PrivatePlan,
    workdir: Path,
    *,
    env: tuple[tuple[str, str], ...],
    now: dt.datetime,
    terraform_bin: str,
    managed: Managed,
    approvals: tuple[str, ...] = (),
) -> SavedPlanCheck:
    """The gate on a saved plan (its private `copy`), with the approvals given and those in
    the repository's `.planguard/approvals/` (signed: where they lie does not matter)."""
    found = default_approvals(workdir)
    copy = str(saved.copy)
    shown = os.path.relpath(saved.original, workdir)
    setup = GateSetup(
        plans=(copy,), cwd=workdir, terraform_bin=terraform_bin, shown_as=((copy, shown),)
    )
    opts = CheckOptions(
        setup=setup,
        env=env,
        now=now,
        approvals=(*approvals, *found),
        working_tree=True,
        managed=managed,
    )
    result = evaluate(opts)
    return SavedPlanCheck(result, render_check(result, opts, Format.TEXT))


def reviewers_named(result: CheckResult) -> str:
    missing = result.decision.missing_reviewers
    return ", ".join(f"@{r.lstrip('@')}" for r in missing) or "a reviewer the policy names"


def risk_summary(result: CheckResult) -> str:
    """One line: the verdict and the findings that call for it."""
    decision = result.decision
    held = [i for i in decision.items if i.action >= GateAction.REVIEW]
    named = ", ".join(f"{i.finding.id} ({i.tier.value})" for i in held[:3])
    more = f" and {len(held) - 3} more" if len(held) > 3 else ""
    why = f": {named}{more}" if named else ""
    return f"{decision.verdict.value} for this plan (author: {decision.authorship.kind.value}){why}"


def next_steps(plan: str, result: CheckResult) -> str:
    """What to do when the gate does not allow the plan: who approves, and how."""
    reviewers = reviewers_named(result)
    return (
        f"Next: show this summary to a person; one of {reviewers} approves exactly this plan"
        f" with `planguard approve {shlex.quote(plan)} --as LOGIN --key ~/.ssh/id_ed25519"
        f" -o {APPROVALS_DIR}/`; then run `planguard apply {shlex.quote(plan)}` again."
    )


def default_approvals(workdir: Path) -> tuple[str, ...]:
    top = gitio.repo_root(workdir) or workdir
    folder = top / APPROVALS_DIR
    return (str(folder),) if folder.is_dir() else ()


def audit_log_path(given: str | None, workdir: Path) -> Path:
    if given:
        return Path(given)
    return (gitio.repo_root(workdir) or workdir) / AUDIT_LOG


@contextmanager
def private_copy(plan: Path) -> Iterator[PrivatePlan]:
    """The saved plan copied where only this user can write, and its SHA-256."""
    data = _read_saved_plan(plan)
    with tempfile.TemporaryDirectory(prefix="planguard-apply-") as folder:
        copy = Path(folder) / plan.name
        with open(copy, "xb") as handle:
            handle.write(data)
        os.chmod(copy, 0o400)
        yield PrivatePlan(plan, copy, hashlib.sha256(data).hexdigest())


def _read_saved_plan(plan: Path) -> bytes:
    if plan.is_dir():
        raise UsageError(
            f"{plan}: is a directory; `planguard apply` applies a saved plan file only"
            " (`terraform plan -out tfplan`, then `planguard apply tfplan`)"
        )
    try:
        data = plan.read_bytes()
    except FileNotFoundError:
        raise UsageError(
            f"{plan}: no such plan file; save the plan first: `terraform plan -out {plan.name}`"
        ) from None
    except OSError as exc:
        raise UsageError(f"{plan}: cannot read the plan: {exc.strerror}") from None
    if not is_saved_plan(data):
        raise UsageError(
            f"{plan}: is not a saved plan (the binary file `terraform plan -out` writes); a JSON"
            " plan can be checked but never applied"
        )
    return data


def _refuse_options(extra: tuple[str, ...], plan: str) -> None:
    """The same rules as the agent hook: only options that cannot change what is applied."""
    ruling = rule_line(shlex.join(["terraform", "apply", *extra, "PLAN"]))
    if ruling.action is not Action.GATE:
        why = "; ".join(r.why for r in ruling.denied) or "not an apply of one saved plan"
        raise UsageError(f"planguard apply {plan} {' '.join(extra)}: refused: {why}")


def _run(command: list[str], cwd: Path, env: tuple[tuple[str, str], ...]) -> int:
    # TF_CLI_ARGS* would add options the check never saw.
    clean = {k: v for k, v in env if not k.startswith("TF_CLI_ARGS")}
    return subprocess.run(command, cwd=cwd, env=clean, check=False).returncode


def _executable(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise UsageError(f"`{name}` is not on PATH: pass --terraform-bin (e.g. tofu)")
    return found


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""
