from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gate_workspace import Key, keys
from github_emulator import Emulator, GitHub
from gitrepo import CLEARED_ENV
from scenarios import SCENARIOS, make_plan
from terraform_runner import Terraform, find_terraform

CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No agent marker, actor or event of the machine running the tests leaks into them."""
    for name in CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def terraform() -> Terraform:
    return find_terraform()


@pytest.fixture(scope="session")
def real_plans(terraform: Terraform, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Lazily made real plans, keyed by scenario name."""
    return _PlanCache(terraform, tmp_path_factory)  # type: ignore[return-value]


class _PlanCache(dict[str, Path]):
    def __init__(self, tf: Terraform, factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self._tf, self._factory = tf, factory

    def __missing__(self, name: str) -> Path:
        path = make_plan(self._tf, SCENARIOS[name], self._factory.mktemp(name))
        self[name] = path
        return path


@pytest.fixture(scope="session")
def all_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Key]:
    """Real SSH keys of the test people (alice, bob, …), made once."""
    return keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The GitHub API emulator for acme/infra; a request or answer off GitHub's OpenAPI
    description fails the test."""
    with Emulator(GitHub("acme", "infra")) as server:
        yield server
        assert server.state.violations == [], "\n".join(server.state.violations)


@pytest.fixture
def destroy(real_plans: dict[str, Path]) -> Path:
    """A real plan that destroys the whole test environment."""
    return real_plans["destroy"]


GOLDEN = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/ and schema/ from the current output (review the diff)",
    )


class Golden:
    """Compare an output with its committed copy, or rewrite the copy with --update-golden."""

    def __init__(self, update: bool) -> None:
        self.update = update

    def check(self, path: Path, text: str) -> None:
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.is_file(), f"{path} is missing: run pytest --update-golden and review it"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"{path} differs: run pytest --update-golden and review the diff"


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    return Golden(bool(request.config.getoption("--update-golden")))
