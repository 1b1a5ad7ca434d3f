"""Who authored the change under review: the facts looked at and what they show."""

from __future__ import annotations

import enum

from planguard.gitio import CommitInfo
from planguard.records import Record


class AuthorKind(enum.Enum):
    """Ordered by how much scrutiny the policy applies by default (see `strictness`)."""

    HUMAN = "human"
    AUTOMATION = "automation"
    UNKNOWN = "unknown"
    AI = "ai"

    @property
    def strictness(self) -> int:
        return _STRICTNESS[self]

    @property
    def strict(self) -> bool:
        """An AI agent, or nobody can tell: the gate trusts nothing the change could write."""
        return self in (AuthorKind.AI, AuthorKind.UNKNOWN)


_STRICTNESS = {
    AuthorKind.HUMAN: 0,
    AuthorKind.AUTOMATION: 1,
    AuthorKind.UNKNOWN: 2,
    AuthorKind.AI: 3,
}


class Trust(enum.Enum):
    """Who controls a signal (rulesets/agents/ai-agents.yaml explains each)."""

    SERVER = "server"
    COMMIT = "commit"
    CONVENTION = "convention"
    RUNTIME = "runtime"


class AgentKind(enum.Enum):
    AI = "ai"
    AUTOMATION = "automation"
    REVIEWER = "reviewer"


class Agent(Record, frozen=True):
    """One known non-human identity and every way it shows up."""

    id: str
    name: str
    kind: AgentKind
    github_ids: frozenset[int] = frozenset()
    logins: frozenset[str] = frozenset()
    """Lower-cased."""
    emails: frozenset[str] = frozenset()
    """Lower-cased."""
    email_domains: frozenset[str] = frozenset()
    name_suffixes: tuple[str, ...] = ()
    trailers: frozenset[str] = frozenset()
    """Lower-cased trailer keys."""
    footers: tuple[str, ...] = ()
    """Regular expressions."""
    branch_prefixes: tuple[str, ...] = ()
    title_prefixes: tuple[str, ...] = ()
    labels: frozenset[str] = frozenset()
    """Lower-cased."""
    env: tuple[tuple[str, str | None], ...] = ()
    """Variable name and the value it must have (None: any non-empty value)."""


class Signal(Record, frozen=True):
    """One piece of evidence: where it was seen, what it was, how far it can be trusted."""

    source: str
    """E.g. `pull_request.user.login`, `commit 1a2b3c4 Co-authored-by`, `env CLAUDECODE`."""
    value: str
    trust: Trust
    agent: str
    """The agent id from the knowledge file, or `person` for evidence of a human."""
    kind: AuthorKind | None
    """What it shows; None: recorded but changes nothing (a review bot's committed suggestion)."""


class PullRequestInfo(Record, frozen=True):
    number: int
    author_login: str
    author_id: int | None
    author_type: str | None
    """`User` or `Bot` as GitHub reports it."""
    head_ref: str = ""
    head_sha: str = ""
    title: str = ""
    body: str = ""
    labels: tuple[str, ...] = ()
    commits: int | None = None
    """How many commits the code host says the pull request has."""
    base_sha: str = ""
    """The commit the pull request is based on, as GitHub reports it."""
    from_fork: bool = False
    """Its head is in another repository: GitHub gives its `pull_request` runs a read-only
    token, so nothing can be posted from them."""


class AuthorshipInputs(Record, frozen=True):
    """Everything looked at; `None` means the source was not available (not: it was empty)."""

    pull_request: PullRequestInfo | None = None
    actors: tuple[tuple[str, str], ...] = ()
    """(variable, login) from GITHUB_ACTOR / GITHUB_TRIGGERING_ACTOR."""
    commits: tuple[CommitInfo, ...] | None = None
    env: tuple[tuple[str, str], ...] = ()
    human_from_commits: bool = True
    """Whether commits by unknown identities count as evidence of a human (policy)."""
    commits_complete: bool = True
    """False when the code host's list of the change's commits could not be read whole."""
    context_trusted: bool = True
    """False when the pull request and the actors come from files and variables whoever runs
    planguard sets (a local run): they may then show an agent, never a person or a bot."""


class Authorship(Record, frozen=True):
    kind: AuthorKind
    evidence: tuple[Signal, ...]
    basis: str
    """One sentence: why this kind."""
    identities: tuple[str, ...]
    """Logins and emails of everyone who authored the change (they cannot approve it)."""
