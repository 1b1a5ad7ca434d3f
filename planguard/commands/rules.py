"""`planguard rules list`: the resource classes and hazards in force."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from planguard.commands.outcome import Outcome
from planguard.errors import ExitCode
from planguard.records import Record
from planguard.render.engine import render_template
from planguard.render.jsonout import to_jsonable
from planguard.rules.load import load_rulesets


class ClassRow(Record, frozen=True):
    ruleset: str
    resource_class: str
    count: int


def rules_list(rulesets: Sequence[str], as_json: bool) -> Outcome:
    loaded = load_rulesets(rulesets)
    counts = Counter((r.ruleset, r.resource_class.value) for r in loaded.classes)
    rows = [ClassRow(rs, cls, n) for (rs, cls), n in sorted(counts.items())]
    if as_json:
        body = {
            "sources": list(loaded.sources),
            "classes": to_jsonable(loaded.classes),
            "hazards": to_jsonable(loaded.hazards),
        }
        return Outcome(json.dumps(body, indent=2) + "\n", ExitCode.OK)
    text = render_template(
        "rules.txt.j2", rows=rows, hazards=loaded.hazards, sources=loaded.sources
    )
    return Outcome(text, ExitCode.OK)
