"""Real plans of the test environment (tests/terraform/env), one per scenario.

Each scenario copies the environment, applies it as it is, then changes something and saves
`terraform show -json` of the plan. Plans are made once per test session.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from terraform_runner import Terraform

ENV = Path(__file__).parent / "terraform" / "env"


@dataclass(frozen=True)
class Scenario:
    name: str
    plan_args: tuple[str, ...] = ()
    add_files: dict[str, str] = field(default_factory=dict)
    remove_files: tuple[str, ...] = ()
    before_plan: Callable[[Terraform, Path], None] | None = None
    env: str = "env"
    """Which configuration under tests/terraform/."""


def _taint_audit(tf: Terraform, cwd: Path) -> None:
    tf.run(cwd, "taint", "terraform_data.audit")


def _depose_queue(tf: Terraform, cwd: Path) -> None:
    """Leave a deposed object behind, as an interrupted create_before_destroy does."""
    state = json.loads(tf.run(cwd, "state", "pull"))
    for resource in state["resources"]:
        if resource.get("name") == "queue":
            old = dict(resource["instances"][0])
            old["deposed"] = "00000001"
            resource["instances"].append(old)
    state["serial"] += 1
    (cwd / "deposed.tfstate").write_text(json.dumps(state))
    tf.run(cwd, "state", "push", "deposed.tfstate")


MOVED = """
moved {
  from = terraform_data.audit
  to   = terraform_data.audit_log
}
"""

RENAMED_AUDIT = """
resource "terraform_data" "audit_log" {
  input = "audit-log"
}
"""

FORGET_AUDIT = """
removed {
  from = terraform_data.audit
  lifecycle {
    destroy = false
  }
}
"""

DROP_AUDIT = FORGET_AUDIT.replace(
    "lifecycle {\n    destroy = false\n  }", "lifecycle {\n    destroy = true\n  }"
)

SCENARIOS = {
    s.name: s
    for s in (
        Scenario("noop"),
        Scenario("update", plan_args=("-var", 'services={"api"=1,"web"=3}')),
        Scenario("replace_cascade", plan_args=("-var", "network_name=net-b")),
        Scenario("replace_by_request", plan_args=("-replace=terraform_data.audit",)),
        Scenario(
            "orders",
            plan_args=("-replace=terraform_data.cache", "-replace=terraform_data.queue"),
        ),
        Scenario("destroy", plan_args=("-destroy",)),
        Scenario("moved", add_files={"audit.tf": RENAMED_AUDIT, "moved.tf": MOVED}),
        Scenario("forget", add_files={"audit.tf": FORGET_AUDIT}),
        Scenario("removed_block_destroy", add_files={"audit.tf": DROP_AUDIT}),
        Scenario("tainted", before_plan=_taint_audit),
        Scenario("deposed", before_plan=_depose_queue),
        Scenario(
            "replace_root_and_child",
            plan_args=("-replace=terraform_data.network", "-replace=terraform_data.subnet[0]"),
        ),
        Scenario("tricky", env="tricky"),
        Scenario("hostile", plan_args=("-destroy",), env="hostile"),
    )
}


def make_plan(tf: Terraform, scenario: Scenario, workdir: Path) -> Path:
    """Apply the base environment in `workdir`, change it, and write plan.json."""
    shutil.copytree(ENV.parent / scenario.env, workdir, dirs_exist_ok=True)
    tf.run(workdir, "init", "-input=false", "-no-color")
    tf.run(workdir, "apply", "-auto-approve", "-input=false", "-no-color")
    for name in scenario.remove_files:
        (workdir / name).unlink()
    for name, text in scenario.add_files.items():
        (workdir / name).write_text(text)
    if scenario.before_plan is not None:
        scenario.before_plan(tf, workdir)
    tf.run(workdir, "plan", "-input=false", "-no-color", "-out=tfplan", *scenario.plan_args)
    plan_json = workdir / "plan.json"
    plan_json.write_text(tf.run(workdir, "show", "-json", "tfplan"))
    return plan_json


if __name__ == "__main__":  # regenerate a bundled example: python tests/scenarios.py NAME OUT
    import sys
    import tempfile

    from terraform_runner import find_terraform

    name, out = sys.argv[1], Path(sys.argv[2])
    with tempfile.TemporaryDirectory() as tmp:
        out.write_bytes(make_plan(find_terraform(), SCENARIOS[name], Path(tmp)).read_bytes())
