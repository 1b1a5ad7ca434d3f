"""The workflows the docs tell users to copy never run a fork's code with a write token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"```ya?ml\n(.*?)```", re.DOTALL)
PRIVILEGED = {"pull_request_target", "workflow_run"}
"""Triggers whose token can write even for a fork's pull request."""


def _workflows() -> list[tuple[str, dict[object, object]]]:
    found = []
    for doc in DOCS:
        for n, block in enumerate(FENCE.findall(doc.read_text(encoding="utf-8"))):
            parsed = yaml.safe_load(block)
            if isinstance(parsed, dict) and "jobs" in parsed:
                found.append((f"{doc.name}#{n + 1}", parsed))
    return found


WORKFLOWS = _workflows()


def _triggers(workflow: dict[object, object]) -> set[str]:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    if isinstance(on, str):
        return {on}
    return {str(k) for k in on} if isinstance(on, (dict, list)) else set()


def _checks_out_the_pr_head(workflow: dict[object, object]) -> bool:
    text = yaml.safe_dump(workflow)
    pattern = r"pull_request\.head\.(sha|ref)|github\.head_ref|workflow_run\.head_(sha|branch)"
    return bool(re.search(pattern, text))


def test_the_docs_have_workflows_to_check() -> None:
    assert len(WORKFLOWS) >= 2


@pytest.mark.parametrize(("where", "workflow"), WORKFLOWS, ids=[w for w, _ in WORKFLOWS])
def test_documented_workflows_never_run_fork_code_with_a_write_token(
    where: str, workflow: dict[object, object]
) -> None:
    if PRIVILEGED & _triggers(workflow):
        assert not _checks_out_the_pr_head(workflow), (
            f"{where} runs the PR's code with a write token"
        )
    permissions = workflow.get("permissions")
    assert isinstance(permissions, dict), f"{where}: declare least-privilege permissions"
    assert "write-all" not in str(permissions), where


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
    assert PRIVILEGED & _triggers(mistake) and _checks_out_the_pr_head(mistake)
