"""The workflows the docs tell users to copy work as pasted: they never run a fork's code with a
write token, pin every action to a commit, and a real workflow linter (zizmor) finds nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from planguard.render.engine import render_template

ROOT = Path(__file__).parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"```ya?ml\n(.*?)```", re.DOTALL)
PRIVILEGED = {"pull_request_target", "workflow_run"}
"""Triggers whose token can write even for a fork's pull request."""
FETCHES_CODE = re.compile(
    r"\bgit\s+(checkout|switch|fetch|pull|clone|worktree|reset)\b|\bgh\s+pr\s+checkout\b"
)
"""A `run:` command that brings in a commit other than the one the workflow runs from."""
PINNED = re.compile(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+)*\s*$")
PLACEHOLDER = "your-org/planguard@v1"
"""The docs' stand-in for the user's pinned copy of this action: the one reference not pinned,
and it says so to the linter (`zizmor: ignore[unpinned-uses]`)."""
INIT_TEMPLATE = "init/workflow.yml.j2"


def _blocks() -> list[tuple[str, str]]:
    """Each documented workflow (a YAML block with `jobs:`), as text."""
    found = []
    for doc in DOCS:
        for n, block in enumerate(FENCE.findall(doc.read_text(encoding="utf-8"))):
            parsed = yaml.safe_load(block)
            if isinstance(parsed, dict) and "jobs" in parsed:
                found.append((f"{doc.name}#{n + 1}", block))
    return found


BLOCKS = _blocks()


def _workflows() -> list[tuple[str, dict[object, object]]]:
    return [(where, yaml.safe_load(text)) for where, text in BLOCKS]


WORKFLOWS = _workflows()
IDS = [w for w, _ in WORKFLOWS]


def _triggers(workflow: dict[object, object]) -> set[str]:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    if isinstance(on, str):
        return {on}
    return {str(k) for k in on} if isinstance(on, (dict, list)) else set()


def _jobs(workflow: dict[object, object]) -> dict[str, dict[str, object]]:
    jobs = workflow.get("jobs")
    return (
        {str(k): v for k, v in jobs.items() if isinstance(v, dict)}
        if isinstance(jobs, dict)
        else {}
    )


def _steps(workflow: dict[object, object]) -> list[dict[str, object]]:
    steps = [job.get("steps") for job in _jobs(workflow).values()]
    return [s for each in steps if isinstance(each, list) for s in each if isinstance(s, dict)]


def _is_checkout(step: dict[str, object]) -> bool:
    return str(step.get("uses", "")).startswith("actions/checkout@")


def _checks_out_other_code(workflow: dict[object, object]) -> bool:
    """A checkout of another commit or repository than the workflow's own (`ref:`,
    `repository:`), or a git command that fetches one. A privileged workflow may name the PR's
    head elsewhere (an API lookup, an artifact's name), but never to bring its code in."""
    for step in _steps(workflow):
        options = step.get("with")
        if (
            _is_checkout(step)
            and isinstance(options, dict)
            and {"ref", "repository"} & set(options)
        ):
            return True
        if FETCHES_CODE.search(str(step.get("run", ""))):
            return True
    return False


def test_the_docs_have_workflows_to_check() -> None:
    assert len(WORKFLOWS) >= 4  # same repository; fork: plan, plan-review, gate
    triggers = set().union(*(_triggers(w) for _, w in WORKFLOWS))
    assert {"pull_request", "pull_request_review", "workflow_run"} <= triggers


@pytest.mark.parametrize(("where", "workflow"), WORKFLOWS, ids=IDS)
def test_documented_workflows_never_run_fork_code_with_a_write_token(
    where: str, workflow: dict[object, object]
) -> None:
    if PRIVILEGED & _triggers(workflow):
        assert not _checks_out_other_code(workflow), (
            f"{where} runs the PR's code with a write token"
        )
    permissions = workflow.get("permissions")
    assert isinstance(permissions, dict), f"{where}: declare least-privilege permissions"
    assert "write-all" not in str(permissions), where
    for name, job in _jobs(workflow).items():
        granted = job.get("permissions", permissions)
        assert isinstance(granted, dict), f"{where}: job {name}: least-privilege permissions"
        assert "write-all" not in str(granted), f"{where}: job {name}"


def test_the_check_catches_the_classic_mistake() -> None:
    mistake = {
        "on": {"pull_request_target": {}},
        "permissions": {"contents": "read"},
        "jobs": {
            "x": {
                "steps": [
                    {
                        "uses": "actions/checkout@v4",
                        "with": {"ref": "${{ github.event.pull_request.head.sha }}"},
                    }
                ]
            }
        },
    }
    assert PRIVILEGED & _triggers(mistake) and _checks_out_other_code(mistake)


@pytest.mark.parametrize(
    "step",
    [
        {"uses": "actions/checkout@v4", "with": {"ref": "${{ steps.pr.outputs.head }}"}},
        {"uses": "actions/checkout@v4", "with": {"repository": "${{ env.FORK }}"}},
        {"run": 'git fetch origin "$HEAD_SHA" && git checkout FETCH_HEAD', "env": {}},
        {"run": 'gh pr checkout "$PR"'},
    ],
    ids=["ref-through-a-step-output", "repository", "git-fetch", "gh-pr-checkout"],
)
def test_the_check_catches_code_brought_in_any_other_way(step: dict[str, object]) -> None:
    sneaky = {"on": {"workflow_run": {}}, "jobs": {"x": {"steps": [step]}}}
    assert _checks_out_other_code(sneaky)


def test_the_check_lets_a_gate_name_the_head_without_checking_it_out() -> None:
    gate = {
        "jobs": {
            "x": {
                "steps": [
                    {"uses": "actions/checkout@v4", "with": {"persist-credentials": False}},
                    {
                        "run": "gh api ...",
                        "env": {"HEAD_SHA": "${{ github.event.workflow_run.head_sha }}"},
                    },
                ]
            }
        }
    }
    assert not _checks_out_other_code(gate)


@pytest.mark.parametrize(("where", "text"), BLOCKS, ids=IDS)
def test_every_action_is_pinned_to_a_commit_with_its_version(where: str, text: str) -> None:
    for reference in (str(s["uses"]) for s in _steps(yaml.safe_load(text)) if "uses" in s):
        line = next(ln for ln in text.splitlines() if f"uses: {reference}" in ln)
        if reference == PLACEHOLDER:
            assert "# zizmor: ignore[unpinned-uses]" in line, f"{where}: {line.strip()}"
            continue
        assert PINNED.fullmatch(reference), f"{where}: {reference} is not pinned to a commit SHA"
        assert VERSION_COMMENT.search(line), f"{where}: {line.strip()} names no version"


@pytest.mark.parametrize(("where", "workflow"), WORKFLOWS, ids=IDS)
def test_every_checkout_keeps_the_token_out_of_git(
    where: str, workflow: dict[object, object]
) -> None:
    for step in filter(_is_checkout, _steps(workflow)):
        options = step.get("with")
        assert isinstance(options, dict) and options.get("persist-credentials") is False, where


@pytest.mark.parametrize(("where", "workflow"), WORKFLOWS, ids=IDS)
def test_a_pull_request_run_checks_out_the_head_not_the_merge_commit(
    where: str, workflow: dict[object, object]
) -> None:
    """planguard comments inline only when the checkout is the PR head: a merge commit's line
    numbers need not be the head's. Approvals bind to the head too."""
    if "pull_request" not in _triggers(workflow) or PRIVILEGED & _triggers(workflow):
        return
    for step in filter(_is_checkout, _steps(workflow)):
        options = step.get("with")
        assert isinstance(options, dict), where
        assert options.get("ref") == "${{ github.event.pull_request.head.sha }}", where


@pytest.mark.parametrize(("where", "workflow"), WORKFLOWS, ids=IDS)
def test_a_review_never_runs_terraform(where: str, workflow: dict[object, object]) -> None:
    """A review event has no cloud credentials to plan with: it re-reads the reviews against
    the plan the PR's own run made."""
    if "pull_request_review" not in _triggers(workflow):
        return
    for step in _steps(workflow):
        runs_terraform = "setup-terraform" in str(step.get("uses", "")) or re.search(
            r"\bterraform\s+(init|plan)\b", str(step.get("run", ""))
        )
        if runs_terraform:
            assert step.get("if") == "github.event_name == 'pull_request'", f"{where}: {step}"


@pytest.mark.parametrize(("where", "workflow"), WORKFLOWS, ids=IDS)
def test_a_workflow_run_gate_runs_after_success_and_finds_the_pr_itself(
    where: str, workflow: dict[object, object]
) -> None:
    """`workflow_run.pull_requests` is empty for a fork's PR, and a failed run left no plan."""
    if "workflow_run" not in _triggers(workflow):
        return
    expressions = re.findall(r"\$\{\{(.*?)\}\}", yaml.safe_dump(workflow, width=1000))
    assert not [e for e in expressions if "workflow_run.pull_requests" in e], where
    for name, job in _jobs(workflow).items():
        guard = "github.event.workflow_run.conclusion == 'success'"
        assert guard in str(job.get("if", "")), f"{where}: job {name} needs `if: {guard}`"


def _zizmor() -> str:
    beside = Path(sys.executable).with_name("zizmor")
    found = str(beside) if beside.is_file() else shutil.which("zizmor")
    if found is None:
        pytest.fail("zizmor is not installed: pip install -e '.[test]'")
    return found


LINTED = [*BLOCKS, ("planguard init", render_template(INIT_TEMPLATE))]


@pytest.mark.parametrize(("where", "text"), LINTED, ids=[w for w, _ in LINTED])
def test_zizmor_finds_nothing(where: str, text: str, tmp_path: Path) -> None:
    """Offline (no GitHub access), with every audit of the pedantic persona. A finding kept on
    purpose is suppressed inline, with its reason, where users see it."""
    workflow = tmp_path / ".github" / "workflows" / "workflow.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [
            _zizmor(),
            "--offline",
            "--no-config",
            "--strict-collection",
            "--persona=pedantic",
            "--no-progress",
            "--color=never",
            str(workflow),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"{where}:\n{done.stdout}{done.stderr}"
    assert "No findings to report" in done.stdout, done.stdout
