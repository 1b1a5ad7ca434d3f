"""`planguard explain`: why one resource scores what it scores, and its blast radius."""

from __future__ import annotations

from collections.abc import Sequence

from planguard.commands.graph import require_node
from planguard.commands.outcome import Outcome
from planguard.errors import ExitCode
from planguard.findings import Finding
from planguard.gather.plans import analyze_plans, classifier_for
from planguard.records import Record
from planguard.render.engine import render_template


class ExplainView(Record, frozen=True):
    address: str
    resource_type: str
    resource_class: str
    class_source: str | None
    action: str
    finding: Finding | None
    root_causes: tuple[str, ...]
    dependencies: tuple[str, ...]
    changing: tuple[str, ...]
    unchanged: tuple[str, ...]


def explain(plan: str, address: str, rulesets: Sequence[str], terraform_bin: str) -> Outcome:
    classifier = classifier_for(rulesets)
    _, roots = analyze_plans([plan], classifier, terraform_bin)
    root = roots[0]
    nodes = root.graph.by_id
    require_node(address, list(nodes))
    node = nodes[address]
    finding = next((f for f in root.report.findings if f.address == address), None)
    dependents = root.graph.dependents(address)
    changing = {n.id for n in nodes.values() if n.action is not None and n.action.is_change}
    cls, rule = classifier.classify(node.type)
    view = ExplainView(
        address=address,
        resource_type=node.type,
        resource_class=cls.value,
        class_source=f"{rule.ruleset}: {rule.pattern}" if rule else "no ruleset knows this type",
        action=node.action.label if node.action else "not in the plan's changes",
        finding=finding,
        root_causes=finding.root_causes if finding else (),
        dependencies=tuple(sorted(root.graph.dependencies(address))),
        changing=tuple(sorted(dependents & changing)),
        unchanged=tuple(sorted(dependents - changing)),
    )
    return Outcome(render_template("explain.txt.j2", view=view), ExitCode.OK)
