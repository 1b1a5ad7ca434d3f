"""Plans and their `.tf` source, read and analyzed into one `Report`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from planguard.analysis.pipeline import NamedPlan, RootAnalysis, build_report
from planguard.analysis.report import Report
from planguard.errors import UsageError
from planguard.lifetime import keep
from planguard.plan.load import load_plan
from planguard.plan.roots import discover
from planguard.records import Record
from planguard.rules.classify import Classifier
from planguard.rules.load import load_rulesets
from planguard.source.where import source_directory

if TYPE_CHECKING:
    from planguard.source.apply import SourceFacts


class SourceOptions(Record, frozen=True):
    """Where the `.tf` source is (`--source`, else beside the plan) and the change's base."""

    directory: str | None = None
    base: str | None = None
    cwd: Path = Path(".")


def classifier_for(rulesets: Sequence[str]) -> Classifier:
    """The built-in rulesets plus the user's."""
    return Classifier(load_rulesets(rulesets))


def analyze_plans(
    plans: Sequence[str],
    classifier: Classifier,
    terraform_bin: str,
    source: SourceOptions | None = None,
    shown_as: Mapping[str, str] | None = None,
) -> tuple[Report, tuple[RootAnalysis, ...]]:
    """`shown_as`: a name to show for a plan file instead of its path (a private copy)."""
    specs = discover(plans)
    names = shown_as or {}
    where = source or SourceOptions()
    if where.directory is not None and len(specs) > 1:
        raise UsageError(
            "--source names one root module, and there are several plans: leave it out and"
            " each plan's own directory is read"
        )
    loaded = [
        NamedPlan(
            names.get(s.path, s.name),
            load_plan(s.path, terraform_bin, where.cwd, names.get(s.path)),
            _source_facts(s.path, where),
        )
        for s in specs
    ]
    analysis = build_report(loaded, classifier)
    keep(loaded, analysis)
    return analysis


def _source_facts(plan_path: str, where: SourceOptions) -> SourceFacts | None:
    directory = source_directory(plan_path, where.directory, where.cwd)
    if directory is None:
        return None
    # Imported here: a plan without source beside it never loads the source map's code.
    from planguard.source.read import read_source  # noqa: PLC0415

    return read_source(directory, where.base, where.cwd)
