"""Fuzzed input: every bad plan, policy or ruleset ends in exit 2 with a message naming what and
where. Never a traceback (exit 3), never a pass.

Runs the real command line in-process (`planguard.cli.run`) so the error boundary is the one
users get. Bounded: 25 examples per strategy by default, 150 in the slow run.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import strategies as st

from planguard.cli import run
from tests.helpers import depth, explore, json_paths

ROOT = Path(__file__).parent.parent
EXAMPLE = (ROOT / "examples" / "destroy.json").read_bytes()
EXAMPLE_DOC = json.loads(EXAMPLE)


def outcome(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = run(args)
    captured = capsys.readouterr()
    return code, captured.err


def assert_refused(code: int, err: str, name: str) -> None:
    assert code == 2, f"exit {code}: {err[-600:]}"
    assert "Traceback" not in err
    assert err.startswith("planguard: error: ")
    assert name in err, "the message names the file"


def analyze(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    return outcome(["analyze", "--format", "json", str(path)], capsys)


# -- Plans -------------------------------------------------------------------------------------


@depth(25, 150)
def test_a_truncated_plan_is_refused(
    examples: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def check(cut: int) -> None:
        path = tmp_path / "cut.json"
        path.write_bytes(EXAMPLE[:cut])
        assert_refused(*analyze(path, capsys), "cut.json")

    explore(examples, check, cut=st.integers(0, len(EXAMPLE) - 2))


# Where a wrong type must be refused: the parts planguard reads (values are opaque, any JSON).
READ = [
    p
    for p in json_paths(EXAMPLE_DOC, items=2)
    if p
    and p[0] in ("resource_changes", "format_version", "prior_state", "configuration")
    and not {"before", "after", "before_sensitive", "after_sensitive", "after_unknown"} & set(p)
    and "expressions" not in p
    and "values" not in p
    and "sensitive_values" not in p
]
WRONG = [None, True, 3, 2.5, "text", [], {}, [1], {"k": 1}]


@depth(25, 150)
def test_a_wrong_type_anywhere_is_refused_or_read(
    examples: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def check(where: tuple[object, ...], value: object) -> None:
        doc = copy.deepcopy(EXAMPLE_DOC)
        node = doc
        for part in where[:-1]:
            node = node[part]
        node[where[-1]] = value
        path = tmp_path / "typed.json"
        path.write_text(json.dumps(doc))
        code, err = analyze(path, capsys)
        assert code in (0, 2), f"exit {code}: {err[-600:]}"
        assert "Traceback" not in err
        if code == 2:
            assert err.startswith("planguard: error: ") and "typed.json" in err

    explore(examples, check, where=st.sampled_from(READ), value=st.sampled_from(WRONG))


@depth(25, 150)
def test_invalid_utf8_anywhere_is_refused(
    examples: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def check(position: int, junk: bytes) -> None:
        path = tmp_path / "bytes.json"
        path.write_bytes(EXAMPLE[:position] + junk + EXAMPLE[position:])
        code, err = analyze(path, capsys)
        assert_refused(code, err, "bytes.json")

    explore(
        examples,
        check,
        position=st.integers(0, len(EXAMPLE) - 1),
        junk=st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"]),
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "deep-list.json",
            b'{"resource_changes":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            "nested deeper",
        ),
        ("deep-object.json", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "nested deeper"),
        ("nan.json", b'{"format_version":"1.2","resource_changes":[],"x":NaN}', "NaN"),
        (
            "infinity.json",
            b'{"format_version":"1.2","resource_changes":[],"x":-Infinity}',
            "Infinity",
        ),
        ("empty.json", b"", "empty"),
        ("spaces.json", b"  \n\t ", "empty"),
        ("list.json", b"[]", "a list"),
        ("string.json", b'"plan"', "a string"),
        ("nul.json", b"\x00" * 1000, "not valid JSON"),
        ("bom-only.json", b"\xef\xbb\xbf", "empty"),
        ("two-boms.json", b"\xef\xbb\xbf\xef\xbb\xbf{}", "two-boms.json"),
    ],
)
def test_odd_documents_are_refused(
    name: str, data: bytes, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, err = analyze(path, capsys)
    assert_refused(code, err, name)
    assert message in err


def test_modules_nested_too_deeply_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module: dict[str, object] = {"resources": []}
    for _ in range(300):
        module = {"module_calls": {"m": {"source": "./m", "module": module}}}
    doc = {
        "format_version": "1.2",
        "resource_changes": [],
        "configuration": {"root_module": module},
    }
    path = tmp_path / "modules.json"
    path.write_text(json.dumps(doc))
    code, err = analyze(path, capsys)
    assert code in (0, 2), err[-600:]
    assert "Traceback" not in err


def test_duplicate_keys_read_the_last_like_terraform_readers_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = EXAMPLE.decode().replace(
        '"format_version"', '"format_version":"9.9","format_version"', 1
    )
    path = tmp_path / "dupes.json"
    path.write_text(text)
    code, err = analyze(path, capsys)
    assert code == 0, err


def test_a_huge_string_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = copy.deepcopy(EXAMPLE_DOC)
    doc["resource_changes"][0]["change"]["before"] = {"blob": "x" * (50 << 20)}
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(doc))
    code, err = analyze(path, capsys)
    assert code == 0, err


@pytest.mark.slow
def test_a_one_gigabyte_file_is_refused_without_reading_it_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as handle:  # sparse: one gigabyte of NUL bytes
        handle.truncate(1 << 30)
    code, err = analyze(path, capsys)
    assert_refused(code, err, "big.json")
    assert "not a plan object" in err


def test_the_size_limit_names_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(EXAMPLE)
    monkeypatch.setenv("PLANGUARD_MAX_PLAN_BYTES", "1000")
    code, err = analyze(path, capsys)
    assert_refused(code, err, "plan.json")
    assert "PLANGUARD_MAX_PLAN_BYTES" in err and "1,000" in err


# -- Policies and rulesets --------------------------------------------------------------------

YAML_JUNK = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "[" * 5000,
            "- " * 3000 + "x",
            "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n",
            "thresholds: " + "9" * 5000,
            "reviewers: {default: [" + "'@x', " * 2000 + "]}",
            "!!python/object/apply:os.system ['echo pwned']",
            "version: !!binary AAAA",
            "\x00\x01\x02",
            "ruleset: x\nclasses: {stateful: [" + "[" * 3000 + "]",
            "approvals: {high: -1}",
            "approvals: {high: 1e999}",
            "ai_identities: [{login: 5}]",
            "thresholds: {ai: {high: explode}}",
            "{" * 100 + "}" * 100,
            "a: b\n" * 10 + "  c: d",
        ]
    ),
)


@depth(25, 150)
def test_a_broken_policy_is_refused(
    examples: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def check(text: str) -> None:
        policy = tmp_path / "policy.yml"
        policy.write_text(text)
        plan = tmp_path / "plan.json"
        plan.write_bytes(EXAMPLE)
        code, err = outcome(["check", "--policy", str(policy), str(plan)], capsys)
        assert code != 3 and "Traceback" not in err, err[-600:]
        if code == 2:
            assert err.startswith("planguard: error: ") and "policy.yml" in err
        else:  # the text happened to be a valid policy: the destroy plan still trips the gate
            assert code == 1

    explore(examples, check, text=YAML_JUNK)


@depth(25, 150)
def test_a_broken_ruleset_is_refused(
    examples: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def check(text: str) -> None:
        ruleset = tmp_path / "rules.yml"
        ruleset.write_text(text)
        plan = tmp_path / "plan.json"
        plan.write_bytes(EXAMPLE)
        code, err = outcome(["analyze", "--ruleset", str(ruleset), str(plan)], capsys)
        assert code == 2, f"exit {code}: {err[-600:]}"
        assert "Traceback" not in err and "rules.yml" in err

    explore(examples, check, text=YAML_JUNK)


def test_an_oversized_policy_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("# " + "x" * (5 << 20))
    plan = tmp_path / "plan.json"
    plan.write_bytes(EXAMPLE)
    code, err = outcome(["check", "--policy", str(policy), str(plan)], capsys)
    assert_refused(code, err, "policy.yml")
    assert "more than the" in err
