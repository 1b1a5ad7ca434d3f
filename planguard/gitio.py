"""Reading a git repository (the only place planguard runs git): files at a ref, commits of a
range, files a change touches. Errors say which ref or repository and what to do."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from planguard.errors import UsageError
from planguard.records import Record

_TIMEOUT = 60
_FULL_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


class CommitInfo(Record, frozen=True):
    """A commit as git (or the code host) reports who made it."""

    sha: str
    author_name: str
    author_email: str
    committer_name: str
    committer_email: str
    message: str
    author_login: str = ""
    """The code host's account for the author (GitHub's `author.login`); empty from git."""
    committer_login: str = ""


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("git")
    if binary is None:
        raise UsageError("git not found: install git, or drop --base/--policy-ref")
    try:
        return subprocess.run(
            [binary, "-c", "core.quotePath=false", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {args[0]} timed out after {_TIMEOUT}s in {cwd}") from None


def _ok(args: list[str], cwd: Path, what: str) -> str:
    done = _git(args, cwd)
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()
        raise UsageError(f"{what}: {message[-1] if message else 'git failed'}")
    return done.stdout


def repo_root(cwd: Path) -> Path | None:
    if shutil.which("git") is None:
        return None
    done = _git(["rev-parse", "--show-toplevel"], cwd)
    return Path(done.stdout.strip()) if done.returncode == 0 else None


def require_ref(ref: str, cwd: Path) -> str:
    """The commit `ref` names, or a usage error saying how to make it available."""
    done = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    if done.returncode != 0:
        raise UsageError(
            f"git ref {ref!r} not found in {cwd}: fetch it first (in GitHub Actions:"
            " actions/checkout with `fetch-depth: 0`)"
        )
    return done.stdout.strip()


def unambiguous_ref(ref: str, cwd: Path) -> str:
    """The commit a trusted ref names, refusing any name git could read two ways.

    git looks a short name up in several places and silently takes the first it finds, tags
    before branches: a tag `main` pushed by the change would shadow the branch. A trusted ref
    must be a commit id, a full `refs/…` name, or a short name exactly one place holds.
    """
    commit = require_ref(ref, cwd)
    if _FULL_ID.fullmatch(ref) or ref.startswith("refs/"):
        return commit
    if any(c in ref for c in "~^@:{}"):
        raise UsageError(
            f"git ref {ref!r}: a trusted ref must be a commit id or a ref name, not an"
            " expression: pass the commit it means"
        )
    places = [ref] if ref.isupper() else []  # HEAD, FETCH_HEAD, …: files of the git directory
    places += [f"refs/{ref}", f"refs/tags/{ref}", f"refs/heads/{ref}", f"refs/remotes/{ref}"]
    places.append(f"refs/remotes/{ref}/HEAD")
    found = {}
    for name in places:
        done = _git(["rev-parse", "--verify", "--quiet", f"{name}^{{commit}}"], cwd)
        if done.returncode == 0:
            found[name] = done.stdout.strip()
    if len(set(found.values())) > 1:
        raise UsageError(
            f"git ref {ref!r} is ambiguous: {', '.join(sorted(found))} all exist and name"
            " different commits; pass the full name (refs/heads/…) or the commit id"
        )
    return commit


def change_holds(commit: str, base: str | None, head: str | None, cwd: Path) -> str | None:
    """Why `commit` could be written by the change under review, whose tip is `head` (None:
    the checkout's HEAD) and which starts at `base` when given; None when it could not. A
    trusted ref must lie outside the change. A head this repository does not have (a fork
    PR's, not fetched) cannot be an ancestor of anything here."""
    head = head or head_commit(cwd)
    if head is None or _git(["cat-file", "-e", f"{head}^{{commit}}"], cwd).returncode != 0:
        return None
    if commit == head:
        return "it is the change's own head commit"
    if is_ancestor(head, commit, cwd):
        return "it descends from the change's head commit"
    if base is None:
        return None
    base_commit = require_ref(base, cwd)
    forks = _ok(["merge-base", "--all", commit, head], cwd, "git merge-base").split()
    inside = [c for c in forks if c != base_commit and not is_ancestor(c, base_commit, cwd)]
    if inside:
        return f"it holds commit {inside[0][:12]} of the change ({base}..{head[:12]})"
    return None


def is_ancestor(ancestor: str, descendant: str, cwd: Path) -> bool:
    done = _git(["merge-base", "--is-ancestor", ancestor, descendant], cwd)
    return done.returncode == 0


def show_file(ref: str, path: str, cwd: Path) -> str | None:
    """The file's text at `ref`; None when the file does not exist there."""
    require_ref(ref, cwd)
    spec = f"{ref}:{path.removeprefix('./')}"
    kind = _git(["cat-file", "-t", spec], cwd)
    if kind.returncode != 0:
        return None
    if kind.stdout.strip() != "blob":
        raise UsageError(f"git {spec} is a {kind.stdout.strip()}, not a file")
    return _ok(["cat-file", "blob", spec], cwd, f"git cat-file {spec}")


def repository_name(cwd: Path, root: Path | None = None) -> str:
    """`owner/name` of the repository `cwd` is in, from its `origin` remote (any URL form), else
    the name of its top directory (`root`, when the caller knows it); what an approval names as
    its repository."""
    done = _git(["remote", "get-url", "origin"], cwd)
    url = done.stdout.strip() if done.returncode == 0 else ""
    parts = [p for p in re.split(r"[/:]", url.removesuffix("/").removesuffix(".git")) if p]
    if len(parts) >= 2:
        return f"{parts[-2]}/{parts[-1]}".lower()
    root = root or repo_root(cwd)
    return (root or cwd).resolve().name.lower()


def head_commit(cwd: Path) -> str | None:
    done = _git(["rev-parse", "HEAD"], cwd)
    return done.stdout.strip() if done.returncode == 0 else None


def checks_out(commit: str, cwd: Path) -> bool:
    """Whether the work tree is `commit`, or the merge of it that a pull_request run checks out
    (`refs/pull/N/merge`: its second parent is the PR head)."""
    for rev in ("HEAD", "HEAD^2"):
        done = _git(["rev-parse", "--verify", "--quiet", rev], cwd)
        if done.returncode == 0 and done.stdout.strip() == commit:
            return True
    return False


def commits(base: str, cwd: Path) -> tuple[CommitInfo, ...]:
    """Commits in `base..HEAD` (what the change adds), oldest first."""
    require_ref(base, cwd)
    # -z ends each commit with NUL, which a commit message cannot contain; names and emails
    # cannot contain newlines, so the first five lines are fields and the rest is the message.
    fmt = "%H%n%an%n%ae%n%cn%n%ce%n%B"
    args = ["log", "-z", "--reverse", f"--format={fmt}", f"{base}..HEAD"]
    out = _ok(args, cwd, f"git log {base}..")
    found = []
    for record in out.split("\0"):
        fields = record.split("\n", 5)
        if len(fields) == 6:
            found.append(CommitInfo(*fields))
    return tuple(found)


def changed_files(base: str, cwd: Path) -> tuple[str, ...]:
    """Files the change touches since it left `base`: commits, uncommitted edits, new files."""
    require_ref(base, cwd)
    fork = _ok(["merge-base", base, "HEAD"], cwd, f"git merge-base {base} HEAD").strip()
    # --no-renames: a renamed-away policy file must show up under its old name too. -z: names
    # as they are; without it git quotes a name with `"`, `\`, a tab or a newline in it, and
    # the quoted name would match no guarded path.
    diffed = _ok(["diff", "--no-renames", "--name-only", "-z", fork], cwd, f"git diff {base}")
    untracked = _ok(["ls-files", "-z", "--others", "--exclude-standard"], cwd, "git ls-files")
    return tuple(sorted({p for p in (diffed + untracked).split("\0") if p}))


def merge_base(base: str, cwd: Path) -> str:
    """Where the change left `base`: the commit its diff is taken against."""
    require_ref(base, cwd)
    return _ok(["merge-base", base, "HEAD"], cwd, f"git merge-base {base} HEAD").strip()


def diff_against(commit: str, cwd: Path) -> str:
    """`git diff` from `commit` to the work tree, no context, renames followed."""
    prefixes = ["--src-prefix=a/", "--dst-prefix=b/"]  # whatever diff.noprefix says
    args = ["diff", "--no-color", "--no-ext-diff", *prefixes, "-U0", "-M", commit]
    return _ok(args, cwd, f"git diff {commit[:12]}")


def untracked(cwd: Path) -> tuple[str, ...]:
    out = _ok(["ls-files", "--others", "--exclude-standard"], cwd, "git ls-files")
    return tuple(p for p in out.splitlines() if p)


def blob(commit: str, path: str, cwd: Path) -> str | None:
    """A file's text at a resolved commit, in one git call; None when it is not there."""
    done = _git(["cat-file", "blob", f"{commit}:{path}"], cwd)
    return done.stdout if done.returncode == 0 else None


def tree_names(ref: str, directory: str, cwd: Path) -> tuple[str, ...]:
    """Names of the files directly in `directory` at `ref` (nothing when it is absent)."""
    spec = f"{ref}:{directory}" if directory else f"{ref}:"
    done = _git(["ls-tree", "--name-only", spec], cwd)
    if done.returncode != 0:
        return ()
    return tuple(n for n in done.stdout.splitlines() if n)
