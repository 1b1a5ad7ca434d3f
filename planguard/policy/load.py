"""Build a `Policy` from the shipped defaults and a repository's .planguard.yml text.

Validation errors name the file and the key path (`.planguard.yml: thresholds.ai.high: …`);
unknown keys are errors (a typo must not silently loosen the gate).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from pathlib import Path

from planguard import docread as d
from planguard.authorship.knowledge import IDENTITY_KEYS, agent_from
from planguard.authorship.model import Agent, AuthorKind
from planguard.errors import PolicyError
from planguard.findings import Tier
from planguard.policy.choices import FailOn
from planguard.policy.model import (
    GateAction,
    HumanEvidence,
    PerTier,
    Policy,
    ReviewerRule,
    Suppression,
    TierActions,
    TierCounts,
    normalise_reviewer,
)
from planguard.resources import data_dir
from planguard.yamlio import YamlError, parse_yaml, read_knowledge_file

_TOP = {
    "version",
    "thresholds",
    "approvals",
    "reviewers",
    "teams",
    "ai_identities",
    "authorship",
    "suppressions",
    "rulesets",
    "allowed_signers",
    "enforce",
    "approval_max_age_days",
    "terraform_bin",
    "gate_files",
}
_TIERS = [t.value for t in Tier]
_SUPPRESSION_KEYS = {"address", "rule", "reason", "expires", "accepted_by"}


def _defaults_path() -> Path:
    return data_dir("rulesets") / "policy" / "defaults.yaml"


def defaults_text() -> str:
    return _defaults_path().read_text(encoding="utf-8")


def _defaults() -> Mapping[str, object]:
    """The shipped defaults, through their cached parse (`read_knowledge_file`)."""
    try:
        doc = read_knowledge_file(_defaults_path(), "planguard defaults")
    except YamlError as exc:
        raise PolicyError(str(exc)) from None
    if not isinstance(doc, dict):
        raise PolicyError(f"{_defaults_path()}: expected a mapping at the top")
    return doc


def load_policy(text: str | None, source: str) -> Policy:
    """`text` is the repository's policy (None: there is none, the defaults apply)."""
    base = _defaults()
    digest = hashlib.sha256(defaults_text().encode())
    merged = dict(base)
    if text is not None:
        digest.update(b"\0" + text.encode())
        user = _document(text, source) if text.strip() else {}
        _check_top(user, source)
        merged = _merge(base, user)
    try:
        return _build(merged, source if text is not None else "defaults", digest.hexdigest())
    except d.Invalid as exc:
        raise PolicyError(f"{source}: {exc}") from None


def _document(text: str, source: str) -> Mapping[str, object]:
    try:
        doc = parse_yaml(text, source)
    except YamlError as exc:
        raise PolicyError(str(exc)) from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise PolicyError(f"{source}: expected a mapping at the top (thresholds:, reviewers:, …)")
    return {str(k): v for k, v in doc.items()}


def _check_top(doc: Mapping[str, object], source: str) -> None:
    try:
        d.known_keys(doc, _TOP, "")
        version = doc.get("version", 1)
        if version != 1:
            raise d.Invalid("version", f"this planguard reads policy version 1, got {version!r}")
    except d.Invalid as exc:
        raise PolicyError(f"{source}: {exc}") from None


def _merge(base: Mapping[str, object], user: Mapping[str, object]) -> dict[str, object]:
    """Mappings merge key by key (so `thresholds: {ai: {high: block}}` changes one cell);
    everything else replaces."""
    out = dict(base)
    for key, value in user.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            out[key] = _merge(old, value)
        else:
            out[key] = value
    return out


def _build(doc: Mapping[str, object], source: str, digest: str) -> Policy:
    reviewers = d.mapping(doc.get("reviewers", {}), "reviewers")
    d.known_keys(reviewers, {"default", "rules", "policy_owners"}, "reviewers")
    default = _reviewers(reviewers.get("default", []), "reviewers.default")
    authorship = d.mapping(doc.get("authorship", {}), "authorship")
    d.known_keys(authorship, {"human_evidence"}, "authorship")
    return Policy(
        source=source,
        digest=digest,
        thresholds=_thresholds(doc.get("thresholds")),
        approvals=_approvals(doc.get("approvals")),
        default_reviewers=default,
        rules=_rules(reviewers.get("rules", [])),
        policy_owners=_reviewers(reviewers.get("policy_owners", []), "reviewers.policy_owners")
        or default,
        teams=_teams(doc.get("teams", {})),
        ai_identities=_identities(doc.get("ai_identities", {})),
        human_evidence=d.choice(
            HumanEvidence, authorship.get("human_evidence"), "authorship.human_evidence"
        ),
        suppressions=_suppressions(doc.get("suppressions", [])),
        rulesets=d.strings(doc.get("rulesets", []), "rulesets"),
        allowed_signers=_optional_path(doc.get("allowed_signers"), "allowed_signers"),
        enforce_fail_on=_enforce(doc.get("enforce", {})),
        approval_max_age_days=_days(doc.get("approval_max_age_days", 7), "approval_max_age_days"),
        terraform_bin=_optional_path(doc.get("terraform_bin"), "terraform_bin"),
        gate_files=d.strings(doc.get("gate_files", []), "gate_files"),
    )


def _enforce(raw: object) -> FailOn:
    enforce = d.mapping(raw, "enforce")
    d.known_keys(enforce, {"fail_on"}, "enforce")
    return d.choice(FailOn, enforce.get("fail_on", "never"), "enforce.fail_on")


def _optional_path(value: object, where: str) -> str | None:
    return None if value is None else d.string(value, where)


def _thresholds(raw: object) -> tuple[tuple[AuthorKind, TierActions], ...]:
    table = d.mapping(raw, "thresholds")
    d.known_keys(table, [k.value for k in AuthorKind], "thresholds")
    out = []
    for kind in AuthorKind:
        where = f"thresholds.{kind.value}"
        row = d.mapping(table.get(kind.value), where)
        d.known_keys(row, _TIERS, where)
        actions: TierActions = PerTier(
            *(d.choice(GateAction, row.get(t), f"{where}.{t}") for t in _TIERS)
        )
        if kind.strict and actions.critical < GateAction.REVIEW:
            raise d.Invalid(
                f"{where}.critical",
                "a critical change (e.g. an environment teardown) by an AI agent or an unknown"
                " author always needs a named approval: use `review` or `block`",
            )
        out.append((kind, actions))
    return tuple(out)


def _approvals(raw: object) -> TierCounts:
    counts = d.mapping(raw, "approvals")
    d.known_keys(counts, _TIERS, "approvals")
    return PerTier(*(_positive(counts.get(t), f"approvals.{t}") for t in _TIERS))


def _days(value: object, where: str) -> int:
    number = d.integer(value, where)
    if number < 1:
        raise d.Invalid(where, f"expected at least 1 day, got {number}")
    return number


def _positive(value: object, where: str) -> int:
    number = d.integer(value, where)
    if number < 1:
        raise d.Invalid(where, f"expected at least 1 approval, got {number}")
    return number


def _reviewers(raw: object, where: str) -> tuple[str, ...]:
    names = d.strings(raw, where)
    for i, name in enumerate(names):
        bare = normalise_reviewer(name)
        if not bare or bare.count("/") > 1 or " " in bare:
            raise d.Invalid(
                f"{where}[{i}]",
                f"expected a GitHub user (@login) or team (@org/team), got {name!r}",
            )
    return tuple(normalise_reviewer(n) for n in names)


def _rules(raw: object) -> tuple[ReviewerRule, ...]:
    out = []
    for i, item in enumerate(d.listing(raw, "reviewers.rules")):
        where = f"reviewers.rules[{i}]"
        rule = d.mapping(item, where)
        d.known_keys(rule, {"match", "reviewers", "approvals"}, where)
        match = rule.get("match")
        patterns = (d.string(match, f"{where}.match"),) if isinstance(match, str) else None
        approvals = rule.get("approvals")
        out.append(
            ReviewerRule(
                match=patterns or d.strings(match, f"{where}.match"),
                reviewers=_reviewers(rule.get("reviewers"), f"{where}.reviewers"),
                approvals=None if approvals is None else _positive(approvals, f"{where}.approvals"),
                where=where,
            )
        )
    return tuple(out)


def _teams(raw: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for team, members in d.mapping(raw, "teams").items():
        name = normalise_reviewer(team)
        if name.count("/") != 1:
            raise d.Invalid(f"teams.{team}", "expected an `org/team` name")
        out.append((name, _reviewers(members, f"teams.{team}")))
    return tuple(out)


def _identities(raw: object) -> tuple[Agent, ...]:
    table = d.mapping(raw, "ai_identities")
    if not table:
        return ()
    d.known_keys(table, IDENTITY_KEYS, "ai_identities")
    entry = dict(table, id="policy", name="AI identity from the policy", kind="ai")
    return (agent_from(entry, "ai_identities"),)


def _suppressions(raw: object) -> tuple[Suppression, ...]:
    out = []
    for i, item in enumerate(d.listing(raw, "suppressions")):
        where = f"suppressions[{i}]"
        entry = d.mapping(item, where)
        d.known_keys(entry, _SUPPRESSION_KEYS, where)
        missing = sorted(_SUPPRESSION_KEYS - set(entry))
        if missing:
            raise d.Invalid(
                f"{where}.{missing[0]}",
                "required: a suppression names address, rule, reason, expires and accepted_by",
            )
        rule = d.string(entry.get("rule"), f"{where}.rule")
        if rule == "incomplete-plan":
            raise d.Invalid(f"{where}.rule", "an incomplete or errored plan cannot be suppressed")
        out.append(
            Suppression(
                address=d.string(entry.get("address"), f"{where}.address"),
                rule=rule,
                reason=d.string(entry.get("reason"), f"{where}.reason"),
                expires=_date(entry.get("expires"), f"{where}.expires"),
                accepted_by=normalise_reviewer(
                    d.string(entry.get("accepted_by"), f"{where}.accepted_by")
                ),
                where=where,
            )
        )
    return tuple(out)


def _date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise d.Invalid(where, f"expected a date like 2027-01-31, got {value!r}")
