"""The agent hook's rules on shell command lines, one documented decision per line.

The table (tests/data/hook_commands.yaml) holds every form an agent may use to run
Terraform, OpenTofu or Terragrunt — chains, subshells, `bash -c`, wrappers, `xargs`,
absolute paths, here-documents — and look-alikes that must pass (`echo terraform destroy`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from planguard.hooks.commands import Action, mentions_a_tool, rule_line

TABLE: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "hook_commands.yaml").read_text()
)


def test_the_table_is_large_and_covers_every_decision() -> None:
    decisions = [item["decision"] for item in TABLE]
    assert len(TABLE) >= 80
    assert {decisions.count(d) >= 20 for d in ("allow", "deny", "gate")} == {True}
    assert len({item["command"] for item in TABLE}) == len(TABLE)


@pytest.mark.parametrize("item", TABLE, ids=[item["command"][:60] for item in TABLE])
def test_each_command_gets_its_documented_decision(item: dict[str, Any]) -> None:
    ruling = rule_line(item["command"])
    assert ruling.action.value == item["decision"], [(r.action, r.why) for r in ruling.rulings]
    if item["decision"] == "gate":
        assert [r.plan for r in ruling.gated] == [item["plan"]]
    if item["decision"] == "deny":
        assert all(r.why for r in ruling.denied)


@pytest.mark.parametrize(
    "command",
    ["ls -la", "npm test", "git status", "python -m pytest", "make build", "cat README.md"],
)
def test_a_command_without_a_tool_is_not_parsed_at_all(command: str) -> None:
    assert not mentions_a_tool(command)
    assert rule_line(command).rulings == ()


def test_a_denial_says_which_part_and_why() -> None:
    ruling = rule_line("terraform init && terraform plan && terraform apply -auto-approve")
    assert ruling.action is Action.DENY
    (denied,) = ruling.denied
    assert denied.command == "terraform apply -auto-approve"
    assert "without a saved plan" in denied.why
