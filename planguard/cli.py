"""The click layer (click's only home): options → typed objects → `app` functions.

`main` is the one error boundary; exit codes are documented in README.md and `errors.ExitCode`.
"""

from __future__ import annotations

import enum
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from planguard import __version__, app
from planguard.errors import ExitCode, PlanguardError, UsageError
from planguard.render.engine import use_color
from planguard.score.model import Tier

F = TypeVar("F", bound=Callable[..., Any])
_TIERS = click.Choice([t.value for t in Tier])
_TERRAFORM = click.option(
    "--terraform-bin",
    default="terraform",
    show_default=True,
    envvar="PLANGUARD_TERRAFORM_BIN",
    help="Binary that runs `show -json` on a binary plan (e.g. tofu for OpenTofu plans).",
)
_RULESET = click.option(
    "--ruleset",
    "rulesets",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Extra ruleset YAML; extends and overrides the built-in ones. Repeatable.",
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
    Exit codes: 0 ok, 1 gate tripped, 2 usage/input/config error, 3 internal error.
    """


@cli.command()
@click.argument("plans", nargs=-1, required=True)
@_format_option(app.ReportFormat, "text")
@_RULESET
@click.option("--fail-on", type=_TIERS, help="Exit 1 when any finding reaches this tier.")
@_TERRAFORM
@_OUTPUT
def analyze(
    plans: tuple[str, ...],
    fmt: str,
    rulesets: tuple[str, ...],
    fail_on: str | None,
    terraform_bin: str,
    output: str | None,
) -> int:
    """Score every destroy/replace in PLAN(s) and print a ranked, explained report."""
    opts = app.AnalyzeOptions(
        plans=plans,
        format=app.ReportFormat(fmt),
        rulesets=rulesets,
        fail_on=Tier(fail_on) if fail_on else None,
        terraform_bin=terraform_bin,
        color=output is None and use_color(sys.stdout.isatty()),
    )
    return _emit(app.analyze_command(opts), output)


@cli.command()
@click.argument("plan")
@_format_option(app.GraphFormat, "dot")
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
    if depth is not None and focus is None:
        raise click.UsageError("--depth needs --focus ADDRESS")
    opts = app.GraphOptions(plan, app.GraphFormat(fmt), focus, depth, terraform_bin)
    return _emit(app.graph_command(opts), output)


@cli.command()
@click.argument("plan")
@click.argument("address")
@_RULESET
@_TERRAFORM
def explain(plan: str, address: str, rulesets: tuple[str, ...], terraform_bin: str) -> int:
    """Why ADDRESS scores what it scores, and everything in its blast radius."""
    return _emit(app.explain_command(plan, address, rulesets, terraform_bin), None)


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
    return _emit(app.rules_command(rulesets, fmt == "json"), None)


def _emit(outcome: app.Outcome, output: str | None) -> int:
    if output:
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(outcome.text)
        except OSError as exc:
            raise UsageError(f"{output}: cannot write the output: {exc.strerror}") from None
    else:
        click.echo(outcome.text, nl=False)
    return int(outcome.exit_code)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI and map every outcome to a documented exit code."""
    sys.exit(run(argv))


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
        click.echo(f"planguard: error: {exc}", err=True)
        return int(exc.exit_code)
    except Exception:  # the error boundary: anything else is a planguard bug
        traceback.print_exc()
        click.echo(
            "planguard: internal error (exit 3): please report it with the traceback above",
            err=True,
        )
        return int(ExitCode.INTERNAL)
    return result if isinstance(result, int) else int(ExitCode.OK)
