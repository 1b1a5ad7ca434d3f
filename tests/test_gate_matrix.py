"""The documented verdicts (docs/gate.md) for author x plan, on real plans and real git repos."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gate_workspace import AUTHOR_COMMITS, add_change, keys, make_repo
from gitrepo import event_file
from helpers import cli

DOC = Path(__file__).parents[1] / "docs" / "gate.md"
EXIT = {"pass": 0, "warn": 0, "approved": 0, "review required": 1, "block": 1}


def documented_matrix() -> list[tuple[str, str, str]]:
    text = DOC.read_text()
    table = re.search(r"<!-- gate-matrix -->\n(.*?)<!-- /gate-matrix -->", text, re.S)
    assert table, "docs/gate.md lost its gate-matrix table"
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in table.group(1).strip().splitlines()
    ]
    header, body = rows[0], rows[2:]
    return [
        (row[0], author, verdict)
        for row in body
        for author, verdict in zip(header[1:], row[1:], strict=True)
    ]


MATRIX = documented_matrix()


def test_matrix_covers_every_author_and_plan() -> None:
    assert {a for _, a, _ in MATRIX} == set(AUTHOR_COMMITS)
    assert {p for p, _, _ in MATRIX} == {"noop", "update", "replace_cascade", "destroy"}


pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


def author_args(author: str, repo: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """How each kind of author reaches `planguard check`."""
    if author == "unknown":
        return ["--policy-ref", "main"]
    args = ["--base", "main"]
    if author == "ai-pr-author":
        event = event_file(repo.parent, "Copilot", 198982749, "Bot", "fix-network")
        args += ["--event", str(event)]
    # human: dave's commits, which the trusted policy counts as a person's (human_evidence:
    # commits); a local event file could be forged, so it never shows a person.
    if author == "dependabot":
        event = event_file(repo.parent, "dependabot[bot]", 49699333, "Bot", "dependabot/tf/aws")
        args += ["--event", str(event)]
    if author == "ai-runtime":
        monkeypatch.setenv("CLAUDECODE", "1")
    return args


@pytest.mark.parametrize(("plan", "author", "verdict"), MATRIX)
def test_documented_verdict(
    plan: str,
    author: str,
    verdict: str,
    real_plans: dict[str, Path],
    key_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = make_repo(tmp_path / "repo", keys(key_dir))
    add_change(repo, author)
    monkeypatch.chdir(repo)
    args = author_args(author, repo, monkeypatch)
    result = cli(["check", str(real_plans[plan]), *args, "--format", "json"])
    assert result.code == EXIT[verdict], result.err
    decision = result.json()["decision"]  # type: ignore[index]
    assert decision["verdict"] == verdict
    expected_kind = {"human": "human", "unknown": "unknown", "dependabot": "automation"}
    assert decision["authorship"]["kind"] == expected_kind.get(author, "ai")
    if verdict == "review required":
        text = cli(["check", str(real_plans[plan]), *args]).out
        assert "@alice" in text and "@acme/sre" in text, text
