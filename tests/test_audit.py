"""The audit log: real decisions appended by `planguard check`, then every kind of tampering."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import cli

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.fixture
def log(real_plans: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "audit.jsonl"
    for plan in ("noop", "destroy", "replace_cascade", "destroy", "noop"):
        result = cli(["check", str(real_plans[plan]), "--audit-log", str(path)])
        assert result.code in (0, 1), result.err
    return path


def test_entries_record_the_decision(log: Path, real_plans: dict[str, Path]) -> None:
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["seq"] for e in lines] == [0, 1, 2, 3, 4]
    assert [e["verdict"] for e in lines] == [
        "pass",
        "review required",
        "review required",
        "review required",
        "pass",
    ]
    destroy_fp = cli(["analyze", str(real_plans["destroy"]), "--format", "json"]).json()
    assert lines[1]["fingerprint"] == destroy_fp["fingerprint"]  # type: ignore[index]
    assert lines[1]["authorship"]["kind"] == "unknown"
    assert set(lines[1]["policy"]) == {"source", "digest"}
    result = cli(["audit", "verify", str(log)])
    assert result.code == 0 and "chain intact" in result.out


def _edit(lines: list[str]) -> list[str]:
    entry = json.loads(lines[1])
    entry["verdict"] = "pass"
    lines[1] = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    return lines


def _delete(lines: list[str]) -> list[str]:
    return lines[:2] + lines[3:]


def _reorder(lines: list[str]) -> list[str]:
    return [lines[0], lines[2], lines[1], *lines[3:]]


def _insert(lines: list[str]) -> list[str]:
    """A forged entry chained correctly to line 2, with the next free sequence number."""
    import hashlib

    forged = json.loads(lines[1])
    forged.update(seq=2, prev=hashlib.sha256(lines[1].encode()).hexdigest(), verdict="approved")
    return [*lines[:2], json.dumps(forged, sort_keys=True, separators=(",", ":")), *lines[2:]]


def _insert_copy(lines: list[str]) -> list[str]:
    return [*lines[:3], lines[1], *lines[3:]]


def _relink_deletion(lines: list[str]) -> list[str]:
    """Delete line 3 and re-chain line 4 to line 2, so every link holds."""
    import hashlib

    entry = json.loads(lines[3])
    entry["prev"] = hashlib.sha256(lines[1].encode()).hexdigest()
    return [
        lines[0],
        lines[1],
        json.dumps(entry, sort_keys=True, separators=(",", ":")),
        *lines[4:],
    ]


def _cut_head(lines: list[str]) -> list[str]:
    """Drop the first two entries and make line 3 look like the first ever."""
    entry = json.loads(lines[2])
    entry["prev"] = "0" * 64
    return [json.dumps(entry, sort_keys=True, separators=(",", ":")), *lines[3:]]


TAMPERING: dict[str, tuple[Callable[[list[str]], list[str]], str, int]] = {
    "edited": (_edit, "edited", 2),
    "deleted": (_delete, "deleted", 3),
    "reordered": (_reorder, "reordered", 2),
    "inserted": (_insert, "inserted", 3),
    "inserted copy": (_insert_copy, "inserted", 4),
    "deleted and re-linked": (_relink_deletion, "deleted", 3),
    "head cut off": (_cut_head, "deleted", 1),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_tampering_is_found_and_named(case: str, log: Path) -> None:
    tamper, kind, line = TAMPERING[case]
    log.write_text("\n".join(tamper(log.read_text().splitlines())) + "\n")
    result = cli(["audit", "verify", str(log)])
    assert result.code == 1, result.out
    assert f"line {line}: {kind}" in result.out, result.out


def test_truncated_tail_needs_the_head_anchor(log: Path) -> None:
    head = cli(["audit", "verify", str(log)]).out.split("head: ")[1].strip()
    log.write_text("\n".join(log.read_text().splitlines()[:-1]) + "\n")
    assert cli(["audit", "verify", str(log)]).code == 0  # a chain cannot see its own end
    result = cli(["audit", "verify", str(log), "--expect-head", head])
    assert result.code == 1 and "head-mismatch" in result.out


def test_garbage_line_is_corrupt(log: Path) -> None:
    lines = log.read_text().splitlines()
    lines.insert(2, "not json")
    log.write_text("\n".join(lines) + "\n")
    result = cli(["audit", "verify", str(log)])
    assert result.code == 1 and "line 3: corrupt" in result.out


def test_missing_log_is_a_usage_error(tmp_path: Path) -> None:
    result = cli(["audit", "verify", str(tmp_path / "nope.jsonl")])
    assert result.code == 2 and "audit log not found" in result.err
