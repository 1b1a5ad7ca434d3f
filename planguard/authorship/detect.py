"""Decide who authored a change from every signal available. Pure: inputs in, `Authorship` out.

Signals only escalate. A server-side fact (the PR author GitHub reports) can show a human; a
self-asserted one (commit identities) can too, when the policy allows it; nothing can turn an AI
signal, of any trust tier, back into "human". No evidence at all is `unknown`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from planguard.authorship.model import (
    Agent,
    AgentKind,
    AuthorKind,
    Authorship,
    AuthorshipInputs,
    PullRequestInfo,
    Signal,
    Trust,
)
from planguard.gitio import CommitInfo
from planguard.records import replace

_TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.+?)\s*$", re.MULTILINE)
_EMAIL = re.compile(r"<([^<>\s]+@[^<>\s]+)>")
_NOREPLY = re.compile(r"^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$", re.IGNORECASE)
_CO_AUTHOR = "co-authored-by"
_NOT_A_PERSON = frozenset({"noreply@github.com"})
"""GitHub's web-flow committer: it signs web-UI commits for whoever made them."""
_KIND = {AgentKind.AI: AuthorKind.AI, AgentKind.AUTOMATION: AuthorKind.AUTOMATION}


def detect_authorship(inputs: AuthorshipInputs, agents: Sequence[Agent]) -> Authorship:
    signals: list[Signal] = []
    identities: set[str] = set()
    pr = inputs.pull_request
    if pr is not None:
        signals += _pull_request_signals(pr, agents)
        identities.add(pr.author_login.lower())
    for variable, login in inputs.actors:
        signals += _login_signals(login, None, f"env {variable}", agents)
    for commit in inputs.commits or ():
        signals += _commit_signals(commit, agents)
        identities |= _commit_identities(commit)
    signals += _env_signals(inputs.env, agents)
    if not inputs.commits_complete:
        # Commits the code host did not list could carry any author: never call it human.
        signals.append(
            Signal(
                "pull_request.commits",
                "not all listed",
                Trust.SERVER,
                "unknown",
                AuthorKind.UNKNOWN,
            )
        )
    signals += _human_evidence(inputs, signals)
    if not inputs.context_trusted:
        signals = [_escalating_only(s) for s in signals]
    kinds = [s.kind for s in signals if s.kind is not None] or [AuthorKind.UNKNOWN]
    kind = max(kinds, key=lambda k: k.strictness)
    return Authorship(kind, tuple(signals), _basis(kind, signals), tuple(sorted(identities)))


_LOWERING = (AuthorKind.HUMAN, AuthorKind.AUTOMATION)


def _escalating_only(signal: Signal) -> Signal:
    """A claim the runner of the check could forge (an event file, GITHUB_ACTOR) is recorded,
    but may only make the change look more like an agent's, never like a person's or a bot's."""
    forgeable = signal.source.startswith(("pull_request", "env GITHUB_"))
    if forgeable and signal.kind in _LOWERING:
        return replace(signal, kind=None)
    return signal


def _pull_request_signals(pr: PullRequestInfo, agents: Sequence[Agent]) -> list[Signal]:
    found = _login_signals(pr.author_login, pr.author_id, "pull_request.user", agents)
    for agent in agents:
        for prefix in agent.branch_prefixes:
            if pr.head_ref.startswith(prefix):
                found.append(_signal("pull_request.head.ref", pr.head_ref, Trust.CONVENTION, agent))
        for prefix in agent.title_prefixes:
            if pr.title.startswith(prefix):
                found.append(_signal("pull_request.title", prefix, Trust.CONVENTION, agent))
        for label in pr.labels:
            if label.lower() in agent.labels:
                found.append(_signal("pull_request.labels", label, Trust.CONVENTION, agent))
        for footer in _footers(pr.body, agent):
            found.append(_signal("pull_request.body", footer, Trust.CONVENTION, agent))
    return found


def _login_signals(
    login: str, user_id: int | None, source: str, agents: Sequence[Agent]
) -> list[Signal]:
    found = []
    for agent in agents:
        if (user_id is not None and user_id in agent.github_ids) or login.lower() in agent.logins:
            found.append(_signal(source, login, Trust.SERVER, agent))
    return found


def _commit_signals(commit: CommitInfo, agents: Sequence[Agent]) -> list[Signal]:
    where = f"commit {commit.sha[:12]}"
    people = (
        ("author", commit.author_name, commit.author_email),
        ("committer", commit.committer_name, commit.committer_email),
    )
    found = []
    for agent in agents:
        for role, name, email in people:
            if _email_matches(email, agent):
                found.append(_signal(f"{where} {role} email", email, Trust.COMMIT, agent))
            for suffix in agent.name_suffixes:
                if name.endswith(suffix):
                    found.append(_signal(f"{where} {role} name", name, Trust.COMMIT, agent))
        for key, value in _trailers(commit.message):
            if key.lower() in agent.trailers or (
                key.lower() == _CO_AUTHOR
                and any(_email_matches(e, agent) for e in _EMAIL.findall(value))
            ):
                found.append(_signal(f"{where} {key} trailer", value, Trust.COMMIT, agent))
        for footer in _footers(commit.message, agent):
            found.append(_signal(f"{where} message", footer, Trust.COMMIT, agent))
    return found


def _env_signals(env: Iterable[tuple[str, str]], agents: Sequence[Agent]) -> list[Signal]:
    values = dict(env)
    found = []
    for agent in agents:
        for name, wanted in agent.env:
            value = values.get(name, "")
            if value and (wanted is None or value == wanted):
                found.append(_signal(f"env {name}", value, Trust.RUNTIME, agent))
    return found


def _human_evidence(inputs: AuthorshipInputs, signals: Sequence[Signal]) -> list[Signal]:
    """A person is shown only by who authored, never by the absence of agent markers alone."""
    pr = inputs.pull_request
    if pr is not None and inputs.context_trusted:  # a local event file proves no one
        if any(s.source == "pull_request.user" for s in signals):
            return []
        author = pr.author_login
        if pr.author_type != "User" or author.lower().endswith("[bot]"):
            # An app or bot no knowledge file names: not a person, maybe an agent.
            kind = AuthorKind.UNKNOWN
            return [Signal("pull_request.user", author, Trust.SERVER, "unknown-bot", kind)]
        return [Signal("pull_request.user", author, Trust.SERVER, "person", AuthorKind.HUMAN)]
    commits = inputs.commits or ()
    if not inputs.human_from_commits or not commits:
        return []
    named = {
        s.source.split(" ")[1]
        for s in signals
        if s.source.startswith("commit ") and s.kind is not None
    }
    people = [c for c in commits if c.sha[:12] not in named]
    return [
        Signal(
            f"commit {c.sha[:12]} author",
            c.author_email,
            Trust.COMMIT,
            "person",
            AuthorKind.HUMAN,
        )
        for c in people
    ]


def _commit_identities(commit: CommitInfo) -> set[str]:
    logins = {commit.author_login.lower(), commit.committer_login.lower()} - {"", "web-flow"}
    emails = {commit.author_email, commit.committer_email}
    for key, value in _trailers(commit.message):
        if key.lower() == _CO_AUTHOR:
            emails.update(_EMAIL.findall(value))
    out = set()
    for raw in emails:
        email = raw.strip().lower()
        if not email or email in _NOT_A_PERSON:
            continue
        out.add(email)
        noreply = _NOREPLY.match(email)
        if noreply:
            out.add(noreply.group(1))
    return out | logins


def _trailers(message: str) -> Iterator[tuple[str, str]]:
    for match in _TRAILER.finditer(message):
        yield match.group(1), match.group(2)


def _footers(text: str, agent: Agent) -> Iterator[str]:
    for pattern in agent.footers:
        match = re.search(pattern, text)
        if match:
            yield match.group(0)


def _email_matches(email: str, agent: Agent) -> bool:
    email = email.strip().lower()
    if not email:
        return False
    return email in agent.emails or email.rpartition("@")[2] in agent.email_domains


def _signal(source: str, value: str, trust: Trust, agent: Agent) -> Signal:
    return Signal(source, value, trust, agent.id, _KIND.get(agent.kind))


def _basis(kind: AuthorKind, signals: Sequence[Signal]) -> str:
    if kind is AuthorKind.UNKNOWN:
        return "unknown: no evidence of who authored the change (the `unknown` policy applies)"
    trust_order = [Trust.SERVER, Trust.COMMIT, Trust.RUNTIME, Trust.CONVENTION]
    strongest = min(
        (s for s in signals if s.kind is kind), key=lambda s: trust_order.index(s.trust)
    )
    return f"{kind.value}: {strongest.source} = {strongest.value} ({strongest.trust.value} trust)"
