"""The audit log: one JSON line per gate decision, chained by SHA-256.

Every line carries `seq` (0, 1, 2, …) and `prev`, the SHA-256 of the previous line's bytes, so
editing, deleting, reordering or inserting a line breaks the chain where it happened and
`verify` says which. A chain cannot vouch for its own last line: compare the head digest
`verify` prints with one kept elsewhere (`--expect-head`), e.g. from the job's output.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from planguard.errors import UsageError
from planguard.gate.model import Decision
from planguard.records import Record

GENESIS = "0" * 64


class Problem(Record, frozen=True):
    line: int
    """1-based line number in the file."""
    kind: str
    """edited | deleted | reordered | inserted | corrupt | head-mismatch"""
    message: str


class AuditCheck(Record, frozen=True):
    entries: int
    head: str
    """SHA-256 of the last line (GENESIS for an empty log)."""
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def entry(
    decision: Decision, time: str, plans: Sequence[str], **context: object
) -> dict[str, object]:
    """What one decision records (no attribute values: only ids, verdicts and evidence).
    `context`: what else identifies the run (`planguard apply`: the event and the plan's
    SHA-256)."""
    return {
        **context,
        "time": time,
        "fingerprint": decision.fingerprint,
        "verdict": decision.verdict.value,
        "plans": list(plans),
        "authorship": {
            "kind": decision.authorship.kind.value,
            "basis": decision.authorship.basis,
            "evidence": [
                {"source": s.source, "value": s.value, "trust": s.trust.value, "agent": s.agent}
                for s in decision.authorship.evidence
            ],
        },
        "approvals": [
            {"reviewer": a.reviewer, "source": a.source.value, "at": a.at, "detail": a.detail}
            for a in decision.approvals.accepted
        ],
        "requirements": [
            {"rule": r.rule, "needed": r.needed, "approved_by": list(r.approved_by)}
            for r in decision.requirements
        ],
        "policy": {"source": decision.policy_source, "digest": decision.policy_digest},
    }


def applied(
    time: str, decision_line: str, plan_sha256: str, command: Sequence[str], exit_code: int
) -> dict[str, object]:
    """What `planguard apply` records after Terraform ran: linked to its decision's line by
    that line's digest (`decision`), and to the bytes applied by their SHA-256."""
    return {
        "event": "apply",
        "time": time,
        "decision": decision_line,
        "plan_sha256": plan_sha256,
        "command": list(command),
        "exit_code": exit_code,
    }


def append(path: Path, record: dict[str, object]) -> str:
    """Append `record` chained to the file's last line; returns the new head digest."""
    lines = _read_lines(path) if path.exists() else []
    prev = _digest(lines[-1]) if lines else GENESIS
    seq = _last_seq(lines) + 1 if lines else 0
    line = json.dumps({"seq": seq, "prev": prev, **record}, sort_keys=True, separators=(",", ":"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as handle:
            if lines and not path.read_bytes().endswith(b"\n"):
                handle.write(b"\n")
            handle.write(line.encode() + b"\n")
    except OSError as exc:
        raise UsageError(f"{path}: cannot append to the audit log: {exc.strerror}") from None
    return _digest(line.encode())


def verify(path: Path, expect_head: str | None = None) -> AuditCheck:
    lines = _read_lines(path)
    digests = [_digest(line) for line in lines]
    where: dict[str, int] = {}
    for i, d in enumerate(digests):
        where.setdefault(d, i)
    parsed = [_parse(line) for line in lines]
    referenced = {where.get(p[1]) for p in parsed if p is not None}
    problems: list[Problem] = []
    for i, item in enumerate(parsed):
        if item is None:
            problems.append(Problem(i + 1, "corrupt", f"line {i + 1} is not an audit entry"))
            continue
        seq, prev = item
        if where[digests[i]] != i:
            first = where[digests[i]] + 1
            problems.append(Problem(i + 1, "inserted", f"line {i + 1} repeats line {first}"))
            continue
        before = parsed[i - 1] if i > 0 else None
        target = -1 if prev == GENESIS else where.get(prev)
        if target == i - 1:
            expected = before[0] + 1 if before else 0
            if seq != expected:  # the chain was re-linked around a gap: still a deletion
                problems.append(
                    Problem(
                        i + 1, "deleted", f"seq {expected}..{seq - 1} missing before line {i + 1}"
                    )
                )
            continue
        problems.append(_broken_link(i, seq, before, target, referenced))
    head = digests[-1] if digests else GENESIS
    if expect_head is not None and expect_head != head:
        problems.append(
            Problem(
                len(lines),
                "head-mismatch",
                f"the log ends in {head[:16]}…, expected {expect_head[:16]}…: lines were"
                " removed from or added to the end",
            )
        )
    return AuditCheck(len(lines), head, tuple(problems))


def _broken_link(
    i: int,
    seq: int,
    before: tuple[int, str] | None,
    target: int | None,
    referenced: set[int | None],
) -> Problem:
    line = i + 1
    if target is None:
        if i == 0:
            return Problem(line, "deleted", f"line 1 (seq {seq}) is not the first entry ever")
        if before is None:
            return Problem(line, "edited", f"line {line} follows a corrupt line")
        if seq > before[0] + 1:
            return Problem(
                line,
                "deleted",
                f"entries seq {before[0] + 1}..{seq - 1} are missing before line {line}",
            )
        if seq == before[0] + 1:
            return Problem(i, "edited", f"line {i} (seq {before[0]}) was edited: its hash changed")
        return Problem(line, "inserted", f"line {line} (seq {seq}) does not belong to the chain")
    if target < i - 1 and all(k not in referenced for k in range(target + 1, i)):
        return Problem(
            target + 2,
            "inserted",
            f"line(s) {target + 2}..{i} were inserted: line {line} follows line {target + 1}",
        )
    return Problem(
        line,
        "reordered",
        f"line {line} (seq {seq}) belongs right after line {target + 1}: lines were reordered",
    )


def _parse(line: bytes) -> tuple[int, str] | None:
    try:
        doc = json.loads(line)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    seq, prev = doc.get("seq"), doc.get("prev")
    if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(prev, str):
        return None
    return seq, prev


def _last_seq(lines: Sequence[bytes]) -> int:
    parsed = _parse(lines[-1])
    if parsed is None:
        raise UsageError(
            "the audit log's last line is not an audit entry: run `planguard audit verify`"
        )
    return parsed[0]


def _read_lines(path: Path) -> list[bytes]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: audit log not found") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the audit log: {exc.strerror}") from None
    return [line for line in data.split(b"\n") if line]


def _digest(line: bytes | str) -> str:
    data = line.encode() if isinstance(line, str) else line
    return hashlib.sha256(data).hexdigest()
