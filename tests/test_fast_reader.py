"""The fast plan reader (msgspec) and the careful one (json + parse.py) agree on every plan.

The fast reader may decline a document (then the careful reader reads it and names any error);
it must never accept one the careful reader rejects, nor read a plan differently.
"""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import strategies as st

from planguard.errors import PlanInputError
from planguard.plan import fast, load
from planguard.plan.model import Plan
from planguard.plan.parse import parse_plan
from planguard.plan.shape import ShapeError
from tests.helpers import depth, explore, json_paths
from tests.scenarios import SCENARIOS

TESTS = Path(__file__).parent
ROOT = TESTS.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402  (benchmarks/ is not a package)


def careful(data: bytes, name: str = "plan.json") -> Plan | None:
    """What the careful reader makes of `data`; None when it rejects it."""
    try:
        doc = load._decode(data, name)
        load._reject_other_documents(doc, name)
        return parse_plan(doc, name)
    except (PlanInputError, ShapeError):
        return None


def quick(data: bytes, name: str = "plan.json") -> Plan | None:
    return fast.read_plan(data, name)


def _plan_files() -> list[Path]:
    found = []
    for path in sorted(TESTS.rglob("*.json")):
        if "golden" in path.parts or "schema" in path.name:
            continue
        if careful(path.read_bytes()) is not None:
            found.append(path)
    return found


PLAN_FILES = _plan_files()


def test_there_are_many_plans_to_compare() -> None:
    assert len(PLAN_FILES) >= 80


@pytest.mark.parametrize("path", PLAN_FILES, ids=lambda p: str(p.relative_to(TESTS)))
def test_both_readers_read_every_test_plan_alike(path: Path) -> None:
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    read = quick(data, path.name)
    assert read is not None, "the fast reader declined a plan the careful reader reads"
    assert read == careful(data, path.name)


@pytest.mark.parametrize("path", PLAN_FILES, ids=lambda p: str(p.relative_to(TESTS)))
def test_a_missing_object_is_told_without_decoding_alike(path: Path) -> None:
    """`is_null` reads the JSON text of the fast reader's values and the careful reader's
    decoded ones: both must say what decoding would, for every side of every change."""
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    for read in (quick(data, path.name), careful(data, path.name)):
        assert read is not None
        for change in (*read.resource_changes, *read.resource_drift):
            for side in (change.before, change.after):
                assert side.is_null() == (side.get(()) is None), change.address


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_both_readers_read_real_terraform_plans_alike(
    scenario: str, real_plans: dict[str, Path]
) -> None:
    data = real_plans[scenario].read_bytes()
    read = quick(data)
    assert read is not None
    assert read == careful(data)


def test_both_readers_read_a_generated_benchmark_plan_alike() -> None:
    out = io.StringIO()
    generate.write_plan(500, out)
    data = out.getvalue().encode()
    read = quick(data)
    assert read is not None
    assert read == careful(data)
    assert len(read.resource_changes) == 500
    assert read.prior_state and read.resource_drift and read.configuration is not None


def test_values_are_decoded_only_when_asked_and_then_equal() -> None:
    data = (TESTS / "corpus").rglob("*.json").__next__().read_bytes()
    read, slow = quick(data), careful(data)
    assert read is not None and slow is not None
    for a, b in zip(read.resource_changes, slow.resource_changes, strict=True):
        for path in (("tags",), ("name",), ("id",)):
            assert a.before.get(path) == b.before.get(path)
            assert a.after.is_sensitive(path) == b.after.is_sensitive(path)
        assert "redacted" in repr(a.before)


# -- Mutations: wrong types and odd values at every level ------------------------------------

SMALL = json.loads((ROOT / "examples" / "destroy.json").read_bytes())
ODD_VALUES = [None, True, 1, 1.5, "x", [], {}, [1, "a"], {"k": None}, -1, "", [[]]]


PATHS = [p for p in json_paths(SMALL) if p]


def _mutated(path: tuple[object, ...], value: object, drop: bool) -> bytes:
    doc = copy.deepcopy(SMALL)
    node = doc
    for part in path[:-1]:
        node = node[part]  # type: ignore[index]
    if drop and isinstance(node, dict):
        del node[path[-1]]  # type: ignore[arg-type]
    else:
        node[path[-1]] = value  # type: ignore[index]
    return json.dumps(doc).encode()


@depth(60, 400)
def test_a_mutated_plan_is_read_alike_or_left_to_the_careful_reader(examples: int) -> None:
    def check(path: tuple[object, ...], value: object, drop: bool) -> None:
        data = _mutated(path, value, drop)
        read, slow = quick(data), careful(data)
        if slow is None:
            assert read is None, f"fast accepted what the careful reader rejects at {path}"
        elif read is not None:
            assert read == slow

    explore(examples, check, st.sampled_from(PATHS), st.sampled_from(ODD_VALUES), st.booleans())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"format_version":"1.2","resource_changes":[],"x":"\xff"}', "not UTF-8"),
        (b'{"format_version":"1.2","resource_changes":[],"x":NaN}', "not valid JSON"),
        (b'{"format_version":"9.0","resource_changes":[]}', "upgrade planguard"),
        (
            b'{"format_version":"1.2","resource_changes":[{"address":"a.b","change":{"actions":["explode"]}}]}',
            "actions",
        ),
        (b'{"lineage":"x","serial":1,"resource_changes":[]}', "state file"),
        (b'{"@level":"info","resource_changes":[]}', "log stream"),
    ],
)
def test_the_loader_still_names_what_is_wrong(data: bytes, message: str) -> None:
    assert quick(data) is None
    with pytest.raises(PlanInputError, match=message):
        load.plan_from_bytes(data, "plan.json")


def test_a_bom_is_accepted_by_the_fast_path() -> None:
    data = b"\xef\xbb\xbf" + (ROOT / "examples" / "destroy.json").read_bytes()
    assert load.plan_from_bytes(data, "p") == careful(data, "p")


def _hazard_plan(value: str) -> bytes:
    """A deletion-protection hazard whose before-values hold an odd number."""
    return (
        '{"format_version":"1.2","resource_changes":[{"address":"google_sql_database_instance.db",'
        '"mode":"managed","type":"google_sql_database_instance","name":"db",'
        '"provider_name":"registry.terraform.io/hashicorp/google","change":{"actions":["update"],'
        f'"before":{{"deletion_protection":true,"tier":{value}}},'
        '"after":{"deletion_protection":false,"tier":1}}}],'
        f'"planned_values":{{"x":{value}}}}}'
    ).encode()


@pytest.mark.parametrize("number", ["1e400", "-1.8e308", "9" * 400 + ".5", "9" * 5_000])
def test_numbers_beyond_a_double_read_alike_and_the_rules_still_run(
    number: str, tmp_path: Path
) -> None:
    data = _hazard_plan(number)
    read, slow = quick(data), careful(data)
    assert read is not None and slow is not None
    assert read == slow
    assert read.resource_changes[0].before.get(("tier",)) == slow.resource_changes[0].before.get(
        ("tier",)
    )
    path = tmp_path / "plan.json"
    path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-m", "planguard", "analyze", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "deletion" in done.stdout  # the hazard fired on the decoded values


def test_values_cannot_be_serialized_or_changed() -> None:
    from planguard.plan.model import Values
    from planguard.render.jsonout import to_jsonable

    values = Values({"password": "hunter2"}, None)
    with pytest.raises(TypeError):
        to_jsonable(values)
    with pytest.raises(AttributeError):
        values._raw = {}  # type: ignore[misc]
    assert "hunter2" not in repr(values) + str(values)


def test_a_closed_stdout_does_not_change_the_exit_code(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    done = subprocess.run(
        f'"{sys.executable}" -m planguard analyze --format markdown --output "{out}"'
        f' "{ROOT / "examples" / "destroy.json"}" >&-',
        shell=True,
        capture_output=False,
        check=False,
    )
    assert done.returncode == 0
    assert out.read_text().startswith("#")
