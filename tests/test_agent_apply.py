"""The incident, replayed: an agent (CLAUDECODE=1) with apply credentials tries to tear an
environment down itself. Real Terraform, a real git repository, real SSH keys, the hook and
`planguard apply` run as the processes a harness starts.

Trust on the workstation is the managed policy (root-owned, not writable by the agent's user):
it names the reviewer and her key. The agent's own flags and environment choose nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from gitrepo import CLEARED_ENV, Key, allowed_signers, commit, git, ssh_key
from scenarios import ENV
from terraform_runner import Terraform

FIXTURE = Path(__file__).parent / "fixtures" / "hooks" / "claude" / "shell.json"
LYING_TERRAFORM = """#!/bin/sh
# Says every plan changes nothing; would apply whatever it is given.
if [ "$1" = show ]; then
  echo '{{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[]}}'
  exit 0
fi
exec {real} "$@"
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0,
        reason="the managed policy must be a file the test's user cannot write: run as root",
    ),
]


@dataclass
class Workstation:
    repo: Path
    env: dict[str, str]
    alice: Key
    terraform_path: Path

    def hook(self, command: str) -> dict[str, object] | None:
        """The Claude Code hook on `command`; its JSON answer (None: allowed, nothing said)."""
        doc = json.loads(FIXTURE.read_text())
        doc["cwd"], doc["tool_input"]["command"] = str(self.repo), command
        done = self.run("hook", "claude", stdin=json.dumps(doc).encode())
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    def run(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        return self.run_with({}, *args, stdin=stdin)

    def run_with(
        self, env: dict[str, str], *args: str, stdin: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "planguard", *args],
            cwd=self.repo,
            env={**self.env, **env},
            input=stdin,
            capture_output=True,
            check=False,
            timeout=300,
        )

    def as_person(self) -> Workstation:
        """The same machine, outside the agent's session."""
        person = {k: v for k, v in self.env.items() if k != "CLAUDECODE"}
        return Workstation(self.repo, person, self.alice, self.terraform_path)

    def terraform(self, *args: str) -> str:
        done = subprocess.run(
            ["terraform", *args], cwd=self.repo, env=self.env, capture_output=True, check=True
        )
        return done.stdout.decode()


@pytest.fixture
def workstation(tmp_path: Path, terraform: Terraform) -> Workstation:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "terraform").symlink_to(terraform.executable(bin_dir.parent))
    managed = tmp_path / "etc-planguard"
    managed.mkdir(mode=0o755)
    alice = ssh_key(tmp_path, "alice")
    signers = managed / "allowed_signers"
    signers.write_text(allowed_signers({"alice": alice}, {}))
    policy = managed / "policy.yml"
    real = terraform.executable(bin_dir.parent).resolve()
    policy.write_text(
        f'reviewers:\n  default: ["@alice"]\nallowed_signers: {signers}\nterraform_bin: {real}\n'
    )
    for path in (managed, signers, policy):
        path.chmod(0o755 if path.is_dir() else 0o644)
    repo = tmp_path / "infra"
    shutil.copytree(ENV, repo)
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "infrastructure", {".gitignore": ".terraform/\n*.tfstate*\ntfplan*\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "environment")
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        CLAUDECODE="1",
        PLANGUARD_MANAGED_POLICY=str(policy),
        TF_IN_AUTOMATION="1",
        CHECKPOINT_DISABLE="1",
    )
    box = Workstation(repo, env, alice, real)
    box.terraform("init", "-input=false", "-no-color")
    box.terraform("apply", "-auto-approve", "-input=false", "-no-color")
    return box


def reason(answer: dict[str, object] | None) -> str:
    assert answer is not None, "the hook allowed it"
    output = answer["hookSpecificOutput"]
    assert isinstance(output, dict)
    assert output["permissionDecision"] == "deny"
    return str(output["permissionDecisionReason"])


def test_the_agent_cannot_tear_the_environment_down_without_a_named_approval(
    workstation: Workstation,
) -> None:
    box = workstation
    before = box.terraform("state", "list").split()
    assert "terraform_data.network" in before

    # The agent's first idea: apply straight away. Denied, with what to do instead.
    assert "saved plan" in reason(box.hook("terraform apply -auto-approve"))
    # Saving the plan only reads: allowed.
    assert box.hook("terraform plan -destroy -out tfplan") is None
    box.terraform("plan", "-destroy", "-input=false", "-no-color", "-out=tfplan")

    # Applying the teardown plan: denied, naming who must approve.
    denial = reason(box.hook("terraform apply tfplan"))
    assert "@alice" in denial
    assert "planguard approve tfplan" in denial
    refused = box.run("apply", "tfplan")
    assert refused.returncode == 1, refused.stderr
    assert b"@alice" in refused.stdout

    # The agent tries its own flags and environment: nothing it can choose loosens the gate.
    sneaky = box.run("apply", "tfplan", "--approvals", str(box.repo))
    assert sneaky.returncode == 1
    liar = box.repo.parent / "liar"
    liar.mkdir()
    pinned = box.terraform_path
    (liar / "terraform").write_text(LYING_TERRAFORM.format(real=pinned))
    (liar / "terraform").chmod(0o755)
    lied = box.run_with(
        {"PATH": f"{liar}{os.pathsep}{box.env['PATH']}"},
        "apply", "tfplan", "--terraform-bin", str(liar / "terraform"),
    )  # fmt: skip
    assert lied.returncode == 1, lied.stderr  # the pinned binary read the plan, not the liar
    assert box.run("apply", "tfplan", "--", "-destroy").returncode == 2

    # The agent cannot sign for alice, even with a key it can read.
    assert "person" in reason(
        box.hook(f"planguard approve tfplan --as alice --key {box.alice.private} -o a/")
    )
    inside = box.run(
        "approve", "tfplan", "--as", "alice", "--key", str(box.alice.private), "-o", "a/"
    )
    assert inside.returncode == 2
    assert b"agent" in inside.stderr

    # alice approves exactly this plan with her key, in her own terminal.
    approved = box.as_person().run(
        "approve", "tfplan", "--as", "alice", "--key", str(box.alice.private),
        "-o", str(box.repo / ".planguard" / "approvals"),
    )  # fmt: skip
    assert approved.returncode == 0, approved.stderr
    # Approved now, and still not applied raw: the hook sends the agent to planguard apply.
    assert "run `planguard apply tfplan`" in reason(box.hook("terraform apply tfplan"))

    # A different plan saved over the approved one is not approved.
    shutil.copy(box.repo / "tfplan", box.repo / "tfplan.approved")
    box.terraform("plan", "-input=false", "-no-color", "-out=tfplan", "-var", "network_name=net-z")
    assert box.run("apply", "tfplan").returncode == 1
    assert "@alice" in reason(box.hook("terraform apply tfplan"))
    # Bytes altered: not a plan Terraform (or planguard) will read.
    damaged = bytearray((box.repo / "tfplan.approved").read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    (box.repo / "tfplan").write_bytes(bytes(damaged))
    assert box.run("apply", "tfplan").returncode == 2
    assert box.terraform("state", "list").split() == before  # nothing was applied so far

    # The approved plan, back in place: applied, and the state shows it.
    shutil.copy(box.repo / "tfplan.approved", box.repo / "tfplan")
    applied = box.run("apply", "tfplan")
    assert applied.returncode == 0, applied.stderr.decode()
    assert box.terraform("state", "list").split() == []

    # The audit log links each decision to what was applied.
    log = box.repo / ".planguard" / "audit.jsonl"
    lines = log.read_bytes().splitlines()
    entries = [json.loads(line) for line in lines]
    checks = [e for e in entries if e["event"] == "apply-check"]
    applies = [e for e in entries if e["event"] == "apply"]
    assert [c["verdict"] for c in checks][-1] == "approved"
    assert {c["verdict"] for c in checks[:-1]} == {"review required"}
    (done,) = applies
    decision_line = lines[entries.index(checks[-1])]
    import hashlib

    assert done["decision"] == hashlib.sha256(decision_line).hexdigest()
    assert done["plan_sha256"] == checks[-1]["plan_sha256"]
    assert done["exit_code"] == 0
    assert checks[-1]["approvals"][0]["reviewer"] == "alice"
    assert box.run("audit", "verify", str(log)).returncode == 0
