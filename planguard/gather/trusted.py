"""The trusted configuration: the policy, its rulesets and the reviewers' keys.

With `--policy-ref REF` (or `--base REF`) they are read from that ref, never from the change
under review, and a change that edits them is itself a risk item (`policy_changes`).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from planguard import gitio
from planguard.analysis.report import Report
from planguard.authorship.knowledge import builtin_agents
from planguard.errors import PolicyError, RulesetError, UsageError
from planguard.gate.check import TrustedPolicy
from planguard.gather.managed import Managed, unprotected
from planguard.gather.plans import SourceOptions, analyze_plans, classifier_for
from planguard.policy.choices import DEFAULT_POLICY, POLICY_NAMES, FailOn
from planguard.policy.load import load_policy
from planguard.policy.model import Policy
from planguard.records import Record, field, replace

UNTRUSTED_POLICY = (
    "no trusted policy: the change's author is {author} and nothing here can tell a trusted"
    " policy from one the change wrote, so planguard's shipped defaults apply, made only"
    " stricter by the working tree's {path} (its reviewers, suppressions, rulesets and keys"
    " are ignored). Pass --base (the pull request's base commit) or --policy-ref to read the"
    " policy from a commit outside the change"
)
UNSEEN_POLICY_CHANGES = (
    "(cannot tell: the checkout is not the pull request's head commit, so edits to the"
    " gate's configuration cannot be seen)"
)


class GateSetup(Record, frozen=True):
    """What check and approve share: the plans and where the trusted configuration is."""

    plans: tuple[str, ...]
    cwd: Path
    rulesets: tuple[str, ...] = ()
    terraform_bin: str = "terraform"
    policy_file: str | None = None
    policy_ref: str | None = None
    base: str | None = None
    source: str | None = None
    """The root module's directory (default: the plan's directory, else the working one)."""
    shown_as: tuple[tuple[str, str], ...] = ()
    """(plan file, name to show): `planguard apply` checks a private copy under its own name."""


class Trusted(Record, frozen=True):
    policy: Policy
    repo: Path | None
    ref: str | None
    policy_path: str
    allowed_signers: Path | None
    """The reviewers' keys: `--allowed-signers`, else the policy's (a copy from the trusted ref)."""
    scratch: Path
    """Where copies of files read from the trusted ref live while the run lasts."""
    notes: tuple[str, ...]
    rulesets: tuple[Path, ...] = ()
    """The policy's rulesets, then `--ruleset` files, each read from where it can be trusted."""
    flagged: tuple[str, ...] = ()
    """Repository files the flags named: guarded like the policy's own files."""
    keys_trusted: bool = False
    """The keys came from the trusted ref, or from a file the policy there names."""
    managed: bool = False
    """The policy is the machine's managed policy (`planguard.gather.managed`)."""
    signers_shown: str = ""
    """How to name the keys file to the user: where it was read from, not its private copy."""

    @property
    def anchored(self) -> bool:
        """Read from somewhere the change cannot write: a trusted ref or the managed policy."""
        return self.ref is not None or self.managed

    def gate_policy(self) -> TrustedPolicy:
        """What the pure check needs to know of it."""
        return TrustedPolicy(
            policy=self.policy,
            agents=builtin_agents() + self.policy.ai_identities,
            from_ref=self.ref,
            keys_trusted=self.keys_trusted,
            notes=self.notes,
        )

    def tightened(self, author: str) -> Trusted:
        """For an author the gate trusts least, with no trusted ref: the shipped defaults,
        which the working tree's policy may only make stricter (`Policy.tightened_by`)."""
        note = UNTRUSTED_POLICY.format(author=author, path=self.policy_path)
        return replace(
            self,
            policy=replace(
                load_policy(None, "defaults"), enforce_fail_on=FailOn.REVIEW
            ).tightened_by(self.policy),
            allowed_signers=None,
            signers_shown="",
            rulesets=(),
            keys_trusted=False,
            notes=(*self.notes, note),
        )


@contextmanager
def trusted_configuration(
    setup: GateSetup,
    change_head: str | None = None,
    allowed_signers: str | None = None,
    managed: Managed | None = None,
) -> Iterator[Trusted]:
    """The policy and the files it and the flags name, read once; the copies vanish when the
    run ends. `change_head`: the tip of the change under review (None: the checkout's HEAD);
    `allowed_signers`: the `--allowed-signers` file; `managed`: the machine's managed policy,
    which wins over any other (the flags that name others are whoever runs planguard's)."""
    repo = gitio.repo_root(setup.cwd)
    _refuse_untrusted_refs(setup, change_head, repo or setup.cwd)
    with tempfile.TemporaryDirectory(prefix="planguard-policy-") as tmp:
        if managed is not None and managed.path is not None:
            yield _load_managed(managed, repo)
            return
        trusted = _load(setup, repo, Path(tmp), allowed_signers)
        notes = managed.notes if managed is not None else ()
        yield replace(trusted, notes=(*notes, *trusted.notes))


def _load_managed(managed: Managed, repo: Path | None) -> Trusted:
    """The managed policy; the files it names must be protected like it."""
    assert managed.path is not None
    source = f"managed {managed.path}"
    policy = load_policy(managed.text, source)
    named = [
        p for p in (policy.allowed_signers, policy.terraform_bin, *policy.rulesets) if p is not None
    ]
    for path in named:
        if not Path(path).is_absolute():
            raise PolicyError(
                f"{managed.path}: {path}: a managed policy names files by absolute path"
            )
        why = unprotected(Path(path))
        if why is not None:
            raise PolicyError(
                f"{managed.path}: {path}: {why}: it must be as protected as the policy"
            )
    return Trusted(
        policy,
        repo,
        None,
        str(managed.path),
        Path(policy.allowed_signers) if policy.allowed_signers else None,
        managed.path.parent,
        (f"policy: {source}", *managed.notes),
        rulesets=tuple(Path(p) for p in policy.rulesets),
        keys_trusted=True,
        managed=True,
        signers_shown=policy.allowed_signers or "",
    )


def pinned_terraform(managed: Managed) -> str | None:
    """The binary the managed policy pins for applying (`terraform_bin`), checked to be as
    protected as the policy; None when there is no managed policy or it pins none."""
    if managed.path is None:
        return None
    return _load_managed(managed, None).policy.terraform_bin


def _refuse_untrusted_refs(setup: GateSetup, change_head: str | None, where: Path) -> None:
    """A trusted ref must name one commit, and one the change under review cannot have written:
    otherwise the change would be its own policy (and, as the base, hide its own commits)."""
    ref = setup.policy_ref or setup.base
    if ref is None:
        return
    commit = gitio.unambiguous_ref(ref, where)
    base = setup.base if setup.policy_ref is not None else None
    if base is not None and not gitio.is_ancestor(
        gitio.unambiguous_ref(base, where), commit, where
    ):
        raise UsageError(
            f"--policy-ref {ref}: does not contain --base {base}; an older policy would roll back"
            " what the base enforces. Pass a ref at or after the base"
        )
    why = gitio.change_holds(commit, base, change_head, where)
    if why is not None:
        flag = "--policy-ref" if setup.policy_ref is not None else "--base"
        raise UsageError(
            f"{flag} {ref}: not a trusted ref, {why}. Pass a commit outside the change, such as"
            " the pull request's base commit (the action passes github.event.pull_request.base.sha)"
        )


def _default_policy(exists: Callable[[str], bool], where: str) -> str:
    present = [name for name in POLICY_NAMES if exists(name)]
    if len(present) > 1:
        raise PolicyError(
            f"{where}: both {' and '.join(present)} exist, and which one is the policy is"
            " unclear: keep one (planguard reads either spelling)"
        )
    return present[0] if present else DEFAULT_POLICY


def _load(setup: GateSetup, repo: Path | None, scratch: Path, signers_flag: str | None) -> Trusted:
    ref = setup.policy_ref or setup.base
    top = repo or setup.cwd
    at_ref: dict[str, str | None] = {}  # each spelling read from git once
    if setup.policy_file is not None:
        path = setup.policy_file
    elif ref is not None:
        at_ref = {name: gitio.show_file(ref, name, top) for name in POLICY_NAMES}
        path = _default_policy(lambda n: at_ref[n] is not None, f"at {ref}")
    else:
        path = _default_policy(lambda n: (top / n).is_file(), str(top))
    notes: list[str] = []
    if ref is not None:
        text = at_ref[path] if path in at_ref else gitio.show_file(ref, path, top)
        source = f"git {ref}:{path}"
        if text is None and setup.policy_file is not None:
            raise PolicyError(f"{path}: no such policy at {ref} (named by --policy)")
        if text is None:
            notes.append(f"no {path} at {ref}: planguard's default policy applies")
    else:
        local = (repo or setup.cwd) / path if not Path(path).is_absolute() else Path(path)
        if not local.is_file() and setup.policy_file is None and Path(path).is_file():
            local = Path(path)
        text = _read_text(local) if local.is_file() else None
        if text is None and setup.policy_file is not None:
            raise PolicyError(f"{path}: policy file not found")
        source = str(local)
    policy = load_policy(text, source)
    where = repo or setup.cwd
    signers = _trusted_file(policy.allowed_signers, ref, where, scratch)
    named = [_trusted_file(p, ref, where, scratch) for p in policy.rulesets]
    flags = _Flags(setup, repo, ref, policy, scratch)
    rulesets = [flags.file(r, "--ruleset", policy.rulesets) for r in setup.rulesets]
    shown = policy.allowed_signers or ""
    if shown and ref is not None and not Path(shown).is_absolute():
        shown = f"{shown} at {ref}"
    if signers_flag is not None:
        signers = flags.file(signers_flag, "--allowed-signers", (policy.allowed_signers or "",))
        notes.append(f"reviewer keys from --allowed-signers {signers_flag}")
        shown = signers_flag
    return Trusted(
        policy,
        repo,
        ref,
        path,
        signers,
        scratch,
        tuple(notes),
        rulesets=tuple(p for p in [*named, *rulesets] if p is not None),
        flagged=tuple(flags.inside),
        keys_trusted=ref is not None,
        signers_shown=shown,
    )


class _Flags(Record, frozen=True):
    """Files the command line names. Inside the repository they are read from the trusted
    ref (an edit to one is a policy change); outside it, with a trusted ref, only a file the
    policy there names is taken: whoever runs planguard chooses its flags."""

    setup: GateSetup
    repo: Path | None
    ref: str | None
    policy: Policy
    scratch: Path
    inside: list[str] = field(default_factory=list)

    def file(self, given: str, flag: str, named: tuple[str, ...]) -> Path | None:
        path = (self.setup.cwd / given).resolve()
        if self.ref is None and not path.is_file():
            raise UsageError(f"{flag} {given}: no such file")
        if self.repo is not None and path.is_relative_to(self.repo.resolve()):
            relative = path.relative_to(self.repo.resolve()).as_posix()
            self.inside.append(relative)
            if self.ref is None:
                return path
            text = gitio.show_file(self.ref, relative, self.repo)
            if text is None:
                raise PolicyError(f"{flag} {given}: not at the trusted ref {self.ref}")
            return _copy(text, relative, self.scratch)
        trusted = {str(Path(n).resolve()) for n in named if n and Path(n).is_absolute()}
        if self.ref is not None and str(path) not in trusted:
            raise UsageError(
                f"{flag} {given}: outside the repository and not named by the policy at"
                f" {self.ref}: name it there (`{_policy_key(flag)}:`), or leave the flag out"
            )
        return path


def _policy_key(flag: str) -> str:
    return "rulesets" if flag == "--ruleset" else "allowed_signers"


def analyze_gated(setup: GateSetup, trusted: Trusted) -> Report:
    """The plans analyzed with the trusted rulesets (the policy's, then the flags')."""
    try:
        classifier = classifier_for([str(p) for p in trusted.rulesets])
    except RulesetError as exc:  # name the user's file, not its private copy
        raise RulesetError(as_user_sees(str(exc), trusted)) from None
    source = SourceOptions(setup.source, setup.base, setup.cwd)
    report, _ = analyze_plans(
        setup.plans, classifier, setup.terraform_bin, source, dict(setup.shown_as)
    )
    return report


def policy_changes(setup: GateSetup, trusted: Trusted, pr_head: str | None) -> tuple[str, ...]:
    """Files of the gate's configuration the change edits. `pr_head`: the commit the checkout
    must be for the diff to be the change's (None: the checkout is the change)."""
    base = setup.base or trusted.ref
    if base is None or trusted.repo is None or trusted.managed:
        return ()
    if pr_head is not None and not gitio.checks_out(pr_head, trusted.repo):
        return (UNSEEN_POLICY_CHANGES,)  # fail closed: as if it edited them
    guarded = {trusted.policy_path, *POLICY_NAMES, *trusted.policy.rulesets, *trusted.flagged}
    if trusted.policy.allowed_signers:
        guarded.add(trusted.policy.allowed_signers)
    guarded = {str(Path(p)) for p in guarded}  # `./.planguard.yml` is `.planguard.yml`
    changed = gitio.changed_files(base, trusted.repo)
    return tuple(p for p in changed if p in guarded or trusted.policy.guards(p))


def _trusted_file(path: str | None, ref: str | None, where: Path, scratch: Path) -> Path | None:
    """A file the policy names, from the trusted ref (copied to `scratch`) or the work tree."""
    if path is None:
        return None
    if Path(path).is_absolute():  # outside the repository: the policy vouches for it
        if not Path(path).is_file():
            raise PolicyError(f"{path}: named in the policy but not found")
        return Path(path)
    if ref is None:
        return where / path
    text = gitio.show_file(ref, path, where)
    if text is None:
        raise PolicyError(f"git {ref}:{path}: named in the policy but missing at {ref}")
    return _copy(text, path, scratch)


def _copy(text: str, path: str, scratch: Path) -> Path:
    """A file of the trusted ref, kept under its own relative path (`scratch/N/PATH`), so
    a message about it can name it as the user knows it (`as_user_sees`)."""
    copy = scratch / str(len(list(scratch.iterdir()))) / path
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(text, encoding="utf-8")
    return copy


def as_user_sees(message: str, trusted: Trusted) -> str:
    """`message` with each private copy's path replaced by the file it copies, at its ref."""
    if trusted.ref is None:
        return message
    pattern = re.escape(str(trusted.scratch)) + r"/\d+/([^\s:]+)"
    return re.sub(pattern, lambda m: f"{m.group(1)} at {trusted.ref}", message)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read the policy: {exc}") from None
