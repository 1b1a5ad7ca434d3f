"""Each agent harness's hook protocol: the payload it sends, the answer it understands.

Shapes as the vendors' documentation and source give them (the
test fixtures in tests/fixtures/hooks/ name their sources). Three rules hold everywhere:

- *allow* is said by saying nothing where the protocol lets it (exit 0, empty stdout): a hook's
  explicit "allow" skips Claude Code's own permission prompt, and planguard never widens what a
  harness would ask. Cursor with `failClosed` reads empty output as a failure, so it gets JSON.
- *deny* is the protocol's documented deny, with a reason for the model and, where the harness
  has one, a message for the human.
- a crash or a payload planguard cannot read is a deny (exit 2 with the reason on stderr blocks
  in every harness here; exit 1, a timeout or bad JSON would let the command run).
"""

from __future__ import annotations

import json
import posixpath
import shlex
from collections.abc import Iterator, Mapping

from planguard.hooks.choices import Harness
from planguard.hooks.quick import ALLOW_OUTPUT
from planguard.records import Record

BLOCK = 2
"""The exit code every supported harness treats as "block this tool call"."""


class PayloadError(Exception):
    """The harness sent something planguard cannot read: the call is denied."""


class ToolCall(Record, frozen=True):
    harness: Harness
    event: str
    tool: str
    commands: tuple[str, ...]
    """The shell command lines the call would run (an MCP tool's string inputs too)."""
    cwd: str


class Answer(Record, frozen=True):
    allowed: bool
    to_agent: str = ""
    """What the model reads: why, and what to do next."""
    to_human: str = ""
    """What the person at the harness reads (where the harness shows one)."""


class Reply(Record, frozen=True):
    stdout: str
    stderr: str
    exit_code: int


_SHELL_TOOLS = frozenset({"Bash", "bash", "Shell", "shell", "run_shell_command", "execute_bash"})


def read_call(harness: Harness, raw: bytes) -> ToolCall:
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"the hook payload is not JSON ({exc})") from None
    if not isinstance(payload, dict):
        raise PayloadError("the hook payload is not a JSON object")
    if harness is Harness.COPILOT and "toolName" in payload:
        event = "preToolUse"
        tool = _text(payload, "toolName")
        arguments = _decoded(payload.get("toolArgs"), "toolArgs")
    else:
        event = _text(payload, "hook_event_name")
        if event == "beforeShellExecution":
            return ToolCall(harness, event, "Shell", (_text(payload, "command"),), _cwd(payload))
        tool = _text(payload, "tool_name")
        arguments = _decoded(payload.get("tool_input"), "tool_input")
    cwd = _cwd(payload)
    if tool in _SHELL_TOOLS:
        if not isinstance(arguments, Mapping):
            raise PayloadError(f"the {tool} call's input is not an object with a command")
        command = arguments.get("command")
        if isinstance(command, list):  # Codex may pass an argv array
            command = shlex.join(str(word) for word in command)
        if not isinstance(command, str):
            raise PayloadError(f"the {tool} call carries no command string")
        return ToolCall(harness, event, tool, (command,), _working_directory(cwd, arguments))
    # An MCP or other tool: what it is given to run, under a command-like name.
    return ToolCall(harness, event, tool, tuple(_command_inputs(arguments)), cwd)


def reply(harness: Harness, event: str, answer: Answer) -> Reply:
    """The answer in `harness`'s protocol for `event`."""
    if answer.allowed:
        return Reply(ALLOW_OUTPUT.get(harness.value, ""), "", 0)
    human = answer.to_human or answer.to_agent
    if harness is Harness.COPILOT and event == "PreToolUse":
        # Copilot's Claude-style registration: its answer shape is undocumented, but exit 2
        # is a denial whatever stdout says.
        return Reply("", answer.to_agent + "\n", BLOCK)
    if harness in (Harness.CLAUDE, Harness.CODEX):
        if event == "PermissionRequest":
            decision = {"behavior": "deny", "message": answer.to_agent}
            output = {"hookEventName": "PermissionRequest", "decision": decision}
        else:
            output = {
                "hookEventName": "PreToolUse",
                "permissionDecision": "deny",
                "permissionDecisionReason": answer.to_agent,
            }
        return Reply(json.dumps({"hookSpecificOutput": output}), "", 0)
    if harness is Harness.CURSOR:
        body = {"permission": "deny", "user_message": human, "agent_message": answer.to_agent}
        return Reply(json.dumps(body), "", 0)
    if harness is Harness.GEMINI:
        body = {"decision": "deny", "reason": answer.to_agent, "systemMessage": human}
        return Reply(json.dumps(body), "", 0)
    if harness is Harness.COPILOT:
        body = {"permissionDecision": "deny", "permissionDecisionReason": answer.to_agent}
        return Reply(json.dumps(body), "", 0)
    return Reply("", answer.to_agent + "\n", BLOCK)  # Kiro / Amazon Q: exit codes only


def failure(message: str) -> Reply:
    """A crash or unreadable payload: blocked in every supported protocol."""
    return Reply(
        "", f"planguard could not check this command, so it is blocked: {message}\n", BLOCK
    )


def _text(payload: Mapping[str, object], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str):
        raise PayloadError(f"the hook payload has no {key!r} string")
    return value


def _cwd(payload: Mapping[str, object]) -> str:
    cwd = payload.get("cwd")
    if isinstance(cwd, str) and cwd:
        return cwd
    roots = payload.get("workspace_roots")
    if isinstance(roots, list) and roots and isinstance(roots[0], str):
        return roots[0]
    raise PayloadError("the hook payload does not say where the command runs (no 'cwd')")


_DIRECTORY_KEYS = ("working_dir", "dir_path", "workdir", "cwd", "directory")
"""Where a shell tool's own input says it runs (Kiro `working_dir`, Gemini `dir_path`)."""


def _working_directory(cwd: str, arguments: Mapping[str, object]) -> str:
    for key in _DIRECTORY_KEYS:
        value = arguments.get(key)
        if isinstance(value, str) and value:
            return posixpath.join(cwd, value)
        if value is not None and not isinstance(value, str):
            raise PayloadError(f"the shell call's {key!r} is not a directory name")
    return cwd


def _decoded(value: object, key: str) -> object:
    """Copilot's `toolArgs` and Cursor's MCP `tool_input` may be JSON inside a string."""
    if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
        try:
            return json.loads(value)
        except ValueError:
            raise PayloadError(f"{key} is a string that is not the JSON it looks like") from None
    return value


_COMMAND_KEYS = ("command", "cmd", "script", "shell", "bash", "exec")
_ARGV_KEYS = frozenset({"args", "argv", "arguments"})


def _command_inputs(value: object, key: str = "") -> Iterator[str]:
    """The command lines a tool's input carries: strings under a command-like key (a search
    query that mentions terraform is no command), argv lists joined as a shell would read them."""
    name = key.lower()
    runs = any(word in name for word in _COMMAND_KEYS) or name in _ARGV_KEYS
    if isinstance(value, str) and runs:
        yield value
    elif isinstance(value, list) and runs and all(isinstance(v, str) for v in value):
        yield shlex.join(str(v) for v in value)
    elif isinstance(value, Mapping):
        for inner, item in value.items():
            yield from _command_inputs(item, str(inner))
    elif isinstance(value, list):
        for item in value:
            yield from _command_inputs(item, key)
