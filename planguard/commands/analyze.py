"""`planguard analyze`: ranked, explained findings for one or more plans."""

from __future__ import annotations

from pathlib import Path

from planguard.commands.outcome import Outcome
from planguard.errors import ExitCode
from planguard.findings import Tier
from planguard.gather.plans import SourceOptions, analyze_plans, classifier_for
from planguard.records import Record
from planguard.render.choices import Format
from planguard.render.formats import render


class AnalyzeOptions(Record, frozen=True):
    plans: tuple[str, ...]
    format: Format = Format.TEXT
    rulesets: tuple[str, ...] = ()
    fail_on: Tier | None = None
    terraform_bin: str = "terraform"
    color: bool = False
    source: str | None = None
    base: str | None = None


def analyze(opts: AnalyzeOptions) -> Outcome:
    where = SourceOptions(opts.source, opts.base, Path.cwd())
    report, _ = analyze_plans(opts.plans, classifier_for(opts.rulesets), opts.terraform_bin, where)
    tripped = opts.fail_on is not None and any(f.tier >= opts.fail_on for f in report.findings)
    return Outcome(
        render(opts.format, report, color=opts.color),
        ExitCode.GATE_TRIPPED if tripped else ExitCode.OK,
    )
