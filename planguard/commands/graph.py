"""`planguard graph`: the dependency graph, whole or around one resource."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from planguard.commands.outcome import Outcome
from planguard.errors import ExitCode, UsageError
from planguard.gather.plans import analyze_plans, classifier_for
from planguard.graph.dag import neighbourhood
from planguard.records import Record
from planguard.render.choices import GraphFormat
from planguard.render.formats import render_graph


class GraphOptions(Record, frozen=True):
    plan: str
    format: GraphFormat = GraphFormat.DOT
    focus: str | None = None
    depth: int | None = None
    terraform_bin: str = "terraform"


def graph(opts: GraphOptions) -> Outcome:
    _, roots = analyze_plans([opts.plan], classifier_for(()), opts.terraform_bin)
    dependencies = roots[0].graph
    data = dependencies.data
    if opts.focus is not None:
        require_node(opts.focus, [n.id for n in data.nodes])
        data = neighbourhood(dependencies, opts.focus, opts.depth)
    return Outcome(render_graph(data, opts.format), ExitCode.OK)


def require_node(address: str, known: Sequence[str]) -> None:
    """A usage error naming the closest addresses when `address` is not in the plan."""
    if address in known:
        return
    close = difflib.get_close_matches(address, known, n=3)
    hint = (
        f" Did you mean: {', '.join(close)}?"
        if close
        else " List them with `planguard graph PLAN --format json`."
    )
    raise UsageError(f"{address!r} is not a resource in this plan.{hint}")
