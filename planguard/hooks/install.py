"""Write planguard's hook into an agent harness's configuration, and report what is there.

Installing merges into what the file already holds (never removes or rewrites a setting it
did not add), is idempotent (a second run changes nothing), and returns a unified diff of
what changed. Where the harness has its own backstop (deny/ask rules, `failClosed`, policy
rules) it is added too. Paths per scope: `rulesets/hooks/harnesses.yaml`.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Callable, Mapping
from pathlib import Path

from planguard import docread as d
from planguard.errors import RulesetError, UsageError
from planguard.hooks.choices import Harness, Scope
from planguard.records import Record
from planguard.resources import data_dir
from planguard.yamlio import YamlError, read_knowledge_file

TIMEOUT_SECONDS = 30
"""Far above what the hook needs, below every harness's own timeout (which lets the call run)."""
TOOLS = ("terraform", "tofu", "terragrunt")


class Locations(Record, frozen=True):
    project: Path
    """The repository (or directory) the agent works in."""
    home: Path
    root: Path = Path("/")
    """Where managed paths start (a test's scratch directory instead of /)."""

    def resolve(self, written: str, scope: Scope) -> Path:
        if written.startswith("~/"):
            return self.home / written[2:]
        if scope is Scope.MANAGED or written.startswith("/"):
            return self.root / written.lstrip("/")
        return self.project / written


class Change(Record, frozen=True):
    path: Path
    diff: str
    """Empty when the file already held everything."""


class HarnessInfo(Record, frozen=True):
    name: str
    scopes: Mapping[Scope, str]
    policy: Mapping[Scope, str]
    covers: str
    bypasses: tuple[str, ...]


class Installed(Record, frozen=True):
    harness: Harness
    scope: Scope
    path: Path
    present: bool
    """The file names planguard's hook for this harness."""
    exists: bool


def install(harness: Harness, scope: Scope, where: Locations, command: str) -> tuple[Change, ...]:
    """Merge the hook (`command` runs planguard) into the harness's file for `scope`."""
    info = harness_info(harness)
    if scope not in info.scopes:
        raise UsageError(
            f"{info.name} has no {scope.value} scope: choose from"
            f" {', '.join(s.value for s in info.scopes)}"
        )
    path = where.resolve(info.scopes[scope], scope)
    hook = f"{command} hook {harness.value}"
    before = _read(path)
    if path.suffix == ".toml":
        after = _codex_requirements(before, hook)
    else:
        after = _merge_json(path, before, _FRAGMENTS[harness](hook))
    changes = [_write(path, before, after)]
    if scope in info.policy:
        policy = where.resolve(info.policy[scope], scope)
        changes.append(_write(policy, _read(policy), _BACKSTOPS[harness]()))
    return tuple(changes)


def status(where: Locations) -> tuple[Installed, ...]:
    found = []
    for harness in Harness:
        for scope, written in harness_info(harness).scopes.items():
            path = where.resolve(written, scope)
            text = _read(path)
            present = f"hook {harness.value}" in text
            found.append(Installed(harness, scope, path, present, path.exists()))
    return tuple(found)


def _on(event: str, matchers: tuple[str, ...], entry: dict[str, object]) -> dict[str, object]:
    """`{"hooks": {event: [{"matcher": m, "hooks": [entry]}, …]}}`: the shape Claude Code,
    Gemini CLI and Codex share."""
    return {"hooks": {event: [{"matcher": m, "hooks": [entry]} for m in matchers]}}


def _fragment_claude(hook: str) -> dict[str, object]:
    entry = {"type": "command", "command": hook, "timeout": TIMEOUT_SECONDS}
    rules = {
        "deny": [f"Bash({tool} destroy *)" for tool in TOOLS]
        + ["Bash(terragrunt run-all destroy *)", "Bash(terragrunt destroy-all *)"],
        "ask": [f"Bash({tool} apply *)" for tool in TOOLS]
        + ["Bash(terragrunt run-all apply *)", "Bash(terragrunt apply-all *)"],
    }
    return {**_on("PreToolUse", ("Bash", "mcp__.*"), entry), "permissions": rules}


def _fragment_cursor(hook: str) -> dict[str, object]:
    entry = {"command": hook, "timeout": TIMEOUT_SECONDS, "failClosed": True}
    return {"version": 1, "hooks": {"beforeShellExecution": [entry], "beforeMCPExecution": [entry]}}


def _fragment_gemini(hook: str) -> dict[str, object]:
    entry = {"type": "command", "command": hook, "timeout": TIMEOUT_SECONDS * 1000}
    return _on("BeforeTool", ("run_shell_command", "mcp_.*"), entry)


def _fragment_codex(hook: str) -> dict[str, object]:
    entry = {"type": "command", "command": hook, "timeout": TIMEOUT_SECONDS}
    return _on("PreToolUse", ("^Bash$", "^mcp__.*"), entry)


def _fragment_copilot(hook: str) -> dict[str, object]:
    entry = {"type": "command", "bash": hook, "timeoutSec": TIMEOUT_SECONDS}
    return {"version": 1, "hooks": {"preToolUse": [entry]}}


def _fragment_kiro(hook: str) -> dict[str, object]:
    action = {"type": "command", "command": hook, "timeout_ms": TIMEOUT_SECONDS * 1000}
    entry = {"name": "planguard", "trigger": "PreToolUse", "matcher": "shell", "action": action}
    return {"version": "v1", "hooks": [entry]}


_FRAGMENTS: dict[Harness, Callable[[str], dict[str, object]]] = {
    Harness.CLAUDE: _fragment_claude,
    Harness.CURSOR: _fragment_cursor,
    Harness.GEMINI: _fragment_gemini,
    Harness.CODEX: _fragment_codex,
    Harness.COPILOT: _fragment_copilot,
    Harness.KIRO: _fragment_kiro,
}


def _merge_json(path: Path, before: str, fragment: dict[str, object]) -> str:
    try:
        current = json.loads(before) if before.strip() else {}
    except ValueError as exc:
        raise UsageError(
            f"{path}: is not valid JSON ({exc}); fix it first, planguard will not overwrite it"
        ) from None
    if not isinstance(current, dict):
        raise UsageError(f"{path}: holds no JSON object; fix it first")
    return json.dumps(_merged(current, fragment), indent=2) + "\n"


def _merged(current: object, wanted: object) -> object:
    """`wanted` added to `current`: mappings key by key, lists item by item (an item already
    there is not added twice), a scalar already set is left alone."""
    if isinstance(current, dict) and isinstance(wanted, dict):
        out = dict(current)
        for key, value in wanted.items():
            out[key] = _merged(current[key], value) if key in current else value
        return out
    if isinstance(current, list) and isinstance(wanted, list):
        return current + [item for item in wanted if item not in current]
    return current


def _codex_requirements(before: str, hook: str) -> str:
    """Codex's managed requirements.toml is shared with other settings: planguard appends its
    own array-of-tables entries (valid after anything) once, and touches nothing else."""
    if hook in before:
        return before
    command = json.dumps(hook)  # a JSON string is a TOML basic string
    blocks = [
        "\n# planguard: gate Terraform in every shell and MCP call\n"
        f'[[hooks.PreToolUse]]\nmatcher = "{matcher}"\n'
        f'[[hooks.PreToolUse.hooks]]\ntype = "command"\ncommand = {command}\n'
        f"timeout = {TIMEOUT_SECONDS}\n"
        for matcher in ("^Bash$", "^mcp__.*")
    ]
    return before + ("\n" if before and not before.endswith("\n") else "") + "".join(blocks)


_FORBIDDEN = tuple(
    (tool, *sub)
    for tool in TOOLS
    for sub in (("destroy",), ("apply", "-destroy"), ("apply", "-auto-approve"))
)
"""Command prefixes the harnesses' own rules deny, in case the hook is skipped (the files are
planguard's own: written whole, never merged)."""


def _gemini_policy() -> str:
    rules = [
        f'[[rule]]\ntoolName = "run_shell_command"\ncommandPrefix = "{" ".join(words)}"\n'
        'decision = "deny"\npriority = 900\n'
        for words in _FORBIDDEN
    ]
    head = "# Written by `planguard hooks install gemini`: a backstop to its hook.\n\n"
    return head + "\n".join(rules)


def _codex_rules() -> str:
    rules = [
        f'prefix_rule(pattern={json.dumps(list(words))}, decision="forbidden",'
        ' justification="save the plan and run `planguard apply` after a named approval")\n'
        for words in _FORBIDDEN
    ]
    return "# Written by `planguard hooks install codex`: a backstop to its hook.\n" + "".join(
        rules
    )


_BACKSTOPS: dict[Harness, Callable[[], str]] = {
    Harness.GEMINI: _gemini_policy,
    Harness.CODEX: _codex_rules,
}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None


def _write(path: Path, before: str, after: str) -> Change:
    if before == after:
        return Change(path, "")
    diff = "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"{path} (before)" if before else "/dev/null",
            tofile=str(path),
        )
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(after, encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"{path}: cannot write: {exc.strerror} (the managed scope needs root)"
        ) from None
    return Change(path, diff)


@functools.cache  # shipped knowledge: read once per process
def harness_info(harness: Harness) -> HarnessInfo:
    path = data_dir("rulesets") / "hooks" / "harnesses.yaml"
    try:
        doc = d.mapping(read_knowledge_file(path, "harness knowledge"), "(top)")
        raw = d.mapping(doc[harness.value], harness.value)
        scopes = d.mapping(raw["scopes"], f"{harness.value}.scopes")
        policy = d.mapping(raw.get("policy", {}), f"{harness.value}.policy")
        return HarnessInfo(
            name=d.string(raw["name"], f"{harness.value}.name"),
            scopes={Scope(k): d.string(v, k) for k, v in scopes.items()},
            policy={Scope(k): d.string(v, k) for k, v in policy.items()},
            covers=d.string(raw["covers"], f"{harness.value}.covers"),
            bypasses=d.strings(raw["bypasses"], f"{harness.value}.bypasses"),
        )
    except YamlError as exc:
        raise RulesetError(str(exc)) from None
    except (d.Invalid, KeyError, ValueError) as exc:
        raise RulesetError(f"{path}: {exc}") from None
