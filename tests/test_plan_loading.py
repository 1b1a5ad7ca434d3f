"""Bad input gets exit 2 and a message that says what and where; good input in every form loads."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import cli
from terraform_runner import Terraform

Maker = Callable[[Terraform, Path], Path]


def _mutated(change: Callable[[dict], None]) -> Maker:  # type: ignore[type-arg]
    def make(tf: Terraform, workdir: Path) -> Path:
        doc = json.loads((workdir / "plan.json").read_text())
        change(doc)
        out = workdir / "mutated.json"
        out.write_text(json.dumps(doc))
        return out

    return make


def _written(name: str, data: Callable[[Terraform, Path], bytes]) -> Maker:
    def make(tf: Terraform, workdir: Path) -> Path:
        out = workdir / name
        out.write_bytes(data(tf, workdir))
        return out

    return make


def _truncate(tf: Terraform, workdir: Path) -> bytes:
    data = (workdir / "plan.json").read_bytes()
    return data[: len(data) // 2]


def _set_actions(doc: dict) -> None:  # type: ignore[type-arg]
    doc["resource_changes"][0]["change"]["actions"] = "delete"


def _set_format(doc: dict) -> None:  # type: ignore[type-arg]
    doc["format_version"] = "2.0"


def _bad_change(doc: dict) -> None:  # type: ignore[type-arg]
    doc["resource_changes"][1]["change"] = ["not", "an", "object"]


def _bad_address(doc: dict) -> None:  # type: ignore[type-arg]
    doc["resource_changes"][0]["address"] = "not an address!"


def _unknown_action(doc: dict) -> None:  # type: ignore[type-arg]
    doc["resource_changes"][0]["change"]["actions"] = ["explode"]


# (case id, how to make the bad input from a real plan's working directory, expected words)
BAD_INPUTS: list[tuple[str, Maker, list[str]]] = [
    ("truncated", _written("cut.json", _truncate), ["ends early", "truncated"]),
    (
        "human-readable plan",
        _written("plan.txt", lambda tf, wd: tf.run(wd, "show", "-no-color", "tfplan").encode()),
        ["human-readable plan", "not JSON", "terraform show -json"],
    ),
    (
        "state via show -json",
        _written("state.json", lambda tf, wd: tf.run(wd, "show", "-json").encode()),
        ["*state*", "no plan file"],
    ),
    (
        "raw state file",
        lambda tf, wd: wd / "terraform.tfstate",
        ["state file", "not a plan"],
    ),
    (
        "plan -json log stream",
        _written(
            "log.jsonl",
            lambda tf, wd: tf.run(wd, "plan", "-json", "-input=false", "-no-color").encode(),
        ),
        ["log stream", "not a plan"],
    ),
    ("unknown major format", _mutated(_set_format), ["$.format_version", "'2.0'", "upgrade"]),
    (
        "actions not a list",
        _mutated(_set_actions),
        ["$.resource_changes[0].change.actions", "a list"],
    ),
    ("change not an object", _mutated(_bad_change), ["$.resource_changes[1].change", "got a list"]),
    ("bad address", _mutated(_bad_address), ["$.resource_changes[0].address", "resource address"]),
    (
        "unknown action",
        _mutated(_unknown_action),
        ["$.resource_changes[0].change.actions", "known action"],
    ),
    ("empty file", _written("empty.json", lambda tf, wd: b"  \n"), ["is empty"]),
    ("not UTF-8", _written("latin1.json", lambda tf, wd: b'{"a": "\xff"}'), ["not UTF-8", "byte"]),
    ("NaN", _written("nan.json", lambda tf, wd: b'{"format_version": NaN}'), ["NaN"]),
    ("JSON list", _written("list.json", lambda tf, wd: b"[1, 2]"), ["a list", "not a plan"]),
    ("unrelated JSON", _written("pkg.json", lambda tf, wd: b'{"name": "x"}'), ["none of the keys"]),
    ("missing file", lambda tf, wd: wd / "nope.json", ["no such file"]),
    ("directory", lambda tf, wd: wd / "modules", ["a directory with no plan files", "tfplan"]),
]


@pytest.mark.parametrize(("case", "make", "words"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_exits_2_with_a_clear_message(
    case: str,
    make: Maker,
    words: list[str],
    real_plans: dict[str, Path],
    terraform: Terraform,
    tmp_path: Path,
) -> None:
    workdir = tmp_path / "root"
    shutil.copytree(real_plans["replace_cascade"].parent, workdir, symlinks=True)
    bad = make(terraform, workdir)
    result = cli(["analyze", str(bad)])
    assert result.code == 2, (case, result)
    assert "Traceback" not in result.err
    for word in words:
        assert word in result.err, (case, result.err)
    assert str(bad.name) in result.err


def test_stdin_is_read_with_dash(real_plans: dict[str, Path]) -> None:
    data = real_plans["replace_cascade"].read_bytes()
    result = cli(["analyze", "-", "--format", "json"], stdin=data)
    assert result.code == 0, result.err
    assert result.json()["roots"][0]["name"] == "<stdin>"  # type: ignore[index]


def test_binary_plan_is_shown_with_terraform(
    real_plans: dict[str, Path], terraform: Terraform, tmp_path: Path
) -> None:
    binary = real_plans["replace_cascade"].parent / "tfplan"
    tf_bin = str(terraform.executable(tmp_path))
    from_binary = cli(["analyze", str(binary), "--format", "json", "--terraform-bin", tf_bin])
    from_json = cli(["analyze", str(real_plans["replace_cascade"]), "--format", "json"])
    assert from_binary.code == 0, from_binary.err
    findings = lambda r: r.json()["roots"][0]["findings"]  # noqa: E731
    assert [f["id"].split(":", 1)[1] for f in findings(from_binary)] == [
        f["id"].split(":", 1)[1] for f in findings(from_json)
    ]


def test_binary_plan_without_the_binary_says_what_to_do(real_plans: dict[str, Path]) -> None:
    binary = real_plans["replace_cascade"].parent / "tfplan"
    result = cli(["analyze", str(binary), "--terraform-bin", "no-such-tofu"])
    assert result.code == 2
    assert "binary plan" in result.err and "--terraform-bin" in result.err


def test_binary_plan_shown_by_a_failing_binary_reports_the_failure(
    real_plans: dict[str, Path], tmp_path: Path
) -> None:
    fake = tmp_path / "faketf"
    fake.write_text("#!/bin/sh\necho 'Error: plan file was created by OpenTofu' >&2\nexit 1\n")
    fake.chmod(0o755)
    binary = real_plans["replace_cascade"].parent / "tfplan"
    result = cli(["analyze", str(binary), "--terraform-bin", str(fake)])
    assert result.code == 2
    assert "failed (exit 1)" in result.err and "created by OpenTofu" in result.err
