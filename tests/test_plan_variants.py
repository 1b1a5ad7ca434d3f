"""Plans as users really make them, that planguard used to refuse (issue #19).

Each is made the way users make it, from a real plan Terraform writes in the test: Terraform
1.0.0's drift entries without `address`; PowerShell 5.1's `>` (UTF-16 with a byte order mark);
hashicorp/setup-terraform's wrapper around stdout; several plans written into one file. Each is
read, or refused with a message that says what the file is and how to fix it, never quoting a
value from the plan.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import CliResult, cli

from planguard.plan import fast
from planguard.plan.load import load_plan, plan_from_bytes
from planguard.plan.parse import parse_plan

FIXTURES = Path(__file__).parent / "fixtures" / "plan_variants"

Doc = dict[str, object]


def _ids(plan: Path) -> list[str]:
    """The resource ids in a real plan: values no message may quote."""
    doc = json.loads(plan.read_text())
    return [c["change"]["before"]["id"] for c in doc["resource_changes"] if c["change"]["before"]]


def _analyze(path: Path) -> CliResult:
    return cli(["analyze", "--format", "json", str(path)])


def _root(result: CliResult) -> dict:  # type: ignore[type-arg]
    assert result.code == 0, result.err
    return result.json()["roots"][0]  # type: ignore[index,no-any-return]


def _same_analysis(variant: dict, original: dict) -> None:  # type: ignore[type-arg]
    """The variant is read as the plan it holds: the same summary and the same findings."""
    ignore = ("source", "warnings")
    assert {k: v for k, v in variant["plan"].items() if k not in ignore} == {
        k: v for k, v in original["plan"].items() if k not in ignore
    }
    fields = ("address", "tier", "score", "rule", "drifted")
    assert [[f[k] for k in fields] for f in variant["findings"]] == [
        [f[k] for k in fields] for f in original["findings"]
    ]


def _refused(result: CliResult, path: Path, secrets: list[str], *words: str) -> str:
    assert result.code == 2, result
    assert "Traceback" not in result.err
    assert result.err.startswith("planguard: error: ")
    assert path.name in result.err
    for word in words:
        assert word in result.err, result.err
    for secret in secrets:
        assert secret not in result.err
    return result.err


# -- 1. Terraform 1.0.0: resource_drift entries without `address` -------------------------------


def _as_terraform_1_0(doc: Doc) -> None:
    """What Terraform 1.0.0 writes when every resource drifted: drift entries have the parts of
    the address (module_address, mode, type, name, index) but not `address` (fixed in 1.0.1)."""
    doc["terraform_version"] = "1.0.0"
    doc["format_version"] = "0.2"
    changes = doc["resource_changes"]
    assert isinstance(changes, list)
    doc["resource_drift"] = [
        {
            **{k: v for k, v in change.items() if k != "address"},
            "change": {**change["change"], "actions": ["update"]},
        }
        for change in changes
    ]


def test_a_real_plan_shaped_as_terraform_1_0_drift_is_read(
    real_plans: dict[str, Path], tmp_path: Path
) -> None:
    doc = json.loads(real_plans["update"].read_text())
    _as_terraform_1_0(doc)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))

    plan = load_plan(str(path))
    made = [d.address for d in plan.resource_drift]
    assert made == [c.address for c in plan.resource_changes]
    assert 'module.worker["a"].terraform_data.job' in made  # a module instance's key
    assert "terraform_data.backup[1]" in made  # a count index
    assert 'module.app.terraform_data.service["web"]' in made  # a for_each key
    careful = parse_plan(json.loads(path.read_text()), str(path))
    assert plan == careful  # the fast reader and the careful one make the same addresses

    root = _root(_analyze(path))
    assert root["plan"]["drifted"] == len(made)
    [finding] = [f for f in root["findings"] if f["address"].endswith('service["web"]')]
    assert finding["drifted"] is True  # the made address is the changed resource's own


def test_a_hand_built_terraform_1_0_plan_loads_and_analyzes() -> None:
    path = FIXTURES / "terraform-1.0.0-drift.json"
    raw = json.loads(path.read_text())
    assert raw["terraform_version"] == "1.0.0"
    assert all("address" not in d for d in raw["resource_drift"])

    plan = load_plan(str(path))
    assert [d.address for d in plan.resource_drift] == [
        "aws_s3_bucket.logs",
        'module.app["web"].aws_instance.server[0]',
        'aws_iam_user.team["alice"]',
    ]
    assert plan == parse_plan(raw, str(path))

    root = _root(_analyze(path))
    assert root["plan"]["terraform_version"] == "1.0.0"
    assert root["plan"]["drifted"] == 3
    assert {f["address"]: f["drifted"] for f in root["findings"]} == {
        "aws_s3_bucket.logs": True,
        'module.app["web"].aws_instance.server[0]': True,
        'aws_iam_user.team["alice"]': True,
    }
    text = cli(["analyze", str(path)])
    assert text.code == 0, text.err
    assert "drift: changed outside Terraform" in text.out


@pytest.mark.parametrize(
    ("parts", "address"),
    [
        ({"mode": "managed", "type": "aws_vpc", "name": "main"}, "aws_vpc.main"),
        ({"mode": "data", "type": "aws_ami", "name": "base"}, "data.aws_ami.base"),
        ({"mode": "managed", "type": "t", "name": "n", "index": 0}, "t.n[0]"),
        ({"mode": "managed", "type": "t", "name": "n", "index": "a.b"}, 't.n["a.b"]'),
        ({"mode": "managed", "type": "t", "name": "n", "index": 'say "hi"'}, 't.n["say \\"hi\\""]'),
        (
            {"module_address": 'module.a["x"].module.b', "mode": "data", "type": "t", "name": "n"},
            'module.a["x"].module.b.data.t.n',
        ),
        (
            {
                "module_address": "module.net",
                "mode": "managed",
                "type": "t",
                "name": "n",
                "index": 2,
            },
            "module.net.t.n[2]",
        ),
    ],
)
def test_a_drift_address_is_made_from_its_parts(parts: Doc, address: str) -> None:
    entry = {**parts, "provider_name": "p", "change": {"actions": ["update"]}}
    doc: Doc = {"format_version": "0.2", "resource_changes": [], "resource_drift": [entry]}
    data = json.dumps(doc).encode()
    plan = plan_from_bytes(data, "plan.json")
    assert [d.address for d in plan.resource_drift] == [address]
    assert plan.resource_drift[0].mode == parts["mode"]
    assert fast.read_plan(data, "plan.json") == parse_plan(doc, "plan.json")


@pytest.mark.parametrize(
    "entry",
    [
        {"mode": "managed", "name": "n"},  # no type
        {"mode": "resource", "type": "t", "name": "n"},
        {"mode": "managed", "type": "t", "name": "n", "index": 1.5},
        {"mode": "managed", "type": "t", "name": "n", "index": True},
        {"mode": "managed", "type": "t", "name": "n", "module_address": 3},
    ],
)
def test_a_drift_entry_that_makes_no_address_is_refused_by_path(entry: Doc, tmp_path: Path) -> None:
    doc = {
        "format_version": "0.2",
        "resource_changes": [],
        "resource_drift": [
            {**entry, "change": {"actions": ["update"], "before": {"pw": "s3cr3t"}}}
        ],
    }
    path = tmp_path / "drift.json"
    path.write_text(json.dumps(doc))
    _refused(
        _analyze(path),
        path,
        ["s3cr3t"],
        "$.resource_drift[0].address",
        "module_address, mode, type, name and index",
    )


# -- 2. UTF-16 with a byte order mark (PowerShell 5.1's `>`) ------------------------------------


def _powershell(text: str) -> bytes:
    """`terraform show -json tfplan > plan.json` in Windows PowerShell 5.1: Out-File writes each
    line of the command's output with CRLF, as UTF-16 LE with a byte order mark."""
    return ("\ufeff" + "".join(line + "\r\n" for line in text.splitlines())).encode("utf-16-le")


ENCODINGS: list[tuple[str, Callable[[str], bytes]]] = [
    ("powershell-5.1", _powershell),
    ("utf-16-le", lambda text: ("\ufeff" + text).encode("utf-16-le")),
    ("utf-16-be", lambda text: ("\ufeff" + text).encode("utf-16-be")),
    ("utf-32-le", lambda text: ("\ufeff" + text).encode("utf-32-le")),
    ("utf-8-bom", lambda text: ("\ufeff" + text).encode("utf-8")),
]


@pytest.mark.parametrize(("case", "encode"), ENCODINGS, ids=[e[0] for e in ENCODINGS])
def test_a_plan_with_a_byte_order_mark_is_read(
    case: str, encode: Callable[[str], bytes], real_plans: dict[str, Path], tmp_path: Path
) -> None:
    original = real_plans["replace_cascade"]
    path = tmp_path / f"{case}.json"
    path.write_bytes(encode(original.read_text()))
    _same_analysis(_root(_analyze(path)), _root(_analyze(original)))


def test_utf16_on_stdin_is_read(real_plans: dict[str, Path]) -> None:
    original = real_plans["replace_cascade"]
    result = cli(["analyze", "-", "--format", "json"], stdin=_powershell(original.read_text()))
    _same_analysis(_root(result), _root(_analyze(original)))


def test_utf16_keeps_text_beyond_ascii() -> None:
    doc = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_s3_bucket.logs",
                "mode": "managed",
                "type": "aws_s3_bucket",
                "name": "logs",
                "change": {"actions": ["delete"], "before": {"tag": "naïve 🚀"}, "after": None},
            }
        ],
    }
    text = json.dumps(doc, ensure_ascii=False)
    plan = plan_from_bytes(("\ufeff" + text).encode("utf-16-le"), "plan.json")
    [change] = plan.resource_changes
    assert change.before.get(("tag",)) == "naïve 🚀"
    assert plan == plan_from_bytes(text.encode(), "plan.json")


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        (
            "odd.json",
            b"\xff\xfe" + '{"format_version":"1.2"}'.encode("utf-16-le") + b"\x00",
            ["UTF-16 LE byte order mark", "byte 50", "damaged or cut off"],
        ),
        (
            "surrogate.json",
            b"\xfe\xff" + "{}".encode("utf-16-be") + b"\xd8\x00\x00{",
            ["UTF-16 BE byte order mark", "byte 6"],
        ),
        (
            "no-bom.json",
            '{"format_version":"1.2","resource_changes":[]}\n'.encode("utf-16-le"),
            ["UTF-16 without a byte order mark", "UTF-8"],
        ),
        (
            "no-bom-be.json",
            '  {"format_version":"1.2"}'.encode("utf-16-be"),
            ["UTF-16 without a byte order mark"],
        ),
        ("bom-only.json", b"\xff\xfe", ["is empty"]),
    ],
)
def test_broken_utf16_is_refused_saying_so(
    name: str, data: bytes, words: list[str], tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    _refused(_analyze(path), path, [], *words)


# -- 3. hashicorp/setup-terraform's terraform_wrapper -------------------------------------------

_COMMAND = "/home/runner/work/_temp/3f1c0c50-1d5e-4f3a-9d53-2b1c5e4f7a10/terraform-bin"
_WINDOWS_COMMAND = r"D:\a\_temp\3f1c0c50-1d5e-4f3a-9d53-2b1c5e4f7a10\terraform-bin.exe"


def _escaped(value: str) -> str:
    """@actions/core's escaping of a workflow command's data."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _wrapped(
    stdout: str,
    *,
    set_output: bool = False,
    eol: str = "\n",
    command: str = _COMMAND,
    code: int = 0,
) -> str:
    """What `terraform show -json tfplan > plan.json` writes in a GitHub Actions step after
    hashicorp/setup-terraform with `terraform_wrapper: true` (wrapper/terraform.js, v1 and v2):
    @actions/exec echoes `[command]<terraform-bin> <args>` and passes Terraform's stdout through;
    then @actions/core's debug() writes `::debug::` lines, and setOutput(), on runners without
    $GITHUB_OUTPUT (setup-terraform v1), a blank line and a `::set-output` line per output."""
    out = f"[command]{command} show -json tfplan{eol}{stdout}"
    out += f"::debug::Terraform exited with code {code}.{eol}"
    out += f"::debug::stdout: {_escaped(stdout)}{eol}"
    out += f"::debug::stderr: {eol}"
    out += f"::debug::exitcode: {code}{eol}"
    if set_output:
        for name, value in (("stdout", stdout), ("stderr", ""), ("exitcode", str(code))):
            out += f"{eol}::set-output name={name}::{_escaped(value)}{eol}"
    return out


WRAPPERS: list[tuple[str, Callable[[str], str]]] = [
    ("setup-terraform-v2", _wrapped),
    ("setup-terraform-v1-set-output", lambda text: _wrapped(text, set_output=True)),
    ("windows-runner", lambda text: _wrapped(text, eol="\r\n", command=_WINDOWS_COMMAND)),
]


@pytest.mark.parametrize(("case", "wrap"), WRAPPERS, ids=[w[0] for w in WRAPPERS])
def test_a_plan_inside_setup_terraform_wrapper_output_is_read(
    case: str, wrap: Callable[[str], str], real_plans: dict[str, Path], tmp_path: Path
) -> None:
    original = real_plans["replace_cascade"]
    text = original.read_text().rstrip("\n") + "\n"  # as the terraform binary ends it
    assert "\n" not in text[:-1]  # Terraform writes a plan on one line
    path = tmp_path / "plan.json"
    path.write_text(wrap(text))
    root = _root(_analyze(path))
    _same_analysis(root, _root(_analyze(original)))
    [warning] = root["plan"]["warnings"]
    assert "terraform_wrapper" in warning and "terraform_wrapper: false" in warning


def _cut(text: str) -> str:
    wrapped = _wrapped(text)
    return wrapped[: len(wrapped) // 4]  # the runner stopped mid-plan


def _twice(text: str) -> str:
    return _wrapped(text) + _wrapped(text)  # `>>` in two steps


def _run_together(text: str) -> str:
    return _wrapped(text.rstrip("\n"))  # no newline between the plan and `::debug::`


def _failed(text: str) -> str:
    return _wrapped("", code=1)  # `show` failed: its error went to stderr


def _pretty(text: str) -> str:
    return _wrapped(json.dumps(json.loads(text), indent=2) + "\n")


BROKEN_WRAPPERS: list[tuple[str, Callable[[str], str], str]] = [
    ("cut off", _cut, "not one whole JSON object"),
    ("two runs appended", _twice, "other output is mixed into"),
    ("plan run into ::debug::", _run_together, "not one whole JSON object"),
    ("show failed", _failed, "no line of JSON follows the `[command]` line"),
    ("several lines", _pretty, "lines, not one line of plan JSON"),
]


@pytest.mark.parametrize(
    ("case", "make", "why"), BROKEN_WRAPPERS, ids=[b[0] for b in BROKEN_WRAPPERS]
)
def test_wrapper_output_without_one_intact_plan_is_refused_naming_the_wrapper(
    case: str, make: Callable[[str], str], why: str, real_plans: dict[str, Path], tmp_path: Path
) -> None:
    original = real_plans["replace_cascade"]
    path = tmp_path / "plan.json"
    path.write_text(make(original.read_text()))
    _refused(
        _analyze(path),
        path,
        _ids(original),
        "hashicorp/setup-terraform's terraform_wrapper",
        why,
        "`terraform_wrapper: false`",
        "terraform-bin show -json tfplan > plan.json",
    )


# -- 4. Several plans in one file ---------------------------------------------------------------

SEPARATORS = [("newline", ""), ("no newline", None)]


@pytest.mark.parametrize(("case", "sep"), SEPARATORS, ids=[s[0] for s in SEPARATORS])
def test_concatenated_plans_are_refused_saying_how_to_split_them(
    case: str, sep: str | None, real_plans: dict[str, Path], tmp_path: Path
) -> None:
    one, two = real_plans["update"], real_plans["replace_cascade"]
    first = one.read_text()
    path = tmp_path / "all.json"
    path.write_text((first if sep is not None else first.rstrip("\n")) + two.read_text())
    err = _refused(
        _analyze(path),
        path,
        _ids(one) + _ids(two),
        "holds 2 JSON documents one after another, not one plan",
        "terragrunt run-all show",
        "its own file",
        "--json-out-dir",
        f"jq -c . {path}",
    )
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed: the split command in the message is not run")
    command = re.search(r"split this file with (.*) and pass plans/", err)
    assert command is not None
    subprocess.run(command.group(1), shell=True, cwd=tmp_path, check=True)
    split = cli(["analyze", "--format", "json", str(tmp_path / "plans")])
    assert split.code == 0, split.err
    roots = split.json()["roots"]  # type: ignore[index]
    assert len(roots) == 2
    _same_analysis(roots[0], _root(_analyze(one)))
    _same_analysis(roots[1], _root(_analyze(two)))


def test_concatenated_plans_cut_off_are_counted_and_refused(
    real_plans: dict[str, Path], tmp_path: Path
) -> None:
    texts = [real_plans[s].read_text() for s in ("update", "replace_cascade", "noop")]
    path = tmp_path / "all.json"
    path.write_text(texts[0] + texts[1] + texts[2][: len(texts[2]) // 2])
    _refused(
        _analyze(path), path, [], "holds 2 JSON documents one after another, then text that is not"
    )


def test_one_document_with_trailing_text_is_not_called_several(tmp_path: Path) -> None:
    path = tmp_path / "tail.json"
    path.write_text('{"format_version":"1.2","resource_changes":[]} trailing')
    err = _refused(_analyze(path), path, [], "tail.json:1:48", "Extra data")
    assert "documents" not in err
