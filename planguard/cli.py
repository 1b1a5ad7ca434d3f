"""The click layer (click's only home): flags → typed options → `planguard.commands`.

`main` is the one error boundary; exit codes are documented in README.md and `errors.ExitCode`.
"""

from __future__ import annotations

import datetime as dt
import enum
import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from planguard import __version__
from planguard.commands.outcome import Outcome
from planguard.errors import ExitCode, PlanguardError, UsageError
from planguard.findings import Tier
from planguard.github.choices import CommentMode, Post
from planguard.hooks.choices import Harness, Scope
from planguard.lifetime import keep_until_exit
from planguard.policy.choices import DEFAULT_POLICY, FailOn
from planguard.render.choices import Format, GraphFormat, SchemaKind
from planguard.render.terminal import use_color, visible

if TYPE_CHECKING:
    from planguard.gather.trusted import GateSetup
    from planguard.hooks.install import Locations

F = TypeVar("F", bound=Callable[..., Any])
_TIERS = click.Choice([t.value for t in Tier])
_TERRAFORM = click.option(
    "--terraform-bin",
    default="terraform",
    show_default=True,
    envvar="PLANGUARD_TERRAFORM_BIN",
    help="The Terraform binary (tofu for OpenTofu): reads binary plans; `apply` applies with it.",
)
_RULESET = click.option(
    "--ruleset",
    "rulesets",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Extra ruleset YAML; extends and overrides the built-in ones. Repeatable.",
)


_APPROVALS = click.option(
    "--approvals",
    multiple=True,
    metavar="PATH",
    help="SSH-signed approval files (or directories of *.approval files). Repeatable.",
)
_AUDIT_LOG = click.option(
    "--audit-log",
    type=click.Path(dir_okay=False),
    envvar="PLANGUARD_AUDIT_LOG",
    help="Append the decision to this hash-chained JSON-lines audit log; the new head digest"
    " is printed on stderr [apply's default: .planguard/audit.jsonl in the repository].",
)


_SOURCE = click.option(
    "--source",
    "source_dir",
    metavar="DIR",
    envvar="PLANGUARD_SOURCE",
    help="The root module's directory, for file:line of each finding [default: the plan's"
    " directory, else the working directory, when it holds .tf files].",
)
_OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the result here instead of stdout.",
)


def _format_option(formats: type[enum.Enum], default: str) -> Callable[[F], F]:
    """`--format` with one choice per member of an output-format enum."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice([f.value for f in formats]),
        default=default,
        show_default=True,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="planguard")
def cli() -> None:
    """Gate Terraform/OpenTofu plans by the blast radius of what they destroy or replace.

    PLAN is `terraform show -json` output, `-` for stdin, or a binary plan file.
    Exit codes: 0 ok, 1 gate tripped, 2 usage/input/config error, 3 internal error, 4 GitHub
    refused or could not serve a request, 5 apply: terraform apply ran and failed.
    """


@cli.command()
@click.argument("plans", nargs=-1, required=True)
@_format_option(Format, "text")
@_RULESET
@click.option("--fail-on", type=_TIERS, help="Exit 1 when any finding reaches this tier.")
@_TERRAFORM
@_SOURCE
@click.option(
    "--base",
    metavar="REF",
    envvar="PLANGUARD_BASE",
    help="Check the change BASE..work tree: is each destroy explained by the code change?",
)
@_OUTPUT
def analyze(
    plans: tuple[str, ...],
    fmt: str,
    rulesets: tuple[str, ...],
    fail_on: str | None,
    terraform_bin: str,
    source_dir: str | None,
    base: str | None,
    output: str | None,
) -> int:
    """Score every destroy/replace in PLAN(s) and print a ranked, explained report."""
    from planguard.commands.analyze import AnalyzeOptions  # noqa: PLC0415
    from planguard.commands.analyze import analyze as analyze_command  # noqa: PLC0415

    opts = AnalyzeOptions(
        plans=plans,
        format=Format(fmt),
        rulesets=rulesets,
        fail_on=Tier(fail_on) if fail_on else None,
        terraform_bin=terraform_bin,
        color=output is None and use_color(sys.stdout.isatty()),
        source=source_dir,
        base=base,
    )
    return _emit(analyze_command(opts), output)


@cli.command()
@click.argument("plan")
@_format_option(GraphFormat, "dot")
@click.option("--focus", metavar="ADDRESS", help="Only the neighbourhood of this resource.")
@click.option("--depth", type=click.IntRange(min=0), help="With --focus: how many edges away.")
@_TERRAFORM
@_OUTPUT
def graph(
    plan: str,
    fmt: str,
    focus: str | None,
    depth: int | None,
    terraform_bin: str,
    output: str | None,
) -> int:
    """Export the resource dependency graph (edges: dependency -> dependent)."""
    from planguard.commands.graph import GraphOptions  # noqa: PLC0415
    from planguard.commands.graph import graph as graph_command  # noqa: PLC0415

    if depth is not None and focus is None:
        raise click.UsageError("--depth needs --focus ADDRESS")
    opts = GraphOptions(plan, GraphFormat(fmt), focus, depth, terraform_bin)
    return _emit(graph_command(opts), output)


@cli.command()
@click.argument("plan")
@click.argument("address")
@_RULESET
@_TERRAFORM
def explain(plan: str, address: str, rulesets: tuple[str, ...], terraform_bin: str) -> int:
    """Why ADDRESS scores what it scores, and everything in its blast radius."""
    from planguard.commands.explain import explain as explain_command  # noqa: PLC0415

    return _emit(explain_command(plan, address, rulesets, terraform_bin), None)


@cli.group()
def rules() -> None:
    """Inspect the rulesets."""


@rules.command("list")
@_RULESET
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules_list(rulesets: tuple[str, ...], fmt: str) -> int:
    """List resource classes per ruleset and every hazard."""
    from planguard.commands.rules import rules_list as rules_list_command  # noqa: PLC0415

    return _emit(rules_list_command(rulesets, fmt == "json"), None)


def _gate_options(func: F) -> F:
    """Options `check` and `approve` share: where the plans are and the trusted policy."""
    for option in reversed(
        [
            click.argument("plans", nargs=-1, required=True, envvar="PLANGUARD_PLANS"),
            _RULESET,
            _TERRAFORM,
            click.option(
                "--policy",
                "policy_file",
                metavar="PATH",
                envvar="PLANGUARD_POLICY",
                help=f"Policy file, relative to the repository root [default: {DEFAULT_POLICY}].",
            ),
            click.option(
                "--policy-ref",
                metavar="REF",
                envvar="PLANGUARD_POLICY_REF",
                help="Read the policy, its rulesets and allowed signers from this git ref"
                " (the PR's base branch), never from the change under review.",
            ),
            click.option(
                "--base",
                metavar="REF",
                envvar="PLANGUARD_BASE",
                help="The change is BASE..HEAD: its commits show who authored it and whether it"
                " edits the policy, its diff whether it explains each destroy. Also the policy"
                " ref when --policy-ref is not given.",
            ),
            _SOURCE,
        ]
    ):
        func = option(func)
    return func


def _setup(
    plans: tuple[str, ...],
    rulesets: tuple[str, ...],
    terraform_bin: str,
    policy_file: str | None,
    policy_ref: str | None,
    base: str | None,
    source_dir: str | None,
) -> GateSetup:
    from planguard.gather.trusted import GateSetup  # noqa: PLC0415

    return GateSetup(
        plans=plans,
        cwd=Path.cwd(),
        rulesets=rulesets,
        terraform_bin=terraform_bin,
        policy_file=policy_file or None,  # the action passes an empty input as ""
        policy_ref=policy_ref,
        base=base,
        source=source_dir,
    )


@cli.command()
@_gate_options
@_format_option(Format, "text")
@_APPROVALS
@click.option(
    "--allowed-signers",
    type=click.Path(dir_okay=False),
    help="Reviewers' SSH keys in git's allowed-signers format (overrides the policy's).",
)
@_AUDIT_LOG
@click.option(
    "--event",
    "event_path",
    type=click.Path(dir_okay=False, exists=True),
    envvar="GITHUB_EVENT_PATH",
    help="GitHub event payload (default: $GITHUB_EVENT_PATH): the PR author, branch, labels.",
)
@click.option(
    "--github",
    "on_github",
    is_flag=True,
    envvar="PLANGUARD_GITHUB",
    help="Read the PR and its reviews from GitHub and post the result (token in $GITHUB_TOKEN;"
    " see docs/github-action.md).",
)
@click.option(
    "--post",
    "post",
    metavar="LIST",
    default="comment,status,review-requests,inline-review,summary,annotations,outputs",
    show_default=True,
    envvar="PLANGUARD_POST",
    help="With --github: what to post, comma-separated.",
)
@click.option(
    "--comment-mode",
    type=click.Choice([m.value for m in CommentMode]),
    default="update",
    show_default=True,
    envvar="PLANGUARD_COMMENT_MODE",
    help="With --github: update the one comment, add a new one, or delete the old and add.",
)
@click.option(
    "--root-name",
    default="default",
    show_default=True,
    envvar="PLANGUARD_ROOT_NAME",
    help="With --github: names this plan root's comment and status (planguard/<root>).",
)
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice([f.value for f in FailOn]),
    default="review",
    show_default=True,
    envvar="PLANGUARD_FAIL_ON",
    help="Exit 1 on review required or block (review), only on block, or never. The verdict and"
    " the commit status do not change.",
)
@click.option(
    "--pr",
    "pr_number",
    type=click.IntRange(min=1),
    envvar="PLANGUARD_PR",
    help="With --github: the pull request (default: from the event payload).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    envvar="PLANGUARD_REPORT",
    help="With --github: also write the JSON report (decision + analysis) here.",
)
@click.option(
    "--comment-author",
    metavar="LOGIN",
    envvar="PLANGUARD_COMMENT_AUTHOR",
    help="With --github: the login the token comments as, when GitHub cannot say (a GitHub App"
    " token: `my-app[bot]`). Default: the token's user, else github-actions[bot].",
)
@click.option(
    "--run-started-at",
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"]),
    envvar="PLANGUARD_RUN_STARTED_AT",
    help="With --github: when this run started (default: now); an older run never overwrites"
    " the comment of a newer one.",
)
@_OUTPUT
def check(
    plans: tuple[str, ...],
    rulesets: tuple[str, ...],
    terraform_bin: str,
    policy_file: str | None,
    policy_ref: str | None,
    base: str | None,
    source_dir: str | None,
    fmt: str,
    approvals: tuple[str, ...],
    allowed_signers: str | None,
    audit_log: str | None,
    event_path: str | None,
    on_github: bool,
    post: str,
    comment_mode: str,
    root_name: str,
    fail_on: str,
    pr_number: int | None,
    report_path: str | None,
    comment_author: str | None,
    run_started_at: dt.datetime | None,
    output: str | None,
) -> int:
    """The pre-apply gate: analyze PLAN(s), detect who authored the change, apply the policy,
    verify approvals. Exit 0 allowed (pass/warn/approved), 1 not allowed (review required or
    blocked), 2 usage/input/config error, 3 internal error."""
    from planguard.commands.check import CheckOptions  # noqa: PLC0415
    from planguard.commands.check import check as check_command  # noqa: PLC0415

    opts = CheckOptions(
        setup=_setup(plans, rulesets, terraform_bin, policy_file, policy_ref, base, source_dir),
        env=tuple(os.environ.items()),
        now=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        approvals=approvals,
        allowed_signers=allowed_signers,
        audit_log=audit_log,
        event_path=(event_path or None) if not on_github else None,
        format=Format(fmt),
        color=output is None and use_color(sys.stdout.isatty()) and not on_github,
        fail_on=FailOn(fail_on),
    )
    if not on_github:
        return _emit(check_command(opts), output)
    from planguard.github.gather import GitHubOptions  # noqa: PLC0415

    now = opts.now if run_started_at is None else run_started_at
    gh = GitHubOptions(
        post=_posts(post),
        started_at=now if now.tzinfo else now.replace(tzinfo=dt.timezone.utc),
        comment_mode=CommentMode(comment_mode),
        root=root_name,
        report_path=report_path,
        comment_author=comment_author,
        pr_number=pr_number,
    )
    return _emit(check_command(opts, gh), output)


def _posts(text: str) -> frozenset[Post]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    known = {p.value: p for p in Post}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(
            f"--post: unknown {', '.join(map(repr, unknown))}; choose from {', '.join(known)}"
        )
    return frozenset(known[n] for n in names)


@cli.command()
@_gate_options
@click.option("--as", "reviewer", required=True, metavar="LOGIN", help="Your GitHub login.")
@click.option(
    "--key",
    required=True,
    type=click.Path(dir_okay=False),
    help="Your SSH private key (or its .pub when the key is in ssh-agent).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(),
    help="Approval file, or a directory to write <fingerprint>.<login>.approval into.",
)
@click.option(
    "--fingerprint",
    metavar="DIGEST",
    help="Approve this fingerprint (from `planguard check`) instead of computing it.",
)
def approve(
    plans: tuple[str, ...],
    rulesets: tuple[str, ...],
    terraform_bin: str,
    policy_file: str | None,
    policy_ref: str | None,
    base: str | None,
    source_dir: str | None,
    reviewer: str,
    key: str,
    output: str,
    fingerprint: str | None,
) -> int:
    """Approve exactly this plan: sign its fingerprint with your SSH key."""
    from planguard.commands.approve import ApproveOptions  # noqa: PLC0415
    from planguard.commands.approve import approve as approve_command  # noqa: PLC0415

    opts = ApproveOptions(
        setup=_setup(plans, rulesets, terraform_bin, policy_file, policy_ref, base, source_dir),
        reviewer=reviewer,
        key=key,
        output=output,
        now=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        fingerprint=fingerprint,
        env=tuple(os.environ.items()),
    )
    return _emit(approve_command(opts), None)


@cli.command()
@click.argument("kind", type=click.Choice([k.value for k in SchemaKind]), default="report")
def schema(kind: str) -> int:
    """Print a JSON Schema: of the `analyze` (report) or `check` JSON output, or of the
    policy or ruleset files (for an editor's `yaml-language-server` line)."""
    from planguard.commands.schema import schema as schema_command  # noqa: PLC0415

    return _emit(schema_command(SchemaKind(kind)), None)


@cli.command()
@click.option(
    "--workflow/--no-workflow",
    default=True,
    show_default=True,
    help="Also write .github/workflows/planguard.yml: terraform plan and the planguard action"
    " on every pull request.",
)
@click.option("--force", is_flag=True, help="Overwrite the files that exist.")
def init(workflow: bool, force: bool) -> int:
    """Start using planguard here: write a commented .planguard.yml, a skeleton
    .planguard/allowed_signers and the GitHub workflow into the repository's root (the git
    root, else the current directory). Never overwrites a file without --force (exit 2)."""
    from planguard.commands.init import InitOptions  # noqa: PLC0415
    from planguard.commands.init import init as init_command  # noqa: PLC0415

    return _emit(init_command(InitOptions(Path.cwd(), workflow=workflow, force=force)), None)


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("plan")
@click.argument("extra", nargs=-1, type=click.UNPROCESSED, metavar="[-- TERRAFORM OPTIONS]")
@_TERRAFORM
@_APPROVALS
@_AUDIT_LOG
def apply(
    plan: str,
    extra: tuple[str, ...],
    terraform_bin: str,
    approvals: tuple[str, ...],
    audit_log: str | None,
) -> int:
    """Apply the saved PLAN only if the gate allows exactly it: the plan is copied privately,
    checked (trusted policy: the machine's managed policy, else the strictest defaults) and that
    copy applied. Exit 0 applied, 1 refused by the gate, 2 refused input, 5 terraform failed."""
    from planguard.commands.apply import ApplyOptions  # noqa: PLC0415
    from planguard.commands.apply import apply as apply_command  # noqa: PLC0415

    opts = ApplyOptions(
        plan=plan,
        extra=extra,
        cwd=Path.cwd(),
        env=tuple(os.environ.items()),
        now=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        terraform_bin=terraform_bin,
        approvals=approvals,
        audit_log=audit_log,
    )
    return _emit(apply_command(opts), None)


@cli.command()
@click.argument("harness", type=click.Choice([h.value for h in Harness]))
def hook(harness: str) -> int:
    """The agent-harness hook: reads the harness's payload on stdin, answers in its protocol
    (docs/agents.md). Install it with `planguard hooks install HARNESS`."""
    from planguard.commands.hook import run_hook  # noqa: PLC0415

    return run_hook(harness)


@cli.group("hooks")
def hooks_group() -> None:
    """Install planguard's hook in agent harnesses, and see what is installed."""


_SCOPES = click.Choice([s.value for s in Scope])


@hooks_group.command("install")
@click.argument("harness", type=click.Choice([h.value for h in Harness]))
@click.option("--scope", type=_SCOPES, default="project", show_default=True)
def hooks_install(harness: str, scope: str) -> int:
    """Merge planguard's hook (and the harness's own backstops) into its configuration; shows
    the diff. Idempotent. The managed scope is the one an agent cannot edit (needs root)."""
    from planguard.commands.agents import install as install_command  # noqa: PLC0415

    return _emit(install_command(Harness(harness), Scope(scope), _locations()), None)


@hooks_group.command("status")
def hooks_status() -> int:
    """What is installed where, and what an agent could still bypass."""
    from planguard.commands.agents import status as status_command  # noqa: PLC0415

    return _emit(status_command(_locations(), os.environ.get("PATH", "")), None)


@hooks_group.command("shim")
@click.argument("directory", type=click.Path(file_okay=False))
def hooks_shim(directory: str) -> int:
    """Write terraform/tofu/terragrunt wrappers into DIRECTORY that ask planguard first."""
    from planguard.commands.agents import shim as shim_command  # noqa: PLC0415

    return _emit(shim_command(Path(directory)), None)


@hooks_group.command("exec", hidden=True, context_settings={"ignore_unknown_options": True})
@click.argument("tool")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def hooks_exec(tool: str, args: tuple[str, ...]) -> int:
    """What a shim runs: check, then exec the real TOOL."""
    from planguard.commands.agents import exec_tool as exec_command  # noqa: PLC0415

    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    outcome = exec_command(tool, args, Path.cwd(), env=tuple(os.environ.items()), now=now)
    return _emit(outcome, None)


def _locations() -> Locations:
    from planguard.hooks.install import Locations  # noqa: PLC0415

    return Locations(project=Path.cwd(), home=Path.home())


@cli.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
@click.argument("log", type=click.Path(dir_okay=False))
@click.option("--expect-head", metavar="SHA256", help="The digest the log must end in.")
def audit_verify(log: str, expect_head: str | None) -> int:
    """Find edited, deleted, reordered or inserted lines. Exit 1 when the log was tampered with."""
    from planguard.commands.audit import audit_verify as audit_verify_command  # noqa: PLC0415

    return _emit(audit_verify_command(log, expect_head), None)


def _emit(outcome: Outcome, output: str | None) -> int:
    if output:
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(outcome.text)
        except OSError as exc:
            raise UsageError(f"{output}: cannot write the output: {exc.strerror}") from None
    else:
        click.echo(outcome.text, nl=False)
    for notice in outcome.notices:
        click.echo(f"planguard: {visible(notice)}", err=True)
    for warning in outcome.warnings:
        click.echo(f"planguard: warning: {visible(warning)}", err=True)
    return int(outcome.exit_code)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI and map every outcome to a documented exit code.

    A run reads one large acyclic tree (the plan) and builds records over it, then ends. The
    cyclic garbage collector would only walk that tree again and again (at 100k resources it
    doubled the run time); reference counting still frees whatever is dropped. At the end there
    is nothing to clean up that the operating system does not: flush the output and leave
    without freeing millions of objects one by one (mypy does the same), and keep the run's
    large objects until then (`lifetime`).
    """
    gc.disable()
    keep_until_exit()
    code = run(argv)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None when the caller closed it (`>&-`)
                stream.flush()
        except (OSError, ValueError):  # a closed pipe (`planguard … | head`): nothing to add
            pass
    os._exit(code)


def run(argv: Sequence[str] | None = None) -> int:
    try:
        result = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return int(ExitCode.USAGE)
    except click.exceptions.Abort:
        click.echo("planguard: interrupted", err=True)
        return int(ExitCode.USAGE)
    except PlanguardError as exc:
        click.echo(f"planguard: error: {visible(str(exc))}", err=True)
        return int(exc.exit_code)
    except Exception:  # the error boundary: anything else is a planguard bug
        import traceback  # noqa: PLC0415 (only a planguard bug needs it: 10 ms of start-up)

        traceback.print_exc()
        click.echo(
            "planguard: internal error (exit 3): please report it with the traceback above",
            err=True,
        )
        return int(ExitCode.INTERNAL)
    return result if isinstance(result, int) else int(ExitCode.OK)
