"""Putting the gate in front of an agent: `planguard hooks install|status|shim`, the managed
policy's protection, and what `planguard apply` refuses before any gate runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import cli
from terraform_runner import Terraform

from planguard.commands.agents import install, planguard_command, status
from planguard.errors import UsageError
from planguard.gather.managed import MANAGED_POLICY_ENV, find_managed, unprotected
from planguard.hooks import install as installer
from planguard.hooks.choices import Harness, Scope
from planguard.hooks.install import Locations

tomllib = pytest.importorskip("tomllib")  # Python 3.11+: reads what planguard writes

SCOPES = [
    (h, s) for h in Harness for s in installer.harness_info(h).scopes
]  # every scope each harness has


@pytest.fixture
def where(tmp_path: Path) -> Locations:
    return Locations(project=tmp_path / "repo", home=tmp_path / "home", root=tmp_path / "root")


@pytest.mark.parametrize(
    ("harness", "scope"), SCOPES, ids=[f"{h.value}-{s.value}" for h, s in SCOPES]
)
def test_install_writes_the_hook_once_and_shows_the_diff(
    harness: Harness, scope: Scope, where: Locations
) -> None:
    first = install(harness, scope, where)
    assert first.exit_code == 0
    assert f"hook {harness.value}" in first.text  # the diff shows the added hook
    path = where.resolve(installer.harness_info(harness).scopes[scope], scope)
    text = path.read_text()
    if path.suffix == ".toml":
        doc = tomllib.loads(text)
        assert doc["hooks"]["PreToolUse"][0]["hooks"][0]["command"].endswith("hook codex")
    else:
        assert f"hook {harness.value}" in json.dumps(json.loads(text))
    again = install(harness, scope, where)
    assert "nothing changed" in again.text
    assert path.read_text() == text


def test_install_merges_into_settings_it_did_not_write(where: Locations) -> None:
    settings = where.project / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    mine = {
        "model": "opus",
        "permissions": {"allow": ["Bash(ls *)"], "deny": ["Bash(terraform destroy *)"]},
        "hooks": {
            "PreToolUse": [{"matcher": "Edit", "hooks": [{"type": "command", "command": "fmt"}]}]
        },
    }
    settings.write_text(json.dumps(mine))
    install(Harness.CLAUDE, Scope.PROJECT, where)
    merged = json.loads(settings.read_text())
    assert merged["model"] == "opus"
    assert merged["permissions"]["allow"] == ["Bash(ls *)"]
    assert merged["permissions"]["deny"].count("Bash(terraform destroy *)") == 1
    assert "Bash(terraform apply *)" in merged["permissions"]["ask"]
    matchers = [entry["matcher"] for entry in merged["hooks"]["PreToolUse"]]
    assert matchers == ["Edit", "Bash", "mcp__.*"]


def test_install_never_overwrites_a_file_it_cannot_read(where: Locations) -> None:
    hooks = where.project / ".cursor" / "hooks.json"
    hooks.parent.mkdir(parents=True)
    hooks.write_text("{ not json")
    with pytest.raises(UsageError, match="not valid JSON"):
        install(Harness.CURSOR, Scope.PROJECT, where)
    assert hooks.read_text() == "{ not json"


def test_a_harness_without_a_managed_scope_says_so(where: Locations) -> None:
    with pytest.raises(UsageError, match="no managed scope"):
        install(Harness.KIRO, Scope.MANAGED, where)


def test_the_gemini_backstop_policy_is_valid_toml(where: Locations) -> None:
    install(Harness.GEMINI, Scope.USER, where)
    rules = tomllib.loads((where.home / ".gemini/policies/planguard.toml").read_text())["rule"]
    assert {r["decision"] for r in rules} == {"deny"}
    assert {"terraform destroy", "tofu apply -auto-approve"} <= {r["commandPrefix"] for r in rules}


def test_the_codex_backstop_rules_forbid_destroy(where: Locations) -> None:
    install(Harness.CODEX, Scope.USER, where)
    rules = (where.home / ".codex/rules/planguard.rules").read_text()
    assert 'prefix_rule(pattern=["terraform", "destroy"], decision="forbidden"' in rules
    assert rules.count("prefix_rule(") == 9


def test_codex_requirements_keep_what_the_administrator_wrote(where: Locations) -> None:
    path = where.root / "etc/codex/requirements.toml"
    path.parent.mkdir(parents=True)
    path.write_text('allowed_approval_policies = ["on-request"]\n[features]\nhooks = true\n')
    install(Harness.CODEX, Scope.MANAGED, where)
    doc = tomllib.loads(path.read_text())
    assert doc["allowed_approval_policies"] == ["on-request"]
    assert [h["matcher"] for h in doc["hooks"]["PreToolUse"]] == ["^Bash$", "^mcp__.*"]


def test_the_installed_command_is_a_working_hook(where: Locations, tmp_path: Path) -> None:
    install(Harness.CLAUDE, Scope.USER, where)
    settings = json.loads((where.home / ".claude/settings.json").read_text())
    command = settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    assert command == f"{planguard_command()} hook claude"
    payload = {
        "session_id": "s", "transcript_path": "/t", "cwd": str(tmp_path),
        "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
        "tool_input": {"command": "terraform destroy"}, "tool_use_id": "t",
    }  # fmt: skip
    done = subprocess.run(
        command, shell=True, input=json.dumps(payload).encode(), capture_output=True, check=False
    )
    assert done.returncode == 0
    answer = json.loads(done.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny"


def test_status_shows_what_is_installed_and_what_remains_possible(where: Locations) -> None:
    install(Harness.CLAUDE, Scope.PROJECT, where)
    text = status(where, "").text
    claude = text.split("Claude Code:")[1].split("Cursor:")[0]
    assert "project  installed" in claude
    assert "managed  absent" in claude
    assert "--bare" in claude  # a bypass the agent still has
    assert "an agent can edit every scope" in claude
    assert "PATH: terraform -> not found" in text


@pytest.mark.slow  # whole processes: the default run keeps its 90 s budget
def test_the_path_shim_checks_every_run_then_runs_the_real_tool(
    tmp_path: Path, terraform: Terraform
) -> None:
    real = tmp_path / "bin"
    real.mkdir()
    (real / "terraform").symlink_to(terraform.executable(tmp_path))
    shims = tmp_path / "shims"
    result = cli(["hooks", "shim", str(shims)])
    assert result.code == 0, result.err
    env = {**os.environ, "PATH": f"{shims}{os.pathsep}{real}{os.pathsep}{os.environ['PATH']}"}
    run = lambda *args: subprocess.run(  # noqa: E731
        ["terraform", *args], cwd=tmp_path, env=env, capture_output=True, check=False
    )
    destroy = run("destroy", "-auto-approve")
    assert destroy.returncode == 1
    assert b"blocked `terraform destroy -auto-approve`" in destroy.stderr
    version = run("version")
    assert version.returncode == 0, version.stderr
    assert b"Terraform v" in version.stdout
    assert "(planguard shim)" in status(Locations(tmp_path, tmp_path), env["PATH"]).text


def test_a_managed_policy_counts_only_where_the_user_cannot_write_it(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("reviewers: {default: ['@alice']}\n")
    policy.chmod(0o644)
    if os.geteuid() == 0:
        assert unprotected(policy) is None
        policy.chmod(0o666)
        assert "writable by users other than root" in (unprotected(policy) or "")
        policy.chmod(0o644)
        os.chown(policy, 1000, 1000)
    assert "not owned by root" in (unprotected(policy) or "")
    found = find_managed({MANAGED_POLICY_ENV: str(policy)}, fixed=tmp_path / "absent.yml")
    assert found.path is None
    assert "ignored" in found.notes[0]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs files of root and of another user")
def test_a_link_in_a_directory_the_user_owns_is_no_managed_policy(tmp_path: Path) -> None:
    """The link could be pointed at a lax policy after planguard checked its target."""
    policy = tmp_path / "policy.yml"
    policy.write_text("reviewers: {default: ['@alice']}\n")
    policy.chmod(0o644)
    assert unprotected(policy) is None
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "policy.yml").symlink_to(policy)
    os.chown(theirs, 1234, 1234)
    assert "not owned by root" in (unprotected(theirs / "policy.yml") or "")


def test_the_fixed_managed_policy_cannot_be_redirected(tmp_path: Path) -> None:
    fixed = tmp_path / "fixed.yml"
    fixed.write_text("{}\n")
    other = tmp_path / "other.yml"
    other.write_text("{}\n")
    found = find_managed({MANAGED_POLICY_ENV: str(other)}, fixed=fixed)
    assert found.path in (fixed, None)  # the fixed place, or nothing (if it is unprotected)
    assert str(other) not in " ".join(found.notes)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["apply", "nothing-here"], ["no such plan file", "terraform plan -out"]),
        (["apply", "."], ["is a directory", "saved plan file"]),
        (["apply", "plan.json"], ["not a saved plan", "never applied"]),
        (["apply", "tfplan", "--", "-destroy"], ["refused", "destroys every resource"]),
        (["apply", "tfplan", "--", "-var", "x=1"], ["refused", "sets variables"]),
        (["apply", "tfplan", "--", "-replace=terraform_data.network"], ["refused", "replaces"]),
        (["apply", "tfplan", "other.tfplan"], ["refused", "more than one plan"]),
        (["apply", "-auto-approve"], ["refused", "without a saved plan", "plan -out tfplan"]),
        (["apply", "--", "-auto-approve"], ["refused", "without a saved plan"]),
    ],
)
def test_apply_refuses_what_is_not_one_saved_plan(
    args: list[str], words: list[str], real_plans: dict[str, Path], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    workdir = tmp_path / "root"
    shutil.copytree(real_plans["replace_cascade"].parent, workdir, symlinks=True)
    monkeypatch.chdir(workdir)
    result = cli(args)
    assert result.code == 2, result
    for word in words:
        assert word in result.err
    assert not (workdir / ".planguard" / "audit.jsonl").exists()


@pytest.mark.slow  # whole processes: the default run keeps its 90 s budget
def test_apply_refuses_a_risky_plan_without_approval_and_records_it(
    real_plans: dict[str, Path], tmp_path: Path, terraform: Terraform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    workdir = tmp_path / "root"
    shutil.copytree(real_plans["destroy"].parent, workdir, symlinks=True)
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("CLAUDECODE", "1")
    binary = str(terraform.executable(tmp_path))
    result = cli(["apply", "tfplan", "--terraform-bin", binary])
    assert result.code == 1, result.err
    assert "planguard approve tfplan" in result.out
    assert "environment-teardown:tfplan" in result.out  # the plan's name, not its private copy's
    assert "planguard-apply-" not in result.out + result.err
    (entry,) = [
        json.loads(line) for line in (workdir / ".planguard/audit.jsonl").read_text().splitlines()
    ]
    assert (entry["event"], entry["verdict"]) == ("apply-check", "review required")
    assert entry["authorship"]["kind"] == "ai"
    assert len(entry["plan_sha256"]) == 64


def test_the_hook_fast_path_loads_no_gate() -> None:
    """A command without Terraform is answered without importing the CLI, click or the gate."""
    code = (
        "import sys, io, json;"
        "sys.stdin = io.TextIOWrapper(io.BytesIO(json.dumps({'hook_event_name': 'PreToolUse',"
        " 'tool_name': 'Bash', 'cwd': '/', 'tool_input': {'command': 'ls'}}).encode()));"
        "from planguard.commands.hook import run_hook; run_hook('claude');"
        "heavy = [m for m in ('click', 'yaml', 'networkx', 'jinja2', 'planguard.cli',"
        " 'planguard.gate.check') if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_knowledge_is_read_through_a_cache_only_its_own_bytes_name(tmp_path: Path) -> None:
    from planguard.yamlio import CACHE_DIRECTORY, read_knowledge_file

    source = tmp_path / "commands.yaml"
    source.write_text("read_only: [plan]  # a comment\n")
    assert read_knowledge_file(source, "knowledge") == {"read_only": ["plan"]}
    (cache,) = (tmp_path / CACHE_DIRECTORY).iterdir()
    source.write_text("read_only: [plan, destroy]\n")  # an edit: a new name, a new parse
    assert read_knowledge_file(source, "knowledge") == {"read_only": ["plan", "destroy"]}
    cache.write_text('{"read_only": ["everything"]}')  # the old bytes' cache: never this file's
    assert read_knowledge_file(source, "knowledge") == {"read_only": ["plan", "destroy"]}


@pytest.mark.skipif(os.geteuid() != 0, reason="a managed policy must be root's: run as root")
def test_a_managed_policy_wins_over_a_ref_the_agent_names(
    real_plans: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The side-commit attack: the agent commits a lax policy off the change's line and passes
    it as --policy-ref. With a managed policy, that ref decides nothing."""
    from gitrepo import commit, git

    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "start", {"main.tf": "# infra\n"})
    git(repo, "checkout", "-q", "-b", "side")
    lax = "reviewers: {default: ['@mallory']}\n"  # the agent's own reviewer
    commit(repo, "lax policy", {".planguard.yml": lax})
    git(repo, "checkout", "-q", "main")
    commit(repo, "the change", {"main.tf": "# infra, changed\n"})
    managed = tmp_path / "managed.yml"
    managed.write_text("reviewers: {default: ['@alice']}\n")
    managed.chmod(0o644)
    monkeypatch.chdir(repo)
    monkeypatch.setenv(MANAGED_POLICY_ENV, str(managed))
    plan = str(real_plans["destroy"])
    result = cli(["check", plan, "--policy-ref", "side", "--format", "json"])
    assert result.code == 1, result.err
    decision = result.json()["decision"]  # type: ignore[index]
    assert decision["policy_source"] == f"managed {managed}"
    reviewers = lambda doc: {r for q in doc["requirements"] for r in q["reviewers"]}  # noqa: E731
    assert reviewers(decision) == {"alice"}
    monkeypatch.delenv(MANAGED_POLICY_ENV)
    without = cli(["check", plan, "--policy-ref", "side", "--format", "json"])
    assert reviewers(without.json()["decision"]) == {"mallory"}  # type: ignore[index]
