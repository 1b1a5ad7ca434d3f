"""Output an on-call engineer reads in ten seconds (issue #19), on real Terraform plans.

Text and markdown lead with Terraform's own `Plan:` line and the top cause; a cascade member
is one line under its cause; no zero-point component lines; a plan that deletes 12 resources
(or all 18 of the test environment) fits in 40 lines of text. The HTML says why in words and
never labels two graph nodes alike. Every breakdown stays in `explain` and the JSON report.
"""

from __future__ import annotations

import html.parser
import re
from pathlib import Path

import pytest
from helpers import cli
from scenarios import Scenario, make_plan
from terraform_runner import Terraform

from planguard.plan.model import Action
from planguard.render.html import LABEL, node_labels

pytestmark = pytest.mark.usefixtures("clean_env")

DESTROY_12 = Scenario(
    "destroy_12",
    plan_args=(
        "-destroy",
        "-target=terraform_data.subnet",
        "-target=terraform_data.cache",
        "-target=terraform_data.queue",
    ),
)
"""A targeted destroy of 12 of the environment's 18 resources."""

SCREEN = 40
PLAN_LINE = re.compile(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy")
ROW = re.compile(r"^  \d+\s+(low|medium|high|critical)\s+\d+\s")
ZERO_POINTS = re.compile(r"^\s+\+0\s", re.MULTILINE)


@pytest.fixture(scope="module")
def destroy_12(terraform: Terraform, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_plan(terraform, DESTROY_12, tmp_path_factory.mktemp("destroy_12"))


@pytest.fixture(scope="module")
def plans(real_plans: dict[str, Path], destroy_12: Path) -> dict[str, Path]:
    names = ("destroy", "replace_cascade", "tainted", "forget")
    return {"destroy_12": destroy_12, **{name: real_plans[name] for name in names}}


def _terraform_counts(terraform: Terraform, plan: Path) -> tuple[str, ...]:
    """Add, change, destroy as `terraform show` of the saved plan prints them."""
    shown = terraform.run(plan.parent, "show", "-no-color", "tfplan")
    found = PLAN_LINE.search(shown)
    assert found, shown[-500:]
    return found.groups()


def _report(plan: Path) -> dict[str, object]:
    return cli(["analyze", str(plan), "--format", "json"]).json()  # type: ignore[return-value]


def _findings(plan: Path) -> list[dict[str, object]]:
    return [f for root in _report(plan)["roots"] for f in root["findings"]]  # type: ignore[attr-defined]


def _members(findings: list[dict[str, object]]) -> dict[str, list[str]]:
    """Cascade members: address → the causes it cascades from (never itself)."""
    out = {}
    for f in findings:
        causes = [c for c in f["root_causes"] if c != f["address"]]  # type: ignore[attr-defined]
        if causes:
            out[str(f["address"])] = causes
    return out


@pytest.mark.parametrize("name", ["destroy", "destroy_12", "replace_cascade", "tainted"])
def test_text_and_markdown_lead_with_terraforms_plan_line_and_the_top_cause(
    name: str, plans: dict[str, Path], terraform: Terraform
) -> None:
    plan = plans[name]
    counts = _terraform_counts(terraform, plan)
    first = _findings(plan)[0]
    text = cli(["analyze", str(plan)]).out.splitlines()
    lead = PLAN_LINE.match(text[0])
    assert lead and lead.groups() == counts, text[0]
    assert text[0] == "Plan: {} to add, {} to change, {} to destroy.".format(*counts)
    cause = text[1]
    assert cause.startswith("top cause: ") and f"({first['tier']} {first['score']}" in cause
    if first["rule"] == "environment-teardown":
        # the plan's file name is not a resource: the cause is the whole plan
        assert cause.startswith("top cause: the whole plan: environment teardown: ")
        assert str(plan) not in cause
    else:
        label = Action(first["action"]).label
        assert cause.startswith(f"top cause: {first['address']}: {label}: "), cause
    markdown = cli(["analyze", str(plan), "--format", "markdown"]).out.splitlines()
    head = "\n".join(markdown[:6])
    assert "**Plan: {} to add, {} to change, {} to destroy.**".format(*counts) in head
    assert "**Top cause** (" in head


def test_the_top_cause_says_why_in_the_words_of_the_rulesets(plans: dict[str, Path]) -> None:
    cascade = cli(["analyze", str(plans["replace_cascade"])]).out.splitlines()[1]
    assert "terraform_data.network: replace (delete first): side effect: an attribute" in cascade
    assert "forced by triggers_replace" in cascade
    assert "5 more cascade from it" in cascade
    tainted = cli(["analyze", str(plans["tainted"])]).out
    assert "the object is tainted" in tainted.splitlines()[1]  # a reason worth 0 points
    assert "replace_because" not in cascade + tainted


def test_forgets_are_counted_the_way_opentofu_prints_them(
    plans: dict[str, Path], terraform: Terraform
) -> None:
    """Terraform's `Plan:` line leaves forgets out; planguard adds them as OpenTofu 1.7+ does,
    only when there are any, and counts the rest as Terraform does."""
    counts = _terraform_counts(terraform, plans["forget"])
    line = cli(["analyze", str(plans["forget"])]).out.splitlines()[0]
    assert line == "Plan: {} to add, {} to change, {} to destroy, 1 to forget.".format(*counts)


@pytest.mark.parametrize("name", ["destroy", "destroy_12", "replace_cascade", "tainted"])
def test_no_zero_point_component_lines_but_the_detail_stays_elsewhere(
    name: str, plans: dict[str, Path]
) -> None:
    plan = plans[name]
    text = cli(["analyze", str(plan)]).out
    markdown = cli(["analyze", str(plan), "--format", "markdown"]).out
    assert not ZERO_POINTS.search(text), ZERO_POINTS.search(text)
    assert "| +0 |" not in markdown
    assert "class: stateless resource destroyed" not in text + markdown
    findings = _findings(plan)
    zero = [
        (f, c)
        for f in findings
        if f["action"] is not None
        for c in f["components"]  # type: ignore[attr-defined]
        if c["points"] == 0
    ]
    assert zero, "the JSON report keeps every component"
    finding, component = zero[0]
    explained = cli(["explain", str(plan), str(finding["address"])]).out
    assert f"+0  {component['name']}: {component['reason']}" in explained


@pytest.mark.parametrize("name", ["destroy", "destroy_12"])
def test_a_teardown_fits_on_one_screen(name: str, plans: dict[str, Path]) -> None:
    plan = plans[name]
    text = cli(["analyze", str(plan)]).out
    lines = text.splitlines()
    assert len(lines) <= SCREEN, text
    findings = _findings(plan)
    destroyed = [f["address"] for f in findings if f["action"] == "delete"]
    assert len(destroyed) == (18 if name == "destroy" else 12)
    rows = [line for line in lines if ROW.match(line)]
    assert len(rows) == len(findings)  # every finding listed, one row each
    for address in destroyed:
        assert sum(line.endswith(f" {address}") for line in rows) == 1, address
    teardown = next(line for line in rows if "environment-teardown" in line)
    assert teardown.endswith(" the whole plan") and str(plan) not in teardown
    assert text.count("terraform_data: stateless") <= 1  # the class line is never repeated


def test_cascade_members_are_one_line_each_under_their_cause(plans: dict[str, Path]) -> None:
    plan = plans["replace_cascade"]
    members = _members(_findings(plan))
    assert len(members) == 5, members
    lines = cli(["analyze", str(plan)]).out.splitlines()
    cause_row = next(
        i for i, line in enumerate(lines) if ROW.match(line) and line.endswith("data.network")
    )
    member_rows = [i for i, line in enumerate(lines) if ROW.match(line) and "cascades from" in line]
    for address, causes in members.items():
        (row,) = [i for i in member_rows if f" {address}: cascades from " in lines[i]]
        assert lines[row].endswith(f"cascades from {causes[0]}")
        following = lines[row + 1] if row + 1 < len(lines) else ""
        assert following == "" or ROW.match(following), following  # no detail under a member
    # grouped right under their cause: its detail, then the members, one after another
    assert member_rows == list(range(member_rows[0], member_rows[0] + len(members)))
    assert all(not ROW.match(line) for line in lines[cause_row + 1 : member_rows[0]])
    assert sum("dependents:" in line for line in lines) == 1  # the cause's only
    markdown = cli(["analyze", str(plan), "--format", "markdown"]).out.splitlines()
    risks = markdown[markdown.index("### Top risks") : markdown.index("### Blast radius")]
    for address in members:
        code = address.replace("[", "&#91;").replace("]", "&#93;").replace('"', "&#34;")
        items = [
            i
            for i, line in enumerate(risks)
            if re.match(r"\d+\. ", line) and f"<code>{code}</code>" in line
        ]
        for i in items:  # in the top risks: one line, no sub-items
            assert "cascades from <code>terraform_data.network</code>" in risks[i]
            assert not risks[i + 1].startswith("   - "), risks[i + 1]
    assert sum("**what:**" in line for line in risks) == 1


class _WhyCells(html.parser.HTMLParser):
    """The text of each finding row's cells, and each graph node's label lines."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.labels: list[list[str]] = []
        self._cell: list[str] | None = None
        self._text: list[str] | None = None
        self._in_node = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "tr" and "finding" in classes:
            self.rows.append([])
        elif tag == "td" and self.rows:
            self._cell = []
        elif tag == "g" and "node" in classes:
            self._in_node = True
            self.labels.append([])
        elif tag == "text" and self._in_node and "muted" not in classes:
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "text" and self._text is not None:
            self.labels[-1].append("".join(self._text))
            self._text = None
        elif tag == "g":
            self._in_node = False

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._text):
            if part is not None:
                part.append(data)


def test_the_html_why_column_says_the_reason_in_words(plans: dict[str, Path]) -> None:
    for name, words in (
        ("replace_cascade", "side effect: an attribute that cannot change in place changed"),
        ("tainted", "the object is tainted"),
    ):
        page = cli(["analyze", str(plans[name]), "--format", "html"]).out
        cells = _WhyCells()
        cells.feed(page)
        why = [row[-1] for row in cells.rows]
        assert why and any(words in w for w in why), why
        assert not any(re.search(r"\b(replace|delete)_(because|by)_", w) for w in why), why
        assert "replace_because" not in page  # nowhere on the page, the panel's data included


def test_html_graph_labels_tell_every_resource_apart(plans: dict[str, Path]) -> None:
    page = cli(["analyze", str(plans["replace_cascade"]), "--format", "html"]).out
    cells = _WhyCells()
    cells.feed(page)
    labels = [tuple(lines) for lines in cells.labels]
    assert len(labels) > 10 and len(set(labels)) == len(labels), labels
    assert ('module.worker["a"]', "terraform_data.job_log") in labels
    assert ('module.worker["b"]', "terraform_data.job_log") in labels
    # the full address is the tooltip
    assert "<title>module.worker[&#34;b&#34;].terraform_data.job_log (update)</title>" in page


def test_short_labels_keep_the_distinguishing_ends() -> None:
    ids = [
        'module.eks.module.node_groups["default"].aws_launch_template.this[0]',
        'module.eks.module.node_groups["spot"].aws_launch_template.this[0]',
        "module.a.module.b.module.c.module.d.aws_vpc.main",
        "aws_security_group_rule.allow_https_from_the_office_network[12]",
        "aws_security_group_rule.allow_https_from_the_office_network[13]",
        "aws_iam_role_policy_attachment.a_rather_long_name_for_one_attachment",
        "aws_iam_role_policy_attachment.b_rather_long_name_for_one_attachment",
        "aws_db_instance.orders (deposed 00000001)",
        'module.very_long_module_name_for_one_team["x"].aws_s3_bucket.logs',
        'module.very_long_module_name_for_one_team["y"].aws_s3_bucket.logs',
    ]
    labels = node_labels(ids)
    assert len(set(labels.values())) == len(ids), labels
    for address, (module, resource) in labels.items():
        assert len(module) <= LABEL and len(resource) <= LABEL, (address, module, resource)
        assert resource.strip("…").split("…")[-1] in address, (address, resource)
    assert labels[ids[0]] == ('…module.node_groups["default"]', "aws_launch_template.this[0]")
    assert labels[ids[2]] == ("…module.c.module.d", "aws_vpc.main")
    # ids that would shorten alike show where they differ instead
    alike = [
        "module.platform_one.module.shared_network_stack.module.subnets.a.b",
        "module.platform_two.module.shared_network_stack.module.subnets.a.b",
    ]
    assert node_labels(alike[:1]) == {alike[0]: ("…module.subnets", "a.b")}
    assert node_labels(alike) == {
        alike[0]: ("module.platform_one.module.shared…", "a.b"),
        alike[1]: ("module.platform_two.module.shared…", "a.b"),
    }
