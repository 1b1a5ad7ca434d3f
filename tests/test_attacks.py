"""The gate cannot be talked out of blocking: each class of attack an agent could try when it
runs its own gate (flags, environment, working-tree files, commits and tags it can push),
reproduced with real git repositories, real SSH keys and real Terraform plans, and shown to
fail. docs/security.md lists each class with the test here that covers it."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from gate_workspace import POLICY, add_change, make_repo
from github_emulator import Emulator, Fault
from gitrepo import Key, commit, git
from helpers import cli
from terraform_runner import Terraform
from test_github import PR, Scene, scene

from planguard.approvals.model import ApprovalScope
from planguard.approvals.ssh import sign_approval

pytestmark = pytest.mark.usefixtures("clean_env")

LOOSE = "thresholds: {ai: {high: pass, critical: review}}\n"
SUPPRESS_ALL = """suppressions:
  - address: "*"
    rule: "*"
    reason: nothing to see
    expires: 2999-01-01
    accepted_by: "@mallory"
"""


@pytest.fixture
def ai_change(tmp_path: Path, all_keys: dict[str, Key], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose `main` holds the trusted policy, checked out on an AI-authored change
    (a Claude trailer on its commit), as the working directory."""
    repo = make_repo(tmp_path / "repo", all_keys)
    add_change(repo, "ai-trailer")
    monkeypatch.chdir(repo)
    return repo


def approve_as(plan: str, key: Key, out: Path) -> None:
    """`planguard approve` run by `key`'s owner, with the policy from main."""
    args = ["approve", plan, "--policy-ref", "main", "--as", key.login, "--key", str(key.private)]
    signed = cli([*args, "-o", str(out)])
    assert signed.code == 0, signed.err


def check_json(plan: Path | str, *args: str) -> tuple[int, dict[str, object], str]:
    result = cli(["check", str(plan), *args, "--format", "json"])
    assert result.code in (0, 1), result.err
    return result.code, result.json(), result.err  # type: ignore[return-value]


# -- 2. the trusted ref cannot be made to contain the change ------------------------------------


def test_a_tag_that_shadows_the_base_branch_is_refused(
    ai_change: Path, real_plans: dict[str, Path]
) -> None:
    """git reads a short name as a tag before a branch: a tag `main` on the agent's own commit
    would make its loosened policy the trusted one."""
    commit(ai_change, "loosen", {".planguard.yml": LOOSE})
    git(ai_change, "tag", "main")
    result = cli(["check", str(real_plans["destroy"]), "--base", "main"])
    assert result.code == 2, result.out
    assert "ambiguous" in result.err and "refs/tags/main" in result.err


@pytest.mark.parametrize("ref", ["HEAD", "head-commit", "first-change-commit"])
def test_a_policy_ref_inside_the_change_is_refused(
    ref: str, ai_change: Path, real_plans: dict[str, Path]
) -> None:
    first = git(ai_change, "rev-parse", "HEAD").strip()
    commit(ai_change, "loosen", {".planguard.yml": LOOSE + SUPPRESS_ALL})
    head = git(ai_change, "rev-parse", "HEAD").strip()
    named = {"HEAD": "HEAD", "head-commit": head, "first-change-commit": first}[ref]
    result = cli(["check", str(real_plans["destroy"]), "--base", "main", "--policy-ref", named])
    assert result.code == 2, result.out
    assert "not a trusted ref" in result.err


def test_the_base_cannot_be_the_change_itself(
    ai_change: Path, real_plans: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`PLANGUARD_BASE=HEAD` would read the policy from the change and leave no commits to
    read trailers from."""
    commit(ai_change, "loosen", {".planguard.yml": LOOSE + SUPPRESS_ALL})
    monkeypatch.setenv("PLANGUARD_BASE", "HEAD")
    result = cli(["check", str(real_plans["destroy"])])
    assert result.code == 2 and "not a trusted ref" in result.err


def test_expressions_are_not_trusted_refs(ai_change: Path, real_plans: dict[str, Path]) -> None:
    result = cli(["check", str(real_plans["destroy"]), "--base", "main~0"])
    assert result.code == 2 and "not an expression" in result.err


def test_the_pull_request_base_commit_is_trusted(
    ai_change: Path, real_plans: dict[str, Path]
) -> None:
    base = git(ai_change, "rev-parse", "main").strip()
    code, body, _ = check_json(real_plans["destroy"], "--base", base)
    assert code == 1 and body["decision"]["verdict"] == "review required"  # type: ignore[index]


# -- 7. parse warnings never quote the source ---------------------------------------------------


def test_a_file_that_does_not_parse_is_named_but_never_quoted(
    ai_change: Path, real_plans: dict[str, Path]
) -> None:
    secret = "@sekrit-Tok3n-XYZ"
    (ai_change / "broken.tf").write_text(f'resource "x" "y" {{\n  password = {secret}\n}}\n')
    (ai_change / "broken.tfvars").write_text(f"token = {secret}\n")
    base = git(ai_change, "rev-parse", "main").strip()
    plan = real_plans["destroy"]
    outputs = [
        cli(["check", str(plan), "--base", base, "--source", ".", "--format", f]).out
        for f in ("json", "markdown", "text", "sarif")
    ]
    warnings = json.loads(outputs[0])["report"]["roots"][0]["source"]["warnings"]
    assert any(w.startswith("broken.tf:2: does not parse") for w in warnings), warnings
    assert any("column" in w for w in warnings), warnings
    for text in outputs:
        assert "sekrit" not in text and "Tok3n" not in text


# -- 1. with no trusted ref, the working tree can only tighten ----------------------------------


def test_no_trusted_ref_the_working_tree_cannot_loosen_the_gate(
    ai_change: Path, real_plans: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agent runs its own gate (CLAUDECODE=1) with no --base: one suppression line, lower
    thresholds, its own reviewer and a ruleset that calls everything stateless."""
    monkeypatch.setenv("CLAUDECODE", "1")
    (ai_change / ".planguard.yml").write_text(
        LOOSE + SUPPRESS_ALL + "reviewers: {default: ['@mallory']}\nrulesets: [lax.yaml]\n"
    )
    (ai_change / "lax.yaml").write_text("ruleset: lax\nclasses:\n  stateless: ['*']\n")
    code, body, _ = check_json(real_plans["destroy"])
    decision = body["decision"]
    assert code == 1 and decision["verdict"] == "review required", decision["verdict"]  # type: ignore[index]
    assert decision["authorship"]["kind"] == "ai"  # type: ignore[index]
    assert not any(i["suppression"] for i in decision["items"])  # type: ignore[index,union-attr]
    assert all(r["reviewers"] == [] for r in decision["requirements"])  # type: ignore[index,union-attr]
    notes = " ".join(body["notes"])  # type: ignore[arg-type]
    assert "no trusted policy" in notes and "--base" in notes
    assert body["report"]["rulesets"] and not any("lax" in r for r in body["report"]["rulesets"])  # type: ignore[index,union-attr]


def test_no_trusted_ref_the_working_tree_can_still_tighten(
    ai_change: Path, real_plans: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDECODE", "1")
    (ai_change / ".planguard.yml").write_text("thresholds: {ai: {critical: block}}\n")
    code, body, _ = check_json(real_plans["destroy"])
    assert code == 1 and body["decision"]["verdict"] == "block"  # type: ignore[index]


# -- 3. flags that name policy inputs are held to the trusted ref -------------------------------


def test_a_ruleset_flag_inside_the_repository_is_read_from_the_trusted_ref(
    ai_change: Path, real_plans: dict[str, Path]
) -> None:
    git(ai_change, "checkout", "-q", "main")
    commit(
        ai_change,
        "team rules",
        {"rules/team.yaml": "ruleset: team\nclasses:\n  stateful: [terraform_data]\n"},
    )
    git(ai_change, "checkout", "-q", "change")
    git(ai_change, "merge", "-q", "main", "-m", "up to date")
    commit(
        ai_change,
        "reclassify",
        {"rules/team.yaml": "ruleset: team\nclasses:\n  stateless: [terraform_data]\n"},
    )
    _, body, _ = check_json(real_plans["destroy"], "--base", "main", "--ruleset", "rules/team.yaml")
    findings = body["report"]["roots"][0]["findings"]  # type: ignore[index]
    classes = {f["resource_class"] for f in findings if f["resource_type"] == "terraform_data"}  # type: ignore[index]
    assert classes == {"stateful"}, classes
    assert "rules/team.yaml" in body["decision"]["policy_changes"]  # type: ignore[index]


SLOW = pytest.mark.slow
GATE_FILES = [
    # (file the change edits, whether it is the gate's own); a real repository each (~0.4 s)
    (".github/workflows/planguard.yml", True),  # drops the trigger, sets fail-on: never
    pytest.param(".github/workflows/release.yml", True, marks=SLOW),  # posts its own status
    pytest.param(".github/actions/plan/action.yml", True, marks=SLOW),
    pytest.param("action.yml", True, marks=SLOW),  # planguard's action, vendored
    pytest.param("ci/gate/action.yaml", True, marks=SLOW),  # a local action (`uses: ./ci/gate`)
    ('.github/workflows/a"b.yml', True),  # a name git quotes without -z
    pytest.param("CODEOWNERS", True, marks=SLOW),
    (".github/CODEOWNERS", True),
    pytest.param("docs/CODEOWNERS", True, marks=SLOW),
    ("docs/workflows.md", False),
    pytest.param("modules/github/workflows.tf", False, marks=SLOW),
]


@pytest.mark.parametrize(("path", "guarded"), GATE_FILES)
def test_a_change_to_the_gates_own_delivery_is_a_policy_change(
    path: str, guarded: bool, ai_change: Path, real_plans: dict[str, Path]
) -> None:
    """Issue 23: the workflow that runs planguard, a vendored action.yml and CODEOWNERS are
    the gate too: the policy owners (@carol) must approve a change to them."""
    commit(ai_change, "tweak", {path: "on: [push]\n"})
    _, body, _ = check_json(real_plans["destroy"], "--base", "main")
    decision = body["decision"]
    owners = [r for r in decision["requirements"] if r["rule"] == "reviewers.policy_owners"]  # type: ignore[index,union-attr]
    assert (path in decision["policy_changes"]) is guarded  # type: ignore[index,operator]
    assert bool(owners) is guarded
    if guarded:
        assert owners[0]["reviewers"] == ["carol"], owners
        assert any(path in reason for reason in decision["reasons"])  # type: ignore[index,union-attr]


def test_the_gates_files_are_the_trusted_policys_to_name(
    ai_change: Path, real_plans: dict[str, Path]
) -> None:
    """A change cannot narrow `gate_files` to slip its own workflow edit through."""
    commit(
        ai_change,
        "narrow",
        {".planguard.yml": "gate_files: []\n", ".github/workflows/planguard.yml": "on: []\n"},
    )
    _, body, _ = check_json(real_plans["destroy"], "--base", "main")
    changes = body["decision"]["policy_changes"]  # type: ignore[index]
    assert ".github/workflows/planguard.yml" in changes and ".planguard.yml" in changes  # type: ignore[operator]


def test_keys_named_on_the_command_line_come_from_the_trusted_ref(
    ai_change: Path, real_plans: dict[str, Path], all_keys: dict[str, Key], tmp_path: Path
) -> None:
    """The agent lists its own key under alice's name and signs as alice."""
    mallory = all_keys["mallory"]
    forged = tmp_path / "forged_signers"
    forged.write_text(f"alice {mallory.public}\n")
    commit(ai_change, "my keys", {".planguard/allowed_signers": f"alice {mallory.public}\n"})
    plan = real_plans["destroy"]
    out = tmp_path / "approvals"
    out.mkdir()
    signed = cli(
        [
            "approve",
            str(plan),
            "--as",
            "alice",
            "--key",
            str(mallory.private),
            "-o",
            str(out),
        ]
    )
    assert signed.code == 0, signed.err
    inside = cli(
        [
            "check",
            str(plan),
            "--base",
            "main",
            "--allowed-signers",
            ".planguard/allowed_signers",
            "--approvals",
            str(out),
            "--format",
            "json",
        ]
    )
    assert inside.code == 1 and inside.json()["decision"]["approvals"]["accepted"] == []  # type: ignore[index]
    outside = cli(
        [
            "check",
            str(plan),
            "--base",
            "main",
            "--allowed-signers",
            str(forged),
            "--approvals",
            str(out),
        ]
    )
    assert outside.code == 2 and "not named by the policy" in outside.err


# -- 6. a commit author cannot approve on GitHub; missing commits are never "human" -------------


def _report(s: Scene) -> dict[str, object]:
    return json.loads((s.runner.temp / "planguard-report.json").read_text())  # type: ignore[no-any-return]


def test_a_reviewer_who_pushed_a_commit_under_another_email_cannot_approve(
    tmp_path: Path, emulator: Emulator, all_keys: dict[str, Key], destroy: Path
) -> None:
    s = scene(
        tmp_path, emulator, all_keys, destroy, author="dave", author_type="User", change="human"
    )
    fixup = {
        "sha": "f" * 40,
        "name": "Alice",
        "email": "alice@corp.example",
        "message": "fix",
        "login": "alice",
    }
    s.gh.pulls[PR].commits.append(fixup)
    s.gh.review(PR, "alice", "APPROVED", s.head)
    result = s.run()
    assert result.code == 1, result.err
    rejected = _report(s)["decision"]["approvals"]["rejected"]  # type: ignore[index]
    assert any(r["reviewer"] == "alice" and "author" in r["reason"] for r in rejected), rejected  # type: ignore[index,union-attr]
    assert s.statuses()[-1]["state"] == "failure"


def test_a_commit_list_github_cannot_give_whole_makes_the_author_unknown(
    tmp_path: Path, emulator: Emulator, all_keys: dict[str, Key], destroy: Path
) -> None:
    s = scene(
        tmp_path, emulator, all_keys, destroy, author="dave", author_type="User", change="human"
    )
    s.gh.pulls[PR].listed_commits = 300  # more than the 250 the API lists
    s.run()
    authorship = _report(s)["decision"]["authorship"]  # type: ignore[index]
    assert authorship["kind"] == "unknown", authorship  # type: ignore[index]
    s.gh.faults.append(
        Fault("GET", r"/pulls/\d+/commits$", 500, body={"message": "down"}, times=50)
    )
    s.run()
    assert _report(s)["decision"]["authorship"]["kind"] == "unknown"  # type: ignore[index]


# -- 8. whoever runs planguard cannot lower the policy's floor -----------------------------------


def test_the_trusted_policy_pins_a_floor_no_flag_or_variable_lowers(
    ai_change: Path, real_plans: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    git(ai_change, "checkout", "-q", "main")
    commit(ai_change, "floor", {".planguard.yml": POLICY + "enforce: {fail_on: review}\n"})
    git(ai_change, "checkout", "-q", "change")
    git(ai_change, "merge", "-q", "main", "-m", "up to date")
    plan = str(real_plans["destroy"])
    flagged = cli(["check", plan, "--base", "main", "--fail-on", "never"])
    assert flagged.code == 1 and "enforce.fail_on: review" in flagged.out
    monkeypatch.setenv("PLANGUARD_FAIL_ON", "block")
    assert cli(["check", plan, "--base", "main"]).code == 1


# -- 5. every mode audits, and says what digest to keep -----------------------------------------


def test_the_action_appends_every_decision_and_outputs_the_head(
    tmp_path: Path, emulator: Emulator, all_keys: dict[str, Key], destroy: Path
) -> None:
    s = scene(tmp_path, emulator, all_keys, destroy)
    first, second = s.run(), s.run()
    log = s.runner.temp / "planguard-audit.jsonl"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["verdict"] for e in entries] == ["review required", "review required"]
    assert first.outputs["audit-head"] != second.outputs["audit-head"]
    assert second.outputs["audit-head"] in second.err
    verified = cli(["audit", "verify", str(log), "--expect-head", second.outputs["audit-head"]])
    assert verified.code == 0, verified.out


def test_the_local_check_prints_the_head_to_keep(
    ai_change: Path, real_plans: dict[str, Path], tmp_path: Path
) -> None:
    log = tmp_path / "audit.jsonl"
    result = cli(["check", str(real_plans["destroy"]), "--base", "main", "--audit-log", str(log)])
    head = result.err.strip().rsplit(" ", 1)[-1]
    assert len(head) == 64 and cli(["audit", "verify", str(log), "--expect-head", head]).code == 0


# -- 4. an approval holds for this environment, this repository, for a while ----------------------


@pytest.fixture
def two_workspaces(terraform: Terraform, tmp_path: Path) -> dict[str, Path]:
    """One configuration applied in the workspaces staging and prod, each planned for teardown;
    and staging planned again against the same state."""
    config = tmp_path / "config"
    shutil.copytree(Path(__file__).parent / "terraform" / "env", config)
    terraform.run(config, "init", "-input=false", "-no-color")
    plans = {}
    for workspace in ("staging", "prod"):
        terraform.run(config, "workspace", "new", workspace)
        terraform.run(config, "apply", "-auto-approve", "-input=false", "-no-color")
    for name, workspace in (("staging", "staging"), ("prod", "prod"), ("again", "staging")):
        terraform.run(config, "workspace", "select", workspace)
        terraform.run(
            config, "plan", "-destroy", "-input=false", "-no-color", f"-out={name}.tfplan"
        )
        plans[name] = tmp_path / f"{name}.json"
        plans[name].write_text(terraform.run(config, "show", "-json", f"{name}.tfplan"))
    return plans


def test_an_approval_of_staging_does_not_approve_prod(
    ai_change: Path, two_workspaces: dict[str, Path], all_keys: dict[str, Key], tmp_path: Path
) -> None:
    alice = all_keys["alice"]
    out = tmp_path / "approvals"
    out.mkdir()
    staging = f"staging={two_workspaces['staging']}"
    approve_as(staging, alice, out)

    def verdict(plan: str) -> tuple[str, list[str]]:
        _, body, _ = check_json(plan, "--base", "main", "--approvals", str(out))
        decision = body["decision"]
        reasons = [r["reason"] for r in decision["approvals"]["rejected"]]  # type: ignore[index]
        return decision["verdict"], reasons  # type: ignore[index,return-value]

    assert verdict(staging)[0] == "approved"
    assert verdict(f"staging={two_workspaces['again']}")[0] == "approved"  # re-planned
    prod, reasons = verdict(f"prod={two_workspaces['prod']}")
    assert prod == "review required" and "fingerprint" in reasons[0]
    # prod's plan passed off under staging's name: the objects it destroys are other ones
    disguised, reasons = verdict(f"staging={two_workspaces['prod']}")
    assert disguised == "review required" and "fingerprint" in reasons[0]


def test_an_approval_names_its_repository_and_expires(
    ai_change: Path,
    real_plans: dict[str, Path],
    all_keys: dict[str, Key],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = str(real_plans["destroy"])
    alice = all_keys["alice"]
    out = tmp_path / "approvals"
    out.mkdir()
    approve_as(plan, alice, out)
    [approval] = out.glob("*.approval")
    body = json.loads(approval.read_text())
    assert body["repository"] == "repo" and body["not_after"] > body["signed_at"]
    assert (
        check_json(plan, "--base", "main", "--approvals", str(out))[1]["decision"]["verdict"]
        == "approved"
    )  # type: ignore[index]

    # The same file carried to another repository does not count there.
    other = make_repo(tmp_path / "other", all_keys)
    add_change(other, "ai-trailer")
    monkeypatch.chdir(other)
    _, elsewhere, _ = check_json(plan, "--base", "main", "--approvals", str(out))
    assert "repository" in elsewhere["decision"]["approvals"]["rejected"][0]["reason"]  # type: ignore[index]

    # Signed with alice's real key, but a week and a day ago: expired.
    monkeypatch.chdir(ai_change)
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=8)
    scope = ApprovalScope("repo", (), old.isoformat(), (old + dt.timedelta(days=7)).isoformat())
    approval.write_text(sign_approval(body["fingerprint"], "alice", alice.private, scope))
    _, stale, _ = check_json(plan, "--base", "main", "--approvals", str(out))
    assert "expired" in stale["decision"]["approvals"]["rejected"][0]["reason"]  # type: ignore[index]
    # …one signed in the future (so that it would never expire) is refused…
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=365)
    scope = ApprovalScope("repo", (), later.isoformat(), (later + dt.timedelta(days=7)).isoformat())
    approval.write_text(sign_approval(body["fingerprint"], "alice", alice.private, scope))
    _, future, _ = check_json(plan, "--base", "main", "--approvals", str(out))
    assert "future" in future["decision"]["approvals"]["rejected"][0]["reason"]  # type: ignore[index]
    # …and one that claims to last a year is refused however fresh.
    now = dt.datetime.now(dt.timezone.utc)
    scope = ApprovalScope("repo", (), now.isoformat(), (now + dt.timedelta(days=365)).isoformat())
    approval.write_text(sign_approval(body["fingerprint"], "alice", alice.private, scope))
    _, long_lived, _ = check_json(plan, "--base", "main", "--approvals", str(out))
    assert (
        "longer than the policy allows"
        in long_lived["decision"]["approvals"]["rejected"][0]["reason"]
    )  # type: ignore[index]


# -- 9. a hand-edited plan is a finding that needs review ---------------------------------------


def _edited(plan: Path, tmp_path: Path, edit: str) -> Path:
    doc = json.loads(plan.read_text())
    changes = doc["resource_changes"]
    deletes = [c for c in changes if c["change"]["actions"] == ["delete"]]
    if edit == "destroys turned into no-ops":
        for c in deletes:
            c["change"]["actions"] = ["no-op"]
    elif edit == "destroys left out":  # all of them would read as a refresh-only plan
        doc["resource_changes"] = [c for c in changes if c not in deletes[: len(deletes) // 2]]
    elif edit == "everything forgotten":
        for c in deletes:
            c["change"]["actions"] = ["forget"]
    out = tmp_path / "edited.json"
    out.write_text(json.dumps(doc))
    return out


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        ("destroys turned into no-ops", "no-op with nothing after it"),
        ("destroys left out", "in the prior state but not in resource_changes"),
        ("everything forgotten", "forgotten while its resource block is still declared"),
    ],
)
def test_a_hand_edited_plan_needs_review_and_says_why(
    edit: str, named: str, ai_change: Path, real_plans: dict[str, Path], tmp_path: Path
) -> None:
    plan = _edited(real_plans["destroy"], tmp_path, edit)
    code, body, _ = check_json(plan, "--base", "main")
    decision = body["decision"]
    items = [i for i in decision["items"] if i["finding"]["rule"] == "inconsistent-plan"]  # type: ignore[index,union-attr]
    assert code == 1 and decision["verdict"] in ("review required", "block"), decision["verdict"]  # type: ignore[index]
    assert items and items[0]["action"] in ("review", "block")
    reasons = " ".join(c["reason"] for c in items[0]["finding"]["components"])
    assert named in reasons, reasons


def test_no_corpus_plan_is_called_inconsistent() -> None:
    corpus = sorted((Path(__file__).parent / "corpus").glob("*.json"))
    plans = [str(p) for p in corpus if p.name != "manifest.json"]
    report = cli(["analyze", *plans, "--format", "json"]).json()
    kinds = {f["rule"] for root in report["roots"] for f in root["findings"]}  # type: ignore[index,union-attr]
    assert "inconsistent-plan" not in kinds


# -- second reading: forged context, rolled-back policy, the default floor ----------------------


@pytest.mark.parametrize(
    "forged", ["a human PR author in an event file", "GITHUB_ACTOR=dependabot"]
)
def test_a_local_run_cannot_claim_a_person_or_a_bot(
    forged: str, ai_change: Path, real_plans: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A local run's event file and environment are the agent's to write: with no trusted ref
    the working tree still only tightens, and no forged claim makes the author human."""
    (ai_change / ".planguard.yml").write_text(LOOSE + SUPPRESS_ALL)
    args = [str(real_plans["destroy"])]
    if forged.startswith("a human"):
        event = ai_change.parent / "event.json"
        pr = {"number": 1, "user": {"login": "alice", "id": 7, "type": "User"}, "head": {}}
        event.write_text(json.dumps({"pull_request": pr}))
        args += ["--event", str(event)]
    else:
        monkeypatch.setenv("GITHUB_ACTOR", "dependabot[bot]")
    code, body, _ = check_json(*args)
    decision = body["decision"]
    assert code == 1 and decision["verdict"] == "review required", decision["verdict"]  # type: ignore[index]
    assert decision["authorship"]["kind"] == "unknown"  # type: ignore[index]


def test_an_older_policy_ref_cannot_roll_back_the_base(
    ai_change: Path, real_plans: dict[str, Path]
) -> None:
    older = git(ai_change, "rev-parse", "main").strip()
    git(ai_change, "checkout", "-q", "main")
    commit(ai_change, "harden", {".planguard.yml": POLICY + "enforce: {fail_on: review}\n"})
    git(ai_change, "checkout", "-q", "change")
    git(ai_change, "merge", "-q", "main", "-m", "up to date")
    plan = str(real_plans["destroy"])
    result = cli(["check", plan, "--base", "main", "--policy-ref", older, "--fail-on", "never"])
    assert result.code == 2 and "roll back" in result.err


def test_without_a_trusted_ref_the_exit_code_cannot_be_lowered(
    ai_change: Path, real_plans: dict[str, Path]
) -> None:
    result = cli(["check", str(real_plans["destroy"]), "--fail-on", "never"])
    assert result.code == 1 and "enforce.fail_on: review" in result.out


def test_a_file_outside_the_repository_the_policy_names_is_used(
    ai_change: Path, real_plans: dict[str, Path], all_keys: dict[str, Key], tmp_path: Path
) -> None:
    """The other side of `--allowed-signers` outside the repository: named by the trusted
    policy, it is taken (and alice's real approval counts)."""
    signers = tmp_path / "managed" / "allowed_signers"
    signers.parent.mkdir()
    signers.write_text(f"alice {all_keys['alice'].public}\n")
    git(ai_change, "checkout", "-q", "main")
    commit(
        ai_change,
        "managed keys",
        {".planguard.yml": POLICY.replace(".planguard/allowed_signers", str(signers))},
    )
    git(ai_change, "checkout", "-q", "change")
    git(ai_change, "merge", "-q", "main", "-m", "up to date")
    plan = str(real_plans["destroy"])
    out = tmp_path / "approvals"
    out.mkdir()
    approve_as(plan, all_keys["alice"], out)
    _, body, _ = check_json(
        plan, "--base", "main", "--allowed-signers", str(signers), "--approvals", str(out)
    )
    assert body["decision"]["verdict"] == "approved", body["decision"]["approvals"]  # type: ignore[index]
