"""The gate's policy (.planguard.yml over the shipped defaults), as frozen records."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from typing import Generic, TypeVar

from planguard.authorship.model import Agent, AuthorKind
from planguard.findings import Tier
from planguard.policy.choices import FailOn
from planguard.records import Record, replace

T = TypeVar("T")


@functools.total_ordering
class GateAction(enum.Enum):
    """What a tier calls for; ordered from least to most restrictive."""

    PASS = "pass"
    WARN = "warn"
    REVIEW = "review"
    BLOCK = "block"

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, GateAction):
            return NotImplemented
        return _ORDER.index(self) < _ORDER.index(other)


_ORDER = [GateAction.PASS, GateAction.WARN, GateAction.REVIEW, GateAction.BLOCK]


class PerTier(Record, Generic[T], frozen=True):
    """One value per tier (what the policy does, how many approvals it needs)."""

    low: T
    medium: T
    high: T
    critical: T

    def at(self, tier: Tier) -> T:
        return {
            Tier.LOW: self.low,
            Tier.MEDIUM: self.medium,
            Tier.HIGH: self.high,
            Tier.CRITICAL: self.critical,
        }[tier]


TierActions = PerTier[GateAction]
TierCounts = PerTier[int]


class ReviewerRule(Record, frozen=True):
    match: tuple[str, ...]
    """Address globs or module paths."""
    reviewers: tuple[str, ...]
    """Normalised: no `@`, lower-case; `org/team` for teams."""
    approvals: int | None
    """Overrides the per-tier count when set."""
    where: str
    """`reviewers.rules[2]`: how outputs name the rule."""

    def matches(self, address: str) -> bool:
        return any(address_matches(p, address) for p in self.match)


class Suppression(Record, frozen=True):
    address: str
    rule: str
    """A finding rule id (`replace`, `destroy`, `hazard`, …) or `*`."""
    reason: str
    expires: dt.date
    accepted_by: str
    where: str

    def matches(self, rule: str, address: str) -> bool:
        return self.rule in ("*", rule) and address_matches(self.address, address)


class HumanEvidence(enum.Enum):
    COMMITS = "commits"
    SERVER = "server"


class Policy(Record, frozen=True):
    source: str
    """Where it came from: `defaults`, a path, or `git REF:path`."""
    digest: str
    """SHA-256 of the policy text(s) it was built from."""
    thresholds: tuple[tuple[AuthorKind, TierActions], ...]
    approvals: TierCounts
    default_reviewers: tuple[str, ...]
    rules: tuple[ReviewerRule, ...]
    policy_owners: tuple[str, ...]
    teams: tuple[tuple[str, tuple[str, ...]], ...]
    ai_identities: tuple[Agent, ...]
    human_evidence: HumanEvidence
    suppressions: tuple[Suppression, ...]
    rulesets: tuple[str, ...]
    allowed_signers: str | None
    """Reviewers' SSH keys (git's allowed-signers format), read from where the policy is."""
    approval_max_age_days: int = 7
    """How long an SSH-signed approval counts after it was signed (its `not_after` may not
    reach further)."""
    enforce_fail_on: FailOn = FailOn.NEVER
    """`enforce.fail_on`: the least strict `--fail-on` (or PLANGUARD_FAIL_ON) a run may ask for."""
    terraform_bin: str | None = None
    """The binary `planguard apply` and the agent hook run (absolute path): pinned, so the
    flags, the environment and PATH, which an agent sets, cannot choose a lying one."""
    gate_files: tuple[str, ...] = ()
    """Globs (`*`, `?`; `*` crosses folders) of the files that deliver the gate (the workflows
    that run planguard, a vendored action.yml, CODEOWNERS): a change to one is a policy
    change, like one to the policy file."""

    def guards(self, path: str) -> bool:
        """True when `path` (from the repository root) is one of the gate's own files."""
        return any(_glob(_from_root(glob)).fullmatch(path) for glob in self.gate_files)

    def actions_for(self, kind: AuthorKind) -> TierActions:
        return dict(self.thresholds)[kind]

    def team_members(self, team: str) -> tuple[str, ...] | None:
        return dict(self.teams).get(team)

    def tightened_by(self, other: Policy) -> Policy:
        """This policy, where `other` (one the change could have written) may only make it
        stricter: higher actions and counts, more AI identities, a higher floor. Nothing of
        `other` that could let a change through is kept: its reviewers, teams, suppressions,
        rulesets and keys (its gate files only add to these)."""
        kinds = dict(other.thresholds)
        return replace(
            self,
            source=f"{self.source}, tightened by {other.source}",
            digest=other.digest,
            thresholds=tuple(
                (kind, _stricter(actions, kinds.get(kind, actions)))
                for kind, actions in self.thresholds
            ),
            approvals=PerTier(*(max(self.approvals.at(t), other.approvals.at(t)) for t in Tier)),
            ai_identities=self.ai_identities + other.ai_identities,
            enforce_fail_on=max(self.enforce_fail_on, other.enforce_fail_on, key=lambda f: f.rank),
            approval_max_age_days=min(self.approval_max_age_days, other.approval_max_age_days),
            gate_files=tuple(dict.fromkeys(self.gate_files + other.gate_files)),
        )


def _stricter(mine: TierActions, theirs: TierActions) -> TierActions:
    return PerTier(*(max(mine.at(t), theirs.at(t)) for t in Tier))


def _from_root(glob: str) -> str:
    """`./CODEOWNERS` and `/CODEOWNERS` name the file git lists as `CODEOWNERS`."""
    while glob.startswith(("./", "/")):
        glob = glob.removeprefix("./").removeprefix("/")
    return glob


def normalise_reviewer(name: str) -> str:
    return name.strip().lstrip("@").lower()


@functools.lru_cache(maxsize=1024)
def _glob(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def address_matches(pattern: str, address: str) -> bool:
    """`*`/`?` globs (brackets are literal: addresses have `["key"]`); a module path covers
    everything inside it."""
    if _glob(pattern).fullmatch(address):
        return True
    return pattern.startswith("module.") and address.startswith((pattern + ".", pattern + "["))
