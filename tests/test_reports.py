"""Every output of the one report: JSON (against the published schema), SARIF (against the
OASIS schema), markdown within its budget, HTML, terminal text; several roots in one report;
golden copies of the comment and the summary; hostile names escaped everywhere."""

from __future__ import annotations

import datetime as dt
import html.parser
import json
import re
import shutil
from functools import cache
from pathlib import Path

import jsonschema
import pytest
from conftest import GOLDEN, Golden
from gitrepo import commit, git
from helpers import cli, depth, explore
from hypothesis import assume
from hypothesis import strategies as st
from test_corpus import LOCAL

from planguard.commands.check import CheckOptions, evaluate
from planguard.commands.schema import schema_text
from planguard.gather.trusted import GateSetup
from planguard.render.budget import COMMENT_LIMIT, SUMMARY_LIMIT, Part, assemble, utf8_bytes
from planguard.render.choices import SchemaKind
from planguard.render.markdown import GitHubContext, check_markdown
from planguard.render.view import _without_shortcuts
from planguard.resources import data_dir

HERE = Path(__file__).parent
SCHEMA_DIR = HERE.parent / "schema"
SARIF_SCHEMA = HERE / "fixtures" / "sarif" / "sarif-2.1.0-rtm.5.json"
EXAMPLES = data_dir("examples")
TOFU_PLAN = (
    HERE
    / "corpus"
    / ("opentofu__opentofu__internal__command__testdata__show-json-identity__destroy__output.json")
)
POLICY = 'reviewers:\n  default: ["@alice", "@acme/sre"]\n'
NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone.utc)

pytestmark = pytest.mark.usefixtures("clean_env")


@cache
def _validator(kind: str) -> jsonschema.protocols.Validator:
    if kind == "sarif":
        schema = json.loads(SARIF_SCHEMA.read_text())
        return jsonschema.Draft4Validator(schema)
    schema = json.loads((SCHEMA_DIR / f"planguard-{kind}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _valid(kind: str, text: str) -> dict[str, object]:
    doc = json.loads(text)
    errors = sorted(_validator(kind).iter_errors(doc), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    return doc  # type: ignore[no-any-return]


# ---- markdown validity -------------------------------------------------------------------

OWN_TAGS = {"code", "details", "summary", "sub", "br", "i"}


def assert_valid_markdown(text: str) -> None:
    """Fences and `<details>` balanced, tables rectangular, no HTML but planguard's own tags."""
    lines = text.split("\n")
    fences = [line for line in lines if line.strip().startswith("```")]
    assert len(fences) % 2 == 0, "an unclosed code fence"
    outside = _outside_fences(lines)
    joined = "\n".join(outside)
    assert joined.count("<details") == joined.count("</details>")
    tags = {m.lower() for m in re.findall(r"</?([A-Za-z][A-Za-z0-9]*)", joined)}
    assert tags <= OWN_TAGS, tags - OWN_TAGS
    header_cells = None
    for line in outside:
        if line.startswith("|"):
            cells = line.count("|")
            header_cells = header_cells or cells
            assert cells == header_cells, f"a broken table row: {line[:120]}"
        else:
            header_cells = None


def _outside_fences(lines: list[str]) -> list[str]:
    out, inside = [], False
    for line in lines:
        if line.strip().startswith("```"):
            inside = not inside
            continue
        if not inside:
            out.append(line)
    return out


def mentions(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w&#])@([A-Za-z0-9][\w/-]*)", text))


# ---- schemas and corpus ------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SchemaKind))
def test_published_schemas_are_the_ones_the_records_define(
    kind: SchemaKind, golden: Golden
) -> None:
    golden.check(SCHEMA_DIR / f"planguard-{kind.value}.schema.json", schema_text(kind))
    assert cli(["schema", kind.value]).out == schema_text(kind)


@pytest.mark.parametrize("path", LOCAL, ids=lambda p: p.name[:80])
def test_every_output_of_every_corpus_plan_is_valid(path: Path) -> None:
    report = _valid("report", cli(["analyze", str(path), "--format", "json"]).out)
    sarif = _valid("sarif", cli(["analyze", str(path), "--format", "sarif"]).out)
    findings = sum(len(r["findings"]) for r in report["roots"])  # type: ignore[index,union-attr]
    assert len(sarif["runs"][0]["results"]) == findings  # type: ignore[index]
    markdown = cli(["analyze", str(path), "--format", "markdown"]).out
    assert len(markdown) <= COMMENT_LIMIT
    assert_valid_markdown(markdown)
    page = cli(["analyze", str(path), "--format", "html"]).out
    assert_clean_html(page)


def test_check_json_validates_for_every_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _trusted_policy(tmp_path, POLICY, monkeypatch)
    verdicts = set()
    for plan in (EXAMPLES / "destroy.json", EXAMPLES / "replace-cascade.json", TOFU_PLAN):
        result = cli(["check", str(plan), "--format", "json"])
        doc = _valid("check", result.out)
        verdicts.add(doc["decision"]["verdict"])  # type: ignore[index]
        _valid("sarif", cli(["check", str(plan), "--format", "sarif"]).out)
    assert len(verdicts) >= 2, verdicts


# ---- the character budget ----------------------------------------------------------------


def _synthetic_plan(deletes: int) -> dict[str, object]:
    """Thousands of deletions, and one delete-first replacement of a database: the top risk."""
    changes: list[dict[str, object]] = [
        {
            "address": 'aws_instance.fleet["' + f"host-{i:05d}" + '"]',
            "mode": "managed",
            "type": "aws_instance",
            "name": "fleet",
            "index": f"host-{i:05d}",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["delete"], "before": {"id": f"i-{i}"}, "after": None},
            "action_reason": "delete_because_no_resource_config",
        }
        for i in range(deletes)
    ]
    changes.append(
        {
            "address": "aws_db_instance.orders",
            "mode": "managed",
            "type": "aws_db_instance",
            "name": "orders",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": ["delete", "create"],
                "before": {"engine": "postgres", "identifier": "orders"},
                "after": {"engine": "postgres", "identifier": "orders-2"},
                "replace_paths": [["identifier"]],
            },
            "action_reason": "replace_because_cannot_update",
        }
    )
    return {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": changes}


def test_a_huge_plan_keeps_verdict_reviewers_and_top_risk_within_the_comment_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _trusted_policy(tmp_path, POLICY, monkeypatch)
    roots = []
    for index in range(12):  # enough roots that their tables cannot all fit
        path = tmp_path / f"region-{index}.json"
        path.write_text(json.dumps(_synthetic_plan(400)))
        roots.append(f"region-{index} @octocat <b>x</b>={path}")  # named by the user, hostile
    result = evaluate(_check_options(tmp_path, tuple(roots)))
    assert len(result.report.findings) > 4800
    context = GitHubContext("default", "a" * 40, NOW.isoformat())
    comment = check_markdown(result.report, result.decision, notes=(), plans=(), github=context)
    assert len(comment) <= COMMENT_LIMIT - 1000  # room for the marker, stamp and footer
    assert_valid_markdown(comment)
    head = comment[:600]
    assert head.startswith("## ✋ planguard: REVIEW REQUIRED")
    assert "@alice, @acme/sre" in comment[:1500]
    first_risk = comment.index("### Top risks")
    assert "aws_db_instance.orders" in comment[first_risk : first_risk + 400]
    assert "delete first" in comment[first_risk : first_risk + 1200]
    assert "Cut to fit:" in comment and "not shown here:" in comment
    assert "of root <code>region-" in comment and "&#64;octocat &#60;b&#62;" in comment
    assert mentions(comment) == {"alice", "acme/sre"}
    summary = check_markdown(
        result.report,
        result.decision,
        notes=(),
        plans=(),
        github=GitHubContext("default", "a" * 40, NOW.isoformat(), summary=True),
        budget=1_000_000,
        measure=utf8_bytes,
    )
    assert utf8_bytes(summary) <= SUMMARY_LIMIT
    assert_valid_markdown(summary)
    cli_markdown = cli(["check", *roots, "--format", "markdown"]).out
    assert len(cli_markdown) <= COMMENT_LIMIT and "aws_db_instance.orders" in cli_markdown[:3000]


def _check_options(cwd: Path, plans: tuple[str, ...]) -> CheckOptions:
    return CheckOptions(setup=GateSetup(plans=plans, cwd=cwd, base="main"), env=(), now=NOW)


def _trusted_policy(directory: Path, policy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`directory` as a repository whose `main` holds `policy`, checked out on a change to it:
    the policy is trusted (PLANGUARD_BASE=main), as on a pull request."""
    git(directory, "init", "-q", "-b", "main")
    commit(directory, "policy", {".planguard.yml": policy})
    git(directory, "checkout", "-q", "-b", "change")
    commit(directory, "the change", {"README.md": "a change\n"})
    monkeypatch.setenv("PLANGUARD_BASE", "main")


# ---- several roots -----------------------------------------------------------------------


def _tree(tmp_path: Path) -> Path:
    """A Terragrunt `run-all` output tree (`--json-out-dir`): one tfplan.json per unit."""
    tree = tmp_path / "out"
    for unit, plan in (
        ("prod/app", EXAMPLES / "destroy.json"),
        ("staging/app", EXAMPLES / "replace-cascade.json"),
        ("tofu", TOFU_PLAN),
    ):
        (tree / unit).mkdir(parents=True)
        shutil.copy(plan, tree / unit / "tfplan.json")
    (tree / ".terragrunt-cache" / "x").mkdir(parents=True)
    (tree / ".terragrunt-cache" / "x" / "tfplan.json").write_text("not read")
    return tree


def test_a_terragrunt_tree_is_one_report_with_a_section_per_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = _tree(tmp_path)
    doc = _valid("report", cli(["analyze", str(tree), "--format", "json"]).out)
    roots = doc["roots"]
    assert [r["name"] for r in roots] == ["prod/app", "staging/app", "tofu"]  # type: ignore[union-attr,index]
    assert [r["plan"]["tool"] for r in roots] == ["unknown", "unknown", "opentofu"]  # type: ignore[union-attr,index]
    (note,) = doc["notes"]  # type: ignore[misc]
    assert "different tools or versions" in note and "tofu: opentofu" in note
    markdown = cli(["analyze", str(tree), "--format", "markdown"]).out
    for name in ("prod/app", "staging/app", "tofu"):
        assert f"### Root <code>{name}</code>" in markdown
    assert "OpenTofu (no version)" in markdown
    assert "Terraform or OpenTofu <code>1.11.4</code>" in markdown
    monkeypatch.chdir(tmp_path)
    _trusted_policy(tmp_path, POLICY, monkeypatch)
    check = _valid("check", cli(["check", str(tree), "--format", "json"]).out)
    assert check["decision"]["verdict"] == "review required"  # type: ignore[index]
    assert len(check["report"]["roots"]) == 3  # type: ignore[index,arg-type]


def test_roots_are_named_by_the_user_by_glob_and_never_twice(tmp_path: Path) -> None:
    destroy, cascade = EXAMPLES / "destroy.json", EXAMPLES / "replace-cascade.json"
    named = _valid(
        "report", cli(["analyze", f"blue={destroy}", f"green={cascade}", "--format", "json"]).out
    )
    assert [r["name"] for r in named["roots"]] == ["blue", "green"]  # type: ignore[union-attr,index]
    for workspace in ("prod", "staging"):
        shutil.copy(destroy, tmp_path / f"plan-{workspace}.json")
    globbed = _valid(
        "report", cli(["analyze", str(tmp_path / "plan-*.json"), "--format", "json"]).out
    )
    assert [r["name"] for r in globbed["roots"]] == ["plan-prod", "plan-staging"]  # type: ignore[union-attr,index]
    same = cli(["analyze", f"a={destroy}", f"a={cascade}"])
    assert same.code == 2 and "both named 'a'" in same.err
    empty = cli(["analyze", str(tmp_path / "nothing-*.json")])
    assert empty.code == 2 and "no plan file matches" in empty.err


# ---- golden comment and summary ------------------------------------------------------------

GOLDEN_CASES = {
    "destroy": ("destroy.json",),
    "replace-cascade": ("replace-cascade.json",),
    "sensitive-replace": (
        str(
            HERE
            / "corpus"
            / "ovsds__tf-plan-format__tests__data__plans__sensitive__terraform.tfplan.json"
        ),
    ),
    "tainted": (
        str(HERE / "corpus" / "hashicorp__terraform-json__testdata__action_reason__plan.json"),
    ),
}


@pytest.mark.parametrize("case", [*GOLDEN_CASES, "multi-root"])
def test_comment_and_summary_match_their_golden_copies(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, golden: Golden
) -> None:
    monkeypatch.chdir(tmp_path)
    _trusted_policy(tmp_path, POLICY, monkeypatch)
    if case == "multi-root":
        plans: tuple[str, ...] = ("out",)
        _tree(tmp_path)
    else:
        plans = tuple(p if "/" in p else str(EXAMPLES / p) for p in GOLDEN_CASES[case])
        named = []
        for i, p in enumerate(plans):
            shutil.copy(p, tmp_path / f"plan{i}.json")
            named.append(f"plan{i}.json")
        plans = tuple(named)
    result = evaluate(_check_options(tmp_path, plans))
    for summary in (False, True):
        context = GitHubContext(
            "default", "0123456789abcdef" * 2 + "01234567", NOW.isoformat(), summary=summary
        )
        text = check_markdown(
            result.report, result.decision, notes=result.notes, plans=(), github=context
        )
        assert_valid_markdown(text)
        kind = "summary" if summary else "comment"
        golden.check(GOLDEN / f"{case}.{kind}.md", text)


# ---- hostile names -------------------------------------------------------------------------

HOSTILE = (
    "<img",
    "<script",
    "**bold**",
    "](javascript",
    "@octocat",
    "<b>x",
    "</details></summary>",
)


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def assert_clean_html(page: str) -> None:
    parser = _Tags()
    parser.feed(page)
    allowed = {
        "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "div", "b",
        "code", "main", "svg", "defs", "marker", "path", "text", "g", "rect", "aside", "p",
        "section", "input", "select", "option", "span", "table", "thead", "tbody", "tr", "th",
        "td", "script",
    }  # fmt: skip
    assert set(parser.tags) <= allowed, set(parser.tags) - allowed
    assert parser.tags.count("script") == 2
    assert "<img" not in page and "<b>x" not in page


def test_hostile_names_are_escaped_in_every_output(
    real_plans: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = real_plans["hostile"]
    monkeypatch.chdir(tmp_path)
    _trusted_policy(tmp_path, 'reviewers:\n  default: ["@alice"]\n', monkeypatch)
    analysis = cli(["analyze", str(plan), "--format", "json"]).json()
    addresses = {f["address"] for r in analysis["roots"] for f in r["findings"]}  # type: ignore[index,union-attr]
    assert any("@octocat" in a for a in addresses) and any("<img" in a for a in addresses)
    markdowns = [
        cli(["analyze", str(plan), "--format", "markdown"]).out,
        cli(["check", str(plan), "--format", "markdown"]).out,
    ]
    result = evaluate(_check_options(tmp_path, (str(plan),)))
    for summary in (False, True):
        context = GitHubContext("default", "f" * 40, NOW.isoformat(), summary=summary)
        markdowns.append(
            check_markdown(result.report, result.decision, notes=(), plans=(), github=context)
        )
    for text in markdowns:
        assert_valid_markdown(text)
        outside = "\n".join(_outside_fences(text.split("\n")))
        for needle in HOSTILE:
            assert needle not in outside, needle
        assert mentions(text) <= {"alice"}, mentions(text)
        assert text.count("```") == 2  # the mermaid fence, opened and closed once
        assert "\x1b" not in text
    mermaid = cli(["graph", str(plan), "--format", "mermaid"]).out
    assert "@octocat" not in mermaid and "```" not in mermaid and "<img" not in mermaid
    assert_clean_html(cli(["analyze", str(plan), "--format", "html"]).out)
    sarif = _valid("sarif", cli(["analyze", str(plan), "--format", "sarif"]).out)
    names = {
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        for r in sarif["runs"][0]["results"]
    }  # type: ignore[index]
    assert addresses <= names | {str(plan)}
    text = cli(["analyze", str(plan)]).out
    assert "\x1b" not in text and "\n" not in "".join(a for a in addresses if "line" in a)


def test_control_characters_in_a_plan_never_reach_a_terminal(tmp_path: Path) -> None:
    doc = _synthetic_plan(1)
    doc["terraform_version"] = "1.11.4\x1b]0;pwned\x07"
    path = tmp_path / "evil\x1b[2J\nFAKE: pass.json"  # a root is named by its file
    path.write_text(json.dumps(doc))
    for fmt in ("text", "markdown", "html"):
        out = cli(["analyze", str(path), "--format", fmt]).out
        assert "\x1b" not in out and "\x07" not in out and "\nFAKE" not in out, fmt
        assert "\\x1b" in out or "&#92;x1b" in out, fmt
    changes = doc["resource_changes"]
    changes[0]["address"] = 'aws_instance.fleet["\x1b[2J"]'  # type: ignore[index]
    path.write_text(json.dumps(doc))
    refused = cli(["analyze", str(path)])
    assert refused.code == 2 and "expected a resource address" in refused.err
    assert "\x1b" not in refused.err and "\\x1b[2J\\nFAKE" in refused.err


# ---- review findings: budget, roots, SARIF -------------------------------------------------

_LINE = st.one_of(
    st.just("```"), st.just("<details><summary>s</summary>"), st.just("</details>"),
    st.text(alphabet="ab |", min_size=1, max_size=90),
)  # fmt: skip


@depth(40, 300)
def test_assemble_keeps_every_required_part_and_the_budget(examples: int) -> None:
    def check(parts: list[tuple[list[str], bool]], budget: int) -> None:
        built = [
            Part(f"part {i}", "\n".join(lines) + "\n", req) for i, (lines, req) in enumerate(parts)
        ]
        required = [p.text for p in built if p.required]
        assume(all(lines.count("```") % 2 == 0 for lines, _ in parts))  # parts are well formed
        assume(sum(len(t) for t in required) + 200 <= budget)
        out = assemble(built, budget, "the JSON report")
        assert len(out) <= budget
        assert all(text in out for text in required)
        assert_fences_balanced(out)

    explore(
        examples,
        check,
        parts=st.lists(
            st.tuples(st.lists(_LINE, min_size=1, max_size=12), st.booleans()),
            min_size=1,
            max_size=8,
        ),
        budget=st.integers(min_value=300, max_value=3000),
    )


def assert_fences_balanced(text: str) -> None:
    assert sum(1 for line in text.split("\n") if line.strip().startswith("```")) % 2 == 0


def test_picture_shortcuts_never_disconnect_a_cycle() -> None:
    edges = _without_shortcuts([("a", "b"), ("b", "c"), ("a", "c"), ("c", "b")])
    assert any(a == "a" for a, _ in edges) and {("b", "c"), ("c", "b")} <= set(edges)


def test_roots_mixed_paths_named_directories_and_terraform_json_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    mixed = _valid(
        "report",
        cli(
            [
                "analyze",
                "examples/destroy.json",
                str(EXAMPLES / "replace-cascade.json"),
                "--format",
                "json",
            ]
        ).out,
    )
    assert [r["name"] for r in mixed["roots"]] == ["destroy", "replace-cascade"]  # type: ignore[union-attr,index]
    tree = _tree(tmp_path)
    (tree / "prod" / "app" / "terraform.tfvars.json").write_text("{}")
    (tree / "prod" / "app" / "main.tf.json").write_text("{}")
    named = _valid("report", cli(["analyze", f"live={tree}", "--format", "json"]).out)
    assert [r["name"] for r in named["roots"]] == ["live/prod/app", "live/staging/app", "live/tofu"]  # type: ignore[union-attr,index]
    again = cli(["analyze", "examples/destroy.json", "./examples/destroy.json", "--format", "json"])
    assert len(json.loads(again.out)["roots"]) == 1


def test_plan_controlled_version_and_notes_render_as_text(tmp_path: Path) -> None:
    doc = json.loads((EXAMPLES / "destroy.json").read_text())
    doc["terraform_version"] = "1.0 <img src=x> @octocat <details>"
    evil = tmp_path / "evil.json"
    evil.write_text(json.dumps(doc))
    markdown = cli(["analyze", str(evil), str(TOFU_PLAN), "--format", "markdown"]).out
    assert_valid_markdown(markdown)
    assert mentions(markdown) == set() and "<img" not in markdown
    note = next(line for line in markdown.split("\n") if line.startswith("> **Note:**"))
    assert "different tools or versions" in note and "\\n" not in note


def test_sarif_carries_suppressions_and_a_stable_category(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    plan = tmp_path / "plan.json"
    shutil.copy(EXAMPLES / "destroy.json", plan)
    _trusted_policy(
        tmp_path,
        POLICY
        + 'suppressions:\n  - address: "*"\n    rule: environment-teardown\n'
        + '    reason: sandbox teardown (CHG-7)\n    expires: 2099-01-01\n    accepted_by: "@alice"\n',
        monkeypatch,
    )
    sarif = _valid("sarif", cli(["check", "plan.json", "--format", "sarif"]).out)
    run = sarif["runs"][0]  # type: ignore[index]
    assert run["automationDetails"]["id"] == "planguard/"
    (teardown,) = [r for r in run["results"] if r["ruleId"] == "environment-teardown"]
    assert teardown["suppressions"][0]["justification"] == "sandbox teardown (CHG-7)"
    assert teardown["level"] == "note"  # its tier after the suppression: low
    assert all("suppressions" not in r for r in run["results"] if r is not teardown)
