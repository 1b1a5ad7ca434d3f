"""`planguard hook HARNESS` speaks each harness's protocol exactly.

Payloads are the documented shapes kept in tests/fixtures/hooks/ (SOURCES.md names where each
comes from); answers are validated against the documented answer shapes there. Every harness
gets: a denial with a reason (and a message for the person where it has one), an allow that
says nothing (Cursor: `{"permission":"allow"}`, which `failClosed` needs), MCP tool calls
screened like shell commands, and a crash or a bad payload blocked (exit 2).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from planguard.commands.hook import hook
from planguard.hooks.choices import Harness
from planguard.hooks.commands import Ruling
from planguard.hooks.protocol import Reply, ToolCall

FIXTURES = Path(__file__).parent / "fixtures" / "hooks"
NOW = dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)
DESTROY = "cd infra && terraform destroy -auto-approve"
READ_ONLY = "terraform -chdir=infra plan -out tfplan"


def payload(harness: str, fixture: str, command: str, cwd: str = "/work/repo") -> bytes:
    """A fixture with its placeholders filled in (nested JSON strings decoded, filled and
    encoded again, as SOURCES.md describes)."""
    doc = json.loads((FIXTURES / harness / fixture).read_text())

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            if value.lstrip().startswith("{"):
                return json.dumps(fill(json.loads(value)))
            return value.replace("__COMMAND__", command).replace("__CWD__", cwd)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    return json.dumps(fill(doc)).encode()


def fixtures(kind: str) -> list[tuple[str, str]]:
    return sorted(
        (h.value, p.name)
        for h in Harness
        for p in (FIXTURES / h.value).glob(f"{kind}*.json")
        if "schema" not in p.name
    )


def schema(harness: str, name: str = "answer.schema.json") -> dict[str, Any] | None:
    path = FIXTURES / harness / name
    return json.loads(path.read_text()) if path.exists() else None


class Gate:
    """The gate's answer for a saved plan, recorded (the real gate: test_agent_apply.py)."""

    def __init__(self, allowed: bool) -> None:
        self.allowed = allowed
        self.asked: list[tuple[Ruling, ToolCall]] = []

    def __call__(self, ruling: Ruling, call: ToolCall) -> tuple[bool, str, str]:
        self.asked.append((ruling, call))
        return self.allowed, "agent: ask @alice to approve", "person: @alice must approve"


def answer(harness: str, raw: bytes, gate: Callable[..., Any] | None = None) -> Reply:
    return hook(Harness(harness), raw, (), NOW, gate or Gate(True))


def assert_denied(harness: str, reply: Reply, reason: str, fixture: str = "") -> None:
    if harness == "kiro" or fixture.endswith("pascal.json"):
        # Kiro: exit codes only. Copilot's Claude-style registration: its answer shape is
        # undocumented, and exit 2 denies whatever stdout says.
        assert (reply.exit_code, reply.stdout) == (2, "")
        assert reason in reply.stderr
        return
    assert reply.exit_code == 0, reply
    body = json.loads(reply.stdout)
    shape = schema(harness)
    assert shape is not None
    jsonschema.validate(body, shape)
    text = json.dumps(body)
    assert reason in text
    decision = (
        body.get("hookSpecificOutput", {}).get("permissionDecision")
        or body.get("permission")
        or body.get("decision")
        or body.get("permissionDecision")
    )
    assert decision == "deny"


@pytest.mark.parametrize(("harness", "fixture"), fixtures("shell") + fixtures("mcp"))
def test_a_destroy_is_denied_with_what_to_do_next(harness: str, fixture: str) -> None:
    reply = answer(harness, payload(harness, fixture, DESTROY))
    assert_denied(harness, reply, "planguard blocked `terraform destroy -auto-approve`", fixture)
    assert "planguard approve" in reply.stdout + reply.stderr


@pytest.mark.parametrize(("harness", "fixture"), fixtures("shell") + fixtures("mcp"))
def test_read_only_terraform_is_allowed_by_saying_nothing(harness: str, fixture: str) -> None:
    reply = answer(harness, payload(harness, fixture, READ_ONLY))
    assert reply.exit_code == 0
    if harness == "cursor":  # failClosed reads an empty answer as a failure
        body = json.loads(reply.stdout)
        assert body == {"permission": "allow"}
        shape = schema(harness)
        assert shape is not None
        jsonschema.validate(body, shape)
    else:
        assert (reply.stdout, reply.stderr) == ("", "")


@pytest.mark.parametrize(("harness", "fixture"), fixtures("other"))
def test_other_tools_are_not_in_the_way(harness: str, fixture: str) -> None:
    gate = Gate(False)
    reply = answer(harness, payload(harness, fixture, DESTROY), gate)
    assert reply.exit_code == 0
    assert "deny" not in reply.stdout
    assert gate.asked == []


@pytest.mark.parametrize(("harness", "fixture"), fixtures("shell"))
def test_a_saved_plan_goes_to_the_gate_and_then_to_planguard_apply(
    harness: str, fixture: str
) -> None:
    refused, allowed = Gate(False), Gate(True)
    raw = payload(harness, fixture, "cd infra && terraform apply tfplan", cwd="/work/repo")
    assert_denied(harness, answer(harness, raw, refused), "agent: ask @alice to approve", fixture)
    if harness in ("cursor", "gemini"):  # the harnesses that show the person a message
        assert "person: @alice must approve" in answer(harness, raw, refused).stdout
    ruling, call = refused.asked[0]
    assert (call.cwd, ruling.plan, ruling.directory) == ("/work/repo", "infra/tfplan", "infra")
    # Allowed by the gate, still not run raw: only `planguard apply` applies what it checked.
    assert_denied(harness, answer(harness, raw, allowed), "planguard apply infra/tfplan", fixture)


@pytest.mark.parametrize("harness", [h.value for h in Harness])
@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"[]", b'{"hook_event_name": "PreToolUse"}', b"\xff\xfe"],
    ids=["empty", "text", "array", "no-tool", "bytes"],
)
def test_a_payload_planguard_cannot_read_is_blocked(harness: str, raw: bytes) -> None:
    reply = answer(harness, raw)
    assert reply.exit_code == 2
    assert "blocked" in reply.stderr


@pytest.mark.parametrize("harness", [h.value for h in Harness])
def test_a_crash_in_the_gate_is_blocked_not_waved_through(harness: str) -> None:
    def broken(ruling: Ruling, call: ToolCall) -> tuple[bool, str, str]:
        raise RuntimeError("boom")

    fixture = next(name for h, name in fixtures("shell") if h == harness)
    reply = answer(harness, payload(harness, fixture, "terraform apply tfplan"), broken)
    assert (reply.exit_code, reply.stdout) == (2, "")
    assert "boom" in reply.stderr


@pytest.mark.parametrize("harness", ["claude", "codex"])
def test_a_permission_request_is_answered_in_its_own_shape(harness: str) -> None:
    doc = json.loads(payload(harness, "shell.json", DESTROY))
    doc["hook_event_name"] = "PermissionRequest"
    reply = answer(harness, json.dumps(doc).encode())
    body = json.loads(reply.stdout)
    shape = schema(harness, "permission_request.answer.schema.json")
    assert shape is not None
    jsonschema.validate(body, shape)
    assert body["hookSpecificOutput"]["decision"]["behavior"] == "deny"


def test_codex_argv_commands_are_read_as_a_shell_would() -> None:
    doc = json.loads(payload("codex", "shell.json", "x"))
    doc["tool_input"]["command"] = ["bash", "-lc", "terraform destroy -auto-approve"]
    reply = answer("codex", json.dumps(doc).encode())
    assert json.loads(reply.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"


@pytest.mark.parametrize("harness", [h.value for h in Harness])
@pytest.mark.slow  # whole processes: the default run keeps its 90 s budget
def test_the_installed_program_answers_with_the_protocols_exit_codes(
    harness: str, tmp_path: Path
) -> None:
    """The real process (the fast path without the CLI): what the harness sees."""
    fixture = next(name for h, name in fixtures("shell") if h == harness)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANGUARD")}
    run = lambda command: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "planguard", "hook", harness],
        input=payload(harness, fixture, command, cwd=str(tmp_path)),
        capture_output=True,
        env=env,
        check=False,
        timeout=60,
    )
    denied, allowed = run(DESTROY), run("ls -la")
    assert denied.returncode == (2 if harness == "kiro" else 0)
    assert b"destroy" in denied.stdout + denied.stderr
    assert allowed.returncode == 0
    assert allowed.stdout in (b"", b'{"permission": "allow"}')


@pytest.mark.parametrize(
    "args", ['"terraform destroy -auto-approve"', '["terraform", "destroy"]', "42"]
)
def test_a_shell_call_without_an_object_input_is_blocked(args: str) -> None:
    doc = json.loads(payload("copilot", "shell.json", "x"))
    doc["toolArgs"] = json.loads(args)
    reply = answer("copilot", json.dumps(doc).encode())
    assert reply.exit_code == 2


@pytest.mark.parametrize(("harness", "key"), [("kiro", "working_dir"), ("gemini", "dir_path")])
def test_the_directory_a_shell_call_names_is_where_its_plan_is(harness: str, key: str) -> None:
    doc = json.loads(payload(harness, "shell.json", "terraform apply tfplan", cwd="/repo"))
    doc["tool_input"][key] = "live/prod"
    gate = Gate(False)
    answer(harness, json.dumps(doc).encode(), gate)
    ((ruling, call),) = gate.asked
    assert (call.cwd, ruling.plan) == ("/repo/live/prod", "tfplan")
