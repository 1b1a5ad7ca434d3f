"""Every program a shell command line runs, as far as the text shows it.

An agent asks its harness to run a *string*: `cd infra && terraform apply -auto-approve`,
`bash -lc "…"`, `env TF_LOG=1 terraform …`, `(terraform destroy)`, `$(…)`. This finds each
simple command inside it — through chains, pipes, subshells, groups, command substitutions,
`bash -c` strings, `env`/`sudo`/`nohup`/`timeout`-style wrappers, `xargs` and `find -exec` —
with the directory `cd` left it in. Where the text hides what runs (an interpreter's inline
code, a variable as the program, `eval` of a variable, a shell reading its script from a pipe,
unbalanced quotes) it says so in `hidden`, and the caller fails closed.

Tokenizing is the standard library's POSIX `shlex` (quotes, escapes, operators); what is
written here is only the structure on top: which word is the program.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from planguard import shellscan
from planguard.records import Record, replace

UNKNOWN_DIRECTORY = "?"
"""`Command.directory` when the text does not say where it runs (`cd "$X"`, `cd -`, `popd`)."""

_SEPARATORS = frozenset({"&&", "||", ";", ";;", "|", "|&", "&", "\n", "(", ")", "{", "}", "!"})
_REDIRECTIONS = frozenset({">", ">>", "<", "<<", "<<<", ">&", "<&", "&>", "&>>", ">|", "<>"})
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "busybox"})
_KEYWORDS = frozenset({"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!"})


class Command(Record, frozen=True):
    """One simple command: the program as written and its arguments."""

    argv: tuple[str, ...]
    directory: str = "."
    """Where it runs, relative to where the line starts (after `cd`, `env -C`, `sudo -D`)."""
    arguments_from_input: bool = False
    """`xargs`/`find -exec`: more arguments arrive at run time, unseen here."""
    assignments: tuple[str, ...] = ()
    """`NAME=value` words before it (or alone: a statement that only sets variables)."""
    input: tuple[str, ...] = ()
    """Text fed to it by a here-document or a here-string."""
    writes: tuple[str, ...] = ()
    """Files its output is redirected to."""

    @property
    def program(self) -> str:
        return posixpath.basename(self.argv[0]) if self.argv else ""


class CommandLine(Record, frozen=True):
    commands: tuple[Command, ...]
    hidden: tuple[str, ...] = ()
    """What runs but cannot be read from the text, each with why."""


def parse(text: str) -> CommandLine:
    """Every simple command `text` runs, and what it hides."""
    walker = _Walker()
    walker.line(text, ".")
    return CommandLine(tuple(walker.commands), tuple(dict.fromkeys(walker.hidden)))


@dataclass
class _Walker:
    commands: list[Command] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    depth: int = 0

    def line(self, text: str, directory: str) -> None:
        if self.depth > 8:
            self.hidden.append("commands nested more than 8 deep")
            return
        self.depth += 1
        try:
            prepared = shellscan.prepare(text)
            self.hidden += [f"{what}, which planguard does not read" for what in prepared.unread]
            for inner in shellscan.substitutions(prepared.text):
                self.line(inner, directory)
            tokens = _tokens(prepared.text)
        except ValueError as exc:  # unbalanced quotes, a trailing escape
            self.hidden.append(f"cannot be parsed as a shell command ({exc})")
        else:
            self._statements(tokens, directory, prepared.bodies)
        finally:
            self.depth -= 1

    def _statements(self, tokens: list[str], directory: str, bodies: dict[str, str]) -> None:
        stack: list[str] = []
        words: list[str] = []
        for token in [*tokens, "\n"]:
            if token in _SEPARATORS:
                directory = self._simple(words, directory, bodies)
                words = []
                if token in ("(", "{"):
                    stack.append(directory)
                elif token in (")", "}") and stack:
                    directory = stack.pop()
                continue
            words.append(token)

    def _simple(self, words: list[str], directory: str, bodies: dict[str, str]) -> str:
        """Record one simple command; returns the directory the next one starts in."""
        redirected = _without_redirections(words, bodies)
        argv, fed = redirected.words, redirected.fed
        while argv and argv[0] in _KEYWORDS:
            argv = argv[1:]
        if argv and argv[0] in ("for", "select", "case"):  # `for NAME in WORDS`: no command
            return directory
        count = 0
        while count < len(argv) and _ASSIGNMENT.match(argv[count]):
            count += 1
        assignments, argv = tuple(argv[:count]), argv[count:]
        if not argv:
            if assignments or redirected.writes:
                self.commands.append(
                    Command((), directory, assignments=assignments, writes=redirected.writes)
                )
            return directory
        if argv[0] in ("cd", "pushd", "popd"):
            return _changed_directory(directory, argv)
        start = len(self.commands)
        self._unwrap(tuple(argv), directory, False, assignments, fed)
        if redirected.writes:  # the outermost command's output: whatever ran inside it
            self.commands[start:] = [
                replace(c, writes=redirected.writes) for c in self.commands[start:]
            ]
        return directory

    def _unwrap(
        self,
        argv: tuple[str, ...],
        directory: str,
        from_input: bool,
        assignments: tuple[str, ...] = (),
        fed: tuple[str, ...] = (),
    ) -> None:
        """Look through wrappers to the program that really runs."""
        program = posixpath.basename(argv[0])
        if argv[0] not in ("[", "[[") and any(c in argv[0] for c in "$*?[{`"):
            self.hidden.append(f"the program's name is computed when it runs ({argv[0]})")
            return
        if program in ("eval", "alias", "source", "."):
            self._eval(program, argv, directory)
            return
        if program in _SHELLS:
            self._shell(argv, directory, fed)
            return
        if program.startswith("python") and argv[1:2] == ("-m",) and len(argv) > 2:
            argv = (argv[2], *argv[3:])  # `python -m MODULE`: the module is the program
        wrapped = _WRAPPERS.get(program)
        if wrapped is not None:
            rest, where, more = wrapped(argv[1:])
            if where is not None:
                directory = join_directory(directory, where)
            if rest:
                self._unwrap(rest, directory, from_input or more, assignments, fed)
            return
        if program in ("watch",):
            self.line(" ".join(_after_options(argv[1:], _WATCH_VALUES)), directory)
            return
        if program == "find":
            argv = self._find(argv)
        if program in ("docker", "podman", "nerdctl"):
            self._container(argv, directory)
        self.commands.append(Command(argv, directory, from_input, assignments, fed))

    def _eval(self, program: str, argv: tuple[str, ...], directory: str) -> None:
        text = " ".join(argv[1:])
        if program == "eval" and "$" not in text:
            self.line(text, directory)  # what eval runs is the command, not eval
        elif program == "eval":
            self.hidden.append("eval of a variable")
        elif program == "alias":
            self.hidden.append("an alias definition")
        else:  # `source FILE` / `. FILE` run a file: as unseen as a script, not hidden text
            self.commands.append(Command(argv, directory))

    def _shell(self, argv: tuple[str, ...], directory: str, fed: tuple[str, ...]) -> None:
        args = list(argv[1:])
        while args and args[0].startswith("-") and args[0] not in ("-", "--"):
            flag = args.pop(0)
            if flag.startswith("--"):
                continue
            if "c" in flag[1:]:
                if not args:
                    self.hidden.append(f"{argv[0]} {flag} without a command")
                    return
                self.line(args[0], directory)
                return
            if flag in ("-o", "+o") and args:
                args.pop(0)
        if not args or args[0] in ("-", "--", "-s"):
            for script in fed:  # a here-document or here-string: its text is the script
                self.line(script, directory)
            if not fed:
                shell = posixpath.basename(argv[0])
                self.hidden.append(f"{shell} reading commands from a pipe or file")
            return
        self.commands.append(Command(argv, directory))  # a script file: not visible here

    def _find(self, argv: tuple[str, ...]) -> tuple[str, ...]:
        """Record what each `-exec` runs; returns find's own arguments without them."""
        own: list[str] = []
        i = 0
        while i < len(argv):
            if argv[i] not in ("-exec", "-execdir", "-ok", "-okdir"):
                own.append(argv[i])
                i += 1
                continue
            end = next((j for j in range(i + 1, len(argv)) if argv[j] in (";", "+")), len(argv))
            if i + 1 < end:
                self._unwrap(argv[i + 1 : end], UNKNOWN_DIRECTORY, True)
            i = end + 1
        return tuple(own)

    def _container(self, argv: tuple[str, ...], directory: str) -> None:
        """`docker run … hashicorp/terraform:1.9 apply`: the image's entry point is the tool."""
        for i, arg in enumerate(argv):
            image = arg.split("@")[0].split(":")[0]
            if i > 1 and _CONTAINER_TOOL.search(image):
                tool = _CONTAINER_TOOL.search(image)
                assert tool is not None
                name = "tofu" if tool.group(1) == "opentofu" else tool.group(1)
                self.commands.append(Command((name, *argv[i + 1 :]), UNKNOWN_DIRECTORY))
                return


_CONTAINER_TOOL = re.compile(r"(?:^|/)(terraform|opentofu|tofu|terragrunt)$")
_WATCH_VALUES = frozenset({"-n", "--interval", "-d", "--differences", "-q", "--equexit"})


_OPERATORS = sorted(
    {"&&", "||", ";;", "|&", ">>", "<<<", "<<", "&>>", "&>", ">&", "<&", ">|", "<>"}
    | set(";&|()<>\n"),
    key=len,
    reverse=True,
)


def _tokens(text: str) -> list[str]:
    """Words and operators. `shlex` keeps a run of operator characters as one token
    (`true&&(…)`, `);`): each run is split into the shell's operators, longest first."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars="();<>|&\n")
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    lexer.commenters = ""  # comments are gone: `shellscan` knows where a word starts
    tokens: list[str] = []
    for token in lexer:
        if token and all(c in ";&|()<>\n" for c in token):
            tokens += _operators(token)
        else:
            tokens.append(token)
    return tokens


def _operators(run: str) -> list[str]:
    found = []
    while run:
        operator = next(op for op in _OPERATORS if run.startswith(op))
        found.append(operator)
        run = run[len(operator) :]
    return found


class _Redirected(Record, frozen=True):
    words: list[str]
    fed: tuple[str, ...]
    """The text here-documents and here-strings feed."""
    writes: tuple[str, ...]


def _without_redirections(words: list[str], bodies: dict[str, str]) -> _Redirected:
    kept: list[str] = []
    fed: list[str] = []
    writes: list[str] = []
    target: str | None = None
    for word in words:
        if target is not None:
            if target in ("<<", "<<<"):
                fed.append(bodies.get(word, word))
            elif ">" in target and not word.isdigit():
                writes.append(word)
            target = None
            continue
        if word in _REDIRECTIONS:
            target = word
            if kept and kept[-1].isdigit():  # `2>err`: the 2 is a file descriptor
                kept.pop()
            continue
        kept.append(word)
    return _Redirected(kept, tuple(fed), tuple(writes))


def _changed_directory(directory: str, argv: list[str]) -> str:
    args = [a for a in argv[1:] if not (a.startswith("-") and len(a) > 1)]
    if argv[0] == "popd" or not args:
        return UNKNOWN_DIRECTORY
    return join_directory(directory, args[0])


def join_directory(directory: str, target: str) -> str:
    """`target` seen from `directory` (both relative to where the line starts), or
    UNKNOWN_DIRECTORY when the text does not say (`~`, `-`, a variable)."""
    if directory == UNKNOWN_DIRECTORY or not target or target.startswith(("~", "-")):
        return UNKNOWN_DIRECTORY
    if "$" in target:
        return UNKNOWN_DIRECTORY
    return posixpath.normpath(posixpath.join(directory, target))


def _after_options(args: tuple[str, ...], with_values: frozenset[str]) -> tuple[str, ...]:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        if args[i] == "--":
            return args[i + 1 :]
        i += 2 if args[i] in with_values else 1
    return args[i:]


# Each wrapper: its arguments → (the wrapped command, a directory it sets, args from input)
Unwrapped = tuple[tuple[str, ...], str | None, bool]
_Unwrapper = Callable[[tuple[str, ...]], Unwrapped]


def _options_then(
    with_values: frozenset[str], chdir: frozenset[str] = frozenset(), positional: int = 0
) -> _Unwrapper:
    def unwrap(args: tuple[str, ...]) -> Unwrapped:
        where = None
        i = 0
        while i < len(args) and args[i].startswith("-") and args[i] != "-":
            flag, _, value = args[i].partition("=")
            if flag == "--":
                i += 1
                break
            takes = flag in with_values and not value
            if flag in chdir:
                where = value or (args[i + 1] if i + 1 < len(args) else None)
            i += 2 if takes else 1
        return args[i + positional :], where, False

    return unwrap


def _env(args: tuple[str, ...]) -> Unwrapped:
    rest, where, _ = _options_then(
        frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}),
        frozenset({"-C", "--chdir"}),
    )(args)
    for i, arg in enumerate(args):
        if arg in ("-S", "--split-string") and i + 1 < len(args):
            return (*shlex.split(args[i + 1]), *args[i + 2 :]), where, False
        if arg.startswith("--split-string="):
            return (*shlex.split(arg.partition("=")[2]), *args[i + 1 :]), where, False
        if arg.startswith("-") and not arg.startswith("--") and "S" in arg[1:]:
            attached = arg[arg.index("S", 1) + 1 :]  # `-S'…'`, `-iS…`: the string follows
            if attached:
                return (*shlex.split(attached), *args[i + 1 :]), where, False
            return (*shlex.split(args[i + 1]), *args[i + 2 :]), where, False
    while rest and _ASSIGNMENT.match(rest[0]):
        rest = rest[1:]
    return rest, where, False


def _xargs(args: tuple[str, ...]) -> Unwrapped:
    with_values = frozenset(
        {"-I", "-i", "-L", "-l", "-n", "-P", "-s", "-E", "-e", "-d", "-a", "--arg-file"}
    )
    rest, _, _ = _options_then(with_values)(args)
    return rest, None, True


_WRAPPERS: dict[str, _Unwrapper] = {
    "env": _env,
    "sudo": _options_then(
        frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "--chdir", "--user"}),
        frozenset({"-D", "--chdir"}),
    ),
    "doas": _options_then(frozenset({"-u", "-C"})),
    "nohup": _options_then(frozenset()),
    "time": _options_then(frozenset({"-f", "-o", "--format", "--output"})),
    "exec": _options_then(frozenset({"-a"})),
    "command": _options_then(frozenset()),
    "builtin": _options_then(frozenset()),
    "nice": _options_then(frozenset({"-n", "--adjustment"})),
    "ionice": _options_then(frozenset({"-c", "-n", "-p"})),
    "stdbuf": _options_then(frozenset({"-i", "-o", "-e"})),
    "timeout": _options_then(frozenset({"-s", "-k", "--signal", "--kill-after"}), positional=1),
    "chronic": _options_then(frozenset()),
    "unbuffer": _options_then(frozenset()),
    "caffeinate": _options_then(frozenset({"-t", "-w"})),
    "setsid": _options_then(frozenset()),
    "xargs": _xargs,
}
