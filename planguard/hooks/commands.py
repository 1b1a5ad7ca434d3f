"""What an agent's shell command line would do to infrastructure: allow, deny, or gate a plan.

Every Terraform / OpenTofu / Terragrunt invocation the line runs (`planguard.shellcmd`) is
read-only (allowed), the apply of one saved plan (gated: the caller checks that plan), or
anything else (denied). A program whose arguments name one of the tools is denied unless it is
known to treat them as data (`echo`, `grep`, …), and so is text that hides what runs. The
knowledge is `rulesets/hooks/commands.yaml`.
"""

from __future__ import annotations

import enum
import functools
import posixpath
import re
from collections.abc import Mapping

from planguard import docread as d
from planguard import shellcmd
from planguard.errors import RulesetError
from planguard.hooks.quick import concerns_the_gate, first_tool, mentions_a_tool
from planguard.records import Record
from planguard.resources import data_dir
from planguard.shellcmd import UNKNOWN_DIRECTORY, Command, join_directory
from planguard.yamlio import YamlError, read_knowledge_file

_SUBSTITUTED = re.compile(r"\$\([^)]*\)?|`[^`]*`?")
_SAVE_THE_PLAN = "save the plan first (`terraform plan -out tfplan`)"


class Action(enum.Enum):
    ALLOW = "allow"
    GATE = "gate"
    """Apply one saved plan: allowed only if the gate allows that plan."""
    DENY = "deny"


class Ruling(Record, frozen=True):
    action: Action
    command: str
    """The invocation as planguard read it (program and arguments)."""
    why: str
    plan: str | None = None
    """For GATE: the plan file, relative to where the line starts."""
    directory: str = "."
    """For GATE: where the tool runs (its `-chdir`), relative to where the line starts."""


class LineRuling(Record, frozen=True):
    """The whole line: denied if any part is, gated if any part applies a plan."""

    rulings: tuple[Ruling, ...]

    @property
    def action(self) -> Action:
        actions = {r.action for r in self.rulings}
        for action in (Action.DENY, Action.GATE):
            if action in actions:
                return action
        return Action.ALLOW

    @property
    def denied(self) -> tuple[Ruling, ...]:
        return tuple(r for r in self.rulings if r.action is Action.DENY)

    @property
    def gated(self) -> tuple[Ruling, ...]:
        return tuple(r for r in self.rulings if r.action is Action.GATE)


def rule_line(text: str) -> LineRuling:
    """The ruling on every part of a shell command line."""
    if not concerns_the_gate(text):
        return LineRuling(())
    line = shellcmd.parse(text)
    knowledge = _knowledge()
    rulings = [
        Ruling(Action.DENY, text.strip(), f"{why}, and the command names {first_tool(text)}")
        for why in line.hidden
    ]
    for command in line.commands:
        ruling = _rule_command(command, knowledge)
        if ruling is not None:
            rulings.append(ruling)
    plans = {posixpath.basename(r.plan) for r in rulings if r.plan is not None}
    if plans:
        writer = next((c for c in line.commands if _may_write(c, plans, knowledge)), None)
        if writer is not None:
            rulings = [_alone(r, writer) if r.action is Action.GATE else r for r in rulings]
    return LineRuling(tuple(rulings))


def _alone(ruling: Ruling, writer: Command) -> Ruling:
    return Ruling(
        Action.DENY,
        ruling.command,
        f"`{' '.join(writer.argv)}` in the same command could write the plan after planguard"
        " checked it: run the apply of a saved plan as a command of its own",
    )


def _may_write(command: Command, plans: set[str], knowledge: _Knowledge) -> bool:
    """Whether a command beside a gated apply could change the plan file it applies: a `plan`,
    an inert program (`cp`, `tee`) that names the file, any program not known to be inert."""
    if any(posixpath.basename(w) in plans for w in command.writes):
        return True
    if not command.argv or command.program in knowledge.harmless:
        return False
    if command.program in knowledge.tools:
        return "plan" in command.argv
    if _is_inert(command, knowledge):
        return any(posixpath.basename(a) in plans for a in command.argv[1:])
    return True


def _rule_command(command: Command, knowledge: _Knowledge) -> Ruling | None:
    flavour = knowledge.tools.get(command.program)
    shown = " ".join(command.argv)
    if flavour is None:
        # What `$(…)` runs is ruled on by itself; the rest is what this program is given.
        words = [_SUBSTITUTED.sub("", w) for w in (*command.assignments, *command.argv[1:])]
        words += command.input
        if not any(mentions_a_tool(w) for w in words) or _is_inert(command, knowledge):
            return None
        return Ruling(
            Action.DENY,
            shown or " ".join(command.assignments),
            f"its arguments name {first_tool(' '.join(words))}, and what"
            f" {command.program or 'the shell'} does with them cannot be seen",
        )
    if any(a.startswith("TF_CLI_ARGS") for a in command.assignments):
        return Ruling(Action.DENY, shown, "TF_CLI_ARGS adds options the command does not show")
    if flavour == "planguard":
        return _planguard(command, knowledge)
    if flavour == "terragrunt":
        ruling = _terragrunt(command, knowledge)
    else:
        ruling = _terraform(command, list(command.argv[1:]), knowledge, command.directory)
    unseen = ruling.action is not Action.ALLOW or ruling.why.startswith("no subcommand")
    if command.arguments_from_input and unseen:
        return Ruling(
            Action.DENY, shown, "its arguments arrive at run time (xargs, find -exec), unseen"
        )
    return ruling


def _planguard(command: Command, knowledge: _Knowledge) -> Ruling | None:
    shown = " ".join(command.argv)
    if any("$" in a for a in command.argv[1:]):
        return Ruling(Action.DENY, shown, "what planguard is asked to do is computed when it runs")
    denied = [a for a in command.argv[1:] if a in knowledge.planguard_denied]
    if denied:
        return Ruling(
            Action.DENY, shown, f"`planguard {denied[0]}`: {knowledge.planguard_denied[denied[0]]}"
        )
    return None


def _is_inert(command: Command, knowledge: _Knowledge) -> bool:
    """Treats its arguments as data: never when a variable set for it names a tool
    (`GIT_EDITOR='terraform destroy' git commit`), nor with an option that runs a command."""
    if any(mentions_a_tool(a) for a in command.assignments):
        return False
    running = knowledge.running_options.get(command.program, frozenset())
    if any(a.split("=")[0] in running or _clustered(a, running) for a in command.argv[1:]):
        return False
    subcommands = knowledge.inert_subcommands.get(command.program)
    if subcommands is not None:
        sub = next((a for a in command.argv[1:] if not a.startswith("-")), "")
        return sub in subcommands
    return command.program in knowledge.inert


def _clustered(arg: str, options: frozenset[str]) -> bool:
    """`-uCMD`: a one-letter option written with its value attached."""
    return any(len(o) == 2 and arg.startswith(o) and len(arg) > 2 for o in options)


def _terraform(command: Command, args: list[str], knowledge: _Knowledge, directory: str) -> Ruling:
    shown = " ".join(command.argv)
    while args and args[0].startswith("-"):
        flag, has_value, value = args.pop(0).partition("=")
        if flag in ("-help", "--help", "-h", "-version", "--version", "-v"):
            return Ruling(Action.ALLOW, shown, "help or version")
        if flag in knowledge.global_with_value:
            if not has_value:
                value = args.pop(0) if args else ""
            directory = join_directory(directory, value)
    if not args:
        return Ruling(Action.ALLOW, shown, "no subcommand: prints help")
    sub, rest = args[0], args[1:]
    if any(a in ("-help", "--help", "-h") for a in rest):
        return Ruling(Action.ALLOW, shown, "help")
    if sub in knowledge.read_only:
        return Ruling(Action.ALLOW, shown, f"`{sub}` only reads")
    if sub in knowledge.read_only_sub:
        nested = next((a for a in rest if not a.startswith("-")), "")
        if nested in knowledge.read_only_sub[sub]:
            return Ruling(Action.ALLOW, shown, f"`{sub} {nested}` only reads")
        return Ruling(Action.DENY, shown, f"`{sub} {nested}`".strip() + f" {knowledge.denied[sub]}")
    if sub == "apply":
        return _apply(shown, rest, knowledge, directory)
    if sub in knowledge.denied:
        return Ruling(Action.DENY, shown, f"`{sub}` {knowledge.denied[sub]}")
    return Ruling(Action.DENY, shown, f"`{sub}` is not a command planguard knows only reads")


def _apply(shown: str, args: list[str], knowledge: _Knowledge, directory: str) -> Ruling:
    positional: list[str] = []
    while args:
        word = args.pop(0)
        if not word.startswith("-") or word == "-":
            positional.append(word)
            continue
        flag, has_value, _ = word.partition("=")
        flag = "-" + flag.lstrip("-")
        if flag in knowledge.apply_denied:
            return Ruling(Action.DENY, shown, f"`apply {flag}` {knowledge.apply_denied[flag]}")
        if flag in knowledge.apply_with_value and not has_value and args:
            args.pop(0)
        if flag not in knowledge.saved_plan_options:
            return Ruling(
                Action.DENY, shown, f"`apply {flag}` is not an option a gated apply may carry"
            )
    if not positional:
        return Ruling(
            Action.DENY,
            shown,
            f"an apply without a saved plan applies a plan nobody reviewed: {_SAVE_THE_PLAN}",
        )
    if len(positional) > 1:
        return Ruling(Action.DENY, shown, "more than one plan file")
    plan = positional[0]
    if "$" in plan or "*" in plan or "?" in plan:
        return Ruling(
            Action.DENY, shown, f"which plan `{plan}` names cannot be known before it runs"
        )
    if directory == UNKNOWN_DIRECTORY or plan.startswith("~"):
        return Ruling(Action.DENY, shown, "where the plan file is cannot be told from the command")
    return Ruling(
        Action.GATE, shown, "applies a saved plan", join_directory(directory, plan), directory
    )


def _terragrunt(command: Command, knowledge: _Knowledge) -> Ruling:
    shown = " ".join(command.argv)
    args, directory, run_all = _terragrunt_words(command, knowledge)
    if args and args[0] == "run-all":
        run_all, args = True, args[1:]
    elif args and args[0] == "run":
        args = args[1:]
    if args and args[0] in knowledge.tg_all:
        run_all, args = True, [knowledge.tg_all[args[0]], *args[1:]]
    if args and args[0] in knowledge.tg_read_only:
        return Ruling(Action.ALLOW, shown, f"terragrunt `{args[0]}` only reads")
    ruling = _terraform(Command(("terraform", *args), directory), args, knowledge, directory)
    if run_all and ruling.action is Action.GATE:
        return Ruling(
            Action.DENY,
            shown,
            "an apply in every module at once is no single saved plan that can be reviewed",
        )
    return Ruling(ruling.action, shown, ruling.why, ruling.plan, ruling.directory)


def _terragrunt_words(command: Command, knowledge: _Knowledge) -> tuple[list[str], str, bool]:
    """Terragrunt's own flags taken out: (the rest, the working directory, `--all`)."""
    directory = command.directory
    args: list[str] = []
    words = list(command.argv[1:])
    run_all = False
    while words:
        word = words.pop(0)
        flag, has_value, value = word.partition("=")
        if flag in ("--all", "--terragrunt-all"):
            run_all = True
        elif flag in knowledge.tg_with_value:
            if not has_value:
                value = words.pop(0) if words else ""
            if flag in knowledge.tg_working_dir:
                directory = join_directory(directory, value)
        elif word != "--" and not (word.startswith("--") and not args):
            args.append(word)
    return args, directory, run_all


class _Knowledge(Record, frozen=True):
    tools: Mapping[str, str]
    read_only: frozenset[str]
    read_only_sub: Mapping[str, frozenset[str]]
    denied: Mapping[str, str]
    global_with_value: frozenset[str]
    apply_with_value: frozenset[str]
    saved_plan_options: frozenset[str]
    apply_denied: Mapping[str, str]
    tg_read_only: frozenset[str]
    tg_all: Mapping[str, str]
    tg_with_value: frozenset[str]
    tg_working_dir: frozenset[str]
    planguard_denied: Mapping[str, str]
    inert: frozenset[str]
    inert_subcommands: Mapping[str, frozenset[str]]
    running_options: Mapping[str, frozenset[str]]
    harmless: frozenset[str]


@functools.cache  # shipped knowledge: read once per process
def _knowledge() -> _Knowledge:
    path = data_dir("rulesets") / "hooks" / "commands.yaml"
    try:
        doc = d.mapping(read_knowledge_file(path, "command knowledge"), "(top)")
        tf = d.mapping(doc["terraform"], "terraform")
        apply = d.mapping(tf["apply"], "terraform.apply")
        tg = d.mapping(doc["terragrunt"], "terragrunt")
        sub = d.mapping(tf["read_only_subcommands"], "terraform.read_only_subcommands")
        denied = {
            **_texts(tf["denied"], "terraform.denied"),
            **_texts(tf["denied_subcommands"], "terraform.denied_subcommands"),
        }
        return _Knowledge(
            tools=_texts(doc["tools"], "tools"),
            read_only=_set(tf["read_only"], "terraform.read_only"),
            read_only_sub={
                k: _set(v, f"terraform.read_only_subcommands.{k}") for k, v in sub.items()
            },
            denied=denied,
            global_with_value=_set(tf["global_options_with_value"], "terraform"),
            apply_with_value=_set(apply["options_with_value"], "terraform.apply"),
            saved_plan_options=_set(apply["saved_plan_options"], "terraform.apply"),
            apply_denied=_texts(apply["denied_options"], "terraform.apply.denied_options"),
            tg_read_only=_set(tg["read_only"], "terragrunt.read_only"),
            tg_all=_texts(tg["all_commands"], "terragrunt.all_commands"),
            tg_with_value=_set(tg["options_with_value"], "terragrunt.options_with_value"),
            tg_working_dir=_set(tg["working_dir_options"], "terragrunt.working_dir_options"),
            planguard_denied=_texts(
                d.mapping(doc["planguard"], "planguard")["denied"], "planguard.denied"
            ),
            inert=_set(doc["inert"], "inert"),
            inert_subcommands={
                k: _set(v, f"inert_subcommands.{k}")
                for k, v in d.mapping(doc["inert_subcommands"], "inert_subcommands").items()
            },
            running_options={
                k: _set(v, f"running_options.{k}")
                for k, v in d.mapping(doc["running_options"], "running_options").items()
            },
            harmless=_set(doc["harmless_beside_an_apply"], "harmless_beside_an_apply"),
        )
    except YamlError as exc:
        raise RulesetError(str(exc)) from None
    except (d.Invalid, KeyError) as exc:
        raise RulesetError(f"{path}: {exc}") from None


def _set(value: object, where: str) -> frozenset[str]:
    return frozenset(d.strings(value, where))


def _texts(value: object, where: str) -> dict[str, str]:
    return {k: d.string(v, f"{where}.{k}") for k, v in d.mapping(value, where).items()}
