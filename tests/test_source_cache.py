"""The parse cache: where it lives, what it keeps, and that an entry cannot change what the
gate decides. An agent can write the cache directory, so every entry here may be forged."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from gitrepo import commit, git

from planguard.plan.model import ActionReason
from planguard.source.apply import SourceFacts, place
from planguard.source.cache import CACHE_ENV, Status, StatusCache, default_cache
from planguard.source.hcl import parse_file
from planguard.source.intent import DestroyedResource, IntentCheck
from planguard.source.read import WorkTree, read_source
from planguard.source.scan import scan
from planguard.source.sourcemap import build_source_map

UNPROVEN = 'resource "terraform_data" "a" {\n  input = var.big ?\n    "x" : "y"\n}\n'
"""Valid HCL the scan cannot prove: whether it parses is what the cache remembers."""
BROKEN = 'resource "terraform_data" "other" {\n  input = var.big ?\n    "x" : = "y"\n}\n'
"""Cut by the scan, unproven, and not HCL."""


def test_the_files_used_are_what_the_tests_say() -> None:
    for text, parses in ((UNPROVEN, True), (BROKEN, False)):
        found = scan(text)
        assert found is not None and not found.proven
        assert (type(parse_file(text)).__name__ == "ParsedFile") is parses


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({CACHE_ENV: "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/c"),
        ({CACHE_ENV: "", "XDG_CACHE_HOME": "/x", "HOME": "/h"}, None),
        ({"XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/x/planguard"),
        ({"XDG_CACHE_HOME": "relative", "HOME": "/h"}, "/h/.cache/planguard"),
        ({"HOME": "/h"}, "/h/.cache/planguard"),
        ({}, None),
    ],
)
def test_where_the_cache_lives(env: dict[str, str], expected: str | None) -> None:
    found = default_cache(env)
    assert (str(found.root) if found else None) == expected


def test_an_entry_is_json_keyed_by_the_text(tmp_path: Path) -> None:
    cache = StatusCache(tmp_path)
    cache.put("a", Status(False, 3, "not valid HCL at column 2: unexpected EQUAL token"))
    assert cache.get("a") == Status(False, 3, "not valid HCL at column 2: unexpected EQUAL token")
    assert cache.get("b") is None
    (entry,) = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert json.loads(entry.read_text())["parses"] is False
    assert len(entry.stem) == 64  # a SHA-256, nothing of the text itself


@pytest.mark.parametrize(
    "record",
    [
        {"parses": False, "line": 1, "message": "<img src=x onerror=alert(1)>"},
        {"parses": False, "line": 1, "message": "not valid HCL: see https://evil.example"},
        {"parses": False, "line": -4, "message": "not valid HCL: the file ends too early"},
        {"parses": "yes"},
        ["not", "an", "object"],
    ],
)
def test_an_entry_that_is_not_what_planguard_writes_is_a_miss(
    tmp_path: Path, record: object
) -> None:
    cache = StatusCache(tmp_path)
    cache.put("text", Status(True))
    (entry,) = list(tmp_path.rglob("*.json"))
    entry.write_text(json.dumps(record))
    assert cache.get("text") is None
    entry.write_bytes(b"\x80\x04\x95 pickle bytes")
    assert cache.get("text") is None


def test_a_cache_that_cannot_be_written_or_was_deleted_is_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    StatusCache(blocker).put("a", Status(True))  # no error
    assert StatusCache(blocker).get("a") is None
    assert StatusCache(tmp_path / "never").get("a") is None


def test_a_warm_cache_spares_parsing_a_file_nothing_reads(tmp_path: Path) -> None:
    (tmp_path / "a.tf").write_text(UNPROVEN)
    (tmp_path / "b.tf").write_text(BROKEN)
    cache = StatusCache(tmp_path / "cache")
    cold = build_source_map(WorkTree(tmp_path), "", cache=cache)
    warm = build_source_map(WorkTree(tmp_path), "", cache=cache)
    assert warm.warnings == cold.warnings and warm.files == cold.files == ("a.tf",)
    # Whole parses at reading time: both files cold, none warm (private, on purpose).
    assert [e.exam.whole is not None for e in cold.objects._entries] == [True, True]  # type: ignore[attr-defined]
    assert [e.exam.whole is not None for e in warm.objects._entries] == [False, False]  # type: ignore[attr-defined]
    assert warm.objects == cold.objects


def _forge(cache: StatusCache, text: str, status: Status) -> None:
    cache.put(text, status)  # an agent writes the same bytes planguard would


def test_a_forged_entry_changes_no_lookup(tmp_path: Path) -> None:
    (tmp_path / "a.tf").write_text(UNPROVEN)
    (tmp_path / "b.tf").write_text(BROKEN)
    cache = StatusCache(tmp_path / "cache")
    _forge(cache, UNPROVEN, Status(False, 1, "not valid HCL: unexpected character"))
    _forge(cache, BROKEN, Status(True))
    lied_to = build_source_map(WorkTree(tmp_path), "", cache=cache)
    truth = build_source_map(WorkTree(tmp_path), "", selective=False)
    # What the report shows of files nothing reads follows the lie (display only)...
    assert [w.file for w in lied_to.warnings] == ["a.tf"]
    # ...what a finding or the intent check reads does not.
    assert lied_to.objects["terraform_data.a"] == truth.objects["terraform_data.a"]
    assert "terraform_data.other" not in lied_to.objects
    assert lied_to.unreadable("b.tf") and not lied_to.unreadable("a.tf")
    assert lied_to.objects == truth.objects


def test_a_forged_entry_changes_no_intent_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agent deletes a block and breaks its file in the same change, then forges the
    cache to say the broken file parses: a removed block in a file that does not parse must
    not count as removed on purpose, forged cache or not."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    base = UNPROVEN + 'resource "terraform_data" "db" {\n  input = 1\n}\n'
    commit(repo, "base", {"a.tf": base})
    broken = UNPROVEN.replace('"y"', '= "y"')
    (repo / "a.tf").write_text(broken)
    verdicts = {}
    for name, forged in (("no cache", None), ("forged", Status(True))):
        cache_dir = tmp_path / f"cache-{name}"
        if forged is not None:
            _forge(StatusCache(cache_dir), broken, forged)
        monkeypatch.setenv(CACHE_ENV, str(cache_dir) if forged else "")
        facts = read_source(repo, "main", repo)
        assert facts.change is not None
        check = IntentCheck(facts.change)
        doomed = DestroyedResource(
            "terraform_data.db",
            "terraform_data.db",
            ActionReason.DELETE_BECAUSE_NO_RESOURCE_CONFIG,
            (),
        )
        verdicts[name] = check.judge(doomed)
        shown = [w.file for w in facts.head.warnings]
        assert shown == ([] if forged else ["a.tf"])  # the lie reaches the display only
    assert verdicts["forged"] == verdicts["no cache"]
    assert not verdicts["forged"].explained


def test_placement_ignores_the_cache(tmp_path: Path) -> None:
    (tmp_path / "a.tf").write_text(UNPROVEN)
    cache = StatusCache(tmp_path / "cache")
    _forge(cache, UNPROVEN, Status(False, 1, "not valid HCL: unexpected character"))
    found = build_source_map(WorkTree(tmp_path), "", cache=cache)
    from planguard.plan.load import plan_from_bytes

    plan = plan_from_bytes(
        json.dumps(
            {
                "format_version": "1.2",
                "resource_changes": [
                    {
                        "address": "terraform_data.a",
                        "mode": "managed",
                        "type": "terraform_data",
                        "name": "a",
                        "provider_name": "terraform.io/builtin/terraform",
                        "change": {"actions": ["update"], "before": {}, "after": {}},
                    }
                ],
            }
        ).encode(),
        "plan.json",
    )
    placed = place(plan.resource_changes, SourceFacts(found), lambda a, b: None, {})
    (placement,) = placed.values()
    assert placement.location is not None and placement.location.line == 1
    assert os.environ.get(CACHE_ENV) != str(tmp_path / "cache")  # nothing leaked
